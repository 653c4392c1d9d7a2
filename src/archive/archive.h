// An archive as the commands and the scraper open it (OpenArchive): a
// directory, or a bucket read through its local cache and written through
// its local spool (bucket.h). They hold one and never ask which: what a
// directory does not need (a sync, an upload) is nothing there, and what
// a bucket needs of its callers is said by slow().
//
// Thread-safe: a directory's holds no state; a bucket's bookkeeping is
// under its lock.
#ifndef CPROF_ARCHIVE_ARCHIVE_H_
#define CPROF_ARCHIVE_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "archive/prune.h"
#include "archive/s3.h"
#include "archive/upload.h"
#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

class Archive {
 public:
  virtual ~Archive() = default;

  // The directory, or "s3://BUCKET/PREFIX".
  virtual std::string Describe() const = 0;
  // Where readers read it: the directory, or the bucket's cache.
  virtual const fs::path& root() const = 0;
  // Where scrape and compact write it: the directory, or the bucket's
  // spool (Publish makes what is there readable everywhere).
  virtual const fs::path& write_root() const = 0;
  // Whether its operations take network time (a second, or a timeout's
  // worth when it does not answer): callers keep Check, syncs, Publish,
  // Prune and compaction off threads that must not wait, and prune it at
  // most every kSlowPruneEveryMs (a prune lists every object).
  virtual bool slow() const = 0;

  // OK when it answers; Unavailable when it cannot be reached (writes
  // then wait in write_root()); another code when it refuses (credentials,
  // no such bucket). A directory always answers.
  virtual Status Check() = 0;

  // Makes root() hold what reading [from_ms, to_ms] of `profile_type` (""
  // for every type) needs, and the two days before it for types with
  // cumulative sample types (where their intervals start); says on stderr
  // what it skipped. Nothing for a directory.
  virtual Status SyncForReading(int64_t from_ms, int64_t to_ms, std::string_view profile_type) = 0;
  // serve's, before it reads root(): a directory is served as it is (one
  // that does not exist yet is said, and served empty); a bucket's cache
  // is made. An error when it cannot be.
  virtual Status PrepareToServe() = 0;
  // serve's: keeps root() following the archive until StopFollowing (or
  // the archive goes). Nothing for a directory. A bucket's cache is synced
  // whole now, then on a thread of its own today and yesterday every
  // `refresh_ms` and every day every 10 minutes (what was pruned), with
  // the scrapers' targets states; what changed and what failed is said on
  // stderr, the cache served meanwhile.
  virtual void StartFollowing(int64_t refresh_ms) = 0;
  virtual void StopFollowing() = 0;
  // The targets states every scraper published (PublishState) into
  // root()/<kStateDir>. Nothing for a directory (they are there).
  virtual Status SyncStates() = 0;

  // Makes what was written into write_root() readable everywhere: each
  // whole entry uploaded, profile then sidecar, and moved into the cache.
  // Stops at the first failure (what is left waits for the next call).
  // Nothing for a directory.
  virtual Status Publish(UploadStats* stats) = 0;
  // Shares the targets state file `local` as <kStateDir>/`name`. Nothing
  // for a directory.
  virtual Status PublishState(const fs::path& local, std::string_view name) = 0;

  // Prune (prune.h) of the whole archive. Unreadable sidecars go to
  // `reporter` (may be null); the first failure when it could not finish.
  virtual Result<PruneStats> Prune(int64_t now_ms, Reporter* reporter,
                                   const PruneOptions& options) = 0;
  // Removes one entry, sidecar first (compaction's stale rollups).
  virtual Status RemoveEntry(const EntryKey& key) = 0;
};

// How often a slow archive is pruned by a scraper.
inline constexpr int64_t kSlowPruneEveryMs = 10 * 60'000;

struct OpenOptions {
  // For an archive in a bucket ("s3://BUCKET/PREFIX"): how to reach it
  // (credentials come from the AWS environment: LoadS3Credentials), and
  // cache_dir ("": $XDG_CACHE_HOME, else $HOME/.cache, else /var/cache,
  // then cprofiler/BUCKET/PREFIX) and cache_max_bytes for its cache and
  // spool.
  S3Options s3;
  fs::path cache_dir;
  int64_t cache_max_bytes = 0;  // 0: the default (bucket.h)
};

// Whether `where` names an archive in a bucket ("s3://..."), not a path.
inline bool IsArchiveUrl(std::string_view where) { return where.starts_with("s3://"); }

// The archive `where` names: "s3://BUCKET/PREFIX" for a bucket, else a
// directory (which need not exist yet). InvalidArgument naming what is
// wrong with a bucket's URL or credentials.
Result<std::unique_ptr<Archive>> OpenArchive(const fs::path& where, const OpenOptions& options);

// A directory: readers and writers use it as it is.
class LocalArchive : public Archive {
 public:
  explicit LocalArchive(fs::path root) : root_(std::move(root)) {}

  std::string Describe() const override { return root_.string(); }
  const fs::path& root() const override { return root_; }
  const fs::path& write_root() const override { return root_; }
  bool slow() const override { return false; }
  Status Check() override { return Status::OK(); }
  Status SyncForReading(int64_t, int64_t, std::string_view) override { return Status::OK(); }
  Status PrepareToServe() override;
  void StartFollowing(int64_t) override {}
  void StopFollowing() override {}
  Status SyncStates() override { return Status::OK(); }
  Status Publish(UploadStats*) override { return Status::OK(); }
  Status PublishState(const fs::path&, std::string_view) override { return Status::OK(); }
  Result<PruneStats> Prune(int64_t now_ms, Reporter* reporter,
                           const PruneOptions& options) override;
  Status RemoveEntry(const EntryKey& key) override;

 private:
  const fs::path root_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_ARCHIVE_H_
