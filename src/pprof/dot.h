// pprof's call graph as `go tool pprof -dot` draws it: a DotGraph (the
// nodes, their tag boxes, the edges and the legend, as pprof's
// report.GetDOT selects them) and its DOT text (graph.ComposeDot). The
// struct carries what a drawing needs, so another front end (the web UI,
// from JSON) can draw the same graph. Thread-safe: pure functions.
#ifndef CPROF_PPROF_DOT_H_
#define CPROF_PPROF_DOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pprof/report.h"

namespace cprof::pprof {

// go tool pprof's node count for -dot when none is given
// (applyCommandOverrides); the top table shows all nodes instead.
inline constexpr int kDotNodeCount = 80;

// One of pprof's "nodelets": a box hanging under a node with the weight of
// the samples that carry a label set, a numeric label value, or a range of
// values ("1kB..2kB").
struct DotTag {
  std::string id;       // "N1_0", "NN1_0" (a numeric tag of node 1), "NN1_0_2"
  std::string parent;   // what it hangs from: "N1", "N1_0"
  std::string label;    // "endpoint:/api/users", "16kB", "1kB..2kB"
  int64_t weight = 0;   // never 0
  bool dotted = false;  // a numeric tag of a leaf shown by its cum, not its flat
};

struct DotNode {
  int id = 0;        // 1, 2, ...: "N1"
  std::string name;  // pprof's printable name: "crypto/sha256.block"
  // The name in the node's box: pprof's ShortenFunctionName ("sha256.block")
  // of a function, else the printable name.
  std::string short_name;
  bool named = true;  // a function's node (else "[binary]" or "<unknown>")
  int64_t flat = 0, cum = 0;
  std::vector<DotTag> tags;  // in pprof's order
};

struct DotEdge {
  int from = 0, to = 0;  // node ids
  int64_t weight = 0;
  bool inlined = false;   // every call along it was inlined: "(inline)"
  bool residual = false;  // it skips nodes left out: dotted, "..."
};

struct DotGraph {
  std::string title;                // the binary's name; "" for none
  std::vector<std::string> legend;  // pprof's labels: "File: x", ..., "Showing nodes ..."
  int64_t total = 0;
  std::string sample_unit, output_unit;
  std::vector<DotNode> nodes;  // in pprof's (entropy) order
  std::vector<DotEdge> edges;  // heaviest first, then by caller and callee name

  // A value as pprof prints it in this graph ("33.30MB").
  std::string FormatValue(int64_t value) const;
};

// The graph `go tool pprof -dot` draws for the options: node_count 0 for
// all nodes (go tool pprof's default for -dot is kDotNodeCount).
// InvalidArgument for a bad sample index or expression.
Result<DotGraph> Dot(const Profile& profile, const ReportOptions& options);

// `go tool pprof -dot`'s text.
std::string FormatDot(const DotGraph& graph);

// How graph.ComposeDot draws a node of `graph`: what FormatDot writes of it,
// unescaped, for a front end that draws the graph itself.
struct DotNodeStyle {
  // multilinePrintableName's lines: the short name cut at each "." and
  // "::" ("sha256", "block"); a node that is not a function's, its name.
  std::vector<std::string> name_lines;
  // The value lines under them: "600ms (43.48%)", "of 1150ms (83.33%)"; a
  // node without flat "0 of 1360ms (98.55%)", or "0" when its cum is 0 too.
  std::vector<std::string> value_lines;
  int font_size = 8;  // 8 to 24, by the square root of |flat| / MaxFlat
  // dotColor of the cum's share of the total: an outline ("#b20000", red
  // for a large share, grey for a small one) and a light fill.
  std::string color, fill_color;
  std::string tooltip;  // "main.handler (1150ms)"
};

// The largest |flat| of the graph's nodes (the font sizes' scale).
double MaxFlat(const DotGraph& graph);

DotNodeStyle NodeStyle(const DotGraph& graph, const DotNode& node, double max_flat);

// How graph.ComposeDot draws an edge of `graph`. When the total is 0,
// pprof sets no weight, width or colour: 1, 1 and "".
struct DotEdgeStyle {
  std::string label;      // its weight as pprof prints it: "250ms"
  int64_t weight = 1;     // Graphviz's weight: 1 + its share in percent, at most 101
  int64_t pen_width = 1;  // 1 to 6, by its share of the total
  std::string color;      // dotColor of its share
  std::string tooltip;    // "main.main -> main.handler (1150ms)"; "..." when residual
  // Graphviz's minlen: 2 below a node with tag boxes (they take the rank
  // between), else 1.
  int min_len = 1;
};

DotEdgeStyle EdgeStyle(const DotGraph& graph, const DotEdge& edge);

// pprof's ShortenFunctionName: a Go function's package path cut to its last
// element ("crypto/sha256.block" -> "sha256.block"), a C++ or Java name to
// its class and method.
std::string ShortenFunctionName(const std::string& name);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_DOT_H_
