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

namespace cprof::cli {

// The profile files `args` name: each a file, or else an archive ID (looked
// up in `archive`). InvalidArgument for a trace; NotFound for an unknown ID.
Result<std::vector<fs::path>> ResolveNamed(const std::vector<std::string>& args,
                                           const fs::path& archive);

// The archived entries `flags` select (its sample type is required).
// InvalidArgument for no -t, a trace or no archive; NotFound when nothing
// matches.
Result<std::vector<archive::Entry>> SelectEntries(const SelectionFlags& flags,
                                                  const fs::path& archive);

// InvalidArgument naming the first of `args` that is neither a file that
// exists nor shaped like an archive ID (ResolveNamed leaves files to be
// found missing when read; this names the culprit afterwards).
Status CheckNamedFiles(const std::vector<std::string>& args);

// Merges `paths`, with a progress line on stderr when there are many and
// stderr is a terminal.
Result<pprof::OwnedProfile> LoadMerged(const std::vector<fs::path>& paths);

// The interval profile of the window `entries` were selected from (see
// query/interval.h), with a line on stderr saying how it was made.
Result<pprof::OwnedProfile> LoadWindow(const fs::path& archive,
                                       const std::vector<archive::Entry>& entries,
                                       std::string_view command);

// Writes `data` to `out` ("-" for stdout) atomically: a temporary file in
// the same directory, renamed over `out` once whole. Nothing is left behind
// on failure.
Status WriteOutput(std::string_view out, std::string_view data);

}  // namespace cprof::cli

#endif  // CPROF_CLI_INPUTS_H_
