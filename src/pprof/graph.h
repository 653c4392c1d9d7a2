// pprof's call graph (internal/graph) over a View (view.h), trimmed as
// pprof's report.newTrimmedGraph trims it for a text report: the nodes the
// top table lists and the edges the peek report prints. Internal to
// src/pprof. Thread-safe: built once, then read only.
#ifndef CPROF_PPROF_GRAPH_H_
#define CPROF_PPROF_GRAPH_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "pprof/id_index.h"
#include "pprof/report.h"
#include "pprof/view.h"

namespace cprof::pprof {

struct GraphNode {
  int64_t flat = 0, cum = 0;
  // Whether a kept edge into this node is inlined, and whether one is not:
  // the top table's "(inline)" and "(partial-inline)".
  bool in_inline = false, in_noinline = false;
};

struct GraphEdge {
  int64_t weight = 0;
  bool inlined = true;          // every call along it was inlined
  uint32_t stamp = UINT32_MAX;  // the last sample that added to it (while building)
};

// Node ids are the view's (View::names); an edge's key is
// EdgeKey(caller, callee).
struct Graph {
  std::vector<GraphNode> nodes;
  std::unordered_map<uint64_t, GraphEdge, MixHash> edges;
};
inline uint64_t EdgeKey(uint32_t caller, uint32_t callee) {
  return static_cast<uint64_t>(caller) << 32 | callee;
}
inline uint32_t EdgeCaller(uint64_t key) { return static_cast<uint32_t>(key >> 32); }
inline uint32_t EdgeCallee(uint64_t key) { return static_cast<uint32_t>(key); }

// Whether pprof keeps `node` in a graph (selectNodesForGraph): some flat or cum.
inline bool InGraph(const GraphNode& node) { return node.flat != 0 || node.cum != 0; }

// The graph as pprof's newTrimmedGraph leaves it, with the output unit
// selectOutputUnit picks for it.
struct TrimmedGraph {
  Graph graph;                  // nodes not shown are zeroed; trimmed edges removed
  std::vector<uint32_t> order;  // the nodes shown, in pprof's order (|flat|, name, |cum|)
  int dropped_nodes = 0;        // below the node fraction's cutoff
  int node_count_before_limit = 0;
  std::string output_unit;  // "MB"; the sample unit when no scale fits
};

// InvalidArgument never: the view is already filtered. Node and edge
// fractions and the node count are the options'.
TrimmedGraph NewTrimmedGraph(const View& view, const ReportOptions& options);

// The top table of a trimmed graph (pprof's TextItems with its labels).
TopTable TextItems(const View& view, const ReportOptions& options, const TrimmedGraph& graph);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_GRAPH_H_
