// The one table of the Go profile types cprofiler knows: each type's file
// suffix in the archive, the path it is scraped from, whether `all` enables
// it, whether its profiles can be merged and analyzed, and which of its
// sample types count since process start. "A trace is special" is the
// mergeable column here (served to the web UI as GET /api/profile_types),
// not a test of the type's name elsewhere.
//
// It lives in base because both the archive (names, suffixes:
// man/cprofiler-archive.5) and pprof (cumulative sample types:
// pprof/interval.h) read it, and neither depends on the other.
//
// Thread-safe: constants and pure functions.
#ifndef CPROF_BASE_PROFILE_TYPES_H_
#define CPROF_BASE_PROFILE_TYPES_H_

#include <array>
#include <cstddef>
#include <string_view>

namespace cprof {

// Which sample types of a profile count since the process started (the
// rest are instantaneous, or the profile is a window already).
enum class Cumulative {
  kNone,    // profile, goroutine, goroutineleak, fgprof, trace
  kAllocs,  // alloc_objects and alloc_space (heap, allocs); inuse_* are not
  kAll,     // every sample type (mutex, block, threadcreate)
};

struct ProfileType {
  std::string_view name;          // in IDs, file names and the config: "heap"
  std::string_view suffix;        // of its archived file: ".pb.gz", ".trace"
  std::string_view default_path;  // scraped from, unless the config says otherwise
  bool in_all;                    // enabled-profiles' "all" enables it
  // Its profiles can be merged, diffed and analyzed (top, flame graph,
  // profile-metrics): pprof profiles with samples. false: a Go execution
  // trace, kept as bytes, with no samples (queries see one sample type
  // named after the profile type, whose value is the file's size), opened
  // one at a time with go tool trace.
  bool mergeable;
  Cumulative cumulative;
  // Its name in Grafana Pyroscope's profile type IDs ("memory" in
  // "memory:inuse_space:bytes:space:bytes"; server/querier.h), the names
  // Grafana Alloy gives Go's profiles where it has one; "" for a type with
  // no samples.
  std::string_view pyroscope_name;
  // The period type and unit Go writes into its profiles of this type
  // (pprof's period_type), the IDs' last two parts; "" for none.
  std::string_view period_type;
  std::string_view period_unit;
  // Not every target offers it (a newer Go's, or an opt-in handler): a
  // target answering 404 for it is reported once as "not offered by this
  // target" and skipped until the config changes, not failed every pass.
  bool optional;
};

inline constexpr std::string_view kProfileSuffix = ".pb.gz";
inline constexpr std::string_view kTraceSuffix = ".trace";

// Every profile type, in display order (an index into it is stable: the
// serve index stores one; new types go at the end).
// clang-format off
inline constexpr std::array<ProfileType, 10> kProfileTypes = {{
    // name           suffix           default_path                        all     merge   cumulative            pyroscope        period type      period unit     optional
    {"profile",       kProfileSuffix,  "/debug/pprof/profile?seconds=10",  true,   true,   Cumulative::kNone,    "process_cpu",   "cpu",           "nanoseconds",  false},
    {"heap",          kProfileSuffix,  "/debug/pprof/heap",                true,   true,   Cumulative::kAllocs,  "memory",        "space",         "bytes",        false},
    {"allocs",        kProfileSuffix,  "/debug/pprof/allocs",              true,   true,   Cumulative::kAllocs,  "allocs",        "space",         "bytes",        false},
    {"goroutine",     kProfileSuffix,  "/debug/pprof/goroutine",           true,   true,   Cumulative::kNone,    "goroutine",     "goroutine",     "count",        false},
    {"mutex",         kProfileSuffix,  "/debug/pprof/mutex",               true,   true,   Cumulative::kAll,     "mutex",         "contentions",   "count",        false},
    {"block",         kProfileSuffix,  "/debug/pprof/block",               true,   true,   Cumulative::kAll,     "block",         "contentions",   "count",        false},
    {"threadcreate",  kProfileSuffix,  "/debug/pprof/threadcreate",        true,   true,   Cumulative::kAll,     "threadcreate",  "threadcreate",  "count",        false},
    {"trace",         kTraceSuffix,    "/debug/pprof/trace?seconds=10",    false,  false,  Cumulative::kNone,    "",              "",              "",             false},
    {"fgprof",        kProfileSuffix,  "/debug/fgprof?seconds=10",         false,  true,   Cumulative::kNone,    "fgprof",        "wallclock",     "nanoseconds",  false},
    // Go 1.26's (GOEXPERIMENT=goroutineleakprofile), standard from Go 1.27:
    // the goroutines blocked forever; a goroutine profile's shape.
    {"goroutineleak", kProfileSuffix,  "/debug/pprof/goroutineleak",       false,  true,   Cumulative::kNone,    "goroutineleak", "goroutine",     "count",        true},
}};
// clang-format on

// The row of the type called `name`; nullptr if there is none.
const ProfileType* FindProfileType(std::string_view name);

inline bool IsProfileType(std::string_view name) { return FindProfileType(name) != nullptr; }

// The suffix of an archived file of the type called `name` (kProfileSuffix
// for a name that is no profile type).
std::string_view SuffixOf(std::string_view name);

// Whether profiles of the type called `name` can be merged and analyzed
// (its mergeable column): false for a trace; true for a name that is no
// profile type (its file is read as a pprof profile, as SuffixOf names it).
bool Mergeable(std::string_view name);

// Whether files of the type called `name` are pprof profiles, with sample
// types (its suffix is kProfileSuffix): false for a trace's bytes; true for
// a name that is no profile type.
bool HasSamples(std::string_view name);

}  // namespace cprof

#endif  // CPROF_BASE_PROFILE_TYPES_H_
