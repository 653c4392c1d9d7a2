#include "pprof/analysis_json.h"

#include <cstdio>
#include <set>
#include <vector>

#include "base/time.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// The flame tree as nested {"n","v","s","c"} objects, written without
// recursion (stacks can be deep).
void WriteFlame(JsonWriter& w, const FlameNode& root) {
  struct Frame {
    const FlameNode* node;
    size_t next_child;
  };
  std::vector<Frame> stack;
  auto open = [&](const FlameNode* n) {
    w.StartObject();
    w.Field("n", n->name);
    w.Field("v", n->total);
    w.Field("s", n->self);
    if (!n->children.empty()) {
      w.StartArray("c");
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

void WriteTop(JsonWriter& w, const TopTable& t) {
  w.StartObject();
  w.Field("output_unit", t.output_unit);
  w.StartArray("active_filters");
  for (const std::string& f : t.active_filters) w.String(f);
  w.EndArray();
  w.Field("dropped_nodes", t.dropped_nodes);
  w.Field("node_count", t.node_count_before_limit);
  w.Field("flat_sum", t.flat_sum);
  w.Field("flat_sum_formatted", t.FormatValue(t.flat_sum));
  w.StartArray("rows");
  int64_t running = 0;
  for (const TopRow& row : t.rows) {
    running += row.flat;
    w.StartObject();
    w.Field("name", row.name);
    w.Field("inline", row.inline_label);
    w.Field("flat", row.flat);
    w.Field("flat_formatted", t.FormatValue(row.flat));
    w.Field("flat_pct", Percentage(row.flat, t.total));
    w.Field("sum_pct", Percentage(running, t.total));
    w.Field("cum", row.cum);
    w.Field("cum_formatted", t.FormatValue(row.cum));
    w.Field("cum_pct", Percentage(row.cum, t.total));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// A value as pprof's printTags prints it: "%.1f" in the smallest fitting
// unit (tags.cc's FormatTagsText).
std::string TagAmount(int64_t value, const std::string& sample_unit) {
  Scaled s = Scale(value, sample_unit, "minimum");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", s.value);
  return buf + s.unit;
}

// The keys of the numeric labels `p`'s samples carry.
std::set<std::string> NumericKeys(const Profile& p) {
  std::set<std::string> keys;
  for (const auto& s : p.sample()) {
    for (const auto& l : s.label()) {
      if (IsNumericLabel(l)) keys.insert(p.string_table(l.key()));
    }
  }
  return keys;
}

}  // namespace

void WriteTagsField(JsonWriter& w, const Profile& profile, const TagsTable& t) {
  const std::set<std::string> numeric = NumericKeys(profile);
  w.StartObject("tags");
  w.Field("sample_unit", t.sample_unit);
  w.StartArray("keys");
  for (const TagKey& k : t.keys) {
    w.StartObject();
    w.Field("key", k.key);
    w.Field("numeric", numeric.contains(k.key));
    w.Field("total", k.total);
    w.Field("total_formatted", TagAmount(k.total, t.sample_unit));
    w.StartArray("values");
    for (const TagValue& v : k.values) {
      w.StartObject();
      w.Field("name", v.name);
      w.Field("value", v.value);
      w.Field("formatted", TagAmount(v.value, t.sample_unit));
      w.Field("share", k.total > 0 ? Percentage(v.value, k.total) : "");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteSandwichField(JsonWriter& w, const TopTable& top, const Sandwich& s) {
  w.StartObject("sandwich");
  w.Field("function", s.function);
  w.Field("flat", s.flat);
  w.Field("flat_formatted", top.FormatValue(s.flat));
  w.Field("cum", s.cum);
  w.Field("cum_formatted", top.FormatValue(s.cum));
  w.Key("callers");
  WriteFlame(w, s.callers);
  w.Key("callees");
  WriteFlame(w, s.callees);
  w.EndObject();
}

void WriteGraphField(JsonWriter& w, const DotGraph& g, int node_count) {
  auto strings = [&w](const std::vector<std::string>& lines) {
    w.StartArray();
    for (const std::string& line : lines) w.String(line);
    w.EndArray();
  };
  w.Key("graph");
  w.StartObject();
  w.Key("title");
  w.String(g.title);
  w.Key("legend");
  strings(g.legend);
  w.Key("node_count");
  w.Int64(node_count);
  w.Key("total");
  w.Int64(g.total);
  w.Key("total_formatted");
  w.String(g.FormatValue(g.total));
  w.Key("output_unit");
  w.String(g.output_unit);
  w.Key("nodes");
  w.StartArray();
  const double max_flat = MaxFlat(g);
  for (const DotNode& n : g.nodes) {
    const DotNodeStyle style = NodeStyle(g, n, max_flat);
    w.StartObject();
    w.Key("id");
    w.Int64(n.id);
    w.Key("name");
    w.String(n.name);
    w.Key("short_name");
    w.String(n.short_name);
    w.Key("lines");
    strings(style.name_lines);
    w.Key("values");
    strings(style.value_lines);
    w.Key("flat");
    w.Int64(n.flat);
    w.Key("flat_formatted");
    w.String(g.FormatValue(n.flat));
    w.Key("cum");
    w.Int64(n.cum);
    w.Key("cum_formatted");
    w.String(g.FormatValue(n.cum));
    w.Key("fontsize");
    w.Int64(style.font_size);
    w.Key("color");
    w.String(style.color);
    w.Key("fillcolor");
    w.String(style.fill_color);
    w.Key("tooltip");
    w.String(style.tooltip);
    w.Key("tags");
    w.StartArray();
    for (const DotTag& t : n.tags) {
      w.StartObject();
      w.Key("id");
      w.String(t.id);
      w.Key("parent");
      w.String(t.parent);
      w.Key("label");
      w.String(t.label);
      w.Key("weight");
      w.Int64(t.weight);
      w.Key("formatted");
      w.String(g.FormatValue(t.weight));
      w.Key("dotted");
      w.Bool(t.dotted);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("edges");
  w.StartArray();
  for (const DotEdge& e : g.edges) {
    const DotEdgeStyle style = EdgeStyle(g, e);
    w.StartObject();
    w.Key("from");
    w.Int64(e.from);
    w.Key("to");
    w.Int64(e.to);
    w.Key("weight");
    w.Int64(e.weight);
    w.Key("formatted");
    w.String(style.label);
    w.Key("inline");
    w.Bool(e.inlined);
    w.Key("residual");
    w.Bool(e.residual);
    w.Key("penwidth");
    w.Int64(style.pen_width);
    w.Key("color");
    w.String(style.color);
    w.Key("layout_weight");
    w.Int64(style.weight);
    w.Key("minlen");
    w.Int64(style.min_len);
    w.Key("tooltip");
    w.String(style.tooltip);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void WriteAnalysisFields(JsonWriter& w, const Profile& p, const Analysis& analysis) {
  auto str = [&](int64_t i) -> std::string {
    return i >= 0 && i < p.string_table_size() ? p.string_table(static_cast<int>(i)) : "";
  };
  const TopTable& top = analysis.top;
  w.StartArray("sample_types");
  for (const auto& st : p.sample_type()) {
    w.StartObject();
    w.Field("type", str(st.type()));
    w.Field("unit", str(st.unit()));
    w.EndObject();
  }
  w.EndArray();
  w.Field("sample_index", top.sample_type);
  w.Field("unit", top.sample_unit);
  w.Field("total", top.total);
  w.Field("total_formatted", top.FormatValue(top.total));
  w.Field("duration_ns", p.duration_nanos());
  w.Field("time", FormatRfc3339Ms(p.time_nanos() / 1'000'000));
  w.Key("top");
  WriteTop(w, top);
  w.Key("flame");
  WriteFlame(w, analysis.flame);
  w.Field("flame_nodes", CountNodes(analysis.flame));
}

}  // namespace cprof::pprof

namespace cprof::pprof {
namespace {

void WritePeekEdges(JsonWriter& w, const TopTable& top, const std::vector<PeekEdge>& edges,
                    int64_t cum) {
  w.StartArray();
  for (const PeekEdge& e : edges) {
    w.StartObject();
    w.Key("name");
    w.String(e.name);
    w.Key("inline");
    w.Bool(e.inlined);
    w.Key("weight");
    w.Int64(e.weight);
    w.Key("formatted");
    w.String(top.FormatValue(e.weight));
    w.Key("share");
    w.String(Percentage(e.weight, cum));
    w.EndObject();
  }
  w.EndArray();
}

// Keeps the first `max` of `v`; how many went.
template <typename T>
size_t Cut(std::vector<T>& v, size_t max) {
  if (v.size() <= max) return 0;
  const size_t cut = v.size() - max;
  v.resize(max);
  return cut;
}

// Starts the object `field` of a report of the functions matching `regex`
// with its regex and error ("" when none); when there is an error, ends it
// as an empty report (no `items`, no more functions, no text) and returns
// false.
bool StartRegexReport(JsonWriter& w, std::string_view field, const std::string& regex,
                      const Status& status, std::string_view items) {
  w.StartObject(field);
  w.Field("regex", regex);
  w.Field("error", status.ok() ? "" : status.message());
  if (status.ok()) return true;
  w.StartArray(items);
  w.EndArray();
  w.Field("more_functions", 0);
  w.Field("text", "");
  w.EndObject();
  return false;
}

}  // namespace

void WritePeekField(JsonWriter& w, const Profile& profile, const std::string& regex,
                    const Result<PeekTable>& peek) {
  if (!StartRegexReport(w, "peek", regex, peek.status(), "entries")) return;
  PeekTable t = *peek;
  const size_t more_functions = Cut(t.entries, kMaxPeekFunctions);
  w.Key("entries");
  w.StartArray();
  int64_t flat_sum = 0;  // of the functions shown, as pprof's text sums it
  for (PeekEntry& entry : t.entries) {
    const TopRow& n = entry.node;
    flat_sum += n.flat;
    const size_t more_callers = Cut(entry.callers, kMaxPeekEdges);
    const size_t more_callees = Cut(entry.callees, kMaxPeekEdges);
    w.StartObject();
    w.Key("name");
    w.String(n.name);
    w.Key("inline");
    w.String(n.inline_label);
    w.Key("flat");
    w.Int64(n.flat);
    w.Key("flat_formatted");
    w.String(t.top.FormatValue(n.flat));
    w.Key("flat_pct");
    w.String(Percentage(n.flat, t.top.total));
    w.Key("sum_pct");
    w.String(Percentage(flat_sum, t.top.total));
    w.Key("cum");
    w.Int64(n.cum);
    w.Key("cum_formatted");
    w.String(t.top.FormatValue(n.cum));
    w.Key("cum_pct");
    w.String(Percentage(n.cum, t.top.total));
    w.Key("callers");
    WritePeekEdges(w, t.top, entry.callers, n.cum);
    w.Key("callees");
    WritePeekEdges(w, t.top, entry.callees, n.cum);
    w.Key("more_callers");
    w.Int64(static_cast<int64_t>(more_callers));
    w.Key("more_callees");
    w.Int64(static_cast<int64_t>(more_callees));
    w.EndObject();
  }
  w.EndArray();
  w.Key("more_functions");
  w.Int64(static_cast<int64_t>(more_functions));
  w.Key("text");
  w.String(FormatPeekText(profile, t));
  w.EndObject();
}

void WriteListField(JsonWriter& w, const std::string& regex, const Result<ListReport>& list) {
  if (!StartRegexReport(w, "list", regex, list.status(), "functions")) return;
  ListReport r = *list;
  auto value_or_dot = [&](int64_t value) { return value == 0 ? "." : r.FormatValue(value); };
  w.Key("sample_unit");
  w.String(r.sample_unit);
  w.Key("total");
  w.Int64(r.total);
  w.Key("total_formatted");
  w.String(r.FormatValue(r.total));
  w.Key("functions");
  w.StartArray();
  size_t lines_left = kMaxListLines;
  for (ListFunction& f : r.functions) {
    w.StartObject();
    w.Key("name");
    w.String(f.name);
    w.Key("files");
    w.StartArray();
    for (ListFile& file : f.files) {
      const size_t more_lines = Cut(file.lines, lines_left);
      lines_left -= file.lines.size();
      w.StartObject();
      w.Key("file");
      w.String(file.file);
      w.Key("flat");
      w.Int64(file.flat);
      w.Key("flat_formatted");
      w.String(r.FormatValue(file.flat));
      w.Key("cum");
      w.Int64(file.cum);
      w.Key("cum_formatted");
      w.String(r.FormatValue(file.cum));
      w.Key("cum_pct");
      w.String(Percentage(file.cum, r.total));
      w.Key("error");
      w.String(file.error);
      w.Key("lines");
      w.StartArray();
      for (const ListLine& line : file.lines) {
        w.StartObject();
        w.Key("n");
        w.Int64(line.number);
        w.Key("flat");
        w.Int64(line.flat);
        w.Key("cum");
        w.Int64(line.cum);
        w.Key("flat_formatted");
        w.String(value_or_dot(line.flat));
        w.Key("cum_formatted");
        w.String(value_or_dot(line.cum));
        if (file.error.empty()) {
          w.Key("text");
          w.String(line.text);
        }
        w.EndObject();
      }
      w.EndArray();
      w.Key("more_lines");
      w.Int64(static_cast<int64_t>(more_lines));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("more_functions");
  w.Int64(static_cast<int64_t>(r.more_functions));
  w.Key("text");
  w.String(FormatListText(r));
  w.EndObject();
}

}  // namespace cprof::pprof
