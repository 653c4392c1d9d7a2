// Pyroscope's push API (POST /ingest, its HTTP API and Go SDK) read into
// what MakeEntry takes (entry.h): the name's application, type and tags,
// the Go SDK's multipart form (profile, prev_profile,
// sample_type_config), and the folded `lines` format made a pprof
// profile.
//
// Thread-safe: pure functions.
#ifndef CPROF_INGEST_PYROSCOPE_H_
#define CPROF_INGEST_PYROSCOPE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "archive/layout.h"
#include "base/status.h"

namespace cprof::ingest {

// name=APP.TYPE{k=v,...}: TYPE is one of Pyroscope's (cpu, itimer, wall,
// alloc_objects, alloc_space, inuse_objects, inuse_space, goroutines,
// mutex_count, mutex_duration, block_count, block_duration), and may be
// absent (the Go SDK's pprof uploads: APP{k=v}); a last part that is none
// of them is part of APP ("simple.golang.app").
struct PyroscopeName {
  std::string app;
  std::string type;  // Pyroscope's, "" when absent
  archive::Labels labels;
};
Result<PyroscopeName> ParsePyroscopeName(std::string_view name);

// cprofiler's profile type of Pyroscope's type or sample-type display name
// ("cpu" -> "profile", "alloc_space" -> "heap", "mutex_count" ->
// "mutex"); "" for a name that is none.
std::string_view ProfileTypeOfPyroscope(std::string_view type);

// One part of a multipart/form-data body: its form field's name and bytes
// (a view into the body).
struct FormPart {
  std::string name;
  std::string_view data;
};
// The parts of `body`, whose Content-Type is `content_type`
// ("multipart/form-data; boundary=..."). InvalidArgument for no boundary,
// or a body that is not such a form.
Result<std::vector<FormPart>> ParseMultipartForm(std::string_view content_type,
                                                 std::string_view body);

// The Go SDK's sample_type_config: pprof sample type -> how Pyroscope
// shows it ({"units","aggregation","display-name","sampled","cumulative"}).
struct PyroscopeSampleType {
  std::string units;
  std::string aggregation;
  std::string display_name;
  bool sampled = false;
  bool cumulative = false;
};
using SampleTypeConfig = std::map<std::string, PyroscopeSampleType>;
Result<SampleTypeConfig> ParseSampleTypeConfig(std::string_view json);

// The profile type a sample_type_config names: the first of its sample
// types (by display name, else name) that is a Pyroscope type; "" when
// none is.
std::string ProfileTypeOfConfig(const SampleTypeConfig& config);

// Folded stacks ("main;work;leaf 123" a line, root first) of Pyroscope's
// `type` as a pprof profile (gzipped): cpu, itimer (samples and cpu
// nanoseconds, at `sample_rate` Hz) or goroutines (a count), covering
// [from_s, until_s). InvalidArgument naming a bad line, or a type the
// format cannot carry.
Result<std::string> FoldedToProfile(std::string_view lines, std::string_view type,
                                    int64_t sample_rate, int64_t from_s, int64_t until_s);

}  // namespace cprof::ingest

#endif  // CPROF_INGEST_PYROSCOPE_H_
