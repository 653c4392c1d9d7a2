// Prune: the only code that deletes from an archive. Call it while holding
// the ArchiveLock. Readers running meanwhile may see an entry vanish, never a
// half-entry: the sidecar goes first, then the profile.
#ifndef CPROF_ARCHIVE_PRUNE_H_
#define CPROF_ARCHIVE_PRUNE_H_

#include <cstdint>
#include <string>

#include "archive/scan.h"

namespace cprof::archive {

struct PruneOptions {
  // max_bytes (0 = no cap): the archive's size on disk, as `du` counts it
  //   (allocated blocks of every file and directory under the root), is
  //   brought under this by removing the oldest entries first.
  int64_t max_bytes = 0;
};

struct PruneStats {
  int64_t entries_removed = 0;      // expired
  int64_t bytes_freed = 0;          // by the expired entries' profiles
  int64_t stale_files_removed = 0;  // temporary files and orphan profiles
  int64_t dirs_removed = 0;
  // With a size cap: the archive's size before the cap was applied and
  // after, and the entries removed to keep it (0, 0, 0 without a cap, or
  // when the whole file system holds less than the cap: then the archive
  // is not measured).
  int64_t size_before = 0, size_after = 0;
  int64_t entries_over_size = 0;
  // Why the cap could not be applied ("" when it was, or was not needed).
  std::string size_error;
};

// Removes every entry, raw or rollup, whose expires_ms (recorded in its
// sidecar when it was written; 0 = never) is before `now_ms`; temporary
// files and profiles without a sidecar older than kStaleFileMs; then, with
// options.max_bytes, the oldest raw entries (by scrape time, across
// targets) until the archive's size is under it, and then, if that is not
// enough, the oldest rollups, finest tier first; and the directories this
// leaves empty. An entry goes sidecar first, then profile. Unreadable
// sidecars go to `reporter` and are kept (but count against the cap, and an
// old unreadable entry is removed by it too).
PruneStats Prune(const fs::path& root, int64_t now_ms, Reporter* reporter,
                 const PruneOptions& options = {});

// Removes one entry of the archive at `root`, sidecar first, then profile
// (a reader never sees a sidecar without its profile). For compaction,
// replacing a stale rollup; everything else is removed by Prune.
Status RemoveEntry(const fs::path& root, const EntryKey& key);

struct DiskUsageStats {
  int64_t total = 0;    // everything under the root, as `du -s -B1` counts it
  int64_t entries = 0;  // of which entry files (profiles, sidecars, indexes)
};

// The allocated blocks of every file and directory under `root` (symlinks
// not followed). IOError when part of the tree cannot be read.
Result<DiskUsageStats> DiskUsage(const fs::path& root);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_PRUNE_H_
