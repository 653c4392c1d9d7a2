#include "scrape/scrape_metrics.h"

#include <re2/re2.h>

#include <optional>
#include <unordered_map>

#include "base/metrics.h"
#include "pprof/summary.h"

namespace cprof::scrape {
namespace {

// Whether any of the functions on sample `s`'s stack matches; `by_location`
// caches each location's answer.
bool StackMatches(const pprof::Profile& p, const perftools::profiles::Sample& s,
                  const std::unordered_map<uint64_t, int>& location_at,
                  const std::vector<bool>& function_matches,
                  const std::unordered_map<uint64_t, int>& function_at,
                  std::unordered_map<uint64_t, bool>* by_location) {
  for (uint64_t id : s.location_id()) {
    auto [cached, added] = by_location->try_emplace(id, false);
    if (added) {
      auto loc = location_at.find(id);
      if (loc != location_at.end()) {
        for (const auto& line : p.location(loc->second).line()) {
          auto f = function_at.find(line.function_id());
          if (f != function_at.end() && function_matches[f->second]) cached->second = true;
        }
      }
    }
    if (cached->second) return true;
  }
  return false;
}

// The share of sample value `index`'s total in samples with a function
// matching `re` on their stack; 0 for an empty profile.
double FunctionShare(const pprof::Profile& p, int index, const re2::RE2& re) {
  std::unordered_map<uint64_t, int> location_at, function_at;
  for (int i = 0; i < p.location_size(); ++i) location_at.emplace(p.location(i).id(), i);
  std::vector<bool> function_matches(p.function_size());
  for (int i = 0; i < p.function_size(); ++i) {
    function_at.emplace(p.function(i).id(), i);
    function_matches[i] = re2::RE2::PartialMatch(p.string_table(p.function(i).name()), re);
  }
  std::unordered_map<uint64_t, bool> by_location;
  double total = 0, matched = 0;
  for (const auto& s : p.sample()) {
    const double v = static_cast<double>(s.value(index));
    total += v;
    if (StackMatches(p, s, location_at, function_matches, function_at, &by_location)) {
      matched += v;
    }
  }
  return total == 0 ? 0 : matched / total;
}

const ProfileMetricConfig* RuleOfSeries(std::string_view series,
                                        const std::vector<ProfileMetricConfig>& rules) {
  for (const ProfileMetricConfig& rule : rules) {
    for (std::string_view unit : {"nanoseconds", "bytes", "count"}) {
      if (ProfileMetricName(rule, unit) == series) return &rule;
    }
  }
  return nullptr;
}

// Whether an attempt at `p` has finished: a dispatched one sets
// last_attempt_ms before it is over.
bool Finished(const ProfileState& p) {
  return p.scrapes > 0 || p.last_success_ms > 0 || !p.last_error.empty();
}

// cprofiler_target_up: 0 when a profile type's last attempt failed, 1 when
// one finished and none failed, nullopt before any finished.
std::optional<double> UpOf(const ActiveTarget& t) {
  bool finished = false;
  for (const ProfileState& p : t.profiles) {
    if (!p.last_error.empty()) return 0;
    finished = finished || Finished(p);
  }
  return finished ? std::optional<double>(1) : std::nullopt;
}

std::string HelpOf(const ProfileMetricConfig& rule) {
  if (rule.function.empty()) {
    return "profile-metrics " + rule.name + ": the total of " + rule.sample_type +
           " in the target's last profile.";
  }
  return "profile-metrics " + rule.name + ": the share of " + rule.sample_type +
         " in samples with a function matching /" + rule.function +
         "/ on their stack, in the target's last profile.";
}

}  // namespace

std::string ProfileMetricName(const ProfileMetricConfig& rule, std::string_view unit) {
  std::string name = "cprofiler_profile_" + rule.name;
  if (!rule.function.empty()) return name + "_ratio";
  if (unit == "nanoseconds") return name + "_seconds";
  if (unit == "bytes") return name + "_bytes";
  return name;
}

std::map<std::string, double> ProfileMetricValues(const pprof::Profile& profile,
                                                  std::string_view profile_type,
                                                  const std::vector<ProfileMetricConfig>& rules) {
  std::map<std::string, double> out;
  pprof::ProfileSummary summary;
  for (const ProfileMetricConfig& rule : rules) {
    if (pprof::ProfileTypeOf(rule.sample_type) != profile_type) continue;
    if (summary.sample_types.empty()) summary = pprof::Summarize(profile, profile_type);
    for (size_t i = 0; i < summary.sample_types.size(); ++i) {
      const pprof::SampleTypeTotal& t = summary.sample_types[i];
      if (t.name != rule.sample_type) continue;
      double value = static_cast<double>(t.total);
      if (!rule.function.empty()) {
        re2::RE2 re(rule.function, re2::RE2::Quiet);
        value = re.ok() ? FunctionShare(profile, static_cast<int>(i), re) : 0;
      } else if (t.unit == "nanoseconds") {
        value /= 1e9;
      }
      out[ProfileMetricName(rule, t.unit)] = value;
    }
  }
  return out;
}

std::string RenderScrapeMetrics(const TargetsState& state,
                                const std::vector<ProfileMetricConfig>& rules,
                                std::string_view version, std::string_view revision) {
  metrics::Registry r;
  const std::vector<std::string> target_labels = {"job", "instance", "app"};
  const std::vector<std::string> labels = {"job", "instance", "app", "profile_type"};
  metrics::Family* up = r.Gauge(
      "cprofiler_target_up",
      "1 when every profile type of the target succeeded at its last attempt, 0 when one failed.",
      target_labels);
  metrics::Family* success =
      r.Gauge("cprofiler_scrape_success",
              "1 when the last scrape succeeded and was archived, else 0.", labels);
  metrics::Family* duration = r.Gauge("cprofiler_scrape_duration_seconds",
                                      "How long the last scrape's request took.", labels);
  metrics::Family* scrapes = r.Counter("cprofiler_scrapes_total", "Scrapes attempted.", labels);
  metrics::Family* errors = r.Counter(
      "cprofiler_scrape_errors_total",
      "Scrapes failed (request, status, size, an invalid profile or the archive write).", labels);
  metrics::Family* bytes =
      r.Counter("cprofiler_scrape_bytes_total", "Bytes of the profiles archived.", labels);
  metrics::Family* not_offered =
      r.Gauge("cprofiler_scrape_not_offered",
              "1 when the target answered 404 for an optional profile type (goroutineleak): not "
              "asked again until the config changes.",
              labels);
  metrics::Family* last_success = r.Gauge("cprofiler_target_last_success_timestamp_seconds",
                                          "When the newest archived profile was scraped.", labels);
  std::map<std::string, metrics::Family*> derived;
  for (const ActiveTarget& t : state.active) {
    if (std::optional<double> v = UpOf(t)) up->Set({t.job, t.host, t.app}, *v);
    for (const ProfileState& p : t.profiles) {
      const metrics::LabelValues values = {t.job, t.host, t.app, p.type};
      if (!p.not_offered.empty()) {
        not_offered->Set(values, 1);
      } else if (Finished(p)) {
        success->Set(values, p.last_error.empty() ? 1 : 0);
        duration->Set(values, static_cast<double>(p.last_duration_ms) / 1000);
      }
      scrapes->Set(values, static_cast<double>(p.scrapes));
      errors->Set(values, static_cast<double>(p.errors));
      bytes->Set(values, static_cast<double>(p.bytes));
      if (p.last_success_ms > 0) {
        last_success->Set(values, static_cast<double>(p.last_success_ms) / 1000);
      }
      for (const auto& [series, value] : p.metrics) {
        const ProfileMetricConfig* rule = RuleOfSeries(series, rules);
        if (rule == nullptr) continue;
        metrics::Family*& f = derived[series];
        if (f == nullptr) f = r.Gauge(series, HelpOf(*rule), labels);
        f->Set(values, value);
      }
    }
  }
  r.Gauge("cprofiler_scrape_state_updated_timestamp_seconds",
          "When the scraper last wrote its targets' state (a cron run: when it ran).")
      ->Set({}, static_cast<double>(state.updated_ms) / 1000);
  r.Gauge("cprofiler_build_info", "Always 1: the version and revision of this binary.",
          {"version", "revision"})
      ->Set({std::string(version), std::string(revision)}, 1);
  return r.Render();
}

}  // namespace cprof::scrape
