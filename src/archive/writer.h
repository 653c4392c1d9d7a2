// ArchiveWriter: adds entries to an archive, atomically.
//
// Thread-safe: Write, Stage and Commit may be called from several threads. Only one
// process should write an archive at a time (hold an ArchiveLock); two
// writers never corrupt it, but may both write the same scrape.
#ifndef CPROF_ARCHIVE_WRITER_H_
#define CPROF_ARCHIVE_WRITER_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/index_file.h"
#include "archive/sidecar.h"
#include "base/fs.h"

namespace cprof::archive {

// Creates `root` (and its marker file) if needed; fails if `root` holds an
// archive of a newer format than this build reads.
Status InitArchive(const fs::path& root);

struct ArchiveWriterOptions {
  // durable (true): Commit syncs the file system and the directories, so
  //   that a committed entry survives a power loss. false keeps only the
  //   ordering of renames (a reader still never sees half an entry): for
  //   archives that need no durability, such as a benchmark's.
  bool durable = true;
  // tier (""): the rollup tier (archive/layout.h) whose sub-archive the
  //   entries go to, each with its sidecar's `rollup` and `expires_ms` set
  //   by the caller; "" for raw entries.
  std::string tier = "";
};

class ArchiveWriter {
 public:
  explicit ArchiveWriter(fs::path root, ArchiveWriterOptions options = {})
      : root_(std::move(root)), options_(options) {}

  // Stores `bytes` and its sidecar. From `sidecar` the caller fills the
  // profile type, job, app, host, labels, url, timestamp, duration,
  // expiration and sample types; Write fills id, file, size, sha256,
  // expires_ms (not a rollup's) and format_version, and returns the
  // completed sidecar.
  //
  // Order (the archive's invariant): the profile is written to a temporary
  // file, fsynced and renamed into place, then the sidecar likewise, then
  // the directory is fsynced. A crash at any point leaves either no entry
  // or a whole one (plus, at worst, a temporary or orphan file that prune
  // removes later). Writing an entry that exists already is a no-op.
  Result<Sidecar> Write(std::string_view bytes, Sidecar sidecar);

  // Batched writing, for a scrape pass: Stage() writes an entry's two files
  // under temporary names, unsynced, and returns its completed sidecar;
  // Commit() makes every staged entry durable and visible at once: one
  // file system sync (syncfs) for all their data, the profiles renamed into
  // place, then the sidecars, then each directory fsynced once. The same
  // invariant as Write at a fraction of the syncs; a crash before Commit
  // leaves only temporary files, which prune removes.
  Result<Sidecar> Stage(std::string_view bytes, Sidecar sidecar);
  struct CommitResult {
    size_t committed = 0;
    std::vector<std::pair<std::string, Status>> failed;  // id, why: lost
    // Committed, but a power loss may still undo them: their directory's
    // fsync failed.
    std::vector<std::pair<fs::path, Status>> unsynced_dirs;
  };
  CommitResult Commit();
  size_t staged() const;

 private:
  struct Prepared;
  // The entry's id, names and directory, and whether it exists already.
  Result<Prepared> Prepare(std::string_view bytes, Sidecar sidecar);
  // Runs `write`, creating `dir` first and again if it fails for want of it.
  Status InDir(const fs::path& dir, const std::function<Status()>& write);

  struct Pending {
    std::string id;
    fs::path dir;
    std::string profile_temp, profile_name, sidecar_temp, sidecar_name;
    Target target;
    IndexEntry record;  // for the directory's index file, less the stamp
  };

  fs::path root_;
  const ArchiveWriterOptions options_;
  mutable std::mutex mu_;  // guards pending_
  std::vector<Pending> pending_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_WRITER_H_
