// pprof's dot report: report.GetDOT selects the graph (graph.h's visual
// mode, with the nodes' tags), graph.ComposeDot writes it.
#include "pprof/dot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "pprof/filter.h"
#include "pprof/graph.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

constexpr size_t kMaxNodelets = 4;  // pprof's maxNodelets, label and numeric alike

// pprof's SortTags: by |cum| unless `flat`, then |flat|, then name.
void SortTags(std::vector<GraphTag>& tags, bool flat) {
  std::sort(tags.begin(), tags.end(), [flat](const GraphTag& a, const GraphTag& b) {
    if (!flat && a.cum != b.cum) return std::llabs(a.cum) > std::llabs(b.cum);
    if (a.flat != b.flat) return std::llabs(a.flat) > std::llabs(b.flat);
    return a.name < b.name;
  });
}

// pprof's tagDistance: how far `u`'s value is from `t`'s, in `t`'s unit.
double TagDistance(const GraphTag& t, const GraphTag& u) {
  const double v = Scale(u.value, u.unit, t.unit).value;
  return std::abs(static_cast<double>(t.value) - v);
}

// pprof's tagGroupLabel: one tag as its value ("16kB"), several as the
// range of their values ("1kB..2kB") with their weights summed.
GraphTag TagGroupLabel(const std::vector<GraphTag>& group) {
  if (group.size() == 1) {
    const GraphTag& t = group[0];
    return {ScaledLabel(t.value, t.unit, "auto"), "", 0, t.flat, t.cum};
  }
  const GraphTag* min = &group[0];
  const GraphTag* max = &group[0];
  int64_t flat = min->flat, cum = min->cum;
  for (size_t i = 1; i < group.size(); ++i) {
    const GraphTag& t = group[i];
    if (static_cast<int64_t>(Scale(t.value, t.unit, min->unit).value) < min->value) min = &t;
    if (static_cast<int64_t>(Scale(t.value, t.unit, max->unit).value) > max->value) max = &t;
    flat += t.flat;
    cum += t.cum;
  }
  return {ScaledLabel(min->value, min->unit, "auto") + ".." +
              ScaledLabel(max->value, max->unit, "auto"),
          "", 0, flat, cum};
}

// pprof's collapsedTags: the tags sorted; beyond `count`, each joins the
// group of the first `count` whose value is nearest, and the groups become
// ranges.
std::vector<GraphTag> CollapsedTags(std::vector<GraphTag> tags, size_t count, bool flat) {
  SortTags(tags, flat);
  if (tags.size() <= count) return tags;
  std::vector<std::vector<GraphTag>> groups(count);
  for (size_t i = 0; i < count; ++i) groups[i].push_back(tags[i]);
  for (size_t k = count; k < tags.size(); ++k) {
    size_t best = 0;
    double distance = TagDistance(tags[k], groups[0][0]);
    for (size_t i = 1; i < count; ++i) {
      const double d = TagDistance(tags[k], groups[i][0]);
      if (d < distance) {
        best = i;
        distance = d;
      }
    }
    groups[best].push_back(tags[k]);
  }
  std::vector<GraphTag> collapsed;
  for (const auto& group : groups) collapsed.push_back(TagGroupLabel(group));
  SortTags(collapsed, flat);
  return collapsed;
}

// pprof's numericNodelets: the collapsed numeric tags hanging from `parent`.
void NumericNodelets(const TagMap& numeric, bool flat, const std::string& parent,
                     std::vector<DotTag>& out) {
  std::vector<GraphTag> tags;
  for (const auto& [name, t] : numeric) tags.push_back(t);
  const std::vector<GraphTag> collapsed = CollapsedTags(std::move(tags), kMaxNodelets, flat);
  for (size_t j = 0; j < collapsed.size(); ++j) {
    const GraphTag& t = collapsed[j];
    int64_t w = t.cum;
    bool dotted = true;
    if (flat || t.flat == t.cum) {
      w = t.flat;
      dotted = false;
    }
    if (w != 0) out.push_back({"N" + parent + "_" + std::to_string(j), parent, t.name, w, dotted});
  }
}

// pprof's addNodelets: a node's label tags (the heaviest kMaxNodelets), each
// with the numeric tags of its samples, then the numeric tags of its
// unlabelled samples. A node with callees shows flat weights (its cum went
// on to them); a leaf its cum (that of callees left out included).
std::vector<DotTag> Nodelets(int id, const NodeTags& node, bool flat) {
  std::vector<DotTag> out;
  const std::string self = "N" + std::to_string(id);
  std::vector<GraphTag> labels;
  for (const auto& [name, t] : node.labels) labels.push_back(t);
  SortTags(labels, flat);
  if (labels.size() > kMaxNodelets) labels.resize(kMaxNodelets);
  for (size_t i = 0; i < labels.size(); ++i) {
    const GraphTag& t = labels[i];
    const int64_t w = flat ? t.flat : t.cum;
    if (w == 0) continue;
    const std::string tag_id = self + "_" + std::to_string(i);
    out.push_back({tag_id, self, t.name, w, false});
    auto numeric = node.numeric.find(t.name);
    if (numeric != node.numeric.end() && !numeric->second.empty()) {
      NumericNodelets(numeric->second, flat, tag_id, out);
    }
  }
  auto unlabelled = node.numeric.find("");
  if (unlabelled != node.numeric.end() && !unlabelled->second.empty()) {
    NumericNodelets(unlabelled->second, flat, self, out);
  }
  return out;
}

// pprof's escapeForDot: backslashes and double quotes escaped, newlines
// made Graphviz's left-justified line breaks.
std::string EscapeForDot(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\l";
    } else {
      out += c;
    }
  }
  return out;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// `s` cut at each `sep`.
std::vector<std::string> Split(std::string_view s, std::string_view sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t end; (end = s.find(sep, start)) != std::string_view::npos; start = end + sep.size()) {
    parts.emplace_back(s.substr(start, end - start));
  }
  parts.emplace_back(s.substr(start));
  return parts;
}

// pprof's multilinePrintableName as lines: a function's short name cut at
// each "::" and "." (Go's "[...]" kept whole, as "[…]").
std::vector<std::string> NameLines(const DotNode& node) {
  if (!node.named) return {node.name};
  std::vector<std::string> lines;
  for (std::string part : Split(node.short_name, "::")) {
    ReplaceAll(part, "[...]", "[\xE2\x80\xA6]");
    for (std::string& line : Split(part, ".")) lines.push_back(std::move(line));
  }
  return lines;
}

// pprof's multilinePrintableName: the name's lines, escaped, each ending in
// Graphviz's "\n" (a node not a function's: its name as it is).
std::string MultilinePrintableName(const DotNode& node, const DotNodeStyle& style) {
  if (!node.named) return node.name + "\\n";
  std::string out;
  for (const std::string& line : style.name_lines) out += EscapeForDot(line) + "\\n";
  return out;
}

// pprof's dotColor: a score in [-1, 1] as a color, green through grey to
// red; light for a background. Go's math.Pow(x, 0.3) is Exp(0.3*Log(x)).
std::string DotColor(double score, bool background) {
  constexpr double kShift = 0.7;
  double saturation = background ? 0.1 : 1.0;
  const double value = background ? 0.93 : 0.7;
  score = std::max(-1.0, std::min(1.0, score));
  if (std::abs(score) < 0.2) saturation *= std::abs(score) / 0.2;
  if (score > 0.0) score = std::exp((1.0 - kShift) * std::log(score));
  if (score < 0.0) score = -std::exp((1.0 - kShift) * std::log(-score));
  double r, g;
  if (score < 0.0) {
    g = value;
    r = value * (1 + saturation * score);
  } else {
    r = value;
    g = value * (1 - saturation * score);
  }
  const double b = value * (1 - saturation);
  auto byte = [](double x) { return static_cast<unsigned>(static_cast<uint8_t>(x * 255.0)); };
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buf;
}

std::string TrimmedPercentage(int64_t value, int64_t total) {
  std::string pct = Percentage(value, total);
  pct.erase(0, pct.find_first_not_of(' '));
  return pct;
}

// Go's int64 arithmetic (wrapping) for pprof's edge weights and widths.
int64_t Times(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// pprof's addNode, then its nodelets.
void AddNode(const DotGraph& d, const DotNode& node, double max_flat, std::string& out) {
  const DotNodeStyle style = NodeStyle(d, node, max_flat);
  std::string label = MultilinePrintableName(node, style);
  for (size_t i = 0; i < style.value_lines.size(); ++i) {
    if (i > 0) label += "\\n";
    label += style.value_lines[i];
  }
  out += "N" + std::to_string(node.id) + " [label=\"" + label + "\" id=\"node" +
         std::to_string(node.id) + "\" fontsize=" + std::to_string(style.font_size) +
         " shape=box tooltip=\"" + EscapeForDot(style.tooltip) + "\" color=\"" + style.color +
         "\" fillcolor=\"" + style.fill_color + "\"]\n";
  for (const DotTag& t : node.tags) {
    const std::string w = d.FormatValue(t.weight);
    out += t.id + " [label = \"" + t.label + "\" id=\"" + t.id +
           "\" fontsize=8 shape=box3d tooltip=\"" + w + "\"]\n";
    out += t.parent + " -> " + t.id + " [label=\" " + w + "\" weight=100 tooltip=\"" + w +
           "\" labeltooltip=\"" + w + "\"" + (t.dotted ? " style=\"dotted\"" : "") + "]\n";
  }
}

// pprof's addEdge.
void AddEdge(const DotGraph& d, const DotEdge& e, std::string& out) {
  const DotEdgeStyle style = EdgeStyle(d, e);
  std::string attr = "label=\" " + style.label + (e.inlined ? "\\n (inline)" : "") + "\"";
  if (d.total != 0) {
    if (style.weight > 1) attr += " weight=" + std::to_string(style.weight);
    if (style.pen_width > 1) attr += " penwidth=" + std::to_string(style.pen_width);
    attr += " color=\"" + style.color + "\"";
  }
  const std::string tooltip = "\"" + EscapeForDot(style.tooltip) + "\"";
  attr += " tooltip=" + tooltip + " labeltooltip=" + tooltip;
  if (e.residual) attr += " style=\"dotted\"";
  if (style.min_len > 1) attr += " minlen=" + std::to_string(style.min_len);
  out += "N" + std::to_string(e.from) + " -> N" + std::to_string(e.to) + " [" + attr + "]\n";
}

}  // namespace

std::string ShortenFunctionName(const std::string& name) {
  static const RE2 kCppAnonymousPrefix(R"(^\(anonymous namespace\)::)");
  static const RE2 kGoVersion(R"(^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$)");
  static const RE2 kGo(R"(^(?:[\w\-\.]+\/)+(.+))");
  static const RE2 kJava(
      R"(^(?:[a-z]\w*\.)*([A-Z][\w\$]*\.(?:<init>|[a-z][\w\$]*(?:\$\d+)?))(?:(?:\()|$))");
  static const RE2 kCpp(R"(^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?))");
  std::string f = name;
  RE2::Replace(&f, kCppAnonymousPrefix, "");
  RE2::Replace(&f, kGoVersion, R"(\1\2)");
  for (const RE2* re : {&kGo, &kJava, &kCpp}) {
    std::string shortened;
    if (RE2::PartialMatch(f, *re, &shortened)) return shortened;
  }
  return f;
}

std::string DotGraph::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, output_unit);
}

double MaxFlat(const DotGraph& d) {
  double max_flat = 0;
  for (const DotNode& n : d.nodes) {
    max_flat = std::max(max_flat, static_cast<double>(std::llabs(n.flat)));
  }
  return max_flat;
}

DotNodeStyle NodeStyle(const DotGraph& d, const DotNode& node, double max_flat) {
  DotNodeStyle style;
  style.name_lines = NameLines(node);
  const std::string flat_value = d.FormatValue(node.flat);
  std::string first = node.flat != 0
                          ? flat_value + " (" + TrimmedPercentage(node.flat, d.total) + ")"
                          : std::string("0");
  std::string cum_value = flat_value;
  if (node.cum != node.flat) {
    cum_value = d.FormatValue(node.cum);
    const std::string of = "of " + cum_value + " (" + TrimmedPercentage(node.cum, d.total) + ")";
    if (node.flat != 0) {
      style.value_lines = {std::move(first), of};
    } else {
      style.value_lines = {first + " " + of};
    }
  } else {
    style.value_lines = {std::move(first)};
  }
  // Font sizes from 8 to 24 by the square root of the flat share.
  const double flat = static_cast<double>(std::llabs(node.flat));
  if (max_flat != 0 && node.flat != 0 && flat <= max_flat) {
    style.font_size += static_cast<int>(std::ceil(16.0 * std::sqrt(flat / max_flat)));
  }
  const double share = static_cast<double>(node.cum) / static_cast<double>(std::llabs(d.total));
  style.color = DotColor(share, false);
  style.fill_color = DotColor(share, true);
  style.tooltip = node.name + " (" + cum_value + ")";
  return style;
}

DotEdgeStyle EdgeStyle(const DotGraph& d, const DotEdge& e) {
  DotEdgeStyle style;
  style.label = d.FormatValue(e.weight);
  if (d.total != 0) {
    style.weight = 1 + std::min<int64_t>(std::llabs(Times(e.weight, 100) / d.total), 100);
    style.pen_width = 1 + std::min<int64_t>(std::llabs(Times(e.weight, 5) / d.total), 5);
    style.color =
        DotColor(static_cast<double>(e.weight) / static_cast<double>(std::llabs(d.total)), false);
  }
  const DotNode& from = d.nodes[static_cast<size_t>(e.from - 1)];
  const DotNode& to = d.nodes[static_cast<size_t>(e.to - 1)];
  style.tooltip = from.name + (e.residual ? " ... " : " -> ") + to.name + " (" + style.label + ")";
  if (!from.tags.empty()) style.min_len = 2;
  return style;
}

Result<DotGraph> Dot(const Profile& profile, const ReportOptions& options) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, options, Stacks::kEachSample));
  const TrimmedGraph g = NewVisualGraph(v, options, SampleTagsOf(profile, v));

  DotGraph d;
  TopTable legend = TextItems(v, options, g);
  legend.dropped_edges = g.dropped_edges;
  legend.edge_fraction = options.edge_fraction;
  d.legend = ReportLabelLines(profile, legend);
  d.legend.push_back("\nSee https://git.io/JfYMW for how to read the graph");
  if (profile.mapping_size() > 0) {
    d.title = Basename(profile.string_table(profile.mapping(0).filename()));
  }
  d.total = v.total;
  d.sample_unit = v.sample_unit;
  d.output_unit = g.output_unit;

  std::vector<int> id_of(v.names.size(), 0);
  for (size_t i = 0; i < g.order.size(); ++i) id_of[g.order[i]] = static_cast<int>(i + 1);
  std::vector<bool> has_callees(v.names.size(), false);
  for (const auto& [key, e] : g.graph.edges) {
    has_callees[EdgeCaller(key)] = true;
    d.edges.push_back(
        {id_of[EdgeCaller(key)], id_of[EdgeCallee(key)], e.weight, e.inlined, e.residual});
  }
  for (uint32_t n : g.order) {
    DotNode node;
    node.id = id_of[n];
    node.name = v.names[n];
    node.named = v.named[n];
    node.short_name = node.named ? ShortenFunctionName(node.name) : node.name;
    node.flat = g.graph.nodes[n].flat;
    node.cum = g.graph.nodes[n].cum;
    node.tags = Nodelets(node.id, g.graph.tags[n], has_callees[n]);
    d.nodes.push_back(std::move(node));
  }
  // pprof's edgeList order: heaviest first, then by caller and callee name.
  std::sort(d.edges.begin(), d.edges.end(), [&](const DotEdge& a, const DotEdge& b) {
    if (a.weight != b.weight) return std::llabs(a.weight) > std::llabs(b.weight);
    const std::string& ca = d.nodes[static_cast<size_t>(a.from - 1)].name;
    const std::string& cb = d.nodes[static_cast<size_t>(b.from - 1)].name;
    if (ca != cb) return ca < cb;
    return d.nodes[static_cast<size_t>(a.to - 1)].name <
           d.nodes[static_cast<size_t>(b.to - 1)].name;
  });
  return d;
}

std::string FormatDot(const DotGraph& d) {
  std::string out = "digraph \"" + (d.title.empty() ? std::string("unnamed") : d.title) + "\" {\n";
  out += "node [style=filled fillcolor=\"#f8f8f8\"]\n";
  if (!d.legend.empty()) {
    out += "subgraph cluster_L { \"" + EscapeForDot(d.legend[0]) + "\" [shape=box fontsize=16";
    out += " label=\"";
    for (size_t i = 0; i < d.legend.size(); ++i) {
      if (i > 0) out += "\\l";
      out += EscapeForDot(d.legend[i]);
    }
    out += "\\l\"";
    if (!d.title.empty()) out += " tooltip=\"" + d.title + "\"";
    out += "] }\n";
  }
  if (!d.nodes.empty()) {
    const double max_flat = MaxFlat(d);
    for (const DotNode& n : d.nodes) AddNode(d, n, max_flat, out);
    for (const DotEdge& e : d.edges) {
      AddEdge(d, e, out);
    }
  }
  out += "}\n";
  return out;
}

}  // namespace cprof::pprof
