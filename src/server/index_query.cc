#include "server/index_query.h"

#include <algorithm>
#include <map>

#include "archive/layout.h"
#include "pprof/interval.h"
#include "pprof/summary.h"

namespace cprof::server {
namespace {

// ID order across directories: entries of one time are of one day, and
// their IDs differ from the tkey on.
bool HitLess(const MetaHit& a, const MetaHit& b) {
  if (a.entry->timestamp_ms != b.entry->timestamp_ms) {
    return a.entry->timestamp_ms < b.entry->timestamp_ms;
  }
  if (a.dir != b.dir) return a.dir->tkey < b.dir->tkey;
  return IdLess(*a.entry, *b.entry);
}

}  // namespace

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
  const IndexedEntry probe = ProbeEntry(*key);
  for (const TargetDir* dir : dirs->second) {
    if (!(dir->day == day)) continue;
    auto it = std::lower_bound(dir->entries.begin(), dir->entries.end(), probe, IdLess);
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
