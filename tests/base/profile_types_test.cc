#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "base/profile_types.h"
#include "pprof/interval.h"

using namespace cprof;

TEST_CASE("Profile types: one row each, a trace the one without samples", "[profile_types]") {
  std::set<std::string_view> names;
  for (const ProfileType& t : kProfileTypes) {
    INFO(t.name);
    CHECK(names.insert(t.name).second);
    CHECK(FindProfileType(t.name) == &t);
    CHECK(t.default_path.starts_with("/debug/"));
    // Only files with samples are pprof profiles; only they have cumulative types.
    CHECK((t.suffix == kProfileSuffix) == t.mergeable);
    if (!t.mergeable) CHECK(t.cumulative == Cumulative::kNone);
    CHECK(Mergeable(t.name) == t.mergeable);
    CHECK(HasSamples(t.name) == t.mergeable);
  }
  CHECK_FALSE(HasSamples("trace"));
  CHECK_FALSE(Mergeable("trace"));
  CHECK(Mergeable("heap"));
  CHECK(SuffixOf("trace") == ".trace");
  CHECK_FALSE(FindProfileType("trace")->in_all);
  CHECK_FALSE(FindProfileType("fgprof")->in_all);
  CHECK(FindProfileType("heap")->in_all);
  // Go 1.26's goroutine-leak profile: opt-in, a 404 from an older Go a
  // "not offered", a goroutine profile's shape.
  const ProfileType* leak = FindProfileType("goroutineleak");
  REQUIRE(leak != nullptr);
  CHECK_FALSE(leak->in_all);
  CHECK(leak->optional);
  CHECK(leak->default_path == "/debug/pprof/goroutineleak");
  CHECK(leak->cumulative == Cumulative::kNone);
  CHECK(Mergeable("goroutineleak"));
  CHECK_FALSE(FindProfileType("goroutine")->optional);
  // Not a profile type: no row, and read as a pprof profile.
  for (std::string_view bad : {"", "Heap", "heap_alloc_space", "traces"}) {
    INFO(bad);
    CHECK(FindProfileType(bad) == nullptr);
    CHECK_FALSE(IsProfileType(bad));
    CHECK(HasSamples(bad));
    CHECK(Mergeable(bad));
    CHECK(SuffixOf(bad) == kProfileSuffix);
  }
}

TEST_CASE("Profile types: the cumulative column, by sample type", "[profile_types]") {
  struct Case {
    const char* type;
    const char* sample_type;
    bool want;
  };
  const Case cases[] = {
      {"heap", "alloc_space", true},
      {"heap", "alloc_objects", true},
      {"heap", "inuse_space", false},
      {"allocs", "alloc_space", true},
      {"mutex", "delay", true},
      {"block", "contentions", true},
      {"threadcreate", "threadcreate", true},
      {"profile", "cpu", false},
      {"goroutine", "goroutine", false},
      {"goroutineleak", "goroutineleak", false},
      {"trace", "trace", false},
      {"fgprof", "samples", false},
      {"nope", "alloc_space", false},
  };
  for (const Case& c : cases) {
    INFO(c.type << " " << c.sample_type);
    CHECK(pprof::IsCumulative(c.type, c.sample_type) == c.want);
  }
}
