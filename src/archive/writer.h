// ArchiveWriter: adds entries to an archive, atomically.
//
// Thread-safe: Write may be called from several threads at once. Only one
// process should write an archive at a time (hold an ArchiveLock); two
// writers never corrupt it, but may both write the same scrape.
#ifndef CPROF_ARCHIVE_WRITER_H_
#define CPROF_ARCHIVE_WRITER_H_

#include <string>
#include <string_view>

#include "archive/sidecar.h"
#include "base/fs.h"

namespace cprof::archive {

// Creates `root` (and its marker file) if needed; fails if `root` holds an
// archive of a newer format than this build reads.
Status InitArchive(const fs::path& root);

class ArchiveWriter {
 public:
  explicit ArchiveWriter(fs::path root) : root_(std::move(root)) {}

  // Stores `bytes` and its sidecar. From `sidecar` the caller fills the
  // profile type, job, app, host, labels, url, timestamp, duration,
  // expiration and sample types; Write fills id, file, size, sha256,
  // expires_ms and format_version, and returns the completed sidecar.
  //
  // Order (the archive's invariant): the profile is written to a temporary
  // file, fsynced and renamed into place, then the sidecar likewise, then
  // the directory is fsynced. A crash at any point leaves either no entry
  // or a whole one (plus, at worst, a temporary or orphan file that prune
  // removes later). Writing an entry that exists already is a no-op.
  Result<Sidecar> Write(std::string_view bytes, Sidecar sidecar);

 private:
  fs::path root_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_WRITER_H_
