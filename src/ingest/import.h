// Importing profile files (runtime/pprof, `go test -cpuprofile`, any
// pprof) into an archive: `cprofiler import`. Each file is made an entry as
// a push is (entry.h MakeEntry), staged, and committed in batches through
// the one ArchiveWriter.
//
// Thread-compatible: one import into an archive directory at a time per
// process (another process, such as a scraper, may write beside it).
#ifndef CPROF_INGEST_IMPORT_H_
#define CPROF_INGEST_IMPORT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "ingest/entry.h"

namespace cprof::ingest {

struct ImportStats {
  size_t imported = 0;
  size_t already = 0;  // archived already (the same profile, target and time)
  std::vector<std::pair<fs::path, Status>> failed;  // each file that was not, and why
};

// Imports `files` into the archive directory `write_root` (made an archive
// if it is not one yet), each as `pushed` says (its job, app, labels and
// type; a timestamp_ms of 0 takes each profile's time_nanos) within
// `options` (labels, expiration; a file of up to 1 GiB). A file that
// cannot be read or made an entry is skipped and told in `failed`. An
// error only when the archive cannot be made one.
Result<ImportStats> ImportFiles(const std::vector<fs::path>& files, const Pushed& pushed,
                                const PushOptions& options, const fs::path& write_root);

}  // namespace cprof::ingest

#endif  // CPROF_INGEST_IMPORT_H_
