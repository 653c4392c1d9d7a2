// cprofiler's own routes for the web UI: the profile-type table, one
// profile's metadata, the analysis (top table and flame tree; with
// tags=1 pprof's tags table, with sandwich=FUNC that function's callers and
// callees; tagroot=KEYS and tagleaf=KEYS group by label values as pprof's
// -tagroot and -tagleaf; with peek=RE pprof's peek, with list=RE or
// source=FUNC pprof's list, its sources read as ApiOptions::source says; with
// graph=1 the call graph of go tool pprof -dot) of a profile or a merged
// selection, and the merged profile itself.
#include <charconv>
#include <optional>

#include "archive/scan.h"
#include "base/json.h"
#include "base/profile_types.h"
#include "base/time.h"
#include "pprof/analysis_json.h"
#include "pprof/dot.h"
#include "pprof/interval.h"
#include "pprof/label_nodes.h"
#include "pprof/pgo.h"
#include "pprof/report.h"
#include "pprof/sandwich.h"
#include "pprof/summary.h"
#include "pprof/units.h"
#include "server/api.h"
#include "server/report_page.h"

namespace cprof::server {
namespace {

inline constexpr int kMaxFlameNodes = 200000;
inline constexpr size_t kMaxRegexBytes = 1024;

Result<int> IntParam(const QueryParams& params, std::string_view key, int fallback, int lo,
                     int hi) {
  const std::string* v = params.Get(key);
  if (v == nullptr || v->empty()) return fallback;
  int n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < lo || n > hi) {
    return Status::InvalidArgument(std::string(key) + " must be an integer in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

Status StringParam(const QueryParams& params, std::string_view key, std::string* out) {
  if (const std::string* v = params.Get(key)) {
    if (v->size() > kMaxRegexBytes) {
      return Status::InvalidArgument(std::string(key) + " longer than " +
                                     std::to_string(kMaxRegexBytes) + " bytes");
    }
    *out = *v;
  }
  return Status::OK();
}

}  // namespace

Response Api::ProfileTypes() {
  JsonWriter w;
  w.StartArray();
  for (const ProfileType& t : kProfileTypes) {
    w.StartObject();
    w.Field("name", t.name);
    w.Field("suffix", t.suffix);
    w.Field("default_path", t.default_path);
    w.Field("in_all", t.in_all);
    w.Field("mergeable", t.mergeable);
    w.Field("optional", t.optional);
    w.Key("cumulative");
    switch (t.cumulative) {
      case Cumulative::kNone:
        w.String("none");
        break;
      case Cumulative::kAllocs:
        w.String("allocs");
        break;
      case Cumulative::kAll:
        w.String("all");
        break;
    }
    w.EndObject();
  }
  w.EndArray();
  return Response::Json(w.Take());
}

Response Api::Meta(std::string_view id) {
  auto entry = archive::Lookup(index_->root(), id);
  if (!entry.ok()) return Response::Error(entry.status());
  if (auto inside = InsideArchive(entry->ProfilePath(), id); !inside.ok()) {
    return Response::Error(inside.status());
  }
  // The sidecar as archived, but with a trace's one sample type spelled out
  // as every other route spells it.
  archive::Sidecar& s = entry->sidecar;
  s.sample_types = query::SampleTypesOf(s);
  return Response::Json(archive::SerializeSidecar(s));
}

Result<std::string> Api::AnalysisJson(const QueryParams& params) {
  // The parameters first: a bad one is a 400 at once, whatever the source.
  pprof::ReportOptions options;
  if (const std::string* st = params.Get("sample_type")) {
    options.sample_index = pprof::SampleIndexOf(*st);
  }
  for (auto [key, field] : {std::pair{"si", &options.sample_index},
                            {"focus", &options.focus},
                            {"ignore", &options.ignore},
                            {"hide", &options.hide},
                            {"show", &options.show},
                            {"tagfocus", &options.tag_focus},
                            {"tagignore", &options.tag_ignore}}) {
    Status s = StringParam(params, key, field);
    if (!s.ok()) return s;
  }
  auto node_count = IntParam(params, "nodecount", 0, 0, 1000000);
  if (!node_count.ok()) return node_count.status();
  options.node_count = *node_count;
  auto max_nodes = IntParam(params, "maxnodes", pprof::kDefaultFlameNodes, 1, kMaxFlameNodes);
  if (!max_nodes.ok()) return max_nodes.status();
  auto with_tags = IntParam(params, "tags", 0, 0, 1);
  if (!with_tags.ok()) return with_tags.status();
  std::string sandwich_of, peek_regex, list_regex, source_of, tag_root, tag_leaf;
  for (auto [key, field] : {std::pair{"sandwich", &sandwich_of},
                            {"peek", &peek_regex},
                            {"list", &list_regex},
                            {"source", &source_of},
                            {"tagroot", &tag_root},
                            {"tagleaf", &tag_leaf}}) {
    if (Status s = StringParam(params, key, field); !s.ok()) return s;
  }
  if (!list_regex.empty() && !source_of.empty()) {
    return Status::InvalidArgument("list and source go one at a time");
  }
  if (!source_of.empty()) list_regex = pprof::ExactNameRegex(source_of);
  // A bad expression is a 400 before any profile is read.
  for (auto [key, regex] : {std::pair{"peek", &peek_regex}, {"list", &list_regex}}) {
    if (Status s = pprof::CheckRegex(key, *regex); !s.ok()) return s;
  }
  auto with_graph = IntParam(params, "graph", 0, 0, 1);
  if (!with_graph.ok()) return with_graph.status();
  // The graph's node count: pprof's default for -dot unless one is asked
  // (go tool pprof's applyCommandOverrides); 0 is all, as for the top table.
  pprof::ReportOptions graph_options = options;
  if (const std::string* n = params.Get("nodecount"); n == nullptr || n->empty()) {
    graph_options.node_count = pprof::kDotNodeCount;
  }
  auto source = ResolveSource(params);
  if (!source.ok()) return source.status();

  query::WindowStats stats;
  query::TiledStats tiled;
  auto profile = LoadSource(*source, &stats, &tiled);
  if (!profile.ok()) return profile.status();
  Result<pprof::Analysis> analysis = Status::InvalidArgument("not analyzed");
  std::optional<Result<pprof::TagsTable>> tags;
  std::optional<Result<pprof::Sandwich>> sandwich;
  std::optional<Result<pprof::PeekTable>> peek;
  std::optional<Result<pprof::ListReport>> list;
  std::optional<Result<pprof::DotGraph>> graph;
  {
    HeavySlot slot(heavy_);
    RunOnOwnStack([&] {
      // As go tool pprof: the label frames first, so the filters see them.
      pprof::AddLabelNodes(**profile, pprof::SplitLabelKeys(tag_root),
                           pprof::SplitLabelKeys(tag_leaf));
      analysis = pprof::Analyze(**profile, options, *max_nodes);
      if (!analysis.ok()) return;
      if (*with_tags == 1) tags = pprof::Tags(**profile, options);
      if (!sandwich_of.empty()) {
        sandwich = pprof::SandwichOf(**profile, options, sandwich_of, *max_nodes);
      }
      if (!peek_regex.empty()) peek = pprof::Peek(**profile, options, peek_regex);
      if (!list_regex.empty()) {
        list =
            pprof::List(**profile, options, list_regex, options_.source, pprof::kMaxListFunctions);
      }
      if (*with_graph == 1) graph = pprof::Dot(**profile, graph_options);
    });
  }
  if (!analysis.ok()) return analysis.status();
  if (tags && !tags->ok()) return tags->status();
  if (sandwich && !sandwich->ok()) return sandwich->status();
  // No function matching is an empty field, not an error.
  for (const Status& s : {peek && !peek->ok() ? peek->status() : Status::OK(),
                          list && !list->ok() ? list->status() : Status::OK()}) {
    if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
  }
  if (graph && !graph->ok()) return graph->status();

  const pprof::TopTable& top = analysis->top;
  JsonWriter w;
  w.StartObject();
  w.Field("profile_type", source->profile_type);
  // The profiles read: the inputs, or the snapshots the intervals span.
  w.StartArray("ids");
  if (!source->interval) {
    for (const Input& in : source->inputs) w.String(in.id);
  }
  for (const query::IntervalTerm& term : source->plan.terms) {
    if (term.base != nullptr) w.String(term.base->id);
    w.String(term.end->id);
  }
  w.EndArray();
  w.Field("count", static_cast<int64_t>(source->count));
  // Whether interval values apply to what is shown: a selection of a
  // cumulative sample type, or ids shown under a cumulative sample index.
  w.Field("cumulative", source->sample_type.empty()
                            ? pprof::IsCumulative(source->profile_type, top.sample_type)
                            : pprof::IsCumulativeName(source->sample_type));
  w.Field("interval", source->interval);
  if (source->tiled) {
    // Read from rollups, with raw snapshots at the window's edges.
    w.Field("rollups", static_cast<int64_t>(tiled.tiles));
    w.Field("profiles_read", static_cast<int64_t>(tiled.decoded));
    w.Field("snapshots", static_cast<int64_t>(tiled.covered));
    if (source->interval) {
      w.Field("baselines", static_cast<int64_t>(tiled.baselines));
      w.Field("resets", static_cast<int64_t>(tiled.resets));
    }
  } else if (source->interval) {
    w.Field("intervals", static_cast<int64_t>(source->plan.terms.size()));
    w.Field("baselines", static_cast<int64_t>(source->plan.baselines));
    w.Field("resets", static_cast<int64_t>(source->plan.resets + stats.stack_resets));
    w.Field("profiles_read", static_cast<int64_t>(stats.decoded));
    // From the earliest snapshot an interval starts at to the latest end.
    w.Field("interval_start", FormatRfc3339Ms(source->plan.start_ms));
    w.Field("interval_end", FormatRfc3339Ms(source->plan.end_ms));
  }
  pprof::WriteAnalysisFields(w, **profile, *analysis);
  if (tags) pprof::WriteTagsField(w, **profile, **tags);
  if (sandwich) pprof::WriteSandwichField(w, top, **sandwich);
  if (peek) pprof::WritePeekField(w, **profile, peek_regex, *peek);
  if (list) pprof::WriteListField(w, list_regex, *list);
  if (graph) pprof::WriteGraphField(w, **graph, graph_options.node_count);
  w.EndObject();
  return w.Take();
}

Response Api::Analysis(const QueryParams& params) {
  auto json = AnalysisJson(params);
  return json.ok() ? Response::Json(std::move(*json)) : Response::Error(json.status());
}

Response Api::Report(const QueryParams& params) {
  auto analysis = AnalysisJson(params);
  if (!analysis.ok()) return Response::Error(analysis.status());
  std::string base = "null";
  std::string title = "cprofiler report";
  if (const std::string* base_id = params.Get("base")) {
    // The base of a diff: one profile by ID, read as the target is (its
    // interval or as archived), under the same sample index and filters.
    std::string query = "id=" + PercentEncode(*base_id);
    for (const char* key : {"interval", "si", "sample_type", "focus", "ignore", "hide", "show",
                            "tagfocus", "tagignore", "tagroot", "tagleaf", "maxnodes"}) {
      if (const std::string* v = params.Get(key))
        query += std::string("&") + key + "=" + PercentEncode(*v);
    }
    auto base_params = QueryParams::Parse(query);
    if (!base_params.ok()) return Response::Error(base_params.status());
    auto base_json = AnalysisJson(*base_params);
    if (!base_json.ok()) return Response::Error(base_json.status().WithContext("base " + *base_id));
    base = std::move(*base_json);
    title = "cprofiler diff report";
  }
  auto page = RenderReportPage(title, {}, *analysis, base);
  if (!page.ok()) return Response::Error(page.status());
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(*page);
  return r;
}

Response Api::Merge(const QueryParams& params) {
  std::string format = "pprof";
  if (Status s = StringParam(params, "format", &format); !s.ok()) return Response::Error(s);
  if (format != "pprof" && format != "pgo") {
    return Response::Error(Status::InvalidArgument("format must be pprof or pgo"));
  }
  auto pgo_keep = IntParam(params, "pgo_keep", 0, 0, 1000);
  if (!pgo_keep.ok()) return Response::Error(pgo_keep.status());
  if (*pgo_keep != 0 && format != "pgo") {
    return Response::Error(Status::InvalidArgument("pgo_keep needs format=pgo"));
  }
  auto source = ResolveSource(params);
  if (!source.ok()) return Response::Error(source.status());
  std::string name = source->sample_type.empty() ? "merged" : source->sample_type;
  if (format == "pgo") {
    auto profile = LoadSource(*source, nullptr);
    if (!profile.ok()) return Response::Error(profile.status());
    auto pgo = pprof::PgoProfile(**profile, {.keep_locations = *pgo_keep});
    if (!pgo.ok()) return Response::Error(pgo.status());
    return ProfileAttachment(pprof::EncodeProfile(**pgo, /*gzip=*/true), name, ".pgo");
  }
  if (!source->interval && !source->tiled && source->inputs.size() == 1) {
    auto r = ProfileDownload(source->inputs, name);  // as archived, named by its ID
    return r.ok() ? std::move(*r) : Response::Error(r.status());
  }
  auto bytes = MergedProfileBytes(*source);
  if (!bytes.ok()) return Response::Error(bytes.status());
  return ProfileAttachment(std::move(*bytes), source->interval ? name + "-interval" : name);
}

}  // namespace cprof::server
