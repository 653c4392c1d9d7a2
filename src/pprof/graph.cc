#include "pprof/graph.h"

#include <algorithm>

#include "pprof/units.h"

namespace cprof::pprof {
namespace {

// pprof's newGraph over the view, restricted to `kept` nodes (all when
// empty): cum once per sample per node, flat to the leaf unless it was
// dropped, edges between kept nodes with their inline flags.
Graph NewGraph(const View& v, const std::vector<bool>& kept, bool with_edges) {
  Graph g;
  g.nodes.resize(v.names.size());
  std::vector<uint32_t> seen(v.names.size(), UINT32_MAX);
  const size_t num_samples = v.values.size();
  for (size_t s = 0; s < num_samples; ++s) {
    int64_t w = v.values[s];
    if (w == 0) continue;
    int64_t parent = -1;
    bool residual = false;
    for (uint32_t f = v.starts[s]; f < v.starts[s + 1]; ++f) {
      uint32_t n = v.frames[f].node;
      if (!kept.empty() && !kept[n]) {
        residual = true;
        continue;
      }
      if (seen[n] != s) {
        seen[n] = static_cast<uint32_t>(s);
        g.nodes[n].cum += w;
      }
      if (with_edges && parent >= 0 && static_cast<uint32_t>(parent) != n) {
        auto [it, inserted] = g.edges.try_emplace(EdgeKey(static_cast<uint32_t>(parent), n));
        GraphEdge& e = it->second;
        if (e.stamp != s) {
          e.stamp = static_cast<uint32_t>(s);
          e.weight += w;
          if (inserted) {
            e.inlined = v.frames[f].inlined;
          } else if (!v.frames[f].inlined) {
            e.inlined = false;
          }
        }
      }
      parent = n;
      residual = false;
    }
    if (parent >= 0 && !residual) g.nodes[parent].flat += w;
  }
  return g;
}

// The graph restricted to `kept` nodes: rebuilt from the samples, as pprof
// does, with the nodes left out zeroed.
Graph NewGraphOf(const View& v, const std::vector<bool>& kept) {
  Graph g = NewGraph(v, kept, /*with_edges=*/true);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!kept[n]) g.nodes[n] = GraphNode{};
  }
  return g;
}

// pprof's SortNodes (flat order): |flat|, then name, then |cum|.
std::vector<uint32_t> SortNodes(const View& v, const Graph& g) {
  std::vector<uint32_t> order;
  for (uint32_t n = 0; n < g.nodes.size(); ++n) {
    if (InGraph(g.nodes[n])) order.push_back(n);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const GraphNode& na = g.nodes[a];
    const GraphNode& nb = g.nodes[b];
    int64_t fa = std::llabs(na.flat), fb = std::llabs(nb.flat);
    if (fa != fb) return fa > fb;
    if (v.names[a] != v.names[b]) return v.names[a] < v.names[b];
    int64_t ca = std::llabs(na.cum), cb = std::llabs(nb.cum);
    if (ca != cb) return ca > cb;
    return a < b;
  });
  return order;
}

// pprof's TrimLowFrequencyEdges: edges below the cutoff removed; then the
// inline flags of the nodes the kept edges reach.
void TrimLowFrequencyEdges(Graph& g, int64_t edge_cutoff) {
  std::erase_if(g.edges,
                [&](const auto& entry) { return std::llabs(entry.second.weight) < edge_cutoff; });
  for (const auto& [key, e] : g.edges) {
    GraphNode& callee = g.nodes[EdgeCallee(key)];
    if (e.inlined) {
      callee.in_inline = true;
    } else {
      callee.in_noinline = true;
    }
  }
}

// pprof's selectOutputUnit: a unit fit for the smallest and largest values.
std::string SelectOutputUnit(const View& v, const TrimmedGraph& t) {
  int64_t min_value = 0;
  for (uint32_t n : t.order) {
    int64_t m = std::llabs(t.graph.nodes[n].flat);
    if (m == 0) m = std::llabs(t.graph.nodes[n].cum);
    if (m > 0 && (min_value == 0 || m < min_value)) min_value = m;
  }
  int64_t max_value = v.total;
  if (min_value == 0) min_value = max_value;
  std::string min_unit = Scale(min_value, v.sample_unit, "minimum").unit;
  std::string max_unit = Scale(max_value, v.sample_unit, "minimum").unit;
  std::string unit = min_unit;
  if (min_unit != max_unit && min_value * 100 < max_value) {
    unit = Scale(100 * min_value, v.sample_unit, "minimum").unit;
  }
  return unit.empty() ? v.sample_unit : unit;
}

}  // namespace

TrimmedGraph NewTrimmedGraph(const View& v, const ReportOptions& o) {
  const size_t num_nodes = v.names.size();
  TrimmedGraph t;

  // The full graph decides the cutoffs (its edges are not needed yet).
  Graph g = NewGraph(v, {}, /*with_edges=*/false);
  int64_t graph_total = 0;
  size_t graph_nodes = 0;
  for (const GraphNode& n : g.nodes) {
    if (InGraph(n)) {
      ++graph_nodes;
      graph_total += n.flat;
    }
  }
  const int64_t node_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.node_fraction));
  const int64_t edge_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.edge_fraction));

  // Like pprof, rebuild the graph only when the cutoff drops a node; a
  // rebuilt graph leaves out nodes with neither flat nor cum.
  bool rebuilt = false;
  if (node_cutoff > 0) {
    std::vector<bool> kept(num_nodes, false);
    size_t kept_count = 0;
    for (size_t n = 0; n < num_nodes; ++n) {
      if (InGraph(g.nodes[n]) && std::llabs(g.nodes[n].cum) >= node_cutoff) {
        kept[n] = true;
        ++kept_count;
      }
    }
    if (kept_count != graph_nodes) {
      t.dropped_nodes = static_cast<int>(graph_nodes - kept_count);
      g = NewGraphOf(v, kept);
      rebuilt = true;
    }
  }
  if (!rebuilt) g = NewGraph(v, {}, /*with_edges=*/true);  // every node, as pprof keeps them
  t.order = SortNodes(v, g);
  t.node_count_before_limit = static_cast<int>(t.order.size());
  if (o.node_count > 0 && t.order.size() > static_cast<size_t>(o.node_count)) {
    // pprof rebuilds the graph from the top nodes: their edges change.
    std::vector<bool> top(num_nodes, false);
    for (size_t i = 0; i < static_cast<size_t>(o.node_count); ++i) top[t.order[i]] = true;
    g = NewGraphOf(v, top);
    t.order = SortNodes(v, g);
  }
  TrimLowFrequencyEdges(g, edge_cutoff);
  t.graph = std::move(g);
  t.output_unit = SelectOutputUnit(v, t);
  return t;
}

}  // namespace cprof::pprof
