// GET /api/series/:sample_type: a chart's aggregated series, from the
// index alone (no profile is read): per value of one label, the profiles'
// values in each time bucket, summed, averaged, maxed or at their 95th
// percentile. For cumulative types the values are the interval values
// (profile_meta's DeltaValue); baselines have none and are left out.
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "base/json.h"
#include "base/time.h"
#include "pprof/interval.h"
#include "server/api.h"

namespace cprof::server {
namespace {

// At most this many buckets a series: a step too small for the range is an
// error, not a million-point answer.
constexpr int64_t kMaxBuckets = 10'000;
// Without a step, the range in about this many buckets.
constexpr int64_t kDefaultBuckets = 120;

using Aggregate = SeriesAggregate;

Result<Aggregate> ParseAggregate(const std::string* text) {
  if (text == nullptr || *text == "sum") return Aggregate::kSum;
  if (*text == "avg") return Aggregate::kAvg;
  if (*text == "max") return Aggregate::kMax;
  if (*text == "p95") return Aggregate::kP95;
  return Status::InvalidArgument("agg must be sum, avg, max or p95, not \"" + text->substr(0, 20) +
                                 "\"");
}

// The step (ms) for the range [from, to]: `text` (a Go duration), or
// SeriesStep's default.
Result<int64_t> ParseStep(const std::string* text, int64_t from_ms, int64_t to_ms) {
  if (text == nullptr || text->empty()) return SeriesStep(0, from_ms, to_ms);
  auto step = ParseDuration(*text);
  if (!step.ok()) return step.status().WithContext("step");
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(*step).count();
  if (ms <= 0) return Status::InvalidArgument("step must be at least 1ms");
  return SeriesStep(ms, from_ms, to_ms);
}

double AggregateOf(Aggregate agg, std::vector<int64_t>& values) {
  switch (agg) {
    case Aggregate::kSum:
    case Aggregate::kAvg: {
      double sum = 0;
      for (int64_t v : values) sum += static_cast<double>(v);
      return agg == Aggregate::kSum ? sum : sum / static_cast<double>(values.size());
    }
    case Aggregate::kMax:
      return static_cast<double>(*std::max_element(values.begin(), values.end()));
    case Aggregate::kP95: {
      // Nearest rank: the smallest value at or above 95% of them.
      size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(values.size())));
      auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::max<size_t>(rank, 1) - 1);
      std::nth_element(values.begin(), nth, values.end());
      return static_cast<double>(*nth);
    }
  }
  return 0;
}

struct Group {
  std::map<int64_t, std::vector<int64_t>> buckets;  // bucket start -> values
  double total = 0;                                 // of every value
};

}  // namespace

Result<int64_t> SeriesStep(int64_t step_ms, int64_t from_ms, int64_t to_ms) {
  const int64_t range = to_ms - from_ms + 1;
  if (step_ms <= 0) {
    int64_t step = (range + kDefaultBuckets - 1) / kDefaultBuckets;
    return std::max<int64_t>(1000, (step + 999) / 1000 * 1000);
  }
  if ((range + step_ms - 1) / step_ms > kMaxBuckets) {
    return Status::InvalidArgument("step " + FormatDuration(std::chrono::milliseconds(step_ms)) +
                                   " makes more than " + std::to_string(kMaxBuckets) +
                                   " buckets of the range: take a longer one");
  }
  return step_ms;
}

Result<std::vector<SeriesGroup>> Api::SeriesGroups(const query::Selection& selection,
                                                   const std::vector<std::string>& group_by,
                                                   SeriesAggregate agg, int64_t step_ms) {
  const bool intervals = pprof::IsCumulativeName(selection.sample_type);
  CPROF_ASSIGN_OR_RETURN(IndexedHits indexed, IndexedSelection(selection, intervals));
  const std::vector<MetaHit>& hits = indexed.hits;
  const std::vector<std::optional<int64_t>> deltas = IntervalValues(*indexed.snapshot, hits);

  // A target's group, once per directory (the hits are of one profile type).
  std::unordered_map<const TargetDir*, std::vector<std::string>> group_of;
  std::map<std::vector<std::string>, Group> groups;
  for (size_t i = 0; i < hits.size(); ++i) {
    const MetaHit& hit = hits[i];
    std::optional<int64_t> value = HasIntervalValue(hit) ? deltas[i] : hit.value;
    if (!value) continue;  // a baseline: no interval ends here
    auto [it, added] = group_of.try_emplace(hit.dir);
    if (added) {
      archive::Sidecar probe = archive::ProbeOf(hit.dir->target, hit.entry->ProfileType());
      for (const std::string& key : group_by) {
        const std::string* v = archive::LabelValue(probe, key);
        it->second.push_back(v == nullptr ? "" : *v);
      }
    }
    Group& g = groups[it->second];
    const int64_t bucket =
        selection.from_ms + (hit.entry->timestamp_ms - selection.from_ms) / step_ms * step_ms;
    g.buckets[bucket].push_back(*value);
    g.total += static_cast<double>(*value);
  }
  std::vector<SeriesGroup> out;
  for (auto& [values, g] : groups) {
    SeriesGroup& series = out.emplace_back();
    series.values = values;
    series.total = g.total;
    for (auto& [bucket, bucket_values] : g.buckets) {
      series.points.emplace_back(bucket, AggregateOf(agg, bucket_values));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SeriesGroup& a, const SeriesGroup& b) { return a.total > b.total; });
  return out;
}

Response Api::Series(std::string_view sample_type, const QueryParams& params) {
  if (sample_type.empty()) {
    return Response::Text(400, "missing sample type: /api/series/<sample_type>");
  }
  auto selection = ParseSeedSelection(sample_type, params);
  if (!selection.ok()) return Response::Error(selection.status());
  const std::string* group_param = params.Get("group_by");
  const std::string group_by =
      group_param == nullptr || group_param->empty() ? "_app" : *group_param;
  if (group_by.size() > 200) return Response::Text(400, "group_by is longer than 200 bytes");
  auto agg = ParseAggregate(params.Get("agg"));
  if (!agg.ok()) return Response::Error(agg.status());
  auto step = ParseStep(params.Get("step"), selection->from_ms, selection->to_ms);
  if (!step.ok()) return Response::Error(step.status());
  auto groups = SeriesGroups(*selection, {group_by}, *agg, *step);
  if (!groups.ok()) return Response::Error(groups.status());
  JsonWriter w;
  w.StartArray();
  for (const SeriesGroup& g : *groups) {
    w.StartObject();
    w.Field("Group", g.values[0]);
    w.Field("Total", g.total);
    w.StartArray("Points");
    for (const auto& [bucket, value] : g.points) {
      w.StartArray();
      w.Int64(bucket);
      w.Double(value);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return Response::Json(w.Take());
}

}  // namespace cprof::server
