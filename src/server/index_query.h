// Answers from serve's in-memory index (server/archive_index.h): the
// Catalog's cached side (query::Select's, query::Find's, the predecessor
// lookup's and query::SeriesOf's rules, answered from memory; the contract
// tests in tests/query run every case on both sides).
//
// Thread-safe: every function reads an immutable snapshot.
#ifndef CPROF_SERVER_INDEX_QUERY_H_
#define CPROF_SERVER_INDEX_QUERY_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "query/interval.h"
#include "query/select.h"
#include "server/archive_index.h"

namespace cprof::server {

// What a selection picks: one entry under one of its sample types.
struct MetaHit {
  const TargetDir* dir;
  const IndexedEntry* entry;
  const SampleTypeName* sample_type;
  int64_t value;
};

// What `selection` picks (query::Select's rules, answered from memory):
// hits in time order, then id; pointers into `snapshot`. With no sample
// type, each entry once under its first sample type. InvalidArgument as
// query::ValidateSelection.
Result<std::vector<MetaHit>> Select(const ArchiveSnapshot& snapshot,
                                    const query::Selection& selection);

// An entry and the directory holding it.
struct EntryRef {
  const TargetDir* dir = nullptr;
  const IndexedEntry* entry = nullptr;
};

// The entries `hits` name, in their order.
std::vector<EntryRef> RefsOf(const std::vector<MetaHit>& hits);

// The entry `id` names, if the snapshot has it.
std::optional<EntryRef> FindEntry(const ArchiveSnapshot& snapshot, std::string_view id);

// The entry before `ref` in its series (its tkey's entries of its profile
// type), no more than query::kMaxIntervalMs older; nullopt if none.
std::optional<EntryRef> PreviousEntry(const ArchiveSnapshot& snapshot, const EntryRef& ref);

// `ref` as a snapshot of its series.
query::SeriesPoint PointOf(const EntryRef& ref);

// The series of `refs` (in time order within each series), in order of
// their first entry, each with the entry before its first; `position[i]`
// is where refs[i] went: (series, point).
struct RefSeries {
  std::vector<query::Series> series;
  std::vector<std::pair<size_t, size_t>> position;
};
RefSeries SeriesOf(const ArchiveSnapshot& snapshot, const std::vector<EntryRef>& refs);

// Whether a hit's value is a snapshot since process start, whose interval
// value differs from it: a cumulative sample type not served as intervals.
bool HasIntervalValue(const MetaHit& hit);

// The interval value (query::DeltaValue) of each of `hits` that
// HasIntervalValue; nullopt for the others, and for baselines.
std::vector<std::optional<int64_t>> IntervalValues(const ArchiveSnapshot& snapshot,
                                                   const std::vector<MetaHit>& hits);

}  // namespace cprof::server

#endif  // CPROF_SERVER_INDEX_QUERY_H_
