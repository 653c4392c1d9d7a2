#include "pprof/report.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <queue>
#include <span>
#include <unordered_map>

#include "pprof/id_index.h"
#include "pprof/units.h"

namespace cprof::pprof {
namespace {

using Regex = std::unique_ptr<RE2>;

Status CompileRegex(const char* what, const std::string& text, Regex* out) {
  if (text.empty()) return Status::OK();
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(text, o);
  if (!re->ok()) {
    return Status::InvalidArgument(std::string("bad ") + what + " regular expression \"" +
                                   text + "\": " + re->error());
  }
  *out = std::move(re);
  return Status::OK();
}

bool Matches(const Regex& re, const std::string& s) {
  return re && RE2::PartialMatch(s, *re);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// pprof's -tagfocus/-tagignore for string labels: "key=RE1,RE2" keeps a
// sample with a `key` value matching any RE; "RE1,RE2" one where every RE
// matches some "key:value".
struct TagFilter {
  std::string key;
  std::vector<Regex> res;
  bool Matches(const Profile& p, const perftools::profiles::Sample& s) const {
    if (!key.empty()) {
      for (const auto& l : s.label()) {
        if (l.str() == 0 || p.string_table(l.key()) != key) continue;
        for (const Regex& re : res) {
          if (RE2::PartialMatch(p.string_table(l.str()), *re)) return true;
        }
      }
      return false;
    }
    for (const Regex& re : res) {
      bool any = false;
      for (const auto& l : s.label()) {
        if (l.str() != 0 &&
            RE2::PartialMatch(p.string_table(l.key()) + ":" + p.string_table(l.str()), *re)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }
};

Status CompileTagFilter(const char* what, const std::string& text,
                        std::unique_ptr<TagFilter>* out) {
  if (text.empty()) return Status::OK();
  auto f = std::make_unique<TagFilter>();
  std::string value = text;
  size_t eq = text.find('=');
  if (eq != std::string::npos) {
    f->key = text.substr(0, eq);
    value = text.substr(eq + 1);
  }
  static const RE2 kRange("[+-]?[0-9]+[a-zA-Z]*(:([+-]?[0-9]+[a-zA-Z]*)?)?|:[+-]?[0-9]+[a-zA-Z]*");
  if (RE2::FullMatch(value, kRange)) {
    return Status::InvalidArgument(std::string(what) + " \"" + text +
                                   "\": numeric label ranges are not supported");
  }
  size_t start = 0;
  while (true) {
    size_t comma = value.find(',', start);
    Regex re;
    CPROF_RETURN_IF_ERROR(CompileRegex(what, value.substr(start, comma - start), &re));
    if (!re) CPROF_RETURN_IF_ERROR(CompileRegex(what, "(?:)", &re));  // "" matches all
    f->res.push_back(std::move(re));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  *out = std::move(f);
  return Status::OK();
}

// The distinct location stacks of a profile's samples, each with a value
// for its caller: an open-addressing table over a compact copy of the
// stacks (as location positions), so that probing stays in the cache.
class StackTable {
 public:
  // The value of `stack`, and whether it is new (then the caller sets it).
  // The reference stays valid until the next Find.
  std::pair<uint32_t&, bool> Find(std::span<const int32_t> stack) {
    uint64_t h = stack.size();
    for (int32_t pos : stack) {
      h = (h ^ static_cast<uint32_t>(pos)) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    h = MixHash()(h);
    // Grown at half full: the table stays as small as the distinct stacks
    // (often far fewer than the samples).
    if (2 * (stacks_ + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.start == kEmpty) {
        slot.hash = h;
        slot.start = static_cast<uint32_t>(store_.size());
        store_.push_back(static_cast<int32_t>(stack.size()));
        store_.insert(store_.end(), stack.begin(), stack.end());
        ++stacks_;
        return {slot.value, true};
      }
      if (slot.hash == h && Stored(slot).size() == stack.size() &&
          std::equal(stack.begin(), stack.end(), Stored(slot).begin())) {
        return {slot.value, false};
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t start = kEmpty;  // in store_: the length, then the positions
    uint32_t value = 0;
  };

  std::span<const int32_t> Stored(const Slot& slot) const {
    return {store_.data() + slot.start + 1, static_cast<size_t>(store_[slot.start])};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, 2 * old.size()), Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.start == kEmpty) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].start != kEmpty) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<int32_t> store_;
  size_t stacks_ = 0;
};

// The samples of a filtered profile as stacks of function-level nodes.
struct View {
  std::vector<std::string> names;  // node -> printable name
  struct Frame {
    uint32_t node;
    bool inlined;  // inlined into its caller (not its location's last line)
  };
  std::vector<Frame> frames;       // every sample's frames, root first
  std::vector<uint32_t> starts;    // sample i: frames[starts[i], starts[i+1])
  std::vector<int64_t> values;     // sample i's value
  int64_t total = 0;               // sum of |value| over all samples, unfiltered
  std::string sample_type, sample_unit;
};

Result<View> BuildView(const Profile& p, const ReportOptions& o) {
  View v;
  CPROF_ASSIGN_OR_RETURN(int index, SampleIndex(p, o.sample_index));
  v.sample_type = p.string_table(p.sample_type(index).type());
  v.sample_unit = p.string_table(p.sample_type(index).unit());  // as written, as pprof keeps it
  for (const auto& s : p.sample()) v.total += std::llabs(s.value(index));

  Regex focus, ignore, hide, show;
  CPROF_RETURN_IF_ERROR(CompileRegex("focus", o.focus, &focus));
  CPROF_RETURN_IF_ERROR(CompileRegex("ignore", o.ignore, &ignore));
  CPROF_RETURN_IF_ERROR(CompileRegex("hide", o.hide, &hide));
  CPROF_RETURN_IF_ERROR(CompileRegex("show", o.show, &show));
  std::unique_ptr<TagFilter> tag_focus, tag_ignore;
  CPROF_RETURN_IF_ERROR(CompileTagFilter("tag focus", o.tag_focus, &tag_focus));
  CPROF_RETURN_IF_ERROR(CompileTagFilter("tag ignore", o.tag_ignore, &tag_ignore));

  const IdIndex function_index = IndexById(p.function());
  const IdIndex mapping_index = IndexById(p.mapping());
  const IdIndex location_index = IndexById(p.location());

  // Per location: its nodes (innermost line first), and pprof's focus state.
  struct Loc {
    std::vector<uint32_t> nodes;
    int8_t focus = -1;  // -1 neither, 0 ignored, 1 focused
    bool hidden = false;
  };
  std::vector<Loc> locs(static_cast<size_t>(p.location_size()));
  std::unordered_map<std::string, uint32_t> node_ids;
  auto node_for = [&](const std::string& key, const std::string& printable) {
    auto [it, inserted] = node_ids.emplace(key, static_cast<uint32_t>(v.names.size()));
    if (inserted) v.names.push_back(printable);
    return it->second;
  };
  for (int li = 0; li < p.location_size(); ++li) {
    const auto& l = p.location(li);
    static const std::string kEmpty;
    int32_t mi = mapping_index.Find(l.mapping_id());
    const std::string& objfile = mi < 0 ? kEmpty : p.string_table(p.mapping(mi).filename());
    struct Line {
      const perftools::profiles::Function* fn;
    };
    std::vector<Line> lines;
    for (const auto& line : l.line()) {
      int32_t fi = function_index.Find(line.function_id());
      lines.push_back({fi < 0 ? nullptr : &p.function(fi)});
    }
    auto line_matches = [&](const Regex& re, const Line& line) {
      return line.fn != nullptr && (Matches(re, p.string_table(line.fn->name())) ||
                                    Matches(re, p.string_table(line.fn->filename())));
    };
    auto loc_matches = [&](const Regex& re) {
      for (const Line& line : lines) {
        if (line_matches(re, line)) return true;
      }
      return Matches(re, objfile);
    };
    Loc loc;
    if (ignore && loc_matches(ignore)) {
      loc.focus = 0;
    } else if (!focus || loc_matches(focus)) {
      loc.focus = 1;
    }
    if (hide && loc_matches(hide)) {
      std::vector<Line> kept;
      if (!Matches(hide, objfile)) {
        for (const Line& line : lines) {
          if (!line_matches(hide, line)) kept.push_back(line);
        }
      }
      lines = std::move(kept);
      loc.hidden = lines.empty();
    }
    if (show) {
      std::vector<Line> kept;
      if (Matches(show, objfile)) {
        kept = lines;
      } else {
        for (const Line& line : lines) {
          if (line.fn == nullptr || line_matches(show, line)) kept.push_back(line);
        }
      }
      lines = std::move(kept);
      loc.hidden = loc.hidden || lines.empty();
    }
    // pprof's node identity at function granularity: the function name; for
    // frames without one, the binary (and start line).
    auto unnamed = [&](int64_t start_line) {
      std::string printable = objfile.empty() ? "<unknown>" : "[" + Basename(objfile) + "]";
      return node_for(std::string("\0", 1) + objfile + '\0' + std::to_string(start_line),
                      printable);
    };
    if (l.line_size() == 0) {
      loc.nodes.push_back(unnamed(0));
    } else {
      for (const Line& line : lines) {
        const std::string& name = line.fn ? p.string_table(line.fn->name()) : kEmpty;
        if (!name.empty()) {
          loc.nodes.push_back(node_for(name, name));
        } else {
          loc.nodes.push_back(unnamed(line.fn ? line.fn->start_line() : 0));
        }
      }
    }
    locs[static_cast<size_t>(li)] = std::move(loc);
  }

  // Samples with the same locations (differing only by labels) become one
  // stack of the view: reports are sums, so nothing changes but the work.
  // Without labels, Go's profiles hold each stack once already.
  const bool dedupe = std::any_of(p.sample().begin(), p.sample().end(),
                                  [](const auto& s) { return s.label_size() > 0; });
  const bool any_hidden = hide || show;
  constexpr uint32_t kDropped = UINT32_MAX;  // a stack the filters drop
  StackTable stacks;
  std::vector<int32_t> positions;
  v.starts.push_back(0);
  for (const auto& s : p.sample()) {
    if (tag_focus && !tag_focus->Matches(p, s)) continue;
    if (tag_ignore && tag_ignore->Matches(p, s)) continue;
    positions.clear();
    for (uint64_t id : s.location_id()) positions.push_back(location_index.Find(id));
    uint32_t* view_stack = nullptr;
    if (dedupe) {
      auto [value, fresh] = stacks.Find(positions);
      if (!fresh) {
        if (value != kDropped) v.values[value] += s.value(index);
        continue;
      }
      value = kDropped;
      view_stack = &value;
    }
    bool focused = false, ignored = false, all_hidden = !positions.empty();
    for (int32_t pos : positions) {
      const Loc& loc = locs[static_cast<size_t>(pos)];
      if (loc.focus == 0) {
        ignored = true;
        break;
      }
      if (loc.focus == 1) focused = true;
      if (!loc.hidden) all_hidden = false;
    }
    if (ignored || !focused) continue;
    if (any_hidden && all_hidden) continue;  // pprof drops such samples
    if (view_stack != nullptr) *view_stack = static_cast<uint32_t>(v.values.size());
    for (auto pos = positions.rbegin(); pos != positions.rend(); ++pos) {
      const Loc& loc = locs[static_cast<size_t>(*pos)];
      if (any_hidden && loc.hidden) continue;
      const int n = static_cast<int>(loc.nodes.size());
      for (int ni = n - 1; ni >= 0; --ni) {
        v.frames.push_back({loc.nodes[static_cast<size_t>(ni)], ni != n - 1});
      }
    }
    v.values.push_back(s.value(index));
    v.starts.push_back(static_cast<uint32_t>(v.frames.size()));
    // Every (location, line) of every distinct stack is one frame: refuse
    // profiles whose stacks expand beyond what memory allows.
    constexpr size_t kMaxFrames = size_t{40} << 20;
    if (v.frames.size() > kMaxFrames) {
      return Status::ResourceExhausted("profile stacks expand to more than " +
                                       std::to_string(kMaxFrames) + " frames");
    }
  }
  return v;
}

struct Node {
  int64_t flat = 0, cum = 0;
  bool in_inline = false, in_noinline = false;
};

}  // namespace

Result<int> SampleIndex(const Profile& p, std::string_view sample_index) {
  const int n = p.sample_type_size();
  if (sample_index.empty()) {
    const std::string& dst = p.string_table(p.default_sample_type());
    if (!dst.empty()) {
      for (int i = 0; i < n; ++i) {
        if (p.string_table(p.sample_type(i).type()) == dst) return i;
      }
    }
    return n - 1;
  }
  bool numeric = std::all_of(sample_index.begin(), sample_index.end(),
                             [](char c) { return c >= '0' && c <= '9'; });
  if (numeric && sample_index.size() < 6) {
    int i = std::stoi(std::string(sample_index));
    if (i < n) return i;
  }
  std::string_view name = sample_index;
  if (name.rfind("sample_index=", 0) == 0) name.remove_prefix(13);
  std::string known;
  for (int i = 0; i < n; ++i) {
    const std::string& t = p.string_table(p.sample_type(i).type());
    if (t == name) return i;
    known += (i ? ", " : "") + t;
  }
  return Status::InvalidArgument("sample index \"" + std::string(sample_index) +
                                 "\" must be one of: " + known);
}

std::string TopTable::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, output_unit);
}

namespace {

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

TopTable TopOfView(const View& v, const ReportOptions& o);
FlameNode FlameOfView(const View& v, int max_nodes);

Result<TopTable> Top(const Profile& profile, const ReportOptions& o) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return TopOfView(v, o);
}

Result<Analysis> Analyze(const Profile& profile, const ReportOptions& o, int max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return Analysis{TopOfView(v, o), FlameOfView(v, max_nodes)};
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
  const int64_t node_cutoff = std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.node_fraction));
  const int64_t edge_cutoff = std::llabs(static_cast<int64_t>(static_cast<double>(graph_total) * o.edge_fraction));

  TopTable t;
  t.sample_type = v.sample_type;
  t.sample_unit = v.sample_unit;
  t.total = v.total;
  t.node_fraction = o.node_fraction;
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"focus", &o.focus}, {"ignore", &o.ignore},
        {"hide", &o.hide}, {"show", &o.show}, {"tagfocus", &o.tag_focus},
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

std::string FormatTopText(const Profile& p, const TopTable& t) {
  std::string out;
  auto line = [&](const std::string& s) {
    out += s;
    out += '\n';
  };
  if (p.mapping_size() > 0) {
    const std::string& file = p.string_table(p.mapping(0).filename());
    if (!file.empty()) line("File: " + Basename(file));
    const std::string& build_id = p.string_table(p.mapping(0).build_id());
    if (!build_id.empty()) line("Build ID: " + build_id);
  }
  for (int64_t c : p.comment()) {
    if (p.string_table(c).rfind('#', 0) != 0) line(p.string_table(c));
  }
  if (!t.sample_type.empty()) line("Type: " + t.sample_type);
  if (p.time_nanos() != 0) {
    time_t secs = static_cast<time_t>(p.time_nanos() / 1'000'000'000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%b %-d, %Y at %-I:%M%P (%Z)", &tm);
    line(std::string("Time: ") + buf);
  }
  if (p.duration_nanos() != 0) {
    std::string ratio;
    Scaled total_ns = Scale(t.total, t.sample_unit, "nanoseconds");
    if (total_ns.unit == "ns" && total_ns.value != 0) {
      ratio = "(" + Percentage(static_cast<int64_t>(total_ns.value), p.duration_nanos()) + ")";
    }
    line("Duration: " + ScaledLabel(p.duration_nanos(), "nanoseconds", "auto") +
         ", Total samples = " + t.FormatValue(t.total) + " " + ratio);
  }
  if (!t.active_filters.empty()) {
    line("Active filters:");
    for (std::string f : t.active_filters) {
      if (f.size() > 80) f = f.substr(0, 80) + "\xE2\x80\xA6";
      line("   " + f);
    }
  }
  std::string pct = Percentage(t.flat_sum, t.total);
  pct.erase(0, pct.find_first_not_of(' '));
  line("Showing nodes accounting for " + t.FormatValue(t.flat_sum) + ", " + pct + " of " +
       t.FormatValue(t.total) + " total");
  if (t.total != 0) {
    if (t.dropped_nodes > 0) {
      line("Dropped " + std::to_string(t.dropped_nodes) +
           (t.dropped_nodes > 1 ? " nodes" : " node") + " (cum <= " +
           t.FormatValue(std::llabs(static_cast<int64_t>(static_cast<double>(t.total) * t.node_fraction))) + ")");
    }
    int shown = static_cast<int>(t.rows.size());
    if (shown > 0 && shown < t.node_count_before_limit) {
      line("Showing top " + std::to_string(shown) + " nodes out of " +
           std::to_string(t.node_count_before_limit));
    }
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%10s %5s%% %5s%% %10s %5s%%", "flat", "flat", "sum", "cum", "cum");
  line(buf);
  int64_t flat_sum = 0;
  for (const TopRow& r : t.rows) {
    flat_sum += r.flat;
    std::string inl = r.inline_label.empty() ? "" : " " + r.inline_label;
    std::snprintf(buf, sizeof buf, "%10s %s %s %10s %s  ", t.FormatValue(r.flat).c_str(),
                  Percentage(r.flat, t.total).c_str(), Percentage(flat_sum, t.total).c_str(),
                  t.FormatValue(r.cum).c_str(), Percentage(r.cum, t.total).c_str());
    line(buf + r.name + inl);
  }
  return out;
}

namespace {

// Walks the call tree of the view's stacks depth first without building
// it: `sorted` holds the stacks in lexicographic order of their nodes, so
// each path shared with the previous stack stays open. open(node) enters a
// node below the innermost open one; close(total, self) leaves the
// innermost, its subtree complete; the root is closed last.
template <typename Open, typename Close>
void WalkTree(const View& v, const std::vector<uint32_t>& sorted, Open&& open,
              Close&& close) {
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
             const std::vector<uint32_t>& children, uint32_t i, const View& v,
             FlameNode* out) {
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
  std::sort(out->children.begin(), out->children.end(),
            [](const FlameNode& a, const FlameNode& b) {
              if (a.total != b.total) return a.total > b.total;
              return a.name < b.name;
            });
}

}  // namespace

Result<FlameNode> FlameTree(const Profile& profile, const ReportOptions& o, int max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  return FlameOfView(v, max_nodes);
}

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
    WalkTree(v, sorted, [](uint32_t) {}, [&](int64_t total, int64_t) {
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
