// The scraper's Prometheus series: what `scrape --metrics-listen` serves at
// /metrics and `scrape --once --metrics-file` writes for node_exporter's
// textfile collector. Both come from the targets' state (target_state.h),
// so a cron run's file carries the counters and the last success of the
// runs before it.
//
// Per profile type of a target (labels job, instance = host, app,
// profile_type): cprofiler_scrape_success, cprofiler_scrape_duration_seconds,
// cprofiler_scrapes_total, cprofiler_scrape_errors_total,
// cprofiler_scrape_bytes_total, cprofiler_target_last_success_timestamp_seconds
// and the profile-metrics rules' cprofiler_profile_<name>[_unit]. Per target
// (job, instance, app): cprofiler_target_up. Once: cprofiler_scrape_state_
// updated_timestamp_seconds (when the state was written) and
// cprofiler_build_info.
//
// Thread-safe: pure functions.
#ifndef CPROF_SCRAPE_SCRAPE_METRICS_H_
#define CPROF_SCRAPE_SCRAPE_METRICS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pprof/codec.h"
#include "scrape/config.h"
#include "scrape/target_state.h"

namespace cprof::scrape {

// The series name of `rule` for a sample type of `unit`:
// cprofiler_profile_<name>, then _ratio for a share of functions, else
// _seconds for nanoseconds (the value is converted), _bytes for bytes,
// nothing for counts.
std::string ProfileMetricName(const ProfileMetricConfig& rule, std::string_view unit);

// The values of the `rules` that read `profile` (scraped as `profile_type`,
// validated by pprof::DecodeProfile), by series name: a sample type's total
// (nanoseconds as seconds), or the share of it in samples with a function
// matching the rule's regular expression on their stack, each sample
// counted once. Rules of another profile type, or of a sample type the
// profile lacks, are left out.
std::map<std::string, double> ProfileMetricValues(const pprof::Profile& profile,
                                                  std::string_view profile_type,
                                                  const std::vector<ProfileMetricConfig>& rules);

// The text exposition of `state` (see above); profile-derived values of
// rules no longer in `rules` are left out.
std::string RenderScrapeMetrics(const TargetsState& state,
                                const std::vector<ProfileMetricConfig>& rules,
                                std::string_view version, std::string_view revision);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_SCRAPE_METRICS_H_
