// pprof's call graph (internal/graph) over a View (view.h), trimmed as
// pprof's report.newTrimmedGraph trims it: for a text report (the nodes the
// top table lists and the edges the peek report prints) or in its visual
// mode for the dot graph (dot.cc), with the nodes' tags. Internal to
// src/pprof. Thread-safe: built once, then read only.
#ifndef CPROF_PPROF_GRAPH_H_
#define CPROF_PPROF_GRAPH_H_

#include <cstdint>
#include <map>
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
  bool residual = false;        // some call along it skips nodes left out of the graph
  uint32_t stamp = UINT32_MAX;  // the last sample that added to it (while building)
};

// pprof's Tag: a node's share of the samples that carry a set of string
// labels (a label tag) or a numeric label's value (a numeric tag).
struct GraphTag {
  std::string name;   // "endpoint:/api/users" ("\\n" between labels), "16kB"
  std::string unit;   // a numeric tag's unit ("bytes"); "" for a label tag
  int64_t value = 0;  // a numeric tag's value, in its unit
  int64_t flat = 0, cum = 0;
};
using TagMap = std::map<std::string, GraphTag>;  // by name

// pprof's Node.LabelTags and Node.NumericTags.
struct NodeTags {
  TagMap labels;                          // by the joined labels
  std::map<std::string, TagMap> numeric;  // by the joined labels ("" none), then by name
};

// What one sample of a view adds to the tags of the nodes it passes:
// pprof's joinLabels of its string labels ("key:value", sorted, joined by
// a backslash and an n), and its "bytes" numeric labels (the only ones
// pprof's graph keeps), named by their value in the smallest fitting unit.
struct SampleTags {
  std::string labels;
  std::vector<GraphTag> numeric;  // name, unit and value set; weights 0
  // Samples of one class have the same labels and numeric tags: a graph
  // adds up a node's weight per class, then each class's tags once.
  uint32_t tag_class = 0;
};

// The tags of each sample of `view`, which must have been built with
// Stacks::kEachSample (its sample_of names each sample's profile sample).
std::vector<SampleTags> SampleTagsOf(const Profile& profile, const View& view);

// Node ids are the view's (View::names); an edge's key is
// EdgeKey(caller, callee).
struct Graph {
  std::vector<GraphNode> nodes;
  std::unordered_map<uint64_t, GraphEdge, MixHash> edges;
  std::vector<NodeTags> tags;  // per node when built with sample tags, else empty
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
  Graph graph;  // nodes not shown are zeroed; trimmed edges removed
  // The nodes shown, in pprof's order: |flat|, name, |cum| for a text
  // report; by entropy score (EntropyOrder) in the visual mode.
  std::vector<uint32_t> order;
  int dropped_nodes = 0;  // below the node fraction's cutoff
  int dropped_edges = 0;  // below the edge fraction's cutoff, as pprof counts them
  int node_count_before_limit = 0;
  std::string output_unit;  // "MB"; the sample unit when no scale fits
};

// InvalidArgument never: the view is already filtered. Node and edge
// fractions and the node count are the options'.
TrimmedGraph NewTrimmedGraph(const View& view, const ReportOptions& options);

// The graph as pprof's newTrimmedGraph leaves it in its visual mode (the dot
// graph): nodes in entropy order, each node's tags counted against the node
// count, tags below the node cutoff trimmed, redundant residual edges
// removed. `tags` is SampleTagsOf(profile, view).
TrimmedGraph NewVisualGraph(const View& view, const ReportOptions& options,
                            const std::vector<SampleTags>& tags);

// The top table of a trimmed graph (pprof's TextItems with its labels).
TopTable TextItems(const View& view, const ReportOptions& options, const TrimmedGraph& graph);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_GRAPH_H_
