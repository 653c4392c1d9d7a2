#include <catch2/catch.hpp>

#include "pprof/interval.h"
#include "pprof/merge.h"
#include "pprof/profile_builder.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

const std::vector<std::pair<std::string, std::string>> kMutex = {{"contentions", "count"},
                                                                 {"delay", "nanoseconds"}};
const std::vector<std::pair<std::string, std::string>> kHeap = {{"alloc_objects", "count"},
                                                                {"alloc_space", "bytes"},
                                                                {"inuse_objects", "count"},
                                                                {"inuse_space", "bytes"}};

// Each sample's values by its leaf function's name.
std::map<std::string, std::vector<int64_t>> ByLeaf(const Profile& p) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& s : p.sample()) {
    uint64_t location = s.location_id(0);
    for (const auto& l : p.location()) {
      if (l.id() != location) continue;
      for (const auto& f : p.function()) {
        if (f.id() == l.line(0).function_id()) {
          out[p.string_table(f.name())] = {s.value().begin(), s.value().end()};
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("The cumulative table: which sample types count since process start", "[interval]") {
  struct Row {
    const char* profile_type;
    const char* sample_type;
    bool cumulative;
  };
  for (const Row& row : std::vector<Row>{{"heap", "alloc_objects", true},
                                         {"heap", "alloc_space", true},
                                         {"heap", "inuse_objects", false},
                                         {"heap", "inuse_space", false},
                                         {"allocs", "alloc_space", true},
                                         {"allocs", "inuse_space", false},
                                         {"mutex", "contentions", true},
                                         {"mutex", "delay", true},
                                         {"block", "delay", true},
                                         {"threadcreate", "threadcreate", true},
                                         {"goroutine", "goroutine", false},
                                         {"profile", "cpu", false},
                                         {"trace", "trace", false},
                                         {"fgprof", "time", false}}) {
    INFO(row.profile_type << " " << row.sample_type);
    CHECK(IsCumulative(row.profile_type, row.sample_type) == row.cumulative);
  }
  CHECK(IsCumulativeName("mutex_delay"));
  CHECK(IsCumulativeName("heap_alloc_space"));
  CHECK(IsCumulativeName("threadcreate"));
  CHECK_FALSE(IsCumulativeName("heap_inuse_space"));
  CHECK_FALSE(IsCumulativeName("goroutine"));
  CHECK_FALSE(IsCumulativeName("profile_cpu"));
  CHECK(ServesIntervals("http://h:6060/debug/pprof/delta_heap"));
  CHECK(ServesIntervals("http://h:6060/debug/pprof/delta_mutex?x=1"));
  CHECK_FALSE(ServesIntervals("http://h:6060/debug/pprof/heap"));
  CHECK_FALSE(ServesIntervals("http://h:6060/delta_x/heap"));
}

TEST_CASE("An interval is end - base for every sample type of a mutex profile", "[interval]") {
  Profile base = ProfileBuilder(kMutex)
                     .Sample({"a", "main"}, {2, 200})
                     .Sample({"b", "main"}, {1, 50})
                     .Header(1'000'000'000, 0, 1)
                     .Build();
  Profile end = ProfileBuilder(kMutex, 100)
                    .Sample({"b", "main"}, {1, 50})  // unchanged: dropped
                    .Sample({"a", "main"}, {5, 900})
                    .Sample({"c", "main"}, {1, 10})  // new
                    .Header(61'000'000'000, 0, 1)
                    .Build();
  auto r = Interval(&base, end, "mutex");
  REQUIRE(r.ok());
  CHECK_FALSE(r->reset);
  REQUIRE(ValidateProfile(*r->profile).ok());
  auto values = ByLeaf(*r->profile);
  CHECK(values.size() == 2);
  CHECK(values["a"] == std::vector<int64_t>{3, 700});
  CHECK(values["c"] == std::vector<int64_t>{1, 10});
  // The interval's own time and length, not pprof's summed durations.
  CHECK(r->profile->time_nanos() == 1'000'000'000);
  CHECK(r->profile->duration_nanos() == 60'000'000'000);

  // The same numbers as pprof's -base (Difference), sample for sample.
  auto d = Difference(end, base);
  REQUIRE(d.ok());
  CHECK(ByLeaf(**d) == values);
}

TEST_CASE("A heap interval subtracts alloc_* and keeps the end's inuse_*", "[interval]") {
  Profile base = ProfileBuilder(kHeap)
                     .Sample({"a"}, {10, 1000, 4, 400})
                     .Sample({"gone"}, {1, 1, 0, 0})
                     .Build();
  Profile end = ProfileBuilder(kHeap)
                    .Sample({"a"}, {15, 1500, 2, 200})
                    .Sample({"gone"}, {1, 1, 0, 0})  // no new allocations, nothing in use
                    .Sample({"kept"}, {0, 0, 3, 300})
                    .Build();
  auto r = Interval(&base, end, "heap");
  REQUIRE(r.ok());
  CHECK_FALSE(r->reset);
  auto values = ByLeaf(*r->profile);
  CHECK(values.size() == 2);
  CHECK(values["a"] == std::vector<int64_t>{5, 500, 2, 200});
  CHECK(values["kept"] == std::vector<int64_t>{0, 0, 3, 300});
}

TEST_CASE("A stack that went down is a restart: the interval is the end itself", "[interval]") {
  Profile base = ProfileBuilder(kMutex).Sample({"a"}, {5, 500}).Sample({"b"}, {1, 1}).Build();
  // The totals went up (a new process busier than the old), one stack down.
  Profile end = ProfileBuilder(kMutex)
                    .Sample({"a"}, {1, 100})
                    .Sample({"c"}, {9, 9000})
                    .Header(5, 7, 1)
                    .Build();
  auto r = Interval(&base, end, "mutex");
  REQUIRE(r.ok());
  CHECK(r->reset);
  CHECK(ByLeaf(*r->profile) == ByLeaf(end));
  CHECK(r->profile->duration_nanos() == 7);
  // A stack that disappeared is one that went down too.
  Profile vanished = ProfileBuilder(kMutex).Sample({"a"}, {9, 900}).Build();
  auto v = Interval(&base, vanished, "mutex");
  REQUIRE(v.ok());
  CHECK(v->reset);
  // pprof's -base would have gone negative there.
  auto d = Difference(end, base);
  REQUIRE(d.ok());
  CHECK(ByLeaf(**d)["b"] == std::vector<int64_t>{-1, -1});
}

TEST_CASE("Intervals refuse profiles of other sample types", "[interval]") {
  Profile mutex = ProfileBuilder(kMutex).Sample({"a"}, {1, 1}).Build();
  Profile heap = ProfileBuilder(kHeap).Sample({"a"}, {1, 1, 1, 1}).Build();
  CHECK(Interval(&mutex, heap, "heap").status().code() == Status::Code::kInvalidArgument);
  CHECK(Difference(heap, mutex).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("TotalsReset: any cumulative total that went down", "[interval]") {
  std::vector<bool> heap = {true, true, false, false};
  CHECK_FALSE(TotalsReset({1, 2, 3, 4}, {1, 2, 0, 0}, heap));
  CHECK(TotalsReset({1, 2, 3, 4}, {1, 1, 9, 9}, heap));
  CHECK_FALSE(TotalsReset({1, 2}, {1, 2, 3}, {true, true}));  // mismatched: no verdict
}

TEST_CASE("A window's interval leaves instantaneous values to its last term", "[interval]") {
  Profile base = ProfileBuilder(kHeap).Sample({"a"}, {10, 1000, 4, 400}).Build();
  Profile end =
      ProfileBuilder(kHeap).Sample({"a"}, {15, 1500, 2, 200}).Sample({"b"}, {0, 0, 1, 8}).Build();
  auto r = Interval(&base, end, "heap", /*keep_instantaneous=*/false);
  REQUIRE(r.ok());
  auto values = ByLeaf(*r->profile);
  CHECK(values.size() == 1);  // b had only in-use values
  CHECK(values["a"] == std::vector<int64_t>{5, 500, 0, 0});
  // No base: the end whole (after a restart), with or without its inuse_*.
  auto whole = Interval(nullptr, end, "heap");
  REQUIRE(whole.ok());
  CHECK(ByLeaf(*whole->profile) == ByLeaf(end));
  auto cumulative_only = Interval(nullptr, end, "heap", /*keep_instantaneous=*/false);
  REQUIRE(cumulative_only.ok());
  CHECK(ByLeaf(*cumulative_only->profile) ==
        std::map<std::string, std::vector<int64_t>>{{"a", {15, 1500, 0, 0}}});
}
