#include "pprof/graph.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#include "pprof/units.h"

namespace cprof::pprof {
namespace {

// pprof's addSample for a node's tags: the sample's label tag and numeric
// tags gain `w`, as flat or as cum.
void AddTags(NodeTags& node, const SampleTags& sample, int64_t w, bool flat) {
  if (!sample.labels.empty()) {
    GraphTag& tag = node.labels[sample.labels];
    tag.name = sample.labels;
    (flat ? tag.flat : tag.cum) += w;
  }
  TagMap& numeric = node.numeric[sample.labels];
  for (const GraphTag& t : sample.numeric) {
    GraphTag& tag = numeric.try_emplace(t.name, t).first->second;
    (flat ? tag.flat : tag.cum) += w;
  }
}

// pprof's newGraph over the view, restricted to `kept` nodes (all when
// empty): cum once per sample per node, flat to the leaf unless it was
// dropped, edges between kept nodes with their inline and residual flags,
// and the nodes' tags when `tags` is given.
Graph NewGraph(const View& v, const std::vector<bool>& kept, bool with_edges,
               const std::vector<SampleTags>* tags) {
  Graph g;
  g.nodes.resize(v.names.size());
  if (tags != nullptr) g.tags.resize(v.names.size());
  // A node's weight per tag class (node << 32 | class), flat and cum, and
  // the first sample that brought it: AddTags runs once per node and
  // class, in the order the samples would have, which keeps pprof's
  // first-come numeric tag of a name.
  struct ClassWeight {
    int64_t flat = 0, cum = 0;
    uint32_t first = 0;
    bool has_flat = false;
  };
  std::unordered_map<uint64_t, ClassWeight> class_weights;
  auto add_class = [&](uint32_t n, const SampleTags& t, size_t s, int64_t w, bool flat) {
    auto [it, inserted] = class_weights.try_emplace(static_cast<uint64_t>(n) << 32 | t.tag_class);
    if (inserted) it->second.first = static_cast<uint32_t>(s);
    if (flat) {
      it->second.flat += w;
      it->second.has_flat = true;
    } else {
      it->second.cum += w;
    }
  };
  std::vector<uint32_t> seen(v.names.size(), UINT32_MAX);
  const size_t num_samples = v.values.size();
  for (size_t s = 0; s < num_samples; ++s) {
    int64_t w = v.values[s];
    if (w == 0) continue;
    const SampleTags* sample_tags = tags != nullptr ? &(*tags)[s] : nullptr;
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
        if (sample_tags != nullptr) add_class(n, *sample_tags, s, w, /*flat=*/false);
      }
      if (with_edges && parent >= 0 && static_cast<uint32_t>(parent) != n) {
        auto [it, inserted] = g.edges.try_emplace(EdgeKey(static_cast<uint32_t>(parent), n));
        GraphEdge& e = it->second;
        if (e.stamp != s) {
          e.stamp = static_cast<uint32_t>(s);
          e.weight += w;
          if (residual) e.residual = true;
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
    if (parent >= 0 && !residual) {
      g.nodes[parent].flat += w;
      if (sample_tags != nullptr) {
        add_class(static_cast<uint32_t>(parent), *sample_tags, s, w, /*flat=*/true);
      }
    }
  }
  if (tags != nullptr) {
    std::vector<std::pair<uint64_t, const ClassWeight*>> order;
    order.reserve(class_weights.size());
    for (const auto& [key, weight] : class_weights) order.emplace_back(key, &weight);
    // By node, then by the first sample.
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      if (a.first >> 32 != b.first >> 32) return a.first >> 32 < b.first >> 32;
      return a.second->first < b.second->first;
    });
    for (const auto& [key, weight] : order) {
      NodeTags& node = g.tags[key >> 32];
      const SampleTags& t = (*tags)[weight->first];
      AddTags(node, t, weight->cum, /*flat=*/false);
      if (weight->has_flat) AddTags(node, t, weight->flat, /*flat=*/true);
    }
  }
  return g;
}

// The graph restricted to `kept` nodes: rebuilt from the samples, as pprof
// does, with the nodes left out zeroed.
Graph NewGraphOf(const View& v, const std::vector<bool>& kept,
                 const std::vector<SampleTags>* tags) {
  Graph g = NewGraph(v, kept, /*with_edges=*/true, tags);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!kept[n]) {
      g.nodes[n] = GraphNode{};
      if (!g.tags.empty()) g.tags[n] = NodeTags{};
    }
  }
  return g;
}

// The nodes pprof's selectNodesForGraph keeps.
std::vector<uint32_t> GraphNodes(const Graph& g) {
  std::vector<uint32_t> nodes;
  for (uint32_t n = 0; n < g.nodes.size(); ++n) {
    if (InGraph(g.nodes[n])) nodes.push_back(n);
  }
  return nodes;
}

// pprof's FlatNameOrder: |flat|, then name, then |cum|.
std::vector<uint32_t> SortNodes(const View& v, const Graph& g) {
  std::vector<uint32_t> order = GraphNodes(g);
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

// Go's math.Log2: the exponent exact, the fraction through Log.
double GoLog2(double x) {
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return exp - 1;
  return std::log(frac) * (1 / std::numbers::ln2) + exp;
}

// pprof's edgeEntropyScore: the entropy of a node's edge weights (and its
// `self` weight), each edge's share of their positive sum.
double EdgeEntropyScore(const std::vector<int64_t>& weights, int64_t self) {
  double score = 0;
  int64_t total = self;
  for (int64_t w : weights) {
    if (w > 0) total += std::llabs(w);
  }
  if (total != 0) {
    for (int64_t w : weights) {
      const double frac = static_cast<double>(std::llabs(w)) / static_cast<double>(total);
      score += -frac * GoLog2(frac);
    }
    if (self > 0) {
      const double frac = static_cast<double>(std::llabs(self)) / static_cast<double>(total);
      score += -frac * GoLog2(frac);
    }
  }
  return score;
}

// pprof's EntropyOrder, the visual mode's SortNodes: by |entropyScore| (the
// entropy of a node's in and out edges, entry and leaf nodes favoured,
// times its cum, plus its flat), then name, then |flat|.
std::vector<uint32_t> SortNodesByEntropy(const View& v, const Graph& g) {
  std::vector<std::vector<int64_t>> in(g.nodes.size()), out(g.nodes.size());
  for (const auto& [key, e] : g.edges) {
    out[EdgeCaller(key)].push_back(e.weight);
    in[EdgeCallee(key)].push_back(e.weight);
  }
  std::vector<uint32_t> order = GraphNodes(g);
  std::vector<int64_t> score(g.nodes.size());
  for (uint32_t n : order) {
    const GraphNode& node = g.nodes[n];
    double s = 0;
    s += in[n].empty() ? 1 : EdgeEntropyScore(in[n], 0);
    s += out[n].empty() ? 1 : EdgeEntropyScore(out[n], node.flat);
    score[n] = static_cast<int64_t>(s * static_cast<double>(node.cum)) + node.flat;
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int64_t sa = std::llabs(score[a]), sb = std::llabs(score[b]);
    if (sa != sb) return sa > sb;
    if (v.names[a] != v.names[b]) return v.names[a] < v.names[b];
    int64_t fa = std::llabs(g.nodes[a].flat), fb = std::llabs(g.nodes[b].flat);
    if (fa != fb) return fa > fb;
    return a < b;
  });
  return order;
}

// pprof's TrimLowFrequencyTags: tags whose |flat| and |cum| are both below
// the cutoff removed.
void TrimLowFrequencyTags(Graph& g, int64_t tag_cutoff) {
  auto low = [&](const auto& entry) {
    return std::llabs(entry.second.flat) < tag_cutoff && std::llabs(entry.second.cum) < tag_cutoff;
  };
  for (NodeTags& tags : g.tags) {
    std::erase_if(tags.labels, low);
    for (auto& [labels, numeric] : tags.numeric) std::erase_if(numeric, low);
  }
}

// pprof's countTags: the node's tags with some flat weight.
int CountTags(const NodeTags& tags) {
  int count = 0;
  for (const auto& [name, t] : tags.labels) count += t.flat != 0;
  for (const auto& [labels, numeric] : tags.numeric) {
    for (const auto& [name, t] : numeric) count += t.flat != 0;
  }
  return count;
}

// pprof's selectTopNodes: the first `max_nodes` of `order`; in the visual
// mode each node's tags (at most maxNodelets) count as nodes too.
size_t SelectTopNodes(const Graph& g, const std::vector<uint32_t>& order, size_t max_nodes,
                      bool visual) {
  constexpr int kMaxNodelets = 4;
  if (visual && !g.tags.empty()) {
    size_t count = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      count += static_cast<size_t>(std::min(CountTags(g.tags[order[i]]), kMaxNodelets)) + 1;
      if (count >= max_nodes) {
        max_nodes = i + 1;
        break;
      }
    }
  }
  return std::min(max_nodes, order.size());
}

// pprof's TrimLowFrequencyEdges: edges below the cutoff removed; then the
// inline flags of the nodes the kept edges reach.
// Returns the number of edges removed.
int TrimLowFrequencyEdges(Graph& g, int64_t edge_cutoff) {
  const size_t dropped = std::erase_if(
      g.edges, [&](const auto& entry) { return std::llabs(entry.second.weight) < edge_cutoff; });
  for (const auto& [key, e] : g.edges) {
    GraphNode& callee = g.nodes[EdgeCallee(key)];
    if (e.inlined) {
      callee.in_inline = true;
    } else {
      callee.in_noinline = true;
    }
  }
  return static_cast<int>(dropped);
}

// pprof's edgeList order: |weight|, then the caller's name, then the callee's.
bool EdgeBefore(const View& v, uint64_t a, int64_t wa, uint64_t b, int64_t wb) {
  if (wa != wb) return std::llabs(wa) > std::llabs(wb);
  const std::string& ca = v.names[EdgeCaller(a)];
  const std::string& cb = v.names[EdgeCaller(b)];
  if (ca != cb) return ca < cb;
  return v.names[EdgeCallee(a)] < v.names[EdgeCallee(b)];
}

// pprof's RemoveRedundantEdges: from the last node to the first, its
// residual in-edges, lightest first, are removed while another path from
// their caller reaches the node (isRedundantEdge).
void RemoveRedundantEdges(const View& v, Graph& g, const std::vector<uint32_t>& order) {
  std::vector<std::vector<uint32_t>> callers(g.nodes.size());
  for (const auto& [key, e] : g.edges) callers[EdgeCallee(key)].push_back(EdgeCaller(key));
  // A breadth-first search over callers; seen[n] == search marks a node
  // the current search has met.
  std::vector<uint32_t> seen(g.nodes.size(), 0);
  uint32_t search = 0;
  std::vector<uint32_t> queue;
  auto redundant = [&](uint32_t src, uint32_t dest) {
    ++search;
    seen[dest] = search;
    queue.assign(1, dest);
    for (size_t head = 0; head < queue.size(); ++head) {
      const uint32_t n = queue[head];
      for (uint32_t caller : callers[n]) {
        if ((n == dest && caller == src) || seen[caller] == search) continue;
        if (caller == src) return true;
        seen[caller] = search;
        queue.push_back(caller);
      }
    }
    return false;
  };
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const uint32_t n = *it;
    std::vector<uint32_t> in = callers[n];
    std::sort(in.begin(), in.end(), [&](uint32_t a, uint32_t b) {
      const uint64_t ka = EdgeKey(a, n), kb = EdgeKey(b, n);
      return EdgeBefore(v, ka, g.edges.at(ka).weight, kb, g.edges.at(kb).weight);
    });
    for (auto e = in.rbegin(); e != in.rend(); ++e) {
      if (!g.edges.at(EdgeKey(*e, n)).residual) break;
      if (redundant(*e, n)) {
        g.edges.erase(EdgeKey(*e, n));
        std::erase(callers[n], *e);
      }
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

// pprof's Nodes.Sum over the nodes a graph keeps (selectNodesForGraph):
// their flat total, and how many they are.
struct NodesSum {
  int64_t flat = 0;
  size_t nodes = 0;
};
NodesSum Sum(const Graph& g) {
  NodesSum sum;
  for (const GraphNode& n : g.nodes) {
    if (InGraph(n)) {
      ++sum.nodes;
      sum.flat += n.flat;
    }
  }
  return sum;
}

// pprof's NodeSet: which nodes a rebuilt graph keeps, and how many.
struct NodeSet {
  std::vector<bool> kept;
  size_t count = 0;
};

// pprof's DiscardLowFrequencyNodes (makeNodeSet): the nodes the graph keeps
// whose |cum| reaches `node_cutoff`.
NodeSet DiscardLowFrequencyNodes(const Graph& g, int64_t node_cutoff) {
  const size_t num_nodes = g.nodes.size();
  NodeSet set{std::vector<bool>(num_nodes, false), 0};
  for (size_t n = 0; n < num_nodes; ++n) {
    if (InGraph(g.nodes[n]) && std::llabs(g.nodes[n].cum) >= node_cutoff) {
      set.kept[n] = true;
      ++set.count;
    }
  }
  return set;
}

// pprof's SelectTopNodes as a node set: the first `top` nodes of `order`.
std::vector<bool> TopNodeSet(size_t num_nodes, const std::vector<uint32_t>& order, size_t top) {
  std::vector<bool> kept(num_nodes, false);
  for (size_t i = 0; i < top; ++i) kept[order[i]] = true;
  return kept;
}

// pprof's newTrimmedGraph, in its visual mode or not, with tags or not.
TrimmedGraph Trim(const View& v, const ReportOptions& o, const std::vector<SampleTags>* tags,
                  bool visual) {
  const size_t num_nodes = v.names.size();
  TrimmedGraph t;
  auto sort_nodes = [&](const Graph& g) {
    return visual ? SortNodesByEntropy(v, g) : SortNodes(v, g);
  };

  // The full graph decides the cutoffs (its edges are not needed yet).
  Graph g = NewGraph(v, {}, /*with_edges=*/false, nullptr);
  const NodesSum sum = Sum(g);
  const int64_t node_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(sum.flat) * o.node_fraction));
  const int64_t edge_cutoff =
      std::llabs(static_cast<int64_t>(static_cast<double>(sum.flat) * o.edge_fraction));

  // Like pprof, rebuild the graph only when the cutoff drops a node; a
  // rebuilt graph leaves out nodes with neither flat nor cum.
  bool rebuilt = false;
  if (node_cutoff > 0) {
    const NodeSet kept = DiscardLowFrequencyNodes(g, node_cutoff);
    if (kept.count != sum.nodes) {
      t.dropped_nodes = static_cast<int>(sum.nodes - kept.count);
      g = NewGraphOf(v, kept.kept, tags);
      rebuilt = true;
    }
  }
  if (!rebuilt) g = NewGraph(v, {}, /*with_edges=*/true, tags);  // every node, as pprof keeps them
  t.order = sort_nodes(g);
  t.node_count_before_limit = static_cast<int>(t.order.size());
  if (o.node_count > 0) {
    // Low-frequency tags and edges go first: they affect the selection.
    TrimLowFrequencyTags(g, node_cutoff);
    TrimLowFrequencyEdges(g, edge_cutoff);
    const size_t top = SelectTopNodes(g, t.order, static_cast<size_t>(o.node_count), visual);
    if (top != t.order.size()) {
      // pprof rebuilds the graph from the top nodes: their edges change.
      g = NewGraphOf(v, TopNodeSet(num_nodes, t.order, top), tags);
      t.order = sort_nodes(g);
    }
  }
  TrimLowFrequencyTags(g, node_cutoff);
  t.dropped_edges = TrimLowFrequencyEdges(g, edge_cutoff);
  if (visual) RemoveRedundantEdges(v, g, t.order);
  t.graph = std::move(g);
  t.output_unit = SelectOutputUnit(v, t);
  return t;
}

}  // namespace

std::vector<SampleTags> SampleTagsOf(const Profile& p, const View& v) {
  const std::map<std::string, std::string> units = NumLabelUnits(p);
  std::vector<SampleTags> tags(v.values.size());
  std::vector<std::string> labels;
  std::unordered_map<std::string, uint32_t> classes;  // by labels and numeric tags
  std::string class_key;
  for (size_t i = 0; i < v.values.size(); ++i) {
    const auto& s = p.sample(static_cast<int>(v.sample_of[i]));
    labels.clear();
    for (const auto& l : s.label()) {
      const std::string& key = p.string_table(l.key());
      if (IsStringLabel(l)) {
        labels.push_back(key + ":" + p.string_table(l.str()));
      } else if (IsNumericLabel(l) && key == "bytes") {
        // A key only all-zero samples carry has no unit: they add nothing.
        auto unit = units.find(key);
        if (unit == units.end()) continue;
        tags[i].numeric.push_back(
            {ScaledLabel(l.num(), unit->second, "minimum"), unit->second, l.num(), 0, 0});
      }
    }
    std::sort(labels.begin(), labels.end());
    for (const std::string& label : labels) {
      if (!tags[i].labels.empty()) tags[i].labels += "\\n";
      tags[i].labels += label;
    }
    class_key = tags[i].labels;
    for (const GraphTag& t : tags[i].numeric) {
      class_key += '\0' + t.name + '\0' + t.unit + '\0' + std::to_string(t.value);
    }
    tags[i].tag_class =
        classes.try_emplace(class_key, static_cast<uint32_t>(classes.size())).first->second;
  }
  return tags;
}

TrimmedGraph NewTrimmedGraph(const View& v, const ReportOptions& o) {
  return Trim(v, o, nullptr, /*visual=*/false);
}

TrimmedGraph NewVisualGraph(const View& v, const ReportOptions& o,
                            const std::vector<SampleTags>& tags) {
  return Trim(v, o, &tags, /*visual=*/true);
}

}  // namespace cprof::pprof
