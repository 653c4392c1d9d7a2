// Prune: the only code that deletes from an archive, on disk or in a
// bucket alike (one algorithm over archive/store.h). Call it while holding
// the ArchiveLock (a bucket's scrapers: their spool's). Readers running
// meanwhile may see an entry vanish, never a half-entry: the sidecar goes
// first, then the profile (DeleteEntry).
#ifndef CPROF_ARCHIVE_PRUNE_H_
#define CPROF_ARCHIVE_PRUNE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "archive/scan.h"
#include "archive/store.h"

namespace cprof::archive {

struct PruneOptions {
  // max_bytes (0 = no cap): what the archive takes in its store (on disk
  //   as `du` counts it: allocated blocks of every file and directory
  //   under the root; in a bucket its objects' lengths) is brought under
  //   this by removing the oldest entries first.
  int64_t max_bytes = 0;
  // deleted (null): told each key prune deleted (a bucket's cache drops
  //   its copy).
  std::function<void(const std::string& key)> deleted;
};

struct PruneStats {
  int64_t entries_removed = 0;      // expired
  int64_t bytes_freed = 0;          // by the expired entries' profiles
  int64_t stale_files_removed = 0;  // temporary files, and halves of entries
  int64_t dirs_removed = 0;         // target and day directories left empty
  // With a size cap: the archive's size before the cap was applied and
  // after, and the entries removed to keep it (0, 0, 0 without a cap, or
  // when the store could tell it holds less than the cap: then the archive
  // is not measured).
  int64_t size_before = 0, size_after = 0;
  int64_t entries_over_size = 0;
  // Why the cap could not be applied ("" when it was, or was not needed).
  std::string size_error;
  // The store's first failure: a deletion that failed (prune went on), or
  // a listing (a bucket that stopped answering: prune stopped there). What
  // it removed before stays removed.
  Status error;
};

// Removes every entry, raw or rollup, that has expired by `now_ms`:
// retention is read from one readable sidecar of each target directory
// (its expires_ms less its time; every entry of a target directory has the
// same expiration, which is part of its key: man 5 cprofiler-archive) and
// applies to the target's entries of every day; temporary files, profiles
// without a sidecar and sidecars without a profile once older than
// kStaleFileMs; then, with options.max_bytes, the oldest raw entries (by
// scrape time, across targets) until the archive is under it, and then, if
// that is not enough, the oldest rollups, finest tier first; and the
// directories this leaves empty (with their derived INDEX and TARGETS
// files). Unreadable sidecars go to `reporter` and are kept (but count
// against the cap, and an old unreadable entry is removed by it too).
PruneStats Prune(Store& store, int64_t now_ms, Reporter* reporter,
                 const PruneOptions& options = {});

// Prune of the archive directory `root`.
PruneStats Prune(const fs::path& root, int64_t now_ms, Reporter* reporter,
                 const PruneOptions& options = {});

// Removes one entry of the archive at `root` (DeleteEntry). For
// compaction, replacing a stale rollup; everything else is removed by
// Prune.
Status RemoveEntry(const fs::path& root, const EntryKey& key);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_PRUNE_H_
