// What `merge` and `top` read and write: profiles named on the command line
// (files or archive IDs) or selected by query flags, and the output file.
#ifndef CPROF_CLI_INPUTS_H_
#define CPROF_CLI_INPUTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "archive/scan.h"
#include "cli/common.h"
#include "pprof/codec.h"
#include "pprof/report.h"
#include "query/rollup.h"
#include "query/select.h"

namespace cprof::cli {

// The profile files `args` name: each a file, or else an archive ID (looked
// up in `archive`). InvalidArgument for a trace; NotFound for an unknown ID.
Result<std::vector<fs::path>> ResolveNamed(const std::vector<std::string>& args,
                                           const fs::path& archive);

// The window the archived entries `flags` select (its sample type is
// required): query::SelectTiledWindow, with the rollups of the kind
// `intervals` names when `use_rollups`. InvalidArgument for no -t, a trace
// or no archive; NotFound when nothing matches.
Result<query::TiledWindow> SelectWindow(const SelectionFlags& flags, const fs::path& archive,
                                        bool intervals, bool use_rollups);

// InvalidArgument naming the first of `args` that is neither a file that
// exists nor shaped like an archive ID (ResolveNamed leaves files to be
// found missing when read; this names the culprit afterwards).
Status CheckNamedFiles(const std::vector<std::string>& args);

// Merges `paths`, with a progress line on stderr when there are many and
// stderr is a terminal.
Result<pprof::OwnedProfile> LoadMerged(const std::vector<fs::path>& paths);

// The profile of the selected window: the sum of its intervals (see
// query/interval.h) or pprof's merge of its profiles, read from the rollups
// that tile it where it has some (query/rollup.h). A line on stderr says
// how it was made (for a merge, when rollups were read). *count gets the
// raw profiles it stands for.
Result<pprof::OwnedProfile> LoadWindow(const fs::path& archive, const query::TiledWindow& window,
                                       std::string_view command, size_t* count);

// The profiles `args` name (files or archive IDs; see ResolveNamed),
// merged.
Result<pprof::OwnedProfile> LoadNamed(const std::vector<std::string>& args,
                                      const fs::path& archive);

// What `merge`, `top` and each side of `diff` read: the profiles `named`
// when there are any, else the window `flags` select: for a cumulative type
// the sum of its intervals unless `cumulative`, read from rollups unless
// `raw` (see LoadWindow; `command` and `count` as there).
Result<pprof::OwnedProfile> LoadProfiles(const fs::path& archive,
                                         const std::vector<std::string>& named,
                                         const SelectionFlags& flags, bool cumulative, bool raw,
                                         std::string_view command, size_t* count);

// SyncForReading over the window `flags` select, unless profiles are
// `named` (nothing for a directory).
Status SyncWindow(const Resolved& resolved, const std::vector<std::string>& named,
                  const SelectionFlags& flags);

// What a report says it shows: the files or IDs `named`, else the selection
// `flags` make ("-t profile_cpu --from -1h --to now -l _app=api").
std::string DescribeInputs(const std::vector<std::string>& named, const SelectionFlags& flags);

// The self-contained HTML report (server/report_page.h) of `target` under
// `options` (sample index, filters), against `base` when not null (a diff):
// flame graph, search, zoom and top table; `facts` go under `title`.
Result<std::string> HtmlReport(std::string_view title,
                               const std::vector<std::pair<std::string, std::string>>& facts,
                               const pprof::Profile& target, const pprof::Profile* base,
                               const pprof::ReportOptions& options);

// Writes `data` to `out` ("-" for stdout) atomically: a temporary file in
// the same directory, renamed over `out` once whole. Nothing is left behind
// on failure. An `out` that exists and is not a regular file (/dev/null, a
// FIFO) is written in place instead.
Status WriteOutput(std::string_view out, std::string_view data);

}  // namespace cprof::cli

#endif  // CPROF_CLI_INPUTS_H_
