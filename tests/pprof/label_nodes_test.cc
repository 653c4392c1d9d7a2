// pprof's -tagroot and -tagleaf (AddLabelNodes) against what go tool pprof
// prints for the same profiles: each expected text below is `go tool pprof
// -tagroot=... -top` (or -tagleaf) of the profile the case builds (written
// out with EncodeProfile).
#include "pprof/label_nodes.h"

#include <catch2/catch.hpp>

#include "pprof/profile_builder.h"
#include "pprof/report.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

// A CPU profile whose handlers carry pprof labels; gc's sample has none.
Profile LabelledCpu() {
  return ProfileBuilder(Types{{"samples", "count"}, {"cpu", "nanoseconds"}})
      .Sample({"a", "handler", "main"}, {30, 300'000'000},
              {{"endpoint", "/api/users"}, {"region", "eu"}})
      .Sample({"b", "handler", "main"}, {10, 100'000'000},
              {{"endpoint", "/api/orders"}, {"region", "us"}})
      .Sample({"handler+c", "main"}, {10, 100'000'000}, {{"endpoint", "/api/users"}})
      .Sample({"a", "b", "handler", "main"}, {1, 10'000'000}, {{"endpoint", "/api/health"}})
      .Sample({"gc"}, {5, 50'000'000})
      .Build();
}

// Numeric labels: Go's "bytes" (no unit: printed as the number), one with
// its own unit (scaled), and two values of one key on a sample.
Profile NumericHeap() {
  return ProfileBuilder(Types{{"alloc_space", "bytes"}, {"inuse_space", "bytes"}})
      .Sample({"alloc", "main"}, {16384 * 40, 16384 * 3})
      .NumLabel("bytes", 16384)
      .NumLabel("wait", 1500, "milliseconds")
      .Sample({"alloc", "other", "main"}, {72 * 1024, 0})
      .NumLabel("bytes", 73728)
      .NumLabel("wait", 2048, "bytes")
      .NumLabel("wait", 3, "")
      .Sample({"small", "main"}, {416 * 10, 416})
      .NumLabel("bytes", 416)
      .Build();
}

struct Case {
  const char* what;  // the go tool pprof flags the text is from
  Profile profile;
  std::string root, leaf;
  ReportOptions options;
  std::string want;
};

std::string TopWith(Profile profile, const std::string& root, const std::string& leaf,
                    const ReportOptions& options) {
  AddLabelNodes(profile, SplitLabelKeys(root), SplitLabelKeys(leaf));
  auto table = Top(profile, options);
  REQUIRE(table.ok());
  return FormatTopText(profile, *table);
}

}  // namespace

TEST_CASE("SplitLabelKeys: pprof's split at commas, empty keys dropped", "[report]") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {}},
      {"endpoint", {"endpoint"}},
      {"endpoint,region", {"endpoint", "region"}},
      {",endpoint,,region,", {"endpoint", "region"}},
      {",", {}},
      {"a b", {"a b"}},
  };
  for (const auto& [text, want] : cases) {
    INFO(text);
    CHECK(SplitLabelKeys(text) == want);
  }
}

TEST_CASE("AddLabelNodes: -tagroot and -tagleaf as go tool pprof -top prints them", "[report]") {
  // (to regenerate a text: write EncodeProfile(profile) to a file and run
  // go tool pprof FLAGS -top FILE)
  ReportOptions focus_users;
  focus_users.focus = "/api/users";
  ReportOptions alloc_space;
  alloc_space.sample_index = "alloc_space";
  const std::vector<Case> cases = {
      {"-tagroot=endpoint,region (the first key outermost; gc's sample has neither)",
       LabelledCpu(),
       "endpoint,region",
       "",
       {},
       R"(File: app
Type: cpu
Showing nodes accounting for 560ms, 100% of 560ms total
      flat  flat%   sum%        cum   cum%
     310ms 55.36% 55.36%      310ms 55.36%  a
     100ms 17.86% 73.21%      110ms 19.64%  b
     100ms 17.86% 91.07%      100ms 17.86%  c (inline)
      50ms  8.93%   100%       50ms  8.93%  gc
         0     0%   100%       10ms  1.79%  /api/health
         0     0%   100%      100ms 17.86%  /api/orders
         0     0%   100%      400ms 71.43%  /api/users
         0     0%   100%      160ms 28.57%  <unknown>
         0     0%   100%      300ms 53.57%  eu
         0     0%   100%      510ms 91.07%  handler
         0     0%   100%      510ms 91.07%  main
         0     0%   100%      100ms 17.86%  us
)"},
      {"-tagleaf=endpoint (the values are the leaves: their flat)",
       LabelledCpu(),
       "",
       "endpoint",
       {},
       R"(File: app
Type: cpu
Showing nodes accounting for 560ms, 100% of 560ms total
      flat  flat%   sum%        cum   cum%
     400ms 71.43% 71.43%      400ms 71.43%  /api/users
     100ms 17.86% 89.29%      100ms 17.86%  /api/orders
      50ms  8.93% 98.21%       50ms  8.93%  <unknown>
      10ms  1.79%   100%       10ms  1.79%  /api/health
         0     0%   100%      310ms 55.36%  a
         0     0%   100%      110ms 19.64%  b
         0     0%   100%      100ms 17.86%  c (inline)
         0     0%   100%       50ms  8.93%  gc
         0     0%   100%      510ms 91.07%  handler
         0     0%   100%      510ms 91.07%  main
)"},
      {"-tagroot=endpoint -focus=/api/users (the filters see the label frames)", LabelledCpu(),
       "endpoint", "", focus_users,
       R"(File: app
Type: cpu
Active filters:
   focus=/api/users
Showing nodes accounting for 400ms, 71.43% of 560ms total
      flat  flat%   sum%        cum   cum%
     300ms 53.57% 53.57%      300ms 53.57%  a
     100ms 17.86% 71.43%      100ms 17.86%  c (inline)
         0     0% 71.43%      400ms 71.43%  /api/users
         0     0% 71.43%      400ms 71.43%  handler
         0     0% 71.43%      400ms 71.43%  main
)"},
      {"-tagroot=nosuch (one <unknown> root)",
       LabelledCpu(),
       "nosuch",
       "",
       {},
       R"(File: app
Type: cpu
Showing nodes accounting for 560ms, 100% of 560ms total
      flat  flat%   sum%        cum   cum%
     310ms 55.36% 55.36%      310ms 55.36%  a
     100ms 17.86% 73.21%      110ms 19.64%  b
     100ms 17.86% 91.07%      100ms 17.86%  c (inline)
      50ms  8.93%   100%       50ms  8.93%  gc
         0     0%   100%      560ms   100%  <unknown>
         0     0%   100%      510ms 91.07%  handler
         0     0%   100%      510ms 91.07%  main
)"},
      {"-sample_index=alloc_space -tagroot=wait,bytes (numbers: their own unit scaled, none "
       "as is; two values joined by a comma)",
       NumericHeap(), "wait,bytes", "", alloc_space,
       R"(File: app
Type: alloc_space
Showing nodes accounting for 716.06kB, 100% of 716.06kB total
      flat  flat%   sum%        cum   cum%
     712kB 99.43% 99.43%      712kB 99.43%  alloc
    4.06kB  0.57%   100%     4.06kB  0.57%  small
         0     0%   100%      640kB 89.38%  1.50s
         0     0%   100%      640kB 89.38%  16384
         0     0%   100%       72kB 10.05%  2kB,3
         0     0%   100%     4.06kB  0.57%  416
         0     0%   100%       72kB 10.05%  73728
         0     0%   100%     4.06kB  0.57%  <unknown>
         0     0%   100%   716.06kB   100%  main
         0     0%   100%       72kB 10.05%  other
)"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(TopWith(c.profile, c.root, c.leaf, c.options) == c.want);
  }
}

TEST_CASE("AddLabelNodes: a flame root per value, and what matched", "[report]") {
  Profile p = LabelledCpu();
  const int samples = p.sample_size();
  const LabelNodesFound found = AddLabelNodes(p, {"endpoint"}, {"nosuch"});
  CHECK(found.root);
  CHECK(!found.leaf);
  CHECK(p.sample_size() == samples);
  CHECK(ValidateProfile(p).ok());
  auto flame = FlameTree(p, {}, 100);
  REQUIRE(flame.ok());
  std::vector<std::pair<std::string, int64_t>> roots;
  for (const FlameNode& n : flame->children) roots.emplace_back(n.name, n.total);
  CHECK(roots == std::vector<std::pair<std::string, int64_t>>{{"/api/users", 400'000'000},
                                                              {"/api/orders", 100'000'000},
                                                              {"<unknown>", 50'000'000},
                                                              {"/api/health", 10'000'000}});
  // Under each value, the stacks as they were: /api/users -> main -> handler.
  REQUIRE(!flame->children[0].children.empty());
  CHECK(flame->children[0].children[0].name == "main");
  // Each leaf is the missing key's "" frame (<unknown>), below the old leaf.
  CHECK(flame->children[2].children[0].name == "gc");
  CHECK(flame->children[2].children[0].children[0].name == "<unknown>");

  // No keys: the profile as it was.
  Profile same = LabelledCpu();
  CHECK(!AddLabelNodes(same, {}, {}).root);
  CHECK(same.SerializeAsString() == LabelledCpu().SerializeAsString());
}
