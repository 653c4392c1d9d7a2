// POST /querier.v1.QuerierService/<Method>: Grafana Pyroscope's querier API
// (server/querier.h) over serve's index and archive. The label routes
// answer from the index; SelectMergeStacktraces and SelectMergeProfile merge
// what /api/merge merges (intervals for cumulative types, rollups where
// they tile the window); SelectSeries is /api/series' SeriesGroups.
#include <cmath>
#include <set>

#include "archive/sidecar.h"
#include "pprof/codec.h"
#include "pprof/interval.h"
#include "server/api.h"

namespace cprof::server {
namespace {

// Pyroscope's default and largest max_nodes (its limits'
// max-flamegraph-nodes-default and -max).
constexpr int64_t kDefaultMaxNodes = 8192;
constexpr int64_t kMaxMaxNodes = int64_t{1} << 20;

// A Select* request's selection, and the sample type's pprof name.
struct Selected {
  query::Selection selection;
  std::string sample_index;  // "inuse_space"
};

Result<Selected> SelectionOf(std::string_view profile_type_id, std::string_view label_selector,
                             int64_t start_ms, int64_t end_ms) {
  Selected out;
  CPROF_ASSIGN_OR_RETURN(out.selection.sample_type, SampleTypeOfId(profile_type_id));
  const size_t first = profile_type_id.find(':');
  out.sample_index = std::string(
      profile_type_id.substr(first + 1, profile_type_id.find(':', first + 1) - first - 1));
  CPROF_ASSIGN_OR_RETURN(LabelSelector selector, ParseLabelSelector(label_selector));
  if (!selector.profile_type.empty() || !selector.name.empty()) {
    return Status::InvalidArgument(
        "label selector \"" + std::string(label_selector.substr(0, 200)) +
        "\": the profile type is the request's profile_typeID, not __profile_type__ or __name__");
  }
  if (end_ms <= 0) {
    return Status::InvalidArgument("start and end (milliseconds since the epoch) are required");
  }
  out.selection.from_ms = start_ms;
  out.selection.to_ms = end_ms;
  out.selection.matchers = std::move(selector.matchers);
  CPROF_RETURN_IF_ERROR(query::ValidateSelection(out.selection));
  return out;
}

Result<std::vector<LabelSelector>> SelectorsOf(
    const google::protobuf::RepeatedPtrField<std::string>& texts) {
  std::vector<LabelSelector> out;
  for (const std::string& text : texts) {
    CPROF_ASSIGN_OR_RETURN(LabelSelector s, ParseLabelSelector(text));
    out.push_back(std::move(s));
  }
  return out;
}

// An ID's five parts back (MatchingSeries writes only well-formed ones).
types::v1::ProfileType ProfileTypeOfId(std::string_view id) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t colon = id.find(':', start);
    parts.emplace_back(id.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  parts.resize(5);
  types::v1::ProfileType t;
  t.set_id(std::string(id));
  t.set_name(parts[0]);
  t.set_sample_type(parts[1]);
  t.set_sample_unit(parts[2]);
  t.set_period_type(parts[3]);
  t.set_period_unit(parts[4]);
  return t;
}

}  // namespace

Response Api::Querier(const Request& req, std::string_view method) {
  auto encoding = QuerierEncodingOf(req.content_type);
  if (!encoding.ok()) {
    Response r = ConnectError(encoding.status());
    r.status = 415;  // Connect: Unsupported Media Type
    return r;
  }
  using Method = Result<std::string> (Api::*)(const QuerierCall&);
  static constexpr std::pair<std::string_view, Method> kMethods[] = {
      {"ProfileTypes", &Api::QuerierProfileTypes},
      {"LabelNames", &Api::QuerierLabelNames},
      {"LabelValues", &Api::QuerierLabelValues},
      {"Series", &Api::QuerierSeries},
      {"SelectMergeStacktraces", &Api::QuerierSelectMergeStacktraces},
      {"SelectMergeProfile", &Api::QuerierSelectMergeProfile},
      {"SelectSeries", &Api::QuerierSelectSeries},
  };
  for (const auto& [name, run] : kMethods) {
    if (name != method) continue;
    const QuerierCall call{*encoding, req.body};
    Result<std::string> body = (this->*run)(call);
    if (!body.ok()) return ConnectError(body.status());
    Response r;
    r.content_type =
        *encoding == QuerierCall::Encoding::kJson ? "application/json" : "application/proto";
    r.body = std::move(*body);
    return r;
  }
  return ConnectUnimplemented(method);
}

Result<std::vector<SeriesLabels>> Api::MatchingSeries(const std::vector<LabelSelector>& selectors,
                                                      int64_t from_ms, int64_t to_ms) {
  query::Selection all;
  all.from_ms = from_ms;
  all.to_ms = to_ms;
  if (from_ms == 0 && to_ms == 0) {
    all.from_ms = std::numeric_limits<int64_t>::min();
    all.to_ms = std::numeric_limits<int64_t>::max();
  }
  CPROF_ASSIGN_OR_RETURN(
      auto snapshot,
      Indexed(from_ms == 0 && to_ms == 0 ? std::numeric_limits<int64_t>::min() : from_ms));
  CPROF_ASSIGN_OR_RETURN(std::vector<MetaHit> hits, Select(*snapshot, all));
  // Each directory's distinct (profile type, sample type list) in the range.
  std::set<std::tuple<const TargetDir*, uint8_t, const SampleTypeList*>> kinds;
  for (const MetaHit& hit : hits) {
    kinds.emplace(hit.dir, hit.entry->profile_type, hit.entry->sample_types);
  }
  std::set<SeriesLabels> out;
  for (const auto& [dir, type_index, sample_types] : kinds) {
    const ProfileType& type = kProfileTypes[type_index];
    if (type.pyroscope_name.empty()) continue;  // no samples (a trace)
    const archive::Sidecar probe = archive::ProbeOf(dir->target, type.name);
    SeriesLabels target;
    target.emplace(PyroscopeLabelName("_job"), probe.job);
    target.emplace(PyroscopeLabelName("_app"), probe.app);
    target.emplace(PyroscopeLabelName("_host"), probe.host);
    for (const auto& [k, v] : probe.labels) target.emplace(k, v);
    target.emplace(kNameLabel, type.pyroscope_name);
    for (const SampleTypeName* sample : *sample_types) {
      const types::v1::ProfileType t = PyroscopeProfileType(type, sample->type, sample->unit);
      bool selected = selectors.empty();
      for (const LabelSelector& s : selectors) {
        selected = selected || (query::MatchAll(s.matchers, false, probe) &&
                                s.MatchesType(t.id(), type.pyroscope_name));
      }
      if (!selected) continue;
      SeriesLabels labels = target;
      labels.emplace(kProfileTypeLabel, t.id());
      out.insert(std::move(labels));
    }
  }
  return std::vector<SeriesLabels>(out.begin(), out.end());
}

Result<std::string> Api::QuerierProfileTypes(const QuerierCall& call) {
  querier::v1::ProfileTypesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  CPROF_ASSIGN_OR_RETURN(std::vector<SeriesLabels> series,
                         MatchingSeries({}, req.start(), req.end()));
  std::set<std::string, std::less<>> ids;
  for (const SeriesLabels& labels : series) ids.insert(labels.find(kProfileTypeLabel)->second);
  querier::v1::ProfileTypesResponse resp;
  for (const std::string& id : ids) *resp.add_profile_types() = ProfileTypeOfId(id);
  return EncodeQuerierResponse(call, resp);
}

Result<std::string> Api::QuerierLabelNames(const QuerierCall& call) {
  types::v1::LabelNamesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  CPROF_ASSIGN_OR_RETURN(std::vector<LabelSelector> selectors, SelectorsOf(req.matchers()));
  CPROF_ASSIGN_OR_RETURN(std::vector<SeriesLabels> series,
                         MatchingSeries(selectors, req.start(), req.end()));
  std::set<std::string> names;
  for (const SeriesLabels& labels : series) {
    for (const auto& [name, value] : labels) names.insert(name);
  }
  types::v1::LabelNamesResponse resp;
  for (const std::string& name : names) resp.add_names(name);
  return EncodeQuerierResponse(call, resp);
}

Result<std::string> Api::QuerierLabelValues(const QuerierCall& call) {
  types::v1::LabelValuesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  if (req.name().empty()) return Status::InvalidArgument("name (the label's) is required");
  CPROF_ASSIGN_OR_RETURN(std::vector<LabelSelector> selectors, SelectorsOf(req.matchers()));
  CPROF_ASSIGN_OR_RETURN(std::vector<SeriesLabels> series,
                         MatchingSeries(selectors, req.start(), req.end()));
  std::set<std::string> values;
  for (const SeriesLabels& labels : series) {
    auto it = labels.find(req.name());
    if (it != labels.end() && !it->second.empty()) values.insert(it->second);
  }
  types::v1::LabelValuesResponse resp;
  for (const std::string& value : values) resp.add_names(value);
  return EncodeQuerierResponse(call, resp);
}

Result<std::string> Api::QuerierSeries(const QuerierCall& call) {
  querier::v1::SeriesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  CPROF_ASSIGN_OR_RETURN(std::vector<LabelSelector> selectors, SelectorsOf(req.matchers()));
  CPROF_ASSIGN_OR_RETURN(std::vector<SeriesLabels> series,
                         MatchingSeries(selectors, req.start(), req.end()));
  const std::set<std::string, std::less<>> only(req.label_names().begin(), req.label_names().end());
  std::set<SeriesLabels> distinct;
  for (SeriesLabels& labels : series) {
    if (!only.empty())
      std::erase_if(labels, [&](const auto& l) { return !only.contains(l.first); });
    distinct.insert(std::move(labels));
  }
  querier::v1::SeriesResponse resp;
  for (const SeriesLabels& labels : distinct) {
    types::v1::Labels* set = resp.add_labels_set();
    for (const auto& [name, value] : labels) {
      if (value.empty()) continue;  // as Prometheus: an empty label is none
      types::v1::LabelPair* pair = set->add_labels();
      pair->set_name(name);
      pair->set_value(value);
    }
  }
  return EncodeQuerierResponse(call, resp);
}

Result<std::string> Api::QuerierSelectMergeStacktraces(const QuerierCall& call) {
  querier::v1::SelectMergeStacktracesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  if (req.format() != querier::v1::PROFILE_FORMAT_UNSPECIFIED &&
      req.format() != querier::v1::PROFILE_FORMAT_FLAMEGRAPH) {
    return Status::InvalidArgument(
        "format " + std::to_string(req.format()) +
        ": cprofiler answers the flame graph format only (SelectMergeProfile gives pprof)");
  }
  int64_t max_nodes = req.has_max_nodes() ? req.max_nodes() : 0;
  if (max_nodes == 0) max_nodes = kDefaultMaxNodes;
  if (max_nodes < 0 || max_nodes > kMaxMaxNodes) {
    return Status::InvalidArgument("max_nodes " + std::to_string(max_nodes) + " is not in 1.." +
                                   std::to_string(kMaxMaxNodes));
  }
  CPROF_ASSIGN_OR_RETURN(Selected selected, SelectionOf(req.profile_typeid(), req.label_selector(),
                                                        req.start(), req.end()));
  querier::v1::SelectMergeStacktracesResponse resp;
  pprof::ReportOptions options;
  options.sample_index = selected.sample_index;
  auto source = SelectionSource(selected.selection, std::nullopt);
  if (!source.ok()) {
    if (!source.status().IsNotFound()) return source.status();
    // Nothing selected: Pyroscope's empty flame graph, the root alone.
    *resp.mutable_flamegraph() = FlameGraphMessage({{"total"}, {{0, 0, 0, 0}}, 0, 0});
    return EncodeQuerierResponse(call, resp);
  }
  CPROF_ASSIGN_OR_RETURN(pprof::OwnedProfile profile, LoadSource(*source, nullptr));
  Result<pprof::LevelFlameGraph> graph = Status::InvalidArgument("no profile");
  RunOnOwnStack([&] { graph = pprof::PyroscopeFlameGraph(*profile, options, max_nodes); });
  if (!graph.ok()) return graph.status();
  *resp.mutable_flamegraph() = FlameGraphMessage(std::move(*graph));
  return EncodeQuerierResponse(call, resp);
}

Result<std::string> Api::QuerierSelectMergeProfile(const QuerierCall& call) {
  querier::v1::SelectMergeProfileRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  CPROF_ASSIGN_OR_RETURN(Selected selected, SelectionOf(req.profile_typeid(), req.label_selector(),
                                                        req.start(), req.end()));
  auto source = SelectionSource(selected.selection, std::nullopt);
  if (!source.ok()) {
    if (!source.status().IsNotFound()) return source.status();
    return EncodeQuerierProfile(call, "");  // nothing selected: an empty profile
  }
  CPROF_ASSIGN_OR_RETURN(std::string gzipped, MergedProfileBytes(*source));
  if (!pprof::IsGzip(gzipped)) return EncodeQuerierProfile(call, std::move(gzipped));
  CPROF_ASSIGN_OR_RETURN(std::string raw,
                         pprof::Gunzip(gzipped, pprof::DecodeOptions().max_decompressed));
  return EncodeQuerierProfile(call, std::move(raw));
}

Result<std::string> Api::QuerierSelectSeries(const QuerierCall& call) {
  querier::v1::SelectSeriesRequest req;
  CPROF_RETURN_IF_ERROR(ParseQuerierRequest(call, &req));
  CPROF_ASSIGN_OR_RETURN(Selected selected, SelectionOf(req.profile_typeid(), req.label_selector(),
                                                        req.start(), req.end()));
  if (!std::isfinite(req.step()) || req.step() < 0 || req.step() > 1e9) {
    return Status::InvalidArgument("step must be a number of seconds, 0 or more");
  }
  // 0: SeriesStep's default; a step under a millisecond is one.
  const int64_t step_ms =
      req.step() > 0 ? std::max<int64_t>(1, std::llround(req.step() * 1000)) : 0;
  CPROF_ASSIGN_OR_RETURN(int64_t step,
                         SeriesStep(step_ms, selected.selection.from_ms, selected.selection.to_ms));
  std::vector<std::string> group_by;
  for (const std::string& name : req.group_by()) {
    std::string key(CprofilerLabelKey(name));
    if (!query::ValidLabelKey(key)) {
      return Status::InvalidArgument("group_by \"" + name.substr(0, 100) +
                                     "\" is no label cprofiler has");
    }
    group_by.push_back(std::move(key));
  }
  const SeriesAggregate agg = req.aggregation() == types::v1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE
                                  ? SeriesAggregate::kAvg
                                  : SeriesAggregate::kSum;
  CPROF_ASSIGN_OR_RETURN(std::vector<SeriesGroup> groups,
                         SeriesGroups(selected.selection, group_by, agg, step));
  if (req.has_limit() && req.limit() > 0 && groups.size() > static_cast<size_t>(req.limit())) {
    groups.resize(static_cast<size_t>(req.limit()));  // the largest totals (SeriesGroups' order)
  }
  querier::v1::SelectSeriesResponse resp;
  for (const SeriesGroup& g : groups) {
    types::v1::Series* series = resp.add_series();
    for (size_t i = 0; i < group_by.size(); ++i) {
      if (g.values[i].empty()) continue;
      types::v1::LabelPair* pair = series->add_labels();
      pair->set_name(std::string(PyroscopeLabelName(group_by[i])));
      pair->set_value(g.values[i]);
    }
    for (const auto& [bucket, value] : g.points) {
      types::v1::Point* point = series->add_points();
      point->set_timestamp(bucket);
      point->set_value(value);
    }
  }
  return EncodeQuerierResponse(call, resp);
}

}  // namespace cprof::server
