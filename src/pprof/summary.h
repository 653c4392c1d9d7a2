// What a query needs to know of a profile: its sample types under cprofiler's
// names, their units and totals, and its time and duration. Thread-safe.
#ifndef CPROF_PPROF_SUMMARY_H_
#define CPROF_PPROF_SUMMARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pprof/codec.h"

namespace cprof::pprof {

struct SampleTypeTotal {
  std::string name;   // cprofiler's name: "heap_inuse_space", "goroutine"
  std::string type;   // pprof's: "inuse_space"
  std::string unit;   // pprof's: "bytes", "nanoseconds", "count"
  int64_t total = 0;  // sum of this value over all samples
};

struct ProfileSummary {
  std::vector<SampleTypeTotal> sample_types;
  std::string default_sample_type;  // pprof's name ("" if unset)
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
};

// The SPEC's naming: "<profile type>_<sample type>" when a profile has
// several sample types, "<profile type>" when it has one.
std::string SampleTypeName(std::string_view profile_type, std::string_view sample_type,
                           int type_count);

// The profile type a sample type name belongs to: the text before the first
// '_' ("heap_inuse_space" -> "heap", "goroutine" -> "goroutine").
std::string_view ProfileTypeOf(std::string_view sample_type_name);

// The pprof sample index a sample type name selects: "heap_alloc_space" ->
// "alloc_space", "profile_cpu" -> "cpu"; "" for a profile type's only one
// ("goroutine": pprof's default).
std::string SampleIndexOf(std::string_view sample_type_name);

// Summary of a validated profile scraped as `profile_type`.
ProfileSummary Summarize(const Profile& profile, std::string_view profile_type);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_SUMMARY_H_
