// The JSON of an analysis (a top table and a flame tree, pprof.h's
// Analyze; with pprof's tags table, a function's sandwich, pprof's peek and
// list, and the call graph when asked), as /api/analysis and the HTML
// reports carry it to the web UI's code.
// Thread-safe: pure functions.
#ifndef CPROF_PPROF_ANALYSIS_JSON_H_
#define CPROF_PPROF_ANALYSIS_JSON_H_

#include "base/json.h"
#include "pprof/codec.h"
#include "pprof/dot.h"
#include "pprof/report.h"
#include "pprof/sandwich.h"

namespace cprof::pprof {

// The flame nodes an analysis holds unless asked for another number.
inline constexpr int kDefaultFlameNodes = 20000;

// What the peek and list fields hold at most (an expression such as "."
// matches every function): functions peeked, callers and callees of each,
// functions listed, and source lines over all of a list's files.
inline constexpr size_t kMaxPeekFunctions = 50;
inline constexpr size_t kMaxPeekEdges = 100;
inline constexpr size_t kMaxListFunctions = 20;
inline constexpr size_t kMaxListLines = 10000;

// Writes, into an object `w` has open, what the web UI reads of an analysis
// of `profile`: sample_types [{type, unit}], sample_index, unit, total,
// total_formatted, duration_ns, time, top {output_unit, active_filters,
// dropped_nodes, node_count, flat_sum, flat_sum_formatted, rows [{name,
// inline, flat, flat_formatted, flat_pct, sum_pct, cum, cum_formatted,
// cum_pct}]}, flame (nested {n, v, s, c}) and flame_nodes.
void WriteAnalysisFields(JsonWriter& w, const Profile& profile, const Analysis& analysis);

// Writes, into an object `w` has open, "tags": pprof -tags' table (report.h's
// Tags) as {sample_unit, keys [{key, numeric, total, total_formatted,
// values [{name, value, formatted, share}]}]}: keys by name, values as
// pprof orders them; formatted and total_formatted as pprof prints them
// ("300.0ms"), share its percentage of the key's total ("60.00%"; "" when
// the total is not positive, where pprof prints none). numeric: the key is
// a numeric label's in `profile` (tagfocus cannot select its values).
void WriteTagsField(JsonWriter& w, const Profile& profile, const TagsTable& tags);

// Writes, into an object `w` has open, "sandwich": {function, flat,
// flat_formatted, cum, cum_formatted, callers, callees}, the trees nested
// as WriteAnalysisFields' flame, values formatted as `top`'s.
void WriteSandwichField(JsonWriter& w, const TopTable& top, const Sandwich& sandwich);

// Writes, into an object `w` has open, "peek": pprof -peek's report (report.h's
// Peek) of `regex` as {regex, error, entries [{name, inline, flat,
// flat_formatted, flat_pct, sum_pct, cum, cum_formatted, cum_pct, callers
// [{name, inline, weight, formatted, share}], callees [...], more_callers,
// more_callees}], more_functions, text}: the first kMaxPeekFunctions
// matching functions in pprof's order, each with its first kMaxPeekEdges
// callers and callees (more_* count the rest); values formatted as the top
// table's, share an edge's share of the function's cum (pprof's calls%),
// sum_pct the running flat share over the functions shown; text pprof's
// text of what is shown (go tool pprof -peek's, when nothing was cut).
// `peek` NotFound (no function matches): error says so, entries are [].
void WritePeekField(JsonWriter& w, const Profile& profile, const std::string& regex,
                    const Result<PeekTable>& peek);

// Writes, into an object `w` has open, "list": pprof -list's report
// (report.h's List, of at most kMaxListFunctions functions) as {regex, error,
// sample_unit, total, total_formatted, functions [{name, files [{file, flat,
// flat_formatted, cum, cum_formatted, cum_pct, error, lines [{n, flat, cum,
// flat_formatted, cum_formatted, text}], more_lines}]}], more_functions,
// text}: a file's lines as pprof prints them, each value formatted as the
// list prints it ("." for 0); without its source (error set) the sampled
// lines only, without text. At most kMaxListLines lines over all files
// (more_lines counts a file's lines cut). text is pprof's text of what is
// shown (go tool pprof -list's when nothing was cut). `list` NotFound: error
// says so, functions are [].
void WriteListField(JsonWriter& w, const std::string& regex, const Result<ListReport>& list);

// Writes, into an object `w` has open, "graph": the call graph `go tool
// pprof -dot` draws (dot.h's Dot, the same nodes and edges in the same
// order) as {title, legend [lines], node_count, total, total_formatted,
// output_unit, nodes [{id, name, short_name, lines, values, flat,
// flat_formatted, cum, cum_formatted, fontsize, color, fillcolor, tooltip,
// tags [{id, parent, label, weight, formatted, dotted}]}], edges [{from, to,
// weight, formatted, inline, residual, penwidth, color, layout_weight,
// minlen, tooltip}]}: lines and values are the node's label as Graphviz
// shows it (DotNodeStyle), fontsize, colors, penwidth and layout_weight
// (Graphviz's weight) FormatDot's; node_count is the one asked (0: all).
void WriteGraphField(JsonWriter& w, const DotGraph& graph, int node_count);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_ANALYSIS_JSON_H_
