// What the scraper knows of its targets, for `cprofiler targets`, serve's
// /api/targets and the people asking "which targets are failing, and why":
// every target discovery found, with its labels before and after
// relabeling, active or dropped, and per profile type the last attempt, the
// last success, the last error and the next due time.
//
// Kept in <archive>/.state/targets.json, written after every scrape pass
// (and every few seconds by a running scrape). Derived: deleting it loses
// only the last errors until the next pass. Scrapers into a bucket each
// upload theirs as .state/targets.<scraper>.json (SharedStateFile), which
// readers of the bucket's cache find beside it and read as one.
//
// Thread-safe: pure functions and whole-file reads and writes.
#ifndef CPROF_SCRAPE_TARGET_STATE_H_
#define CPROF_SCRAPE_TARGET_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "archive/layout.h"
#include "base/fs.h"
#include "scrape/relabel.h"

namespace cprof::scrape {

// The scraper's state in the archive (this file, the last good HTTP SD
// lists): derived, like the index files, and skipped by every reader.
inline constexpr std::string_view kStateDir = archive::kStateDir;

struct ProfileState {
  std::string type;  // "heap"
  std::string url;
  int64_t last_attempt_ms = 0;  // 0: never
  int64_t last_success_ms = 0;  // the newest archived profile's time; 0: none
  int64_t next_due_ms = 0;
  std::string last_error;  // of the last attempt; "" when it succeeded
  // An optional profile type (profile_types.h) the target answered 404 for:
  // the fingerprint of the config then (config.h), skipped while it is the
  // config's; "" when offered, or not asked yet.
  std::string not_offered;
  // Since the state file was first written (carried from pass to pass, so
  // that cron runs count on): attempts, failed ones, bytes archived.
  int64_t scrapes = 0, errors = 0, bytes = 0;
  int64_t last_duration_ms = 0;  // the last attempt's request
  // The profile-metrics values of the last profile archived, by series
  // name (scrape_metrics.h).
  std::map<std::string, double> metrics;
};

struct ActiveTarget {
  std::string job, app, host;
  archive::Labels labels;  // after relabeling
  LabelSet discovered;     // before
  std::vector<ProfileState> profiles;
};

struct DroppedTarget {
  std::string job;
  LabelSet discovered;
};

struct TargetsState {
  int64_t updated_ms = 0;
  std::string scraper;  // the host that scraped
  std::vector<ActiveTarget> active;
  std::vector<DroppedTarget> dropped;
};

// "down" when a profile type's last attempt failed, "up" when every one
// that was attempted succeeded, "unknown" before any attempt.
std::string_view HealthOf(const ActiveTarget& target);

// Active targets failing first, then by job, app and host.
void SortFailingFirst(std::vector<ActiveTarget>* targets);

std::string SerializeTargetsState(const TargetsState& state);
Result<TargetsState> ParseTargetsState(std::string_view json);

// The state of the archive at `root`: its targets.json and every other
// scraper's targets.<scraper>.json updated in the last day, as one (their
// targets together, the newest update, the scrapers' names joined by ", ");
// another scraper's that cannot be read is skipped, and said on stderr.
// NotFound when no pass wrote one.
Result<TargetsState> ReadTargetsState(const fs::path& root);

// "targets.<host>-<8 hex of instance>.json": one scraper's state in a
// bucket's .state/, `instance` telling apart scrapers on one host (their
// spool's path).
std::string SharedStateFile(std::string_view host, std::string_view instance);
Status WriteTargetsState(const fs::path& root, const TargetsState& state);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_TARGET_STATE_H_
