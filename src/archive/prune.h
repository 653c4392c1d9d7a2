// Prune: the only code that deletes from an archive. Call it while holding
// the ArchiveLock. Readers running meanwhile may see an entry vanish, never a
// half-entry: the sidecar goes first, then the profile.
#ifndef CPROF_ARCHIVE_PRUNE_H_
#define CPROF_ARCHIVE_PRUNE_H_

#include <cstdint>

#include "archive/scan.h"

namespace cprof::archive {

struct PruneStats {
  int64_t entries_removed = 0;
  int64_t bytes_freed = 0;
  int64_t stale_files_removed = 0;  // temporary files and orphan profiles
  int64_t dirs_removed = 0;
};

// Removes every entry whose time is more than its expiration (recorded in
// its sidecar when it was scraped; 0 = never) before `now_ms`; temporary
// files and profiles without a sidecar older than kStaleFileMs; and the
// directories this leaves empty. Unreadable sidecars go to `reporter` and are
// kept.
PruneStats Prune(const fs::path& root, int64_t now_ms, Reporter* reporter);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_PRUNE_H_
