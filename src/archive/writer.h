// ArchiveWriter: adds entries to an archive, atomically, through its Store
// (store.h): the one writer of entries, which keeps their order.
//
// Thread-safe: Write, Stage and Commit may be called from several threads. Only one
// process should write an archive at a time (hold an ArchiveLock); two
// writers never corrupt it, but may both write the same scrape.
#ifndef CPROF_ARCHIVE_WRITER_H_
#define CPROF_ARCHIVE_WRITER_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/index_file.h"
#include "archive/sidecar.h"
#include "archive/store.h"
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
  // Writes into the directory `root`, through a LocalStore of its own.
  explicit ArchiveWriter(fs::path root, ArchiveWriterOptions options = {});
  // Writes into `store`, which outlives the writer.
  explicit ArchiveWriter(Store* store, ArchiveWriterOptions options = {});
  ~ArchiveWriter();

  // Stores `bytes` and its sidecar. From `sidecar` the caller fills the
  // profile type, job, app, host, labels, url, timestamp, duration,
  // expiration and sample types; Write fills id, file, size, sha256,
  // expires_ms (not a rollup's) and format_version, and returns the
  // completed sidecar.
  //
  // Order (the archive's invariant, store.h): the profile is put whole,
  // then the sidecar, as one Store::PutBatch. A crash at any point leaves
  // either no entry or a whole one (plus, at worst, a temporary or orphan
  // file that prune removes later). Writing an entry that exists already
  // is a no-op.
  Result<Sidecar> Write(std::string_view bytes, Sidecar sidecar);

  // Batched writing, for a scrape pass: Stage() keeps an entry (a copy of
  // its bytes) and returns its completed sidecar; Commit() puts every
  // staged entry at once, as one PutBatch: the profiles, then the
  // sidecars, each sidecar only if its profile went in. On a local store
  // that is one file system sync for all of them, the renames in that
  // order, then each directory synced once. Nothing staged is visible
  // before Commit; a crash during it leaves whole entries and, at worst,
  // temporary files and profiles without sidecars, which prune removes.
  Result<Sidecar> Stage(std::string_view bytes, Sidecar sidecar);
  struct CommitResult {
    size_t committed = 0;
    std::vector<std::pair<std::string, Status>> failed;  // id, why: lost
    // Committed, but a power loss may still undo them: their directory's
    // sync failed (the store's description of it, and why).
    std::vector<std::pair<std::string, Status>> unsynced_dirs;
  };
  CommitResult Commit();
  size_t staged() const;
  // The bytes of the profiles staged: a caller commits before they grow
  // past what it may hold.
  size_t staged_bytes() const;

 private:
  struct Pending;
  // The entry's key, completed sidecar and bytes, and whether it is
  // archived already.
  Result<Pending> Prepare(std::string_view bytes, Sidecar sidecar);
  CommitResult Put(std::vector<Pending> batch);

  std::unique_ptr<Store> owned_;  // the LocalStore of a writer made with a root
  Store* const store_;
  const ArchiveWriterOptions options_;
  mutable std::mutex mu_;  // guards pending_ and pending_bytes_
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_WRITER_H_
