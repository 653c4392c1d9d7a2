#include <algorithm>
#include <functional>
#include <map>
#include <queue>

#include "pprof/report.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// Walks the call tree of the view's stacks depth first without building
// it: `sorted` holds the stacks in lexicographic order of their nodes, so
// each path shared with the previous stack stays open. open(node) enters a
// node below the innermost open one; close(total, self) leaves the
// innermost, its subtree complete; the root is closed last.
template <typename Open, typename Close>
void WalkTree(const View& v, const std::vector<uint32_t>& sorted, Open&& open, Close&& close) {
  struct Level {
    int64_t total = 0, self = 0;
  };
  std::vector<Level> path(1);  // path[0] is the root
  auto leave = [&] {
    Level level = path.back();
    path.pop_back();
    close(level.total, level.self);
    path.back().total += level.total;
  };
  const View::Frame* prev = nullptr;
  size_t prev_len = 0;
  for (uint32_t s : sorted) {
    const View::Frame* frames = v.frames.data() + v.starts[s];
    const size_t len = v.starts[s + 1] - v.starts[s];
    size_t common = 0;
    while (common < len && common < prev_len && prev[common].node == frames[common].node) {
      ++common;
    }
    while (path.size() > common + 1) leave();
    for (size_t d = common; d < len; ++d) {
      open(frames[d].node);
      path.emplace_back();
    }
    path.back().total += v.values[s];
    path.back().self += v.values[s];
    prev = frames;
    prev_len = len;
  }
  while (path.size() > 1) leave();
  close(path[0].total, path[0].self);
}

// The flame tree as it is built: entries in depth-first order, each with
// the total of its children folded away.
struct FlameEntry {
  uint32_t node, parent;
  int64_t self = 0, total = 0, folded = 0;
};

void Collect(const std::vector<FlameEntry>& entries, const std::vector<uint32_t>& first,
             const std::vector<uint32_t>& children, uint32_t i, const View& v, FlameNode* out) {
  out->self = entries[i].self;
  out->total = entries[i].total;
  for (uint32_t k = first[i]; k < first[i + 1]; ++k) {
    uint32_t c = children[k];
    FlameNode node;
    node.name = v.names[entries[c].node];
    Collect(entries, first, children, c, v, &node);
    out->children.push_back(std::move(node));
  }
  if (entries[i].folded != 0) {
    FlameNode node;
    node.name = "\xE2\x80\xA6";  // "…": what was folded away
    node.total = entries[i].folded;
    node.self = entries[i].folded;
    out->children.push_back(std::move(node));
  }
  std::sort(out->children.begin(), out->children.end(), [](const FlameNode& a, const FlameNode& b) {
    if (a.total != b.total) return a.total > b.total;
    return a.name < b.name;
  });
}

}  // namespace

FlameNode FlameOfView(const View& v, int max_nodes) {
  std::vector<uint32_t> sorted;
  for (uint32_t s = 0; s < v.values.size(); ++s) {
    if (v.values[s] != 0) sorted.push_back(s);
  }
  std::sort(sorted.begin(), sorted.end(), [&](uint32_t a, uint32_t b) {
    return std::lexicographical_compare(
        v.frames.begin() + v.starts[a], v.frames.begin() + v.starts[a + 1],
        v.frames.begin() + v.starts[b], v.frames.begin() + v.starts[b + 1],
        [](const View::Frame& x, const View::Frame& y) { return x.node < y.node; });
  });

  // Keep the max_nodes largest; fold the rest. A first walk finds the cut
  // (the max_nodes-th largest total, kept in a heap) without holding the
  // tree, whose distinct paths may number millions.
  int64_t threshold = 0;
  if (max_nodes > 0) {
    std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> largest;
    size_t count = 0;
    WalkTree(
        v, sorted, [](uint32_t) {},
        [&](int64_t total, int64_t) {
      ++count;
      int64_t size = std::llabs(total);
      if (largest.size() < static_cast<size_t>(max_nodes)) {
        largest.push(size);
      } else if (size > largest.top()) {
        largest.pop();
        largest.push(size);
      }
        });
    // Strictly above the cut keeps at most max_nodes.
    if (count > static_cast<size_t>(max_nodes)) threshold = largest.top() + 1;
  }

  // The second walk builds what is kept. A node is complete when it is
  // closed; if it is below the cut, it and everything after it (its
  // subtree, in depth-first order) fold into its parent.
  std::vector<FlameEntry> entries{{UINT32_MAX, UINT32_MAX}};
  std::vector<uint32_t> open{0};
  WalkTree(
      v, sorted,
      [&](uint32_t node) {
    open.push_back(static_cast<uint32_t>(entries.size()));
    entries.push_back({node, open[open.size() - 2]});
      },
      [&](int64_t total, int64_t self) {
    uint32_t e = open.back();
    open.pop_back();
    entries[e].total = total;
    entries[e].self = self;
    if (e != 0 && std::llabs(total) < threshold) {
      entries[entries[e].parent].folded += total;
      entries.resize(e);
    }
  });

  // Children of each entry: children[first[i] .. first[i + 1]).
  std::vector<uint32_t> first(entries.size() + 1, 0), children(entries.size(), 0);
  for (size_t i = 1; i < entries.size(); ++i) ++first[entries[i].parent + 1];
  for (size_t i = 1; i < first.size(); ++i) first[i] += first[i - 1];
  std::vector<uint32_t> fill(first.begin(), first.end() - 1);
  for (uint32_t i = 1; i < entries.size(); ++i) children[fill[entries[i].parent]++] = i;

  FlameNode root;
  root.name = "root";
  Collect(entries, first, children, 0, v, &root);
  return root;
}

int CountNodes(const FlameNode& node) {
  int n = 1;
  for (const FlameNode& c : node.children) n += CountNodes(c);
  return n;
}

Result<std::string> Folded(const Profile& profile, const ReportOptions& o) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  std::map<std::string, int64_t> stacks;
  std::string key;
  for (size_t s = 0; s + 1 < v.starts.size(); ++s) {
    if (v.values[s] == 0) continue;
    key.clear();
    for (uint32_t f = v.starts[s]; f < v.starts[s + 1]; ++f) {
      if (!key.empty()) key += ';';
      key += v.names[v.frames[f].node];
    }
    if (key.empty()) key = "<unknown>";
    stacks[key] += v.values[s];
  }
  std::string out;
  for (const auto& [stack, value] : stacks) {
    if (value == 0) continue;
    out += stack;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  }
  return out;
}

}  // namespace cprof::pprof
