#include "pprof/graph.h"
#include "pprof/report.h"
#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// The filters the options set ("focus=RE"), in the order pprof's
// reportOptions lists them for legendActiveFilters.
std::vector<std::string> ActiveFilters(const ReportOptions& o) {
  std::vector<std::string> filters;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"focus", &o.focus},
                                    {"ignore", &o.ignore},
                                    {"hide", &o.hide},
                                    {"show", &o.show},
                                    {"tagfocus", &o.tag_focus},
                                    {"tagignore", &o.tag_ignore}}) {
    if (!value->empty()) filters.push_back(std::string(name) + "=" + *value);
  }
  return filters;
}

// pprof's TextItem of a node named `name`: its flat, its cum, and
// "(inline)" when every kept edge into it is inlined, "(partial-inline)"
// when only some are.
TopRow TextItem(const std::string& name, const GraphNode& node) {
  TopRow row;
  row.name = name;
  row.flat = node.flat;
  row.cum = node.cum;
  if (node.in_inline) row.inline_label = node.in_noinline ? "(partial-inline)" : "(inline)";
  return row;
}

}  // namespace

std::string TopTable::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, output_unit);
}

TopTable TextItems(const View& v, const ReportOptions& o, const TrimmedGraph& g) {
  TopTable t;
  t.sample_type = v.sample_type;
  t.sample_unit = v.sample_unit;
  t.total = v.total;
  t.node_fraction = o.node_fraction;
  t.dropped_nodes = g.dropped_nodes;
  t.node_count_before_limit = g.node_count_before_limit;
  t.output_unit = g.output_unit;
  t.active_filters = ActiveFilters(o);
  for (uint32_t n : g.order) {
    TopRow row = TextItem(v.names[n], g.graph.nodes[n]);
    t.flat_sum += row.flat;
    t.rows.push_back(std::move(row));
  }
  return t;
}

TopTable TopOfView(const View& v, const ReportOptions& o) {
  return TextItems(v, o, NewTrimmedGraph(v, o));
}

}  // namespace cprof::pprof
