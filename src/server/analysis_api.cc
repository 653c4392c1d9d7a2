// cprofiler's own routes for the web UI: one profile's metadata, the
// analysis (top table and flame tree) of a profile or a merged selection,
// and the merged profile itself.
#include <charconv>

#include "archive/scan.h"
#include "base/json.h"
#include "base/time.h"
#include "pprof/interval.h"
#include "pprof/report.h"
#include "pprof/summary.h"
#include "pprof/units.h"
#include "server/api.h"

namespace cprof::server {
namespace {

inline constexpr int kDefaultFlameNodes = 20000;
inline constexpr int kMaxFlameNodes = 200000;
inline constexpr size_t kMaxRegexBytes = 1024;

Result<int> IntParam(const QueryParams& params, std::string_view key, int fallback,
                     int lo, int hi) {
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

// The flame tree as nested {"n","v","s","c"} objects, written without
// recursion (stacks can be deep).
void WriteFlame(JsonWriter& w, const pprof::FlameNode& root) {
  struct Frame {
    const pprof::FlameNode* node;
    size_t next_child;
  };
  std::vector<Frame> stack;
  auto open = [&](const pprof::FlameNode* n) {
    w.StartObject();
    w.Key("n"); w.String(n->name);
    w.Key("v"); w.Int64(n->total);
    w.Key("s"); w.Int64(n->self);
    if (!n->children.empty()) {
      w.Key("c");
      w.StartArray();
    }
    stack.push_back({n, 0});
  };
  open(&root);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child < f.node->children.size()) {
      open(&f.node->children[f.next_child++]);
      continue;
    }
    if (!f.node->children.empty()) w.EndArray();
    w.EndObject();
    stack.pop_back();
  }
}

void WriteTop(JsonWriter& w, const pprof::TopTable& t) {
  w.StartObject();
  w.Key("output_unit"); w.String(t.output_unit);
  w.Key("active_filters");
  w.StartArray();
  for (const std::string& f : t.active_filters) w.String(f);
  w.EndArray();
  w.Key("dropped_nodes"); w.Int64(t.dropped_nodes);
  w.Key("node_count"); w.Int64(t.node_count_before_limit);
  w.Key("flat_sum"); w.Int64(t.flat_sum);
  w.Key("flat_sum_formatted"); w.String(t.FormatValue(t.flat_sum));
  w.Key("rows");
  w.StartArray();
  int64_t running = 0;
  for (const pprof::TopRow& row : t.rows) {
    running += row.flat;
    w.StartObject();
    w.Key("name"); w.String(row.name);
    w.Key("inline"); w.String(row.inline_label);
    w.Key("flat"); w.Int64(row.flat);
    w.Key("flat_formatted"); w.String(t.FormatValue(row.flat));
    w.Key("flat_pct"); w.String(pprof::Percentage(row.flat, t.total));
    w.Key("sum_pct"); w.String(pprof::Percentage(running, t.total));
    w.Key("cum"); w.Int64(row.cum);
    w.Key("cum_formatted"); w.String(t.FormatValue(row.cum));
    w.Key("cum_pct"); w.String(pprof::Percentage(row.cum, t.total));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

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

Response Api::Analysis(const QueryParams& params) {
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
    if (!s.ok()) return Response::Error(s);
  }
  auto node_count = IntParam(params, "nodecount", 0, 0, 1000000);
  if (!node_count.ok()) return Response::Error(node_count.status());
  options.node_count = *node_count;
  auto max_nodes = IntParam(params, "maxnodes", kDefaultFlameNodes, 1, kMaxFlameNodes);
  if (!max_nodes.ok()) return Response::Error(max_nodes.status());
  auto source = ResolveSource(params);
  if (!source.ok()) return Response::Error(source.status());

  query::WindowStats stats;
  auto profile = LoadSource(*source, &stats);
  if (!profile.ok()) return Response::Error(profile.status());
  Result<pprof::Analysis> analysis = Status::InvalidArgument("not analyzed");
  {
    HeavySlot slot(heavy_);
    RunOnOwnStack([&] { analysis = pprof::Analyze(**profile, options, *max_nodes); });
  }
  if (!analysis.ok()) return Response::Error(analysis.status());

  const pprof::Profile& p = **profile;
  auto str = [&](int64_t i) -> std::string {
    return i >= 0 && i < p.string_table_size() ? p.string_table(static_cast<int>(i)) : "";
  };
  const pprof::TopTable& top = analysis->top;
  JsonWriter w;
  w.StartObject();
  w.Key("profile_type"); w.String(source->profile_type);
  // The profiles read: the inputs, or the snapshots the intervals span.
  w.Key("ids");
  w.StartArray();
  if (!source->interval) {
    for (const Input& in : source->inputs) w.String(in.id);
  }
  for (const query::IntervalTerm& term : source->plan.terms) {
    if (term.base != nullptr) w.String(term.base->id);
    w.String(term.end->id);
  }
  w.EndArray();
  w.Key("count"); w.Int64(static_cast<int64_t>(source->count));
  // Whether interval values apply to what is shown: a selection of a
  // cumulative sample type, or ids shown under a cumulative sample index.
  w.Key("cumulative");
  w.Bool(source->sample_type.empty() ? pprof::IsCumulative(source->profile_type, top.sample_type)
                                     : pprof::IsCumulativeName(source->sample_type));
  w.Key("interval"); w.Bool(source->interval);
  if (source->interval) {
    w.Key("intervals"); w.Int64(static_cast<int64_t>(source->plan.terms.size()));
    w.Key("baselines"); w.Int64(static_cast<int64_t>(source->plan.baselines));
    w.Key("resets"); w.Int64(static_cast<int64_t>(source->plan.resets + stats.stack_resets));
    w.Key("profiles_read"); w.Int64(static_cast<int64_t>(stats.decoded));
    // From the earliest snapshot an interval starts at to the latest end.
    w.Key("interval_start"); w.String(FormatRfc3339Ms(source->plan.start_ms));
    w.Key("interval_end"); w.String(FormatRfc3339Ms(source->plan.end_ms));
  }
  w.Key("sample_types");
  w.StartArray();
  for (const auto& st : p.sample_type()) {
    w.StartObject();
    w.Key("type"); w.String(str(st.type()));
    w.Key("unit"); w.String(str(st.unit()));
    w.EndObject();
  }
  w.EndArray();
  w.Key("sample_index"); w.String(top.sample_type);
  w.Key("unit"); w.String(top.sample_unit);
  w.Key("total"); w.Int64(top.total);
  w.Key("total_formatted"); w.String(top.FormatValue(top.total));
  w.Key("duration_ns"); w.Int64(p.duration_nanos());
  w.Key("time"); w.String(FormatRfc3339Ms(p.time_nanos() / 1'000'000));
  w.Key("top");
  WriteTop(w, top);
  w.Key("flame");
  WriteFlame(w, analysis->flame);
  w.Key("flame_nodes"); w.Int64(pprof::CountNodes(analysis->flame));
  w.EndObject();
  return Response::Json(w.Take());
}

Response Api::Merge(const QueryParams& params) {
  auto source = ResolveSource(params);
  if (!source.ok()) return Response::Error(source.status());
  std::string name = source->sample_type.empty() ? "merged" : source->sample_type;
  if (!source->interval) {
    auto r = ProfileDownload(source->inputs, name);
    return r.ok() ? std::move(*r) : Response::Error(r.status());
  }
  auto profile = LoadSource(*source, nullptr);
  if (!profile.ok()) return Response::Error(profile.status());
  return ProfileAttachment(pprof::EncodeProfile(**profile, /*gzip=*/true), name + "-interval");
}

}  // namespace cprof::server
