// Where an archive's files live, as leveldb's Env is where a database's
// live: a directory on disk (LocalStore, below), an S3-compatible bucket
// (archive/bucket_store.h), or, in tests, a store that fails and crashes
// on purpose (tests/archive/fault_store.h). Keys are the archive's relative
// paths, '/'-separated, the same on disk and in a bucket
// ("2026/12/07/<tkey>/101500123-heap-9b2e41c07d.pb.gz": man 5
// cprofiler-archive).
//
// The contract of every implementation (tests/archive/store_test.cc runs
// its cases on each):
//   - Put makes an object visible whole or not at all, replacing any
//     object of that key; a reader never sees part of one.
//   - Get and GetRange read an object; NotFound when there is none.
//   - List gives every object under a prefix, in key order, a page at a
//     time; an object put before the listing began is in it, one deleted
//     before is not.
//   - Delete of an object that is not there is OK.
//   - Symbolic links below a local store's root are not part of it (scan.h).
//
// An entry is two objects, its profile and its sidecar, and the order that
// keeps it whole is not the store's to keep: PutEntry and DeleteEntry
// below put the profile before the sidecar and delete the sidecar before
// the profile, so a sidecar is never without its profile, whatever stops
// the writer. Every writer and pruner goes through them.
//
// Thread-safe: every implementation may be called from several threads.
#ifndef CPROF_ARCHIVE_STORE_H_
#define CPROF_ARCHIVE_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/layout.h"
#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

// A key's last part, the object's file name ("2026/12/07/<tkey>/x.json"
// -> "x.json").
inline std::string_view KeyName(std::string_view key) {
  return key.substr(key.rfind('/') + 1);  // (npos + 1 is 0: the whole key)
}

// One object of a listing.
struct StoredObject {
  std::string key;
  // Its length in bytes. -1: not known from the listing (Stat tells).
  int64_t size = -1;
  // The bytes it takes in the store: a local file's allocated blocks (as
  // du counts them), an object's length. -1: not known from the listing.
  int64_t footprint = -1;
  // When it was last written here: a local file's ctime (which rename and
  // copy set, and `cp -a` cannot preserve), an object's LastModified. -1:
  // not known from the listing.
  int64_t written_ms = -1;
};

// One object of a PutBatch.
struct PutRequest {
  std::string key;
  std::string_view data;
  // The index in the batch of the object this one is put after, and only
  // if that one was put (an entry's sidecar names its profile); -1: none.
  int after = -1;
  // The SHA-256 of `data` as lowercase hex when the caller has it already
  // (an entry's profile: its sidecar's sha256), else "": a bucket signs the
  // PUT with it rather than hash `data` again (PutOne).
  std::string_view sha256 = {};
};

struct PutBatchResult {
  std::vector<Status> status;  // one per object of the batch
  // Put, but a power loss may still undo them: what could not be synced
  // (a local store's directory, by key prefix), and why.
  std::vector<std::pair<std::string, Status>> unsynced;
};

// What a store holds in all, for a size cap.
struct StoreUsage {
  int64_t total = 0;    // everything the store takes (a directory's blocks too)
  int64_t entries = 0;  // of which entries' files and their derived files
};

class Store {
 public:
  virtual ~Store() = default;

  // "/var/lib/cprofiler", "s3://bucket/prefix": for messages.
  virtual std::string Describe() const = 0;

  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // ResourceExhausted for an object larger than `max_bytes`.
  virtual Result<std::string> Get(std::string_view key, size_t max_bytes) = 0;
  // Up to `length` bytes from `offset` (fewer at the object's end).
  virtual Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) = 0;
  // size and written_ms of one object; NotFound when there is none.
  virtual Result<StoredObject> Stat(std::string_view key) = 0;

  // Calls `page` with the objects whose keys start with `prefix` ("" or
  // ending in '/'), in key order, a page at a time, until it returns
  // non-OK (returned). `with_details`: sizes and times wanted (a local
  // store stats each file only then; a bucket's listing has them anyway).
  using ListPageFn = std::function<Status(std::span<const StoredObject> objects)>;
  virtual Status List(std::string_view prefix, bool with_details, const ListPageFn& page) = 0;
  // The names one level below `prefix` ("" or ending in '/') that have
  // objects under them ("2026/" -> "01", "02", ...), sorted.
  virtual Result<std::vector<std::string>> ListChildren(std::string_view prefix) = 0;

  // Puts several objects, each as Put does, made visible in the order
  // given: a crash part way leaves the first of them visible and none of
  // the rest. An object whose `after` was not put is not put either (its
  // status is that one's). `durable` false: they need not survive a power
  // loss (a benchmark's archive). The default puts them one by one; a
  // local store writes them all, syncs the file system once, and renames
  // them into place in order, which is what makes a scrape pass of 256
  // entries cost one sync rather than 512.
  virtual PutBatchResult PutBatch(std::span<const PutRequest> objects, bool durable);
  // One object of the default PutBatch: Put, unless the store has a use
  // for the request's sha256 (a bucket's).
  virtual Status PutOne(const PutRequest& object) { return Put(object.key, object.data); }

  // A key ending in '/' names a directory: a local store removes it if it
  // is empty, a bucket has none (OK).
  virtual Status Delete(std::string_view key) = 0;

  // What the store takes, unless it can tell cheaply that it is at most
  // `cap` (then nullopt: a local store whose whole file system holds less).
  virtual Result<std::optional<StoreUsage>> UsageOver(int64_t cap) = 0;

  // The directory a local store keeps its objects in, where the writer
  // keeps the derived index files beside them (index_file.h); null for a
  // store elsewhere, which has none.
  virtual const fs::path* local_root() const { return nullptr; }
};

// An archive in a directory. Put writes a temporary file, fsyncs it, and
// renames it into place (base/fs.h WriteFileAtomic), making the
// directories it needs, durably; Delete removes the directories it leaves
// empty, up to the root. Put refuses (InvalidArgument) a key through a
// directory that is a symbolic link: readers pass such a directory over
// (scan.h), so what went into it would be lost to them.
class LocalStore : public Store {
 public:
  explicit LocalStore(fs::path root) : root_(std::move(root)) {}

  const fs::path& root() const { return root_; }

  std::string Describe() const override { return root_.string(); }
  Status Put(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key, size_t max_bytes) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<StoredObject> Stat(std::string_view key) override;
  PutBatchResult PutBatch(std::span<const PutRequest> objects, bool durable) override;
  Status List(std::string_view prefix, bool with_details, const ListPageFn& page) override;
  Result<std::vector<std::string>> ListChildren(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::optional<StoreUsage>> UsageOver(int64_t cap) override;
  const fs::path* local_root() const override { return &root_; }

 private:
  fs::path PathOf(std::string_view key) const;
  // Runs `write` (a write into `dir`); if it fails for want of the
  // directory, makes it (durably: its parents synced) and runs it again.
  // Most writes go to a directory that exists: this spares them a stat.
  Status InDir(const fs::path& dir, const std::function<Status()>& write);

  const fs::path root_;
};

// The key of `key`'s profile and of its sidecar.
std::string ProfileKey(const EntryKey& key);
std::string SidecarKey(const EntryKey& key);

// Puts one entry: its profile, then its sidecar. A failure of the profile
// leaves no sidecar; a failure of the sidecar leaves a profile without one,
// which readers ignore and prune removes once stale.
Status PutEntry(Store& store, const EntryKey& key, std::string_view profile,
                std::string_view sidecar);

// Deletes one entry: its sidecar, then its profile. A failure of the
// profile leaves a profile without a sidecar, as above.
Status DeleteEntry(Store& store, const EntryKey& key);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_STORE_H_
