// The sandwich trees: callers above and callees below one function, each
// sample split once at the function's outermost frame, the roots' totals
// the function's cum as pprof's top table gives it.
#include <catch2/catch.hpp>

#include "pprof/profile_builder.h"
#include "pprof/report.h"
#include "pprof/sandwich.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

// A tree as "name total/self" lines, each child indented under its parent.
std::string Shape(const FlameNode& n, int depth = 0) {
  std::string out = std::string(2 * depth, ' ') + n.name + " " + std::to_string(n.total) + "/" +
                    std::to_string(n.self) + "\n";
  for (const FlameNode& c : n.children) out += Shape(c, depth + 1);
  return out;
}

// The row of `name` in pprof's top table of `p`.
TopRow TopRowOf(const Profile& p, const ReportOptions& o, const std::string& name) {
  auto top = Top(p, o);
  REQUIRE(top.ok());
  for (const TopRow& r : top->rows) {
    if (r.name == name) return r;
  }
  FAIL("no row " << name);
  return {};
}

Sandwich Of(const Profile& p, const std::string& function, const ReportOptions& o = {},
            int max_nodes = 1000) {
  auto s = SandwichOf(p, o, function, max_nodes);
  REQUIRE(s.ok());
  return *s;
}

// mallocgc called from a and from b (itself called from main and from
// other), calling x once; a sample without it.
Profile SeveralCallers() {
  return ProfileBuilder(Types{{"alloc_space", "bytes"}})
      .Sample({"mallocgc", "a", "main"}, {30}, {{"endpoint", "/api/users"}})
      .Sample({"mallocgc", "b", "main"}, {10}, {{"endpoint", "/api/orders"}})
      .Sample({"mallocgc", "b", "other"}, {5}, {{"endpoint", "/api/orders"}})
      .Sample({"x", "mallocgc", "a", "main"}, {7}, {{"endpoint", "/api/users"}})
      .Sample({"a", "main"}, {100})
      .Build();
}

}  // namespace

TEST_CASE("sandwich: a function with several callers", "[sandwich]") {
  Profile p = SeveralCallers();
  Sandwich s = Of(p, "mallocgc");
  CHECK(s.function == "mallocgc");
  CHECK(s.cum == 52);
  CHECK(s.flat == 45);
  CHECK(Shape(s.callers) ==
        "mallocgc 52/0\n"
        "  a 37/0\n"
        "    main 37/37\n"
        "  b 15/0\n"
        "    main 10/10\n"
        "    other 5/5\n");
  CHECK(Shape(s.callees) ==
        "mallocgc 52/45\n"
        "  x 7/7\n");
  // The join is pprof's flat and cum of the function.
  TopRow row = TopRowOf(p, {}, "mallocgc");
  CHECK(s.callers.total == row.cum);
  CHECK(s.callees.total == row.cum);
  CHECK(s.flat == row.flat);
}

TEST_CASE("sandwich: a recursive function counts a sample once", "[sandwich]") {
  Profile p = ProfileBuilder(Types{{"samples", "count"}, {"cpu", "nanoseconds"}})
                  .Sample({"f", "g", "f", "main"}, {1, 10})
                  .Sample({"h", "f", "f", "main"}, {1, 5})
                  .Sample({"f", "f", "f", "other"}, {1, 2})
                  .Build();
  Sandwich s = Of(p, "f");
  CHECK(s.cum == 17);  // not 10*2 + 5*2 + 2*3
  CHECK(s.flat == 12);
  TopRow row = TopRowOf(p, {}, "f");
  CHECK(s.cum == row.cum);
  CHECK(s.flat == row.flat);
  // Split at the outermost f: its callers hold no f, its callees the inner
  // recursion.
  CHECK(Shape(s.callers) ==
        "f 17/0\n"
        "  main 15/15\n"
        "  other 2/2\n");
  CHECK(Shape(s.callees) ==
        "f 17/0\n"
        "  g 10/0\n"
        "    f 10/10\n"
        "  f 7/0\n"
        "    h 5/5\n"
        "    f 2/2\n");
}

TEST_CASE("sandwich: filters, sample index, absent functions and folding", "[sandwich]") {
  Profile p = SeveralCallers();
  ReportOptions users;
  users.tag_focus = "endpoint=^/api/users$";
  Sandwich focused = Of(p, "mallocgc", users);
  CHECK(focused.cum == 37);
  CHECK(Shape(focused.callers) ==
        "mallocgc 37/0\n"
        "  a 37/0\n"
        "    main 37/37\n");

  ReportOptions ignore_b;
  ignore_b.ignore = "^b$";
  CHECK(Of(p, "mallocgc", ignore_b).cum == 37);

  // hide removes the frame: no caller b, mallocgc called from main directly.
  ReportOptions hide_b;
  hide_b.hide = "^b$";
  CHECK(Shape(Of(p, "mallocgc", hide_b).callers) ==
        "mallocgc 52/0\n"
        "  a 37/0\n"
        "    main 37/37\n"
        "  main 10/10\n"
        "  other 5/5\n");

  // Not in the profile (or a name only partly matching): empty trees.
  for (const char* absent : {"nothere", "malloc", "mallocgc "}) {
    Sandwich none = Of(p, absent);
    CHECK(none.cum == 0);
    CHECK(Shape(none.callers) == std::string(absent) + " 0/0\n");
    CHECK(Shape(none.callees) == std::string(absent) + " 0/0\n");
  }

  // Folded: at most max_nodes nodes, the smallest into "…", totals kept.
  Sandwich folded = Of(p, "mallocgc", {}, 3);
  CHECK(CountNodes(folded.callers) <= 3);
  CHECK(folded.callers.total == 52);
  int64_t sum = 0;
  for (const FlameNode& c : folded.callers.children) sum += c.total;
  CHECK(sum == 52);

  ReportOptions bad;
  bad.sample_index = "nonsense";
  CHECK(SandwichOf(p, bad, "mallocgc", 10).status().code() == Status::Code::kInvalidArgument);
}
