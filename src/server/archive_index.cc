#include "server/archive_index.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_map>

#include "archive/layout.h"
#include "archive/target_dir.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/parallel.h"
#include "pprof/interval.h"
#include "pprof/summary.h"
#include "query/select.h"

namespace cprof::server {
namespace {

static_assert(sizeof(IndexedEntry) == 32, "serve holds millions: keep it small");

// Threads that load <tkey> directories (when there are that many to load).
constexpr size_t kLoadThreads = 8;

// A directory's key in a DirMap: "YYYY/MM/DD/<tkey>", by day, then tkey.
std::string DirKey(const CivilDay& day, const std::string& tkey) {
  return archive::DayDir(day).string() + "/" + tkey;
}

uint8_t ProfileTypeIndex(std::string_view type) {
  for (size_t i = 0; i < kProfileTypes.size(); ++i) {
    if (kProfileTypes[i].name == type) return static_cast<uint8_t>(i);
  }
  return 0;  // (sidecars name only known types)
}

}  // namespace

bool IdLess(const IndexedEntry& a, const IndexedEntry& b) {
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  if (a.profile_type != b.profile_type) return a.ProfileType() < b.ProfileType();
  return a.hash < b.hash;
}

IndexedEntry ProbeEntry(const archive::EntryKey& key) {
  IndexedEntry probe;
  probe.timestamp_ms = key.timestamp_ms;
  probe.profile_type = ProfileTypeIndex(key.profile_type);
  std::string hash = BytesOfHex(key.content_hash);
  std::copy_n(hash.begin(), probe.hash.size(), probe.hash.begin());
  return probe;
}

bool SameEntry(const IndexedEntry& a, const IndexedEntry& b) {
  return a.timestamp_ms == b.timestamp_ms && a.profile_type == b.profile_type && a.hash == b.hash;
}

archive::EntryKey TargetDir::KeyOf(const IndexedEntry& e) const {
  std::string hash =
      HexOf(std::string_view(reinterpret_cast<const char*>(e.hash.data()), e.hash.size()));
  return archive::EntryKey{e.timestamp_ms, tkey, std::string(e.ProfileType()), std::move(hash), ""};
}

std::string TargetDir::IdOf(const IndexedEntry& e) const { return archive::FormatId(KeyOf(e)); }

size_t TargetDir::MemoryBytes() const {
  // The vectors' blocks, the strings', and about 200 bytes for the
  // allocations around it (shared_ptr, map nodes, the snapshot's
  // pointers).
  size_t bytes = sizeof(TargetDir) + 200 + entries.capacity() * sizeof(IndexedEntry) +
                 totals.capacity() * sizeof(int64_t) + kinds.capacity() * sizeof(kinds[0]) +
                 tkey.capacity() + target.job.capacity() + target.app.capacity() +
                 target.host.capacity();
  for (const auto& [k, v] : target.labels) bytes += 64 + k.capacity() + v.capacity();
  return bytes;
}

ArchiveIndex::ArchiveIndex(fs::path root, archive::Reporter* reporter, ArchiveIndexOptions options)
    : root_(std::move(root)),
      reporter_(reporter),
      options_(options),
      snapshot_(std::make_shared<ArchiveSnapshot>()) {}

std::shared_ptr<const ArchiveSnapshot> ArchiveIndex::Snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

std::shared_ptr<const ArchiveSnapshot> ArchiveIndex::LoadedSnapshot(std::chrono::milliseconds wait,
                                                                    int64_t from_ms) const {
  std::unique_lock<std::mutex> lock(snapshot_mu_);
  auto covers = [&] {
    return published_ && (snapshot_->loaded_from_ms <= from_ms || snapshot_->complete);
  };
  if (!published_cv_.wait_for(lock, wait, covers)) return nullptr;
  return snapshot_;
}

const SampleTypeName* ArchiveIndex::Intern(const archive::SampleTypeInfo& info) {
  std::lock_guard<std::mutex> lock(intern_mu_);
  std::string key = info.name + '\0' + info.type + '\0' + info.unit;
  auto it = names_.find(key);
  if (it == names_.end()) {
    it = names_
             .emplace(std::move(key), std::make_unique<SampleTypeName>(
                                          SampleTypeName{info.name, info.type, info.unit}))
             .first;
  }
  return it->second.get();
}

const SampleTypeList* ArchiveIndex::Intern(SampleTypeList list) {
  std::lock_guard<std::mutex> lock(intern_mu_);
  return &*lists_.insert(std::move(list)).first;
}

std::shared_ptr<const TargetDir> ArchiveIndex::LoadDir(const CivilDay& day, const fs::path& dir,
                                                       const std::string& tkey,
                                                       const TargetDir* previous, int64_t mtime_ns,
                                                       RefreshStats* stats) {
  if (!IsDirectory(dir)) return nullptr;
  ++stats->dirs_read;
  auto out = std::make_shared<TargetDir>();
  out->day = day;
  out->day_start_ms = DayStartMs(day);
  out->tkey = tkey;
  out->mtime_ns = mtime_ns;
  out->settled = NowMs() - mtime_ns / 1'000'000 > kUnsettledMs;
  archive::TargetDirOptions options;
  if (previous != nullptr) {
    // Entries indexed already are taken from the last read, not re-read.
    options.reuse = [&](const archive::EntryKey& key) {
      IndexedEntry probe = ProbeEntry(key);
      auto it = std::lower_bound(previous->entries.begin(), previous->entries.end(), probe, IdLess);
      if (it == previous->entries.end() || !SameEntry(*it, probe)) return false;
      IndexedEntry& e = out->entries.emplace_back(*it);
      e.totals_at = static_cast<uint32_t>(out->totals.size());
      for (size_t i = 0; i < it->sample_types->size(); ++i) {
        out->totals.push_back(previous->Total(*it, i));
      }
      if (it->has_duration) out->totals.push_back(previous->DurationOf(*it));
      return true;
    };
  }
  archive::TargetDirStats read_stats;
  archive::TargetDay read =
      archive::ReadTargetDir(dir, day, tkey, options, &reporter_, &read_stats);
  stats->from_index += read_stats.from_index;
  stats->sidecars_read += read_stats.sidecars_read;
  stats->corrupt += read_stats.corrupt;
  if (read.target) {
    out->target = std::move(*read.target);
  } else if (previous != nullptr) {
    out->target = previous->target;
  }
  for (const archive::Sidecar& sidecar : read.entries) {
    IndexedEntry e = ProbeEntry(*archive::ParseId(sidecar.id));
    e.size = static_cast<uint32_t>(std::clamp<int64_t>(sidecar.size, 0, UINT32_MAX));
    e.served_as_intervals = pprof::ServesIntervals(sidecar.url);
    e.totals_at = static_cast<uint32_t>(out->totals.size());
    SampleTypeList names;
    for (const archive::SampleTypeInfo& t : query::SampleTypesOf(sidecar)) {
      names.push_back(Intern(t));
      out->totals.push_back(t.total);
    }
    e.sample_types = Intern(std::move(names));
    e.has_duration = sidecar.duration_ns != 0;
    if (e.has_duration) out->totals.push_back(sidecar.duration_ns);
    out->entries.push_back(e);
  }
  std::sort(out->entries.begin(), out->entries.end(), IdLess);
  for (const IndexedEntry& e : out->entries) out->bytes += e.size;
  out->entries.shrink_to_fit();
  out->totals.shrink_to_fit();
  for (const IndexedEntry& e : out->entries) {
    for (const SampleTypeName* name : *e.sample_types) {
      std::pair<std::string_view, const SampleTypeName*> kind(e.ProfileType(), name);
      if (std::find(out->kinds.begin(), out->kinds.end(), kind) == out->kinds.end()) {
        out->kinds.push_back(kind);
      }
    }
  }
  return out;
}

size_t ArchiveIndex::LoadDay(const CivilDay& day, const fs::path& day_dir, const DirMap& dirs,
                             DirMap* out, RefreshStats* stats, bool* changed,
                             archive::Reporter* links) {
  struct Load {
    std::string key;  // in a DirMap
    fs::path dir;
    std::string tkey;
    const TargetDir* previous;
    int64_t mtime_ns;
    std::shared_ptr<const TargetDir> loaded;
  };
  std::vector<Load> loads;
  size_t bytes = 0;
  archive::ForEachTargetDir(
      day_dir,
      [&](const std::string& tkey, const fs::path& dir) {
    auto stamp = StampOf(dir);
    if (!stamp.ok()) return;
    const int64_t mtime_ns = stamp->mtime_ns;
    std::string key = DirKey(day, tkey);
    auto old = dirs.find(key);
    const TargetDir* previous = old == dirs.end() ? nullptr : old->second.get();
    if (previous != nullptr && previous->mtime_ns == mtime_ns && previous->settled) {
      bytes += previous->MemoryBytes();
      out->emplace(std::move(key), old->second);
      return;
    }
    loads.push_back({std::move(key), dir, tkey, previous, mtime_ns, nullptr});
      },
      links);
  // On several threads: reading a cold archive waits on the disk, which
  // serves several reads at once.
  std::vector<RefreshStats> thread_stats(kLoadThreads);
  ParallelFor(loads.size(), kLoadThreads, [&](size_t t, size_t i) {
    Load& l = loads[i];
    l.loaded = LoadDir(day, l.dir, l.tkey, l.previous, l.mtime_ns, &thread_stats[t]);
  });
  for (const RefreshStats& t : thread_stats) {
    stats->dirs_read += t.dirs_read;
    stats->from_index += t.from_index;
    stats->sidecars_read += t.sidecars_read;
    stats->corrupt += t.corrupt;
  }
  for (Load& l : loads) {
    if (l.loaded == nullptr) continue;
    *changed = *changed || l.previous == nullptr ||
               l.previous->entries.size() != l.loaded->entries.size() ||
               stats->sidecars_read + stats->from_index > 0;
    bytes += l.loaded->MemoryBytes();
    out->emplace(std::move(l.key), std::move(l.loaded));
  }
  return bytes;
}

IndexTimes ArchiveIndex::Times() const {
  return {first_load_seconds_.load(), last_refresh_seconds_.load()};
}

RefreshStats ArchiveIndex::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  const auto started = std::chrono::steady_clock::now();
  RefreshStats stats;
  std::vector<std::pair<CivilDay, fs::path>> days;
  archive::ForEachDay(
      root_, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
      [&](const CivilDay& day, const fs::path& dir) { days.emplace_back(day, dir); });
  bool changed = !refreshed_;
  DirMap next;
  size_t bytes = 0;
  int64_t held_from = std::numeric_limits<int64_t>::min();
  // Newest day first: the first read of a large archive publishes as it
  // goes, and recent days, what most queries ask for, are there first
  // (and are what the budget keeps).
  auto published_at = std::chrono::steady_clock::now();
  for (auto day = days.rbegin(); day != days.rend(); ++day) {
    DirMap day_dirs;
    // Links are told about on the first read only: every refresh lists them.
    const size_t day_bytes = LoadDay(day->first, day->second, dirs_, &day_dirs, &stats, &changed,
                                     refreshed_ ? nullptr : &reporter_);
    if (options_.max_bytes > 0 && !next.empty() && bytes + day_bytes > options_.max_bytes) {
      held_from = DayStartMs(day->first) + kMsPerDay;
      break;
    }
    bytes += day_bytes;
    next.merge(day_dirs);
    auto now = std::chrono::steady_clock::now();
    if (!refreshed_ && now - published_at >= options_.publish_every) {
      Publish(next, DayStartMs(day->first), /*complete=*/false);
      published_at = now;
    }
  }
  changed = changed || next.size() != dirs_.size() || held_from != held_from_ms_;
  dirs_ = std::move(next);
  held_from_ms_ = held_from;
  if (changed) Publish(dirs_, held_from, /*complete=*/true);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  last_refresh_seconds_ = seconds;
  if (!refreshed_) first_load_seconds_ = seconds;
  refreshed_ = true;
  return stats;
}

Result<std::shared_ptr<const ArchiveSnapshot>> ArchiveIndex::Extend(
    const std::shared_ptr<const ArchiveSnapshot>& held, int64_t from_ms) {
  if (from_ms >= held->loaded_from_ms) return held;
  DirMap dirs;
  for (const auto& dir : held->dirs) dirs.emplace(DirKey(dir->day, dir->tkey), dir);
  std::vector<std::pair<CivilDay, fs::path>> days;
  archive::ForEachDay(
      root_, from_ms, held->loaded_from_ms - 1,
      [&](const CivilDay& day, const fs::path& dir) { days.emplace_back(day, dir); });
  size_t bytes = 0;
  RefreshStats stats;
  bool changed = false;
  for (auto day = days.rbegin(); day != days.rend(); ++day) {
    bytes += LoadDay(day->first, day->second, {}, &dirs, &stats, &changed, /*links=*/nullptr);
    if (options_.max_bytes > 0 && bytes > options_.max_bytes) {
      return Status::ResourceExhausted(
          "the time range reaches back to " + FormatRfc3339Ms(from_ms) + ", and the days before " +
          FormatRfc3339Ms(held->loaded_from_ms) +
          " (which serve does not hold in memory) take more than its index's budget "
          "(serve --index-memory): narrow the range, or raise the budget");
    }
  }
  return std::shared_ptr<const ArchiveSnapshot>(
      SnapshotOf(dirs, DayStartMs(DayOf(from_ms)), /*complete=*/true));
}

std::shared_ptr<ArchiveSnapshot> ArchiveIndex::SnapshotOf(const DirMap& dirs,
                                                          int64_t loaded_from_ms, bool complete) {
  auto snap = std::make_shared<ArchiveSnapshot>();
  snap->loaded_from_ms = loaded_from_ms;
  snap->complete = complete;
  for (const auto& [path, dir] : dirs) {
    if (dir->entries.empty()) continue;
    snap->dirs.push_back(dir);
    snap->by_tkey[dir->tkey].push_back(dir.get());
    snap->entry_count += dir->entries.size();
    for (const auto& [ptype, name] : dir->kinds) {
      snap->sample_types[std::string(ptype)].insert(name->name);
    }
    const archive::Target& t = dir->target;
    snap->label_values["_job"].insert(t.job);
    snap->label_values["_app"].insert(t.app);
    snap->label_values["_host"].insert(t.host);
    for (const auto& [k, v] : t.labels) snap->label_values[k].insert(v);
  }
  return snap;
}

void ArchiveIndex::Publish(const DirMap& dirs, int64_t loaded_from_ms, bool complete) {
  auto snap = SnapshotOf(dirs, loaded_from_ms, complete);
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    snapshot_ = std::move(snap);
    published_ = true;
  }
  published_cv_.notify_all();
}

}  // namespace cprof::server
