// Scraper: pulls profiles from targets into the archive, on schedule.
//
// Not thread-safe: one Scraper per process, driven from one thread. The
// caller holds the archive's ArchiveLock for as long as a Scraper runs.
//
// A (job, host, profile type) is due when its job's interval has passed
// since its newest entry in the archive (less a tenth of the interval, at
// most 30 s, so that a cron run a little early still counts), so the
// archive itself is the scrape state: nothing else to keep or lose.
#ifndef CPROF_SCRAPE_SCRAPER_H_
#define CPROF_SCRAPE_SCRAPER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/prune.h"
#include "archive/writer.h"
#include "base/fetcher.h"
#include "query/compact.h"
#include "scrape/config.h"
#include "scrape/discovery.h"
#include "scrape/target_state.h"

namespace cprof::scrape {

struct PassStats {
  int archived = 0;
  int failed = 0;
  int not_due = 0;
  int not_offered = 0;  // optional types the target answered 404 for, now or before
  int64_t bytes = 0;
  double seconds = 0;
  archive::PruneStats prune;
  query::CompactStats compact;
};

// Scrape passes compact the spans of this last stretch (a day's rollup is
// due after the day, and two days cover a scraper that was down for one).
inline constexpr int64_t kCompactLookbackMs = 2 * 86'400'000LL;

// The rollup retention of each job of `config` (none for other jobs).
query::RetentionOf RollupRetentionOf(const Config& config);
// Whether any job of `config` keeps rollups.
bool KeepsRollups(const Config& config);

// "pass: 56 archived (3.2 MiB), 2 failed, 14 not due, 1 not offered, in 10.3s;
// pruned 4 expired (1.1 MiB)".
std::string FormatPass(const PassStats& stats);

// Profiles are written in batches (ArchiveWriter::Stage/Commit): at most
// this many, this many bytes, or this long, between file system syncs.
inline constexpr size_t kCommitBatch = 256;
inline constexpr size_t kCommitBytes = 64 << 20;
inline constexpr int64_t kCommitDelayMs = 100;

class Scraper {
 public:
  Scraper(fs::path archive_root, const FetcherOptions& options = {});
  ~Scraper();  // waits for a compaction in the background

  // Scrapes what is due (everything when `force`), all at once, archives
  // what is valid, then prunes and compacts. Every failure is logged on one line naming
  // job, host, profile type and reason; nothing of a failed request reaches
  // the archive.
  PassStats RunOnce(const Config& config, bool force);

  // Scrapes each target on its job's interval until `stop` is set, then
  // abandons transfers in flight (nothing half-written is left). About once
  // a second calls `reload`, which returns a new config when it changed, and
  // reads the file_sd files that changed.
  // Prunes and compacts once a minute.
  void RunForever(Config config, const std::atomic<bool>& stop,
                  const std::function<std::optional<Config>()>& reload);

  // Called on the scraping thread with the targets' state each time it is
  // written: at the end of RunOnce, every few seconds in RunForever (for
  // the metrics, scrape_metrics.h).
  void set_state_listener(std::function<void(const TargetsState&)> listener) {
    state_listener_ = std::move(listener);
  }

  // The archive (archive/archive.h) whose write_root() this scraper's
  // archive is, when its readers read elsewhere (a bucket's cache): due
  // times also look there. A slow archive is pruned by its Publisher, not
  // by passes, and its compaction reads its root() (synced first) and
  // writes the rollups of the targets this scraper scrapes (or did, since
  // it started) into write_root() (to be published), removing the stale
  // ones from the archive, on a thread of its own in the loop.
  void set_archive(archive::Archive* archive) { archive_ = archive; }

 private:
  // One profile type of one host, with everything needed to scrape and
  // archive it (copied, so a config reload never dangles).
  struct Work {
    std::string job, app, host, profile_type, url, target_key;
    archive::Labels labels;
    LabelSet discovered;  // the target's labels before relabeling
    Nanos interval, timeout, expiration;
    int64_t max_bytes = 0;
    static std::string KeyOf(std::string_view job, std::string_view host, std::string_view type) {
      return std::string(job) + '\x1f' + std::string(host) + '\x1f' + std::string(type);
    }
    std::string Key() const { return KeyOf(job, host, profile_type); }
  };
  struct InFlight {
    Work work;
    int64_t started_ms = 0;
  };

  // Every profile scrape of `config`'s jobs' targets (discovery_'s).
  std::vector<Work> Expand(const Config& config);
  // Whether `work` is an optional type its target did not offer under
  // this config: skipped.
  bool NotOffered(const Work& work) const;
  // When each work item was last archived (0 if never).
  std::map<std::string, int64_t> LastScraped(const std::vector<Work>& work, int64_t now_ms) const;
  void Dispatch(const Work& work, int64_t now_ms);
  void Complete(FetchResult result, PassStats* stats);
  // Prunes expired entries, and with the config's max-size the oldest
  // until the archive is under it; then, once an hour has come due since
  // the last time, writes the rollups that are due (query/compact.h) over
  // the last kCompactLookbackMs.
  // On a slow archive, the compaction runs on a thread of its own when
  // `background` (the loop: its network time must not hold up scraping).
  PassStats Maintain(int64_t now_ms, const Config& config, PassStats stats, bool background);
  // A pass's compaction: the spans of the last kCompactLookbackMs.
  query::CompactOptions CompactOptionsAt(int64_t now_ms) const;
  // On a slow archive: the rollups of the targets `keys` over the last
  // kCompactLookbackMs, merged from its root() (synced first), written to
  // write_root() (published from there), the stale ones removed.
  query::CompactStats CompactSlow(const query::RetentionOf& retention,
                                  const std::set<std::string>& keys, int64_t now_ms);

  fs::path root_;
  archive::Archive* archive_ = nullptr;  // (set_archive)
  // Every target Expand() gave since the start: a target gone from the
  // config still gets its last spans' rollups.
  std::set<std::string> compact_keys_;
  std::thread compactor_;  // CompactSlow in the background
  std::atomic<bool> compacting_{false};
  std::atomic<bool> stopping_{false};  // the compaction ends early
  // Makes staged entries durable and visible: when `now`, or once
  // kCommitBatch are staged or the oldest has waited kCommitDelayMs.
  void Commit(PassStats* stats, bool now);

  archive::ArchiveWriter writer_;
  int64_t first_staged_ms_ = 0;  // when the oldest staged entry was staged; 0: none
  Fetcher fetcher_;
  std::map<uint64_t, InFlight> in_flight_;
  uint64_t next_tag_ = 1;
  std::string hostname_;
  std::string config_fingerprint_;  // of the config being scraped
  Discovery discovery_;
  // By Work::Key(): the last attempt, success and error (target_state.h).
  std::map<std::string, ProfileState> attempts_;
  // The attempts of the last state written, for the targets of this run
  // that have none yet: their errors, counters and last success go on.
  void LoadPreviousState();
  std::vector<ProfileMetricConfig> profile_metrics_;  // the config's
  std::function<void(const TargetsState&)> state_listener_;
  // The state of every target of `work` and the config's dropped ones,
  // written to the archive; `next_due(w)` is when `w` is due next.
  void SaveState(const Config& config, const std::vector<Work>& work,
                 const std::function<int64_t(const Work&)>& next_due);
};

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_SCRAPER_H_
