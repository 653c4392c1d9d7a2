// Reports over one profile, computed as `go tool pprof` computes them at
// its default (function) granularity: the top table, a flame tree, and
// folded stacks. Thread-safe: pure functions over a const Profile.
//
// Filters are pprof's: focus/ignore/hide/show are RE2 expressions (not
// anchored) matched against function names, file names and mapping files;
// percentages stay relative to the unfiltered total, as pprof's are.
//
// Where each part lives: the filters in filter.cc; the samples as the
// reports read them (a View, and SampleIndex) in view.cc; pprof's graph of
// a view in graph.cc; the top table in top.cc and its text in top_text.cc;
// the tags report in tags.cc; the peek report in peek.cc; the dot graph in
// dot.cc (dot.h); the list report and its reading of source files in
// source.cc; the flame tree and
// folded stacks in flame.cc; the entry points that share one view in
// report.cc.
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
  int dropped_edges = 0;  // the dot graph's; text reports leave it 0, as pprof's
  int node_count_before_limit = 0;
  double node_fraction = 0;
  double edge_fraction = 0;
  std::vector<std::string> active_filters;  // "focus=RE", in pprof's order
  std::vector<TopRow> rows;

  // A value as pprof prints it in this table ("33.30MB").
  std::string FormatValue(int64_t value) const;
};

// InvalidArgument for a bad sample index or regular expression.
Result<TopTable> Top(const Profile& profile, const ReportOptions& options);

// The same of a streamed profile (codec.h), which keeps its samples as
// bytes: the table, or the error, that Top of the profile DecodeProfile
// makes of the same bytes gives, in a fifth of the memory (22.5 MB heap
// profile: 240,000 samples as 22.5 MB of bytes, not 115 MB of messages).
Result<TopTable> Top(const StreamedProfile& profile, const ReportOptions& options);

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

// Grafana Pyroscope's flame graph (its querier's FlameGraph message), as
// Pyroscope's NewFlameGraph lays it out: the stacks of the samples whose
// value is above 0 (Pyroscope drops the others) merged by function name,
// each node's children ordered by name; levels[d] holds the nodes at depth
// d (levels[0]: the root, named "total"), left to right, four values a node:
// [x offset, total, self, index into names], where a node's x offset counts
// from the end of the node before it on its level and its children start
// after its self. With max_nodes > 0 and a tree of more nodes, only the
// nodes whose total is at least the max_nodes-th largest total stay; the
// rest fold into one child "other" of their parent.
struct LevelFlameGraph {
  std::vector<std::string> names;            // names[0] is "total"
  std::vector<std::vector<int64_t>> levels;  // quadruples, as above
  int64_t total = 0;                         // the root's total
  int64_t max_self = 0;                      // the largest self of a node
};
// InvalidArgument as Top.
Result<LevelFlameGraph> PyroscopeFlameGraph(const Profile& profile, const ReportOptions& options,
                                            int64_t max_nodes);

// Folded stacks for flamegraph.pl: "root_fn;...;leaf_fn value" a line,
// identical stacks summed, zero values left out, lines sorted.
Result<std::string> Folded(const Profile& profile, const ReportOptions& options);

// pprof's tags report (`go tool pprof -tags`): per label key, the sum of
// the kept samples' values for each of its values. A numeric label's value
// is its number scaled in its unit ("16kB"), as pprof prints it.
struct TagValue {
  std::string name;   // "GET /api", "16kB"
  int64_t value = 0;  // sum over the samples that carry it (may be 0)
};
struct TagKey {
  std::string key;
  int64_t total = 0;             // sum of its values' values
  std::vector<TagValue> values;  // largest |value| first, then by name
};
struct TagsTable {
  std::string sample_unit;   // as the profile writes it: "nanoseconds"
  std::vector<TagKey> keys;  // by key
};

// The tags of the samples the options' filters keep (the node fractions and
// node count play no part). InvalidArgument as Top.
Result<TagsTable> Tags(const Profile& profile, const ReportOptions& options);

// `go tool pprof -tags`'s text: for each key "key: Total 1.2s", then a line
// per value, columns aligned right as pprof's tabwriter does; no header.
std::string FormatTagsText(const TagsTable& table);

// pprof's peek report (`go tool pprof -peek REGEX`): for every function
// whose name matches, its callers and callees with the weight of each call
// edge. As pprof, no node or edge is trimmed (fractions 0, no node count).
struct PeekEdge {
  std::string name;  // the caller's or the callee's
  int64_t weight = 0;
  bool inlined = false;  // every call along the edge was inlined
};
struct PeekEntry {
  TopRow node;
  // Largest |weight| first, then by caller name, then by callee name.
  std::vector<PeekEdge> callers, callees;
};
struct PeekTable {
  TopTable top;                    // the whole graph: its header, unit and rows
  std::vector<PeekEntry> entries;  // the matching nodes, in the top table's order
};

// InvalidArgument for a bad sample index or expression (`regex` included);
// NotFound ("no matches found for regexp: RE") when no function matches.
Result<PeekTable> Peek(const Profile& profile, const ReportOptions& options,
                       const std::string& regex);

// `go tool pprof -peek`'s text, header lines included.
std::string FormatPeekText(const Profile& profile, const PeekTable& table);

// Where pprof's list report looks for source files: -source_path and
// -trim_path, and how far a server may look.
struct SourceOptions {
  // source_path (""): directories separated by ':' searched, with each of
  //   their parents, for a file whose name in the profile is relative (or
  //   made relative by trim_path); "" for the working directory (none when
  //   `confined`). The last element of each directory also trims names that
  //   contain it (".../my-project/foo.go" is "foo.go" under
  //   "/src/my-project").
  std::string source_path;
  // trim_path (""): prefixes separated by ':' removed from file names
  //   (besides /proc/self/cwd/); when "", source_path's heuristic applies.
  std::string trim_path;
  // max_file_bytes (16 MiB): a larger source file is an error, not read.
  size_t max_file_bytes = size_t{16} << 20;
  // confined (false): read only regular files whose real path (symbolic
  //   links resolved) lies under a directory of source_path: a name still
  //   absolute after trimming, or a file found in a parent of a directory,
  //   that lies elsewhere is not read, and neither is a FIFO or a device;
  //   "" source_path reads nothing. For a server, whose profiles name any
  //   file they like ("/etc/passwd", "../../etc/passwd").
  bool confined = false;
  // go_modules (false): when pprof's search finds nothing, also look under
  //   each directory of source_path (not their parents) for the part of the
  //   name after its last "/pkg/mod/" (a module cache's layout,
  //   "github.com/x/y@v1.2.3/pkg/f.go": a source_path directory that is
  //   $GOMODCACHE finds it) and for the part after its last "/src/" when
  //   that starts with a standard library package ("runtime/proc.go",
  //   "net/http/server.go": first element without a dot; $GOROOT/src finds
  //   it). pprof itself only finds those through source_path's last-element
  //   heuristic (a directory named "mod" or "src"); pprof newer than Go
  //   1.19's also searches $GOPATH/pkg/mod and GOROOT/src when $GOPATH is
  //   set, which this never does of itself: a confined reader reads only
  //   the directories it is given.
  bool go_modules = false;
};

// A source file's lines, found as pprof's openSourceFile finds it: a name
// still absolute after trimming is opened as it is; a relative one is
// looked for under each directory of `source_path` ("" none) and each of
// their parents. NotFound (IOError for another failure to open) with
// pprof's text ("open PATH: no such file or directory", "could not find
// file PATH on path DIRS"); ResourceExhausted for a file larger than
// `max_bytes`. Lines as Go's bufio.Scanner splits
// them (a "\r" before the "\n" dropped).
Result<std::vector<std::string>> ReadSourceLines(const std::string& file,
                                                 const std::string& source_path,
                                                 const std::string& trim_path, size_t max_bytes);

// The same with every option of `source` (confined, go_modules); a file
// `confined` refuses is NotFound ("open PATH: not found under the source
// path" for a file missing or elsewhere alike,
// "open PATH: not a regular file", "no source path to read PATH from").
Result<std::vector<std::string>> ReadSourceLines(const std::string& file,
                                                 const SourceOptions& source);

// pprof's list report (`go tool pprof -list REGEX`): for every function
// whose name matches, per source file, its lines from the first sampled
// line's function start (or 5 lines before it) to 5 lines after the last,
// each with its flat and cum.
struct ListLine {
  int number = 0;
  int64_t flat = 0, cum = 0;
  std::string text;  // as in the file, without its line end
};
struct ListFile {
  std::string file;           // as pprof names it (trimmed, cleaned)
  int64_t flat = 0, cum = 0;  // summed over the function's sampled lines there
  std::string error;          // why the source could not be read ("" when it was)
  // With the source: the lines pprof prints. Without (`error` set, where
  // pprof prints only the error): each sampled line, by number, its text "".
  std::vector<ListLine> lines;
};
struct ListFunction {
  std::string name;
  std::vector<ListFile> files;  // by name; none: "No source information"
};
struct ListReport {
  std::string sample_unit;
  int64_t total = 0;
  std::vector<ListFunction> functions;  // by name
  size_t more_functions = 0;            // matching, past List's max_functions

  // A value as the list prints it: each in its own best unit ("990ms").
  std::string FormatValue(int64_t value) const;
};

// InvalidArgument for a bad sample index or expression (`regex` included);
// NotFound ("no matches found for regexp: RE") when no function matches.
// As pprof, no node is trimmed, and the options' node fractions and count
// play no part. Source files are read from disk as `source` says, those of
// the first `max_functions` matching functions only (0: all; the others
// counted in more_functions).
Result<ListReport> List(const Profile& profile, const ReportOptions& options,
                        const std::string& regex, const SourceOptions& source,
                        size_t max_functions = 0);

// `go tool pprof -list`'s text (of the functions the report holds).
std::string FormatListText(const ListReport& report);

// OK when `regex` is "" or a valid RE2 expression; else InvalidArgument
// naming `what` ("bad peek regular expression ...").
Status CheckRegex(const char* what, const std::string& regex);

// An expression that matches the function name `name` and no other:
// "^" + its characters escaped for RE2 + "$" (for a peek or a list of one
// function).
std::string ExactNameRegex(std::string_view name);

// The sample type index `sample_index` names, by pprof's rules.
Result<int> SampleIndex(const Profile& profile, std::string_view sample_index);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_REPORT_H_
