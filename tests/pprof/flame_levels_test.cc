#include <catch2/catch.hpp>

#include "pprof/profile_builder.h"
#include "pprof/report.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

Profile Sample() {
  return ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}})
      .Sample({"b", "a", "main"}, {10})
      .Sample({"a", "main"}, {5})
      .Sample({"c", "main"}, {20})
      .Sample({"x"}, {3})
      .Sample({"y"}, {-4})  // dropped, as Pyroscope drops values <= 0
      .Build();
}

}  // namespace

// Worked by hand from Pyroscope's NewFlameGraph: children by name, visited
// right to left from a stack, each level then read left to right with its x
// offsets counted from the end of the node before.
TEST_CASE("Pyroscope's flame graph layout", "[flame_levels]") {
  auto g = PyroscopeFlameGraph(Sample(), {}, 0);
  REQUIRE(g.ok());
  CHECK(g->names == std::vector<std::string>{"total", "x", "main", "c", "a", "b"});
  CHECK(g->total == 38);
  CHECK(g->max_self == 20);
  REQUIRE(g->levels.size() == 4);
  CHECK(g->levels[0] == std::vector<int64_t>{0, 38, 0, 0});
  CHECK(g->levels[1] == std::vector<int64_t>{0, 35, 0, 2, 0, 3, 3, 1});
  CHECK(g->levels[2] == std::vector<int64_t>{0, 15, 5, 4, 0, 20, 20, 3});
  CHECK(g->levels[3] == std::vector<int64_t>{5, 10, 10, 5});
}

TEST_CASE("Pyroscope's max_nodes keeps the totals down to the max_nodes-th", "[flame_levels]") {
  // Totals below the root: main 35, c 20, a 15, b 10, x 3: the third is 15.
  auto g = PyroscopeFlameGraph(Sample(), {}, 3);
  REQUIRE(g.ok());
  CHECK(g->names == std::vector<std::string>{"total", "other", "main", "c", "a"});
  CHECK(g->total == 38);
  REQUIRE(g->levels.size() == 4);
  CHECK(g->levels[1] == std::vector<int64_t>{0, 35, 0, 2, 0, 3, 3, 1});
  CHECK(g->levels[2] == std::vector<int64_t>{0, 15, 5, 4, 0, 20, 20, 3});
  CHECK(g->levels[3] == std::vector<int64_t>{5, 10, 10, 1});  // b folded into "other"

  // As many nodes as the cap or more: nothing folded.
  auto all = PyroscopeFlameGraph(Sample(), {}, 5);
  REQUIRE(all.ok());
  CHECK(all->names.size() == 6);
}

TEST_CASE("Pyroscope's flame graph of nothing is the root alone", "[flame_levels]") {
  Profile empty =
      ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}})
          .Build();
  auto g = PyroscopeFlameGraph(empty, {}, 0);
  REQUIRE(g.ok());
  CHECK(g->names == std::vector<std::string>{"total"});
  CHECK(g->levels == std::vector<std::vector<int64_t>>{{0, 0, 0, 0}});
  ReportOptions bad;
  bad.sample_index = "nonesuch";
  CHECK(PyroscopeFlameGraph(Sample(), bad, 0).status().code() == Status::Code::kInvalidArgument);
}

// Every node's self summed by name is pprof's flat (what `cprofiler top`
// prints), and the root's total is top's total, when no value is negative.
TEST_CASE("Pyroscope's flame graph agrees with the top table", "[flame_levels]") {
  Profile p =
      ProfileBuilder(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}})
          .Sample({"a", "b", "a", "main"}, {100})
          .Sample({"main+helper", "main"}, {50})
          .Sample({"c", "main"}, {850})
          .Sample({"c", "d"}, {7})
          .Build();
  auto g = PyroscopeFlameGraph(p, {}, 0);
  auto top = Top(p, {});
  REQUIRE(g.ok());
  REQUIRE(top.ok());
  CHECK(g->total == top->total);
  std::map<std::string, int64_t> self;
  for (const auto& level : g->levels) {
    for (size_t i = 0; i < level.size(); i += 4) self[g->names[level[i + 3]]] += level[i + 2];
  }
  for (const TopRow& row : top->rows) CHECK(self[row.name] == row.flat);
}
