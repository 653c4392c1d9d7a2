// pprof's peek report: report.printTree with a symbol expression, over the
// untrimmed graph (graph.h).
#include <algorithm>
#include <cstdio>

#include "pprof/filter.h"
#include "pprof/graph.h"
#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// pprof's edgeList order: |weight| descending, then by name (the other end
// of an edge is the peeked node itself, the same for every edge of a list).
void SortEdges(std::vector<PeekEdge>& edges) {
  std::sort(edges.begin(), edges.end(), [](const PeekEdge& a, const PeekEdge& b) {
    int64_t wa = std::llabs(a.weight), wb = std::llabs(b.weight);
    if (wa != wb) return wa > wb;
    return a.name < b.name;
  });
}

}  // namespace

Result<PeekTable> Peek(const Profile& profile, const ReportOptions& options,
                       const std::string& regex) {
  if (regex.empty()) return Status::InvalidArgument("peek needs a regular expression");
  Regex symbol;
  CPROF_RETURN_IF_ERROR(CompileRegexOption("peek", regex, &symbol));
  // pprof's applyCommandOverrides for peek: no trimming at all.
  ReportOptions o = options;
  o.node_fraction = 0;
  o.edge_fraction = 0;
  o.node_count = 0;
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, o));
  const TrimmedGraph g = NewTrimmedGraph(v, o);

  PeekTable t;
  t.top = TextItems(v, o, g);
  std::vector<int32_t> entry_of(v.names.size(), -1);
  for (size_t i = 0; i < g.order.size(); ++i) {
    const uint32_t n = g.order[i];
    if (!Matches(symbol, v.names[n])) continue;
    entry_of[n] = static_cast<int32_t>(t.entries.size());
    t.entries.push_back(PeekEntry{t.top.rows[i], {}, {}});
  }
  if (t.entries.empty()) return Status::NotFound("no matches found for regexp: " + regex);
  for (const auto& [key, e] : g.graph.edges) {
    const uint32_t caller = EdgeCaller(key), callee = EdgeCallee(key);
    if (entry_of[callee] >= 0) {
      t.entries[static_cast<size_t>(entry_of[callee])].callers.push_back(
          {v.names[caller], e.weight, e.inlined});
    }
    if (entry_of[caller] >= 0) {
      t.entries[static_cast<size_t>(entry_of[caller])].callees.push_back(
          {v.names[callee], e.weight, e.inlined});
    }
  }
  for (PeekEntry& entry : t.entries) {
    SortEdges(entry.callers);
    SortEdges(entry.callees);
  }
  return t;
}

std::string FormatPeekText(const Profile& profile, const PeekTable& t) {
  static constexpr char kSeparator[] =
      "----------------------------------------------------------+-------------\n";
  std::string out = ReportLabels(profile, t.top);
  out += kSeparator;
  out += "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n";
  char buf[512];
  auto edge_line = [&](const PeekEdge& e, int64_t cum) {
    std::snprintf(buf, sizeof buf, "%50s %s |   ", t.top.FormatValue(e.weight).c_str(),
                  Percentage(e.weight, cum).c_str());
    out += buf + e.name + (e.inlined ? " (inline)\n" : "\n");
  };
  int64_t flat_sum = 0;  // of the matching nodes only, as pprof's
  for (const PeekEntry& entry : t.entries) {
    const TopRow& n = entry.node;
    out += kSeparator;
    for (const PeekEdge& e : entry.callers) edge_line(e, n.cum);
    flat_sum += n.flat;
    std::snprintf(buf, sizeof buf, "%10s %s %s %10s %s                | ",
                  t.top.FormatValue(n.flat).c_str(), Percentage(n.flat, t.top.total).c_str(),
                  Percentage(flat_sum, t.top.total).c_str(), t.top.FormatValue(n.cum).c_str(),
                  Percentage(n.cum, t.top.total).c_str());
    out += buf + n.name + "\n";
    for (const PeekEdge& e : entry.callees) edge_line(e, n.cum);
  }
  if (!t.top.rows.empty()) out += kSeparator;
  return out;
}

}  // namespace cprof::pprof
