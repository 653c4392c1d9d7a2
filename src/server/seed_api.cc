// The original system's routes (seed 000, section 接口), shapes exact.
#include <algorithm>

#include "archive/layout.h"
#include "base/json.h"
#include "pprof/interval.h"
#include "query/output.h"
#include "scrape/target_state.h"
#include "server/api.h"

namespace cprof::server {

// More hits than this make /api/profile_meta a heavy request.
inline constexpr size_t kLargeMetaAnswer = 2000;

namespace {

// {"<key>": [item, ...], ...}: an array for each key of `groups` (a map of
// sets), `write(w, key, item)` writing each item.
template <typename Groups, typename WriteItem>
Response GroupsJson(const Groups& groups, WriteItem write) {
  JsonWriter w;
  w.StartObject();
  for (const auto& [key, items] : groups) {
    w.StartArray(key);
    for (const auto& item : items) write(w, key, item);
    w.EndArray();
  }
  w.EndObject();
  return Response::Json(w.Take());
}

}  // namespace

Response Api::SampleTypes() {
  auto snapshot = Indexed();
  if (!snapshot.ok()) return Response::Error(snapshot.status());
  std::set<std::string> all;
  for (const auto& [ptype, names] : (*snapshot)->sample_types)
    all.insert(names.begin(), names.end());
  JsonWriter w;
  w.StartArray();
  for (const std::string& n : all) w.String(n);
  w.EndArray();
  return Response::Json(w.Take());
}

Response Api::GroupSampleTypes() {
  auto snapshot = Indexed();
  if (!snapshot.ok()) return Response::Error(snapshot.status());
  return GroupsJson((*snapshot)->sample_types, [](JsonWriter& w, const std::string& profile_type,
                                                  const std::string& name) { w.String(name); });
}

Response Api::GroupLabels() {
  auto snapshot = Indexed();
  if (!snapshot.ok()) return Response::Error(snapshot.status());
  return GroupsJson((*snapshot)->label_values,
                    [](JsonWriter& w, const std::string& key, const std::string& value) {
    w.StartObject();
    w.Field("Key", key);
    w.Field("Value", value);
    w.EndObject();
  });
}

Response Api::Targets() {
  // The scraper's last word on every target it knows (scrape/target_state.h);
  // none before a scrape pass has run on this archive.
  auto state = scrape::ReadTargetsState(index_->root());
  if (!state.ok() && !state.status().IsNotFound()) return Response::Error(state.status());
  scrape::TargetsState s = state.ok() ? std::move(*state) : scrape::TargetsState{};
  scrape::SortFailingFirst(&s.active);
  return Response::Json(scrape::SerializeTargetsState(s));
}

Response Api::Version() {
  JsonWriter w;
  w.StartObject();
  w.Field("version", options_.version);
  w.Field("revision", options_.revision);
  w.Field("build_date", options_.build_date);
  w.EndObject();
  return Response::Json(w.Take());
}

Response Api::ProfileMeta(std::string_view sample_type, const QueryParams& params) {
  if (sample_type.empty()) {
    return Response::Text(400, "missing sample type: /api/profile_meta/<sample_type>");
  }
  auto selection = ParseSeedSelection(sample_type, params);
  if (!selection.ok()) return Response::Error(selection.status());
  // Interval values need the predecessors, up to kMaxIntervalMs before.
  auto indexed = IndexedSelection(*selection, pprof::IsCumulativeName(sample_type));
  if (!indexed.ok()) return Response::Error(indexed.status());
  // A large answer is built under the heavy-request gate, so that many at
  // once cannot hold many copies of megabytes of JSON.
  std::optional<HeavySlot> slot;
  if (indexed->hits.size() > kLargeMetaAnswer) slot.emplace(heavy_);
  return WriteProfileMetas(*indexed->snapshot, indexed->hits);
}

Response Api::WriteProfileMetas(const ArchiveSnapshot& snapshot, std::vector<MetaHit>& hits) {
  // Grouped by target (the host), targets in name order, each in time order.
  std::stable_sort(hits.begin(), hits.end(), [](const MetaHit& a, const MetaHit& b) {
    return a.dir->target.host < b.dir->target.host;
  });
  const std::vector<std::optional<int64_t>> deltas = IntervalValues(snapshot, hits);
  JsonWriter w;
  w.StartArray();
  const std::string* open_host = nullptr;
  for (size_t i = 0; i < hits.size(); ++i) {
    const MetaHit& hit = hits[i];
    const archive::Target& t = hit.dir->target;
    if (open_host == nullptr || *open_host != t.host) {
      if (open_host != nullptr) {
        w.EndArray();
        w.EndObject();
      }
      open_host = &t.host;
      w.StartObject();
      w.Field("TargetName", t.host);
      w.StartArray("ProfileMetas");
    }
    const std::string id = hit.dir->IdOf(*hit.entry);
    query::ProfileMetaFields fields{
        id,        hit.entry->ProfileType(), hit.sample_type->name,           hit.sample_type->unit,
        hit.value, hit.entry->timestamp_ms,  hit.dir->DurationOf(*hit.entry), HasIntervalValue(hit),
        deltas[i]};
    query::WriteProfileMeta(w, t, fields);
  }
  if (open_host != nullptr) {
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return Response::Json(w.Take());
}

Response Api::Download(std::string_view id) {
  auto input = ResolveId(id);
  if (!input.ok()) return Response::Error(input.status());
  auto r = ProfileDownload({*input}, id);
  return r.ok() ? std::move(*r) : Response::Error(r.status());
}

}  // namespace cprof::server
