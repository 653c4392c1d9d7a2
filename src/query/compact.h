// Compaction: writes the rollups (query/rollup.h) of the spans that are
// over, and removes the ones they supersede. Run by `cprofiler compact` and
// after each scrape pass, with the ArchiveLock held (it writes and removes,
// as scrape and prune do).
//
// For each raw day directory of a target whose job keeps rollups, and each
// hour (then the day) that ended at least `grace_ms` ago and holds raw
// snapshots: each tier of that resolution that has rollups of the type
// gets one, unless it has one covering as many snapshots already. An hour
// is the merge of its raw snapshots; a day that of its hourly rollups and
// the raw snapshots no hourly one stands for (MergeTiled), so a day costs
// 24 profiles, not 1,440. A rollup holds its span's snapshots as they are
// when it is written: a snapshot that comes later makes it stale (readers
// then use the raw ones), and the next compaction replaces it: the new
// rollup written, then the stale one removed (one that a crash in between
// left beside the new one, the next compaction removes).
//
// Thread-safe: no shared state; one compaction at a time per archive.
#ifndef CPROF_QUERY_COMPACT_H_
#define CPROF_QUERY_COMPACT_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "archive/layout.h"
#include "archive/scan.h"
#include "archive/store.h"
#include "base/status.h"

namespace cprof::query {

// How long a job's rollups are kept after their span starts (0 = forever);
// negative: none are written.
struct RollupRetention {
  int64_t hourly_ms = -1;
  int64_t daily_ms = -1;
};

// The retention of a target's rollups (by its job, from the config).
using RetentionOf = std::function<RollupRetention(const archive::Target& target)>;

struct CompactOptions {
  int64_t now_ms = 0;
  // from_ms: only spans that start from here on (scrape passes: the last
  //   two days); the default, every span in the archive.
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  // grace_ms (5 min): a span is compacted once it has been over this long,
  //   so that the scrapes that started in it have landed.
  int64_t grace_ms = 5 * 60 * 1000;
  // durable (true): as ArchiveWriterOptions::durable.
  bool durable = true;
  std::string written_by;  // the sidecars' scraped_by: this host's name
  // write_root (default: the archive's root): where rollups are written. An
  //   archive in a bucket reads its cache and writes to its spool, which
  //   uploads them (archive/bucket.h); a rollup rewritten with its very ID
  //   then replaces the old one there, in place.
  fs::path write_root;
  // store (default: a LocalStore of write_root): where the rollups are
  //   written (a test's FaultStore), and removed from when `remove` is
  //   not given.
  archive::Store* store = nullptr;
  // remove (default: archive::DeleteEntry in `store`): removes a stale
  //   rollup that a new one replaces.
  std::function<Status(const archive::EntryKey&)> remove;
  // include_target (default: all): the target keys to compact (a scraper
  //   on a bucket compacts those it scrapes).
  std::function<bool(std::string_view target_key)> include_target;
  // stopped (default: never): when it says so, the compaction ends after
  //   the target it is at (a scraper shutting down).
  std::function<bool()> stopped;
};

struct CompactStats {
  size_t written = 0;     // rollups written
  size_t up_to_date = 0;  // spans whose rollup covered every snapshot already
  size_t replaced = 0;    // stale rollups removed for the ones that replace them
  size_t failed = 0;      // spans that could not be merged or written (reported)
};

// Whether a span has come due since the last compaction that MarkCompacted
// recorded (in <root>/rollups/COMPACTED, derived: without it, true): scrape
// passes compact once an hour, not once a minute.
bool CompactionDue(const fs::path& root, int64_t now_ms,
                   int64_t grace_ms = CompactOptions{}.grace_ms);
// When MarkCompacted last recorded a compaction; nullopt when none did (or
// its file is unreadable).
std::optional<int64_t> LastCompactedMs(const fs::path& root);
// Records a compaction at `now_ms`. Failures are ignored (the next pass
// compacts again).
void MarkCompacted(const fs::path& root, int64_t now_ms);

// Compacts the archive at `root` (see above). What cannot be read or merged
// goes to `reporter` (may be null) and is counted as failed; the rest goes
// on.
CompactStats Compact(const fs::path& root, const RetentionOf& retention,
                     const CompactOptions& options, archive::Reporter* reporter);

}  // namespace cprof::query

#endif  // CPROF_QUERY_COMPACT_H_
