#include <algorithm>
#include <unordered_map>

#include "pprof/id_index.h"
#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

struct Node {
  int64_t flat = 0, cum = 0;
  bool in_inline = false, in_noinline = false;
};

// pprof's graph over the view, restricted to `kept` nodes (all when empty):
// cum once per sample per node, flat to the leaf unless it was dropped,
// edges between kept nodes with their inline flags.
struct Graph {
  std::vector<Node> nodes;
  struct Edge {
    int64_t weight = 0;
    bool inline_ = true;
    uint32_t stamp = UINT32_MAX;  // the last sample that added to it
  };
  std::unordered_map<uint64_t, Edge, MixHash> edges;  // parent << 32 | child
};

Graph BuildGraph(const View& v, const std::vector<bool>& kept, bool with_edges) {
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
        uint64_t key = static_cast<uint64_t>(parent) << 32 | n;
        auto [it, inserted] = g.edges.try_emplace(key);
        Graph::Edge& e = it->second;
        if (e.stamp != s) {
          e.stamp = static_cast<uint32_t>(s);
          e.weight += w;
          if (inserted) {
            e.inline_ = v.frames[f].inlined;
          } else if (!v.frames[f].inlined) {
            e.inline_ = false;
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

bool InGraph(const Node& n) { return n.flat != 0 || n.cum != 0; }

}  // namespace

std::string TopTable::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, output_unit);
}

TopTable TopOfView(const View& v, const ReportOptions& o) {
  const size_t num_nodes = v.names.size();

  // The full graph decides the cutoffs (its edges are not needed yet).
  Graph g = BuildGraph(v, {}, /*with_edges=*/false);
  int64_t graph_total = 0;
  size_t graph_nodes = 0;
  for (const Node& n : g.nodes) {
    if (InGraph(n)) {
      ++graph_nodes;
      graph_total += n.flat;
    }
  }
  const int64_t node_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.node_fraction));
  const int64_t edge_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.edge_fraction));

  TopTable t;
  t.sample_type = v.sample_type;
  t.sample_unit = v.sample_unit;
  t.total = v.total;
  t.node_fraction = o.node_fraction;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"focus", &o.focus},
                                    {"ignore", &o.ignore},
                                    {"hide", &o.hide},
                                    {"show", &o.show},
                                    {"tagfocus", &o.tag_focus},
                                    {"tagignore", &o.tag_ignore}}) {
    if (!value->empty()) t.active_filters.push_back(std::string(name) + "=" + *value);
  }

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
      g = BuildGraph(v, kept, /*with_edges=*/true);
      rebuilt = true;
      for (size_t n = 0; n < num_nodes; ++n) {
        if (!kept[n]) g.nodes[n] = Node{};
      }
    }
  }
  if (!rebuilt) g = BuildGraph(v, {}, /*with_edges=*/true);  // every node, as pprof keeps them
  auto sorted = [&](const Graph& graph) {
    std::vector<uint32_t> order;
    for (uint32_t n = 0; n < num_nodes; ++n) {
      if (InGraph(graph.nodes[n])) order.push_back(n);
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const Node& na = graph.nodes[a];
      const Node& nb = graph.nodes[b];
      int64_t fa = std::llabs(na.flat), fb = std::llabs(nb.flat);
      if (fa != fb) return fa > fb;
      if (v.names[a] != v.names[b]) return v.names[a] < v.names[b];
      int64_t ca = std::llabs(na.cum), cb = std::llabs(nb.cum);
      if (ca != cb) return ca > cb;
      return a < b;
    });
    return order;
  };
  std::vector<uint32_t> order = sorted(g);
  t.node_count_before_limit = static_cast<int>(order.size());
  if (o.node_count > 0 && order.size() > static_cast<size_t>(o.node_count)) {
    // pprof rebuilds the graph from the top nodes: their edges change.
    std::vector<bool> top(num_nodes, false);
    for (size_t i = 0; i < static_cast<size_t>(o.node_count); ++i) top[order[i]] = true;
    g = BuildGraph(v, top, /*with_edges=*/true);
    for (size_t n = 0; n < num_nodes; ++n) {
      if (!top[n]) g.nodes[n] = Node{};
    }
    order = sorted(g);
  }
  for (const auto& [key, e] : g.edges) {
    if (std::llabs(e.weight) < edge_cutoff) continue;  // TrimLowFrequencyEdges
    Node& child = g.nodes[static_cast<uint32_t>(key)];
    if (e.inline_) {
      child.in_inline = true;
    } else {
      child.in_noinline = true;
    }
  }

  // pprof's selectOutputUnit: a unit fit for the smallest and largest values.
  int64_t min_value = 0;
  for (uint32_t n : order) {
    int64_t m = std::llabs(g.nodes[n].flat);
    if (m == 0) m = std::llabs(g.nodes[n].cum);
    if (m > 0 && (min_value == 0 || m < min_value)) min_value = m;
  }
  int64_t max_value = t.total;
  if (min_value == 0) min_value = max_value;
  std::string min_unit = Scale(min_value, t.sample_unit, "minimum").unit;
  std::string max_unit = Scale(max_value, t.sample_unit, "minimum").unit;
  std::string unit = min_unit;
  if (min_unit != max_unit && min_value * 100 < max_value) {
    unit = Scale(100 * min_value, t.sample_unit, "minimum").unit;
  }
  t.output_unit = unit.empty() ? t.sample_unit : unit;

  for (uint32_t n : order) {
    TopRow row;
    row.name = v.names[n];
    row.flat = g.nodes[n].flat;
    row.cum = g.nodes[n].cum;
    if (g.nodes[n].in_inline) {
      row.inline_label = g.nodes[n].in_noinline ? "(partial-inline)" : "(inline)";
    }
    t.flat_sum += row.flat;
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace cprof::pprof
