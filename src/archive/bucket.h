// An archive in an S3-compatible bucket: the same layout as on disk (the
// archive's relative paths are the keys under the bucket's prefix), read
// through a local cache and written through a local spool.
//
//   <cache>/archive/   the cache: an archive directory holding every sidecar
//                      of the days synced and the profiles read lately (LRU,
//                      capped); readers use it as any archive, fetching
//                      missing files through archive/remote.h
//   <cache>/spool/     scrape's archive: entries wait here until uploaded,
//                      profile first, then sidecar, then move to the cache
//
// A sidecar in the bucket means a whole entry, as on disk: writes put the
// profile before the sidecar; prune deletes the sidecar before the profile.
// Derived files (INDEX, TARGETS) never go to the bucket: each cache derives
// its own. The cache and the spool can be deleted at any time (the spool
// only once it is uploaded).
//
// Thread-safe: the cache's bookkeeping is under a lock; S3Client is
// thread-safe.
#ifndef CPROF_ARCHIVE_BUCKET_H_
#define CPROF_ARCHIVE_BUCKET_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "archive/archive.h"
#include "archive/prune.h"
#include "archive/remote.h"
#include "archive/s3.h"
#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

struct BucketOptions {
  fs::path cache_dir;
  // cache_max_bytes: the profiles kept in the cache; the least recently
  //   read go first when it is over.
  int64_t cache_max_bytes = int64_t{1} << 30;
  // transfers (16): GETs, PUTs or DELETEs in flight at once.
  int transfers = 16;
};

struct SyncStats {
  int64_t days = 0;              // day directories listed
  int64_t sidecars_listed = 0;   // entries the bucket has in them
  int64_t sidecars_fetched = 0;  // not cached before
  int64_t files_dropped = 0;     // cached files the bucket no longer has
  int64_t without_profile = 0;   // sidecars whose profile is not in the bucket: left out
};

class BucketArchive : public RemoteFiles, public Archive {
 public:
  BucketArchive(S3Client client, BucketOptions options);
  ~BucketArchive() override;

  // Archive: root() is the cache, write_root() the spool.
  std::string Describe() const override;
  const fs::path& root() const override { return cache_; }
  const fs::path& write_root() const override { return spool_; }
  bool slow() const override { return true; }
  Status SyncForReading(int64_t from_ms, int64_t to_ms, std::string_view profile_type) override;
  Status PrepareToServe() override;
  void StartFollowing(int64_t refresh_ms) override;
  void StopFollowing() override;
  Status SyncStates() override;
  Status Publish(UploadStats* stats) override { return UploadSpool(stats); }
  Status PublishState(const fs::path& local, std::string_view name) override;

  const fs::path& cache() const { return cache_; }
  const fs::path& spool() const { return spool_; }

  // One listing: OK when the bucket answers; else one line saying why
  // (no such bucket, credentials refused, endpoint unreachable).
  Status Check() override;

  // Lists the days overlapping [from_ms, to_ms] of every tier and, for the
  // entries in [from_ms, to_ms] (of `profile_type`; "": every type),
  // fetches the sidecars the cache lacks and drops the cached ones the
  // bucket no longer has (sidecar first); cached entries outside stay as
  // they are. A sidecar whose profile the bucket lacks is left out, as a
  // scan leaves it out on disk. Makes the cache an archive (its marker).
  Result<SyncStats> Sync(int64_t from_ms, int64_t to_ms, std::string_view profile_type = "");
  // serve's sync: every day (`all`) or today and yesterday, and the
  // scrapers' targets states; says on stderr what changed.
  Status SyncForServing(bool all);

  // Uploads every whole entry of the spool, profile then sidecar, and moves
  // it into the cache. Stops at the first failure (already retried): what
  // is left waits in the spool for the next call; the Status says why.
  Status UploadSpool(UploadStats* stats);

  // Prune (archive/prune.h) of the bucket: the same algorithm as on disk,
  // over a BucketStore; the cache drops what the bucket lost. Unreadable
  // sidecars go to `reporter` (may be null). The bucket's first failure
  // when prune could not finish.
  Result<PruneStats> Prune(int64_t now_ms, Reporter* reporter,
                           const PruneOptions& options) override;

  // Derived files beside the archive (the scrapers' target states), of at
  // most kMaxDerivedFileBytes: PutFile uploads `local` as `key`;
  // MirrorPrefix makes `dir` hold exactly the objects directly under
  // `prefix` ("name/"), fetching the new and changed ones (by size and
  // time) and removing the others.
  static constexpr int64_t kMaxDerivedFileBytes = int64_t{256} << 20;
  Status PutFile(const fs::path& local, std::string_view key);
  Status MirrorPrefix(std::string_view prefix, const fs::path& dir);

  // Deletes one entry from the bucket, sidecar first, then profile, and
  // from the cache (compaction's stale rollups). Gone already is OK.
  Status RemoveEntry(const EntryKey& key) override;

  // RemoteFiles: for readers of the cache.
  Status Fetch(const fs::path& relative, const fs::path& local) override;
  Status FetchAll(const std::vector<std::pair<fs::path, fs::path>>& files) override;
  void Touched(const fs::path& local) override;

 private:
  struct Listed;
  // Calls `fn` with each day directory of the bucket overlapping
  // [from_ms, to_ms], every tier: its key prefix ("<tier root>/YYYY/MM/DD/").
  Status ForEachDayPrefix(int64_t from_ms, int64_t to_ms,
                          const std::function<Status(const std::string& tier, const CivilDay& day,
                                                     const std::string& prefix)>& fn,
                          int64_t* days);
  // The entries' objects among `objects` listed under a day's `prefix`.
  static void AppendListed(const std::string& tier, const CivilDay& day, const std::string& prefix,
                           std::vector<S3Object>& objects, std::vector<Listed>* out);
  // Every object of the days overlapping [from_ms, to_ms], every tier.
  Status ListDays(int64_t from_ms, int64_t to_ms, std::vector<Listed>* out, int64_t* days);
  // Sync's work on a whole listing of [from_ms, to_ms] (prune's).
  Status SyncListed(const std::vector<Listed>& listed, int64_t from_ms, int64_t to_ms,
                    std::string_view profile_type, SyncStats* stats);
  // Fetches the sidecars of `listed` in scope that the cache lacks (or has
  // an older copy of), `workers` at once; adds every object in scope to
  // *in_bucket (relative paths).
  Status FetchListed(const std::vector<Listed>& listed, int64_t from_ms, int64_t to_ms,
                     std::string_view profile_type, size_t workers,
                     std::set<std::string>* in_bucket, SyncStats* stats);
  // Drops the cached files in scope of one target's day that `in_bucket`
  // lacks (sidecars first); of every cached target of a day but
  // `skip_targets`.
  void DropUnlisted(const std::string& tier, const CivilDay& day, const std::string& tkey,
                    const std::set<std::string>& in_bucket, int64_t from_ms, int64_t to_ms,
                    std::string_view profile_type, SyncStats* stats);
  void DropUnlistedTargets(const std::string& tier, const CivilDay& day,
                           const std::set<std::string>& skip_targets,
                           const std::set<std::string>& in_bucket, int64_t from_ms, int64_t to_ms,
                           std::string_view profile_type, SyncStats* stats);
  // Drops the least recently read profiles while the cache is over its cap.
  void Evict();

  // A sync drops the cached files its listing lacks: not those an upload
  // moves in meanwhile (MovedIn, while syncs_running_ > 0).
  class SyncRunning;
  void NoteMovedIn(const fs::path& relative);
  bool MovedIn(const fs::path& relative);

  S3Client client_;
  const BucketOptions options_;
  const fs::path cache_, spool_;
  std::mutex mu_;
  int64_t cached_bytes_ = -1;  // of profiles in the cache; -1: not counted yet
  int syncs_running_ = 0;
  std::set<std::string> moved_in_;  // relative paths, while syncs run
  // StartFollowing's thread, and what stops it.
  std::atomic<bool> stop_following_{false};
  std::thread follower_;
};

// The bucket of `url` ("s3://BUCKET/PREFIX"), its client configured by
// `s3` and credentials from the environment (LoadS3Credentials), cached in
// options.cache_dir. InvalidArgument naming what is wrong.
Result<std::unique_ptr<BucketArchive>> OpenBucket(std::string_view url, const S3Options& s3,
                                                  const BucketOptions& options);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_BUCKET_H_
