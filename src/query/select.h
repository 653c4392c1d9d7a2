// Selecting archived profiles by sample type, time and labels: what
// `cprofiler query`, `merge` and the HTTP API share. Thread-safe.
#ifndef CPROF_QUERY_SELECT_H_
#define CPROF_QUERY_SELECT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/scan.h"
#include "query/matcher.h"

namespace cprof::query {

struct Selection {
  // sample_type (""): "heap_inuse_space", "goroutine", "trace", ...; ""
  //   for every profile.
  std::string sample_type;
  // from_ms, to_ms: both ends included.
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  std::vector<Matcher> matchers;
  // any_of (false): one matcher is enough (the API's condition=OR).
  bool any_of = false;
};

// InvalidArgument unless the sample type names a known profile type and the
// range is not reversed.
Status ValidateSelection(const Selection& selection);

// The selected entries, oldest first, of `tier` ("": the raw entries; a
// rollup tier's, by the time their spans start). Unreadable entries go to
// `reporter`.
Result<std::vector<archive::Entry>> Select(const fs::path& root, const Selection& selection,
                                           archive::Reporter* reporter, std::string_view tier = "");

// The sample type of `sidecar` called `name` (a trace has one, "trace",
// with its size in bytes). nullptr if it has none of that name.
std::optional<archive::SampleTypeInfo> FindSampleType(const archive::Sidecar& sidecar,
                                                      std::string_view name);

// Every sample type of `sidecar` (for a trace: "trace").
std::vector<archive::SampleTypeInfo> SampleTypesOf(const archive::Sidecar& sidecar);

}  // namespace cprof::query

#endif  // CPROF_QUERY_SELECT_H_
