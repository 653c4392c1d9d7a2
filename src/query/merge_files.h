// Merging stored profiles: read, decoded and merged in runs of consecutive
// files on a worker a core, the runs' merges folded in order, so memory grows
// with the merged result, not with how many there are (beside it, at most
// one decoded input and one run's merge a worker), and the result is what
// merging one file after another gives. Thread-safe.
#ifndef CPROF_QUERY_MERGE_FILES_H_
#define CPROF_QUERY_MERGE_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/fs.h"
#include "pprof/codec.h"

namespace cprof::query {

// Called after each profile: (profiles merged so far, all of them).
using Progress = std::function<void(size_t done, size_t total)>;

// The profiles at `paths`, merged as pprof merges them. InvalidArgument when
// their sample types differ (naming both files), Corruption or IOError
// naming the file that could not be read, InvalidArgument for no paths.
Result<pprof::OwnedProfile> MergeFiles(const std::vector<fs::path>& paths,
                                       const Progress& progress = nullptr);

// Loads input `i` (of the inputs MergeLoaded merges) onto an arena, adding
// the bytes it read to *bytes_read. Called from several threads at once.
using Loader = std::function<Result<pprof::OwnedProfile>(size_t i, uint64_t* bytes_read)>;

// Inputs 0..n-1, as `load` makes them, merged as MergeFiles merges files
// (the same runs, the same order, the same result). `name_of(i)` names an
// input in errors. InvalidArgument for n == 0.
Result<pprof::OwnedProfile> MergeLoaded(size_t n, const Loader& load,
                                        const std::function<std::string(size_t)>& name_of,
                                        const Progress& progress = nullptr);

// One profile file, decoded (on an arena) and validated; errors name the
// file. Adds the file's size to *bytes_read when given.
Result<pprof::OwnedProfile> ReadProfile(const fs::path& path, uint64_t* bytes_read = nullptr);

// The same into `*profile` (which may live on a protobuf Arena).
Status ReadProfileInto(const fs::path& path, pprof::Profile* profile,
                       uint64_t* bytes_read = nullptr);

}  // namespace cprof::query

#endif  // CPROF_QUERY_MERGE_FILES_H_
