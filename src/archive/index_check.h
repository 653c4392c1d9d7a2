// `cprofiler index`: comparing an archive's index files with its sidecars,
// and rebuilding them, like fsck. Thread-safe: reads, and index file
// replacements that are safe to race (index_file.h).
#ifndef CPROF_ARCHIVE_INDEX_CHECK_H_
#define CPROF_ARCHIVE_INDEX_CHECK_H_

#include <cstddef>
#include <functional>

#include "archive/scan.h"

namespace cprof::archive {

struct IndexCheckStats {
  size_t dirs = 0;           // <tkey> directories
  size_t entries = 0;        // readable entries
  size_t indexed = 0;        // of which a record holds for the sidecar as it is
  size_t missing = 0;        // entries without a record: read from sidecars
  size_t outdated = 0;       // records of a sidecar changed since: not used
  size_t stale = 0;          // records of removed entries: not used
  size_t wrong = 0;          // records readers use that disagree with the sidecar
  size_t damaged_files = 0;  // index files unreadable past some byte
  size_t unreadable = 0;     // sidecars (reported to the Reporter)
  size_t rewritten = 0;      // index files written (rebuild)

  // Whether readers give answers the sidecars do not: wrong records. (All
  // else only costs readers time.)
  bool Wrong() const { return wrong > 0; }
};

struct IndexCheckOptions {
  // rebuild (false): replace every index file by one made from the
  //   sidecars; the counts are those found before.
  bool rebuild = false;
  // progress (null): called with the counts so far after each directory.
  std::function<void(const IndexCheckStats&)> progress;
};

// Reads every sidecar of the archive at `root` and compares each <tkey>
// directory's index file with them. Wrong records and damaged files go to
// `reporter` (may be null), as do unreadable sidecars.
IndexCheckStats CheckIndexes(const fs::path& root, const IndexCheckOptions& options,
                             Reporter* reporter);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_INDEX_CHECK_H_
