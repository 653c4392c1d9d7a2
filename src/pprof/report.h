// Reports over one profile, computed as `go tool pprof` computes them at
// its default (function) granularity: the top table, a flame tree, and
// folded stacks. Thread-safe: pure functions over a const Profile.
//
// Filters are pprof's: focus/ignore/hide/show are RE2 expressions (not
// anchored) matched against function names, file names and mapping files;
// percentages stay relative to the unfiltered total, as pprof's are.
//
// Where each part lives: the filters in filter.cc; the samples as the
// reports read them (a View, and SampleIndex) in view.cc; the top table in
// top.cc and its text in top_text.cc; the flame tree and folded stacks in
// flame.cc; the entry points that share one view in report.cc.
#ifndef CPROF_PPROF_REPORT_H_
#define CPROF_PPROF_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pprof/codec.h"

namespace cprof::pprof {

struct ReportOptions {
  // sample_index (""): a sample type ("inuse_space"), its position ("2"), or
  //   "" for pprof's default: the profile's default_sample_type, else the last.
  std::string sample_index;
  // focus, ignore, hide, show (""): pprof's -focus, -ignore, -hide, -show.
  std::string focus, ignore, hide, show;
  // tag_focus, tag_ignore (""): "key=RE2" (a string label `key` whose value
  //   matches) or "RE2" (any string label value matches); a subset of
  //   pprof's -tagfocus/-tagignore.
  std::string tag_focus, tag_ignore;
  // node_fraction (0.005): nodes with cum below this share are dropped.
  double node_fraction = 0.005;
  // edge_fraction (0.001): edges below this share are dropped.
  double edge_fraction = 0.001;
  // node_count (0): at most this many rows; 0 for all.
  int node_count = 0;
};

struct TopRow {
  std::string name;          // function name, as pprof prints it
  std::string inline_label;  // "", "(inline)" or "(partial-inline)"
  int64_t flat = 0;
  int64_t cum = 0;
};

struct TopTable {
  std::string sample_type;  // pprof's name: "inuse_space"
  std::string sample_unit;  // lower-cased: "bytes"
  std::string output_unit;  // the unit values are shown in: "MB"
  int64_t total = 0;        // sum of |value| over all samples, before filters
  int64_t flat_sum = 0;     // of the rows
  int dropped_nodes = 0;
  int node_count_before_limit = 0;
  double node_fraction = 0;
  std::vector<std::string> active_filters;  // "focus=RE", in pprof's order
  std::vector<TopRow> rows;

  // A value as pprof prints it in this table ("33.30MB").
  std::string FormatValue(int64_t value) const;
};

// InvalidArgument for a bad sample index or regular expression.
Result<TopTable> Top(const Profile& profile, const ReportOptions& options);

// `go tool pprof -top`'s text, header lines included.
std::string FormatTopText(const Profile& profile, const TopTable& table);

struct FlameNode {
  std::string name;
  int64_t self = 0;                 // value of samples ending here
  int64_t total = 0;                // value of samples through here
  std::vector<FlameNode> children;  // largest total first
};

// The call tree from the root ("root", whose total is the sum of the kept
// samples) to the leaves, one node per distinct path. When there would be
// more than `max_nodes` nodes, the smallest are folded into one child named
// "…" per parent, so totals still add up.
Result<FlameNode> FlameTree(const Profile& profile, const ReportOptions& options, int max_nodes);
int CountNodes(const FlameNode& node);

// Both at once, sharing the work of reading the samples (what a UI shows).
struct Analysis {
  TopTable top;
  FlameNode flame;
};
Result<Analysis> Analyze(const Profile& profile, const ReportOptions& options, int max_nodes);

// Folded stacks for flamegraph.pl: "root_fn;...;leaf_fn value" a line,
// identical stacks summed, zero values left out, lines sorted.
Result<std::string> Folded(const Profile& profile, const ReportOptions& options);

// The sample type index `sample_index` names, by pprof's rules.
Result<int> SampleIndex(const Profile& profile, std::string_view sample_index);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_REPORT_H_
