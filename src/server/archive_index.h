// An in-memory index of an archive's sidecars, for `serve`: the answers to
// /api/profile_meta and friends without reading a file per request. This
// is its loading; server/index_query.h answers from what it loaded.
//
// The index is a cache of the sidecars (SPEC: any index can be deleted and
// rebuilt), read through archive::ReadTargetDir (from the directories'
// INDEX files where they hold). Refresh() brings it up to date: it lists
// the day directories, newest first, stats every <tkey> directory, and
// re-reads only those whose modification time changed (a directory changes
// when an entry is renamed into or removed from it), on a few threads. A
// directory modified within the last kUnsettledMs is re-listed on every
// refresh, since a second change inside the file system's timestamp
// granularity would not move its mtime. The first Refresh() publishes as it
// goes, whole days at a time (LoadedSnapshot).
//
// Thread-safe: Refresh() may run on one thread while any number of readers
// use the snapshots they got from Snapshot(); a snapshot is immutable.
#ifndef CPROF_SERVER_ARCHIVE_INDEX_H_
#define CPROF_SERVER_ARCHIVE_INDEX_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "archive/scan.h"
#include "archive/sidecar.h"
#include "base/profile_types.h"
#include "base/time.h"

namespace cprof::server {

namespace fs = std::filesystem;

inline constexpr int64_t kUnsettledMs = 2000;

// A sample type's identity, shared by every entry that has it.
struct SampleTypeName {
  std::string name;  // "heap_inuse_space"
  std::string type;  // "inuse_space"
  std::string unit;  // "bytes"
};

// An entry's sample types, in its sidecar's order; interned by the index,
// shared by every entry with the same list.
using SampleTypeList = std::vector<const SampleTypeName*>;

// One entry, compactly (32 bytes): serve holds millions. The rest of its
// ID, its sample types' totals and its duration are in its TargetDir.
struct IndexedEntry {
  int64_t timestamp_ms = 0;
  // For a trace: one, named "trace" (total: its size in bytes). Never null.
  const SampleTypeList* sample_types = nullptr;
  // TargetDir::totals[totals_at...]: one a sample type, then the duration
  // if it is not 0.
  uint32_t totals_at = 0;
  // The profile file's bytes (sidecar "size"; at most 4 GiB, which no
  // profile the scraper accepts reaches).
  uint32_t size = 0;
  uint8_t profile_type = 0;  // index into kProfileTypes
  // Fetched from a path that serves intervals (pprof::ServesIntervals).
  bool served_as_intervals = false;
  bool has_duration = false;
  // The ID's last part, 10 hex digits, as 5 bytes.
  std::array<uint8_t, archive::kContentHashLength / 2> hash{};

  std::string_view ProfileType() const { return kProfileTypes[profile_type].name; }
};

// One <tkey> directory: one target's entries of one day.
struct TargetDir {
  CivilDay day;
  int64_t day_start_ms = 0;
  std::string tkey;  // the directory's name: <root>/YYYY/MM/DD/<tkey>
  archive::Target target;
  std::vector<IndexedEntry> entries;  // by timestamp, then ID
  std::vector<int64_t> totals;        // the entries' totals and durations
  int64_t bytes = 0;                  // the entries' profile files' sizes, summed
  // The distinct (profile type, sample type) pairs of `entries`.
  std::vector<std::pair<std::string_view, const SampleTypeName*>> kinds;
  int64_t mtime_ns = 0;
  bool settled = false;

  std::string IdOf(const IndexedEntry& entry) const;
  archive::EntryKey KeyOf(const IndexedEntry& entry) const;
  // The total of `entry`'s i-th sample type.
  int64_t Total(const IndexedEntry& entry, size_t i) const { return totals[entry.totals_at + i]; }
  int64_t DurationOf(const IndexedEntry& entry) const {
    return entry.has_duration ? totals[entry.totals_at + entry.sample_types->size()] : 0;
  }
  // What it takes in memory, about: for the index's budget.
  size_t MemoryBytes() const;
};

struct ArchiveSnapshot {
  // Days from this one on are all here; older ones may not be: not yet (the
  // first read of an archive goes newest day first, and publishes as it
  // goes), or not at all (over the memory budget: ArchiveIndex::Extend).
  // The smallest int64 when the whole archive is here.
  int64_t loaded_from_ms = std::numeric_limits<int64_t>::min();
  // The first read of the archive is over: what is not here now is not
  // held (the budget), rather than not read yet.
  bool complete = false;
  std::vector<std::shared_ptr<const TargetDir>> dirs;  // by day, then tkey
  // tkey -> its directories, oldest day first: a target's series.
  std::map<std::string, std::vector<const TargetDir*>, std::less<>> by_tkey;
  size_t entry_count = 0;
  // profile type -> its sample type names, sorted.
  std::map<std::string, std::set<std::string>> sample_types;
  // label key (_job, _app, _host and user keys) -> values.
  std::map<std::string, std::set<std::string>> label_values;
};

// ID order within one directory: time, then type, then hash (the stem's).
bool IdLess(const IndexedEntry& a, const IndexedEntry& b);
// The entry `key` names, as an IndexedEntry to search a directory by.
IndexedEntry ProbeEntry(const archive::EntryKey& key);
// Whether two are the same entry (of one directory).
bool SameEntry(const IndexedEntry& a, const IndexedEntry& b);

struct RefreshStats {
  size_t dirs_read = 0;      // <tkey> directories re-listed
  size_t from_index = 0;     // entries read from index files
  size_t sidecars_read = 0;  // sidecars parsed
  size_t corrupt = 0;        // sidecars left out as unreadable
};

// How long the index took to read the archive, for serve's /metrics.
struct IndexTimes {
  double first_load_seconds = 0;    // the first Refresh(); 0 until it is over
  double last_refresh_seconds = 0;  // the latest Refresh()
};

struct ArchiveIndexOptions {
  // publish_every (200 ms): while the first Refresh() reads the archive,
  //   how often it makes what it has read so far (whole days, newest
  //   first) available to LoadedSnapshot.
  std::chrono::milliseconds publish_every = std::chrono::milliseconds(200);
  // max_bytes (0 = none): the index holds the newest days whose
  //   directories fit in this (TargetDir::MemoryBytes), whole days only,
  //   and at least the newest; older days are read for the requests that
  //   need them (Extend).
  size_t max_bytes = 0;
};

class ArchiveIndex {
 public:
  // `reporter` (may be null, not owned) hears about unreadable sidecars.
  ArchiveIndex(fs::path root, archive::Reporter* reporter, ArchiveIndexOptions options = {});
  // Not copyable or movable.
  ArchiveIndex(const ArchiveIndex&) = delete;
  ArchiveIndex& operator=(const ArchiveIndex&) = delete;

  // Brings the index up to date with the disk. Serialized: concurrent
  // callers wait for each other.
  RefreshStats Refresh();

  // The index as of the last Refresh(); never null (empty before the
  // first).
  std::shared_ptr<const ArchiveSnapshot> Snapshot() const;

  // The index once it holds every day from `from_ms` on, or once the first
  // Refresh() is over (all it will hold: see Extend), waiting up to `wait`
  // for the first Refresh() to read them (it reads the newest days first);
  // null if it has not by then. serve listens before the archive is read,
  // and answers from this: never from a partly read time range. The
  // smallest int64 (the default) waits for the whole first read.
  std::shared_ptr<const ArchiveSnapshot> LoadedSnapshot(
      std::chrono::milliseconds wait, int64_t from_ms = std::numeric_limits<int64_t>::min()) const;

  // `held` with the days from `from_ms` on that it does not hold (over the
  // budget) read from the archive, for one request: its own snapshot,
  // not kept. ResourceExhausted when those days alone take more than the
  // budget.
  Result<std::shared_ptr<const ArchiveSnapshot>> Extend(
      const std::shared_ptr<const ArchiveSnapshot>& held, int64_t from_ms);

  const fs::path& root() const { return root_; }
  IndexTimes Times() const;

 private:
  std::shared_ptr<const TargetDir> LoadDir(const CivilDay& day, const fs::path& dir,
                                           const std::string& tkey, const TargetDir* previous,
                                           int64_t mtime_ns, RefreshStats* stats);
  const SampleTypeName* Intern(const archive::SampleTypeInfo& info);
  const SampleTypeList* Intern(SampleTypeList list);
  // "YYYY/MM/DD/<tkey>" -> its directory: by day, then tkey.
  using DirMap = std::map<std::string, std::shared_ptr<const TargetDir>>;
  static std::shared_ptr<ArchiveSnapshot> SnapshotOf(const DirMap& dirs, int64_t loaded_from_ms,
                                                     bool complete);
  // Makes a snapshot of `dirs` the current one.
  void Publish(const DirMap& dirs, int64_t loaded_from_ms, bool complete);
  // The <tkey> directories of `day` (a directory of the archive), loaded
  // on a few threads; those in `dirs` and unchanged are reused. Adds to
  // *out; returns their MemoryBytes.
  // *changed is set when a directory changed. Links among them go to
  // `links` (may be null).
  size_t LoadDay(const CivilDay& day, const fs::path& day_dir, const DirMap& dirs, DirMap* out,
                 RefreshStats* stats, bool* changed, archive::Reporter* links);

  const fs::path root_;
  archive::SerializedReporter reporter_;  // directories load on several threads
  const ArchiveIndexOptions options_;

  std::mutex refresh_mu_;  // one Refresh() at a time; guards the members below
  DirMap dirs_;
  std::mutex intern_mu_;  // guards names_ and lists_ (loads run on threads)
  std::map<std::string, std::unique_ptr<SampleTypeName>> names_;
  std::set<SampleTypeList> lists_;

  bool refreshed_ = false;  // a Refresh() has finished; guarded by refresh_mu_
  // Days from this one on are held (the budget); guarded by refresh_mu_.
  int64_t held_from_ms_ = std::numeric_limits<int64_t>::min();

  std::atomic<double> first_load_seconds_ = 0;
  std::atomic<double> last_refresh_seconds_ = 0;

  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const ArchiveSnapshot> snapshot_;
  // Whether snapshot_ holds anything yet (the empty one before the first
  // Refresh() holds nothing); guarded by snapshot_mu_.
  bool published_ = false;
  mutable std::condition_variable published_cv_;
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_ARCHIVE_INDEX_H_
