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

namespace cprof::server {
namespace {

static_assert(sizeof(IndexedEntry) == 32, "serve holds millions: keep it small");

// Threads that load <tkey> directories (when there are that many to load).
constexpr size_t kLoadThreads = 8;

// A directory's key in a DirMap: "YYYY/MM/DD/<tkey>", by day, then tkey.
std::string DirKey(const CivilDay& day, const std::string& tkey) {
  return archive::DayDir(day).string() + "/" + tkey;
}

// ID order within one directory: time, then type, then hash (the stem's).
bool EntryLess(const IndexedEntry& a, const IndexedEntry& b) {
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  if (a.profile_type != b.profile_type) return a.ProfileType() < b.ProfileType();
  return a.hash < b.hash;
}

// ID order across directories: entries of one time are of one day, and
// their IDs differ from the tkey on.
bool HitLess(const MetaHit& a, const MetaHit& b) {
  if (a.entry->timestamp_ms != b.entry->timestamp_ms) {
    return a.entry->timestamp_ms < b.entry->timestamp_ms;
  }
  if (a.dir != b.dir) return a.dir->tkey < b.dir->tkey;
  return EntryLess(*a.entry, *b.entry);
}

uint8_t ProfileTypeIndex(std::string_view type) {
  for (size_t i = 0; i < kProfileTypes.size(); ++i) {
    if (kProfileTypes[i].name == type) return static_cast<uint8_t>(i);
  }
  return 0;  // (sidecars name only known types)
}

// The entry `key` names, as an IndexedEntry to search by.
IndexedEntry ProbeOf(const archive::EntryKey& key) {
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

}  // namespace

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
      IndexedEntry probe = ProbeOf(key);
      auto it =
          std::lower_bound(previous->entries.begin(), previous->entries.end(), probe, EntryLess);
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
    IndexedEntry e = ProbeOf(*archive::ParseId(sidecar.id));
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
  std::sort(out->entries.begin(), out->entries.end(), EntryLess);
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

Result<std::vector<MetaHit>> Select(const ArchiveSnapshot& snapshot, const query::Selection& sel) {
  CPROF_RETURN_IF_ERROR(query::ValidateSelection(sel));
  std::string_view want_type;
  if (!sel.sample_type.empty()) want_type = pprof::ProfileTypeOf(sel.sample_type);
  std::vector<MetaHit> hits;
  for (const auto& dir : snapshot.dirs) {
    if (dir->day_start_ms > sel.to_ms || dir->day_start_ms + kMsPerDay <= sel.from_ms) {
      continue;
    }
    // Which of this directory's profile types pass the label matchers (the
    // labels are the directory's; only _type varies).
    std::unordered_map<std::string_view, bool> type_ok;
    auto passes = [&](std::string_view ptype) {
      if (sel.matchers.empty()) return true;
      auto [it, inserted] = type_ok.try_emplace(ptype, false);
      if (inserted) {
        it->second =
            query::MatchAll(sel.matchers, sel.any_of, archive::ProbeOf(dir->target, ptype));
      }
      return it->second;
    };
    if (!want_type.empty() && !passes(want_type)) continue;
    auto it = std::lower_bound(dir->entries.begin(), dir->entries.end(), sel.from_ms,
                               [](const IndexedEntry& e, int64_t t) { return e.timestamp_ms < t; });
    for (; it != dir->entries.end() && it->timestamp_ms <= sel.to_ms; ++it) {
      const SampleTypeList& names = *it->sample_types;
      if (names.empty()) continue;
      if (want_type.empty()) {
        if (!passes(it->ProfileType())) continue;
        hits.push_back({dir.get(), &*it, names[0], dir->Total(*it, 0)});
        continue;
      }
      if (it->ProfileType() != want_type) continue;
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i]->name == sel.sample_type) {
          hits.push_back({dir.get(), &*it, names[i], dir->Total(*it, i)});
          break;
        }
      }
    }
  }
  std::sort(hits.begin(), hits.end(), HitLess);
  return hits;
}

std::vector<EntryRef> RefsOf(const std::vector<MetaHit>& hits) {
  std::vector<EntryRef> refs;
  refs.reserve(hits.size());
  for (const MetaHit& hit : hits) refs.push_back({hit.dir, hit.entry});
  return refs;
}

std::optional<EntryRef> FindEntry(const ArchiveSnapshot& snapshot, std::string_view id) {
  auto key = archive::ParseId(id);
  if (!key.ok()) return std::nullopt;
  auto dirs = snapshot.by_tkey.find(key->target_key);
  if (dirs == snapshot.by_tkey.end()) return std::nullopt;
  const CivilDay day = DayOf(key->timestamp_ms);
  const IndexedEntry probe = ProbeOf(*key);
  for (const TargetDir* dir : dirs->second) {
    if (!(dir->day == day)) continue;
    auto it = std::lower_bound(dir->entries.begin(), dir->entries.end(), probe, EntryLess);
    if (it != dir->entries.end() && SameEntry(*it, probe)) return EntryRef{dir, &*it};
  }
  return std::nullopt;
}

std::optional<EntryRef> PreviousEntry(const ArchiveSnapshot& snapshot, const EntryRef& ref) {
  const int64_t since = ref.entry->timestamp_ms - query::kMaxIntervalMs;
  auto dirs = snapshot.by_tkey.find(ref.dir->tkey);
  if (dirs == snapshot.by_tkey.end()) return std::nullopt;
  // This directory from the entry back, then the days before it.
  auto day = std::find(dirs->second.rbegin(), dirs->second.rend(), ref.dir);
  for (; day != dirs->second.rend(); ++day) {
    const TargetDir* dir = *day;
    if (dir->day_start_ms + kMsPerDay <= since) break;
    auto it = dir == ref.dir ? dir->entries.begin() + (ref.entry - dir->entries.data())
                             : dir->entries.end();
    while (it != dir->entries.begin()) {
      --it;
      if (it->timestamp_ms < since) return std::nullopt;
      if (it->profile_type == ref.entry->profile_type && !it->sample_types->empty()) {
        return EntryRef{dir, &*it};
      }
    }
  }
  return std::nullopt;
}

query::SeriesPoint PointOf(const EntryRef& ref) {
  query::SeriesPoint point;
  point.id = ref.dir->IdOf(*ref.entry);
  point.timestamp_ms = ref.entry->timestamp_ms;
  const size_t n = ref.entry->sample_types->size();
  point.totals.reserve(n);
  for (size_t i = 0; i < n; ++i) point.totals.push_back(ref.dir->Total(*ref.entry, i));
  return point;
}

bool HasIntervalValue(const MetaHit& hit) {
  return pprof::IsCumulativeName(hit.sample_type->name) && !hit.entry->served_as_intervals;
}

std::vector<std::optional<int64_t>> IntervalValues(const ArchiveSnapshot& snapshot,
                                                   const std::vector<MetaHit>& hits) {
  std::vector<std::optional<int64_t>> out(hits.size());
  if (std::none_of(hits.begin(), hits.end(), HasIntervalValue)) return out;
  const RefSeries series = SeriesOf(snapshot, RefsOf(hits));
  for (size_t i = 0; i < hits.size(); ++i) {
    if (!HasIntervalValue(hits[i])) continue;
    const SampleTypeList& sample_types = *hits[i].entry->sample_types;
    size_t index = 0;
    while (index < sample_types.size() && sample_types[index] != hits[i].sample_type) ++index;
    auto [s, p] = series.position[i];
    out[i] = query::DeltaValue(series.series[s], p, index);
  }
  return out;
}

namespace {

// Indexed entries, their predecessors found in the snapshot.
class IndexedEntries : public query::SeriesEntries {
 public:
  IndexedEntries(const ArchiveSnapshot& snapshot, const std::vector<EntryRef>& refs)
      : snapshot_(snapshot), refs_(refs) {}
  size_t size() const override { return refs_.size(); }
  std::pair<std::string_view, std::string_view> SeriesKeyOf(size_t i) const override {
    return {refs_[i].dir->tkey, refs_[i].entry->ProfileType()};
  }
  query::Series SeriesStartedBy(size_t i) const override {
    const IndexedEntry& e = *refs_[i].entry;
    query::Series fresh;
    fresh.profile_type = std::string(e.ProfileType());
    for (const SampleTypeName* name : *e.sample_types) {
      fresh.cumulative.push_back(pprof::IsCumulative(fresh.profile_type, name->type));
    }
    fresh.served_as_intervals = e.served_as_intervals;
    return fresh;
  }
  query::SeriesPoint PointOf(size_t i) const override { return server::PointOf(refs_[i]); }
  std::optional<query::SeriesPoint> Previous(size_t i) const override {
    auto before = PreviousEntry(snapshot_, refs_[i]);
    if (!before) return std::nullopt;
    return server::PointOf(*before);
  }

 private:
  const ArchiveSnapshot& snapshot_;
  const std::vector<EntryRef>& refs_;
};

}  // namespace

RefSeries SeriesOf(const ArchiveSnapshot& snapshot, const std::vector<EntryRef>& refs) {
  RefSeries out;
  out.series = query::SeriesOf(IndexedEntries(snapshot, refs), &out.position);
  return out;
}

}  // namespace cprof::server
