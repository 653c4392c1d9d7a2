// Grafana Pyroscope's flame graph of a view (report.h: PyroscopeFlameGraph),
// laid out as Pyroscope's pkg/model NewFlameGraph lays out its
// FunctionNameTree, so that Grafana's flame graph panel draws cprofiler's
// answer as it draws Pyroscope's.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "pprof/report.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// Pyroscope's name for the nodes folded away (truncatedNodeName).
constexpr std::string_view kOther = "other";

// The stacks merged by function name: node 0 is the root.
struct NameTree {
  struct Node {
    uint32_t name = 0;  // into names
    int64_t self = 0, total = 0;
    std::vector<uint32_t> children;  // ordered by name once Sort() ran
  };
  std::vector<std::string_view> names;
  std::vector<Node> nodes{Node{}};

  // Pyroscope's Tree.InsertStack: `frames` root first.
  void Insert(const View::Frame* frames, size_t len, int64_t value,
              const std::vector<uint32_t>& name_of,
              std::unordered_map<uint64_t, uint32_t>* child_of) {
    uint32_t at = 0;
    for (size_t d = 0; d < len; ++d) {
      nodes[at].total += value;
      const uint64_t key = (uint64_t{at} << 32) | name_of[frames[d].node];
      auto [it, added] = child_of->try_emplace(key, static_cast<uint32_t>(nodes.size()));
      if (added) {
        Node child;
        child.name = name_of[frames[d].node];
        nodes[at].children.push_back(it->second);
        nodes.push_back(std::move(child));
      }
      at = it->second;
    }
    nodes[at].total += value;
    nodes[at].self += value;
  }

  // Children by name, as Pyroscope keeps them (Go's string order: bytes).
  void Sort() {
    for (Node& n : nodes) {
      std::sort(n.children.begin(), n.children.end(), [&](uint32_t a, uint32_t b) {
        return names[nodes[a].name] < names[nodes[b].name];
      });
    }
  }

  // Pyroscope's Tree.minValue: the max_nodes-th largest total of the nodes
  // below the root, or 0 when they are max_nodes or fewer.
  int64_t MinValue(int64_t max_nodes) const {
    const size_t below_root = nodes.size() - 1;
    if (max_nodes < 1 || below_root <= static_cast<size_t>(max_nodes)) return 0;
    std::vector<int64_t> totals;
    totals.reserve(below_root);
    for (size_t i = 1; i < nodes.size(); ++i) totals.push_back(nodes[i].total);
    auto nth = totals.begin() + (max_nodes - 1);
    std::nth_element(totals.begin(), nth, totals.end(), std::greater<int64_t>());
    return *nth;
  }
};

}  // namespace

Result<LevelFlameGraph> PyroscopeFlameGraph(const Profile& profile, const ReportOptions& options,
                                            int64_t max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, options));
  NameTree tree;
  // A view node's name, interned: two nodes of one name (pprof tells
  // functions apart by file too) are one in Pyroscope's tree.
  std::vector<uint32_t> name_of(v.names.size());
  {
    std::unordered_map<std::string_view, uint32_t> interned;
    for (size_t n = 0; n < v.names.size(); ++n) {
      auto [it, added] = interned.try_emplace(v.names[n], static_cast<uint32_t>(tree.names.size()));
      if (added) tree.names.push_back(v.names[n]);
      name_of[n] = it->second;
    }
  }
  std::unordered_map<uint64_t, uint32_t> child_of;
  for (size_t s = 0; s + 1 < v.starts.size(); ++s) {
    const size_t len = v.starts[s + 1] - v.starts[s];
    if (v.values[s] <= 0 || len == 0) continue;  // as InsertStack and its callers
    tree.Insert(v.frames.data() + v.starts[s], len, v.values[s], name_of, &child_of);
  }
  tree.Sort();
  const int64_t min_value = tree.MinValue(max_nodes);

  // NewFlameGraph's walk: a stack of nodes to visit, each with its level and
  // x offset; a node's children are pushed left to right (so visited right
  // to left), the small ones folded into an "other" pushed last.
  LevelFlameGraph out;
  struct Visit {
    int64_t x;
    size_t level;
    int64_t self, total;
    std::string_view name;
    uint32_t node;  // UINT32_MAX for an "other"
  };
  std::unordered_map<std::string_view, int64_t> name_index;
  std::vector<Visit> stack{{0, 0, 0, tree.nodes[0].total, "total", 0}};
  out.total = tree.nodes[0].total;
  while (!stack.empty()) {
    Visit at = stack.back();
    stack.pop_back();
    out.max_self = std::max(out.max_self, at.self);
    auto [it, added] = name_index.try_emplace(at.name, static_cast<int64_t>(out.names.size()));
    if (added) out.names.emplace_back(at.name);
    if (at.level == out.levels.size()) out.levels.emplace_back();
    std::vector<int64_t>& level = out.levels[at.level];
    level.insert(level.end(), {at.x, at.total, at.self, it->second});
    if (at.node == UINT32_MAX) continue;
    int64_t x = at.x + at.self;
    int64_t other = 0;
    for (uint32_t c : tree.nodes[at.node].children) {
      const NameTree::Node& child = tree.nodes[c];
      const std::string_view name = tree.names[child.name];
      if (child.total >= min_value && name != kOther) {
        stack.push_back({x, at.level + 1, child.self, child.total, name, c});
        x += child.total;
      } else {
        other += child.total;
      }
    }
    if (other != 0) stack.push_back({x, at.level + 1, other, other, kOther, UINT32_MAX});
  }
  // Each level left to right (the walk visited it right to left), its x
  // offsets each from the end of the node before.
  for (std::vector<int64_t>& level : out.levels) {
    const size_t n = level.size() / 4;
    for (size_t i = 0; i < n / 2; ++i) {
      std::swap_ranges(level.begin() + 4 * i, level.begin() + 4 * i + 4,
                       level.begin() + 4 * (n - 1 - i));
    }
    int64_t end = 0;
    for (size_t i = 0; i < level.size(); i += 4) {
      const int64_t x = level[i];
      level[i] = x - end;
      end = x + level[i + 1];
    }
  }
  return out;
}

}  // namespace cprof::pprof
