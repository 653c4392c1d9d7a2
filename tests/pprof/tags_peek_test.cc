// The tags and peek reports against what go tool pprof (Go 1.19) prints for
// the same profiles: each expected text below is `go tool pprof -tags` or
// `-peek` of the profile the case builds (written out with EncodeProfile).
#include <catch2/catch.hpp>

#include <fstream>

#include "pprof/profile_builder.h"
#include "pprof/report.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

// A CPU profile of a service whose handlers carry pprof labels.
Profile LabelledCpu() {
  return ProfileBuilder(Types{{"samples", "count"}, {"cpu", "nanoseconds"}})
      .Sample({"a", "handler", "main"}, {30, 300'000'000},
              {{"endpoint", "/api/users"}, {"région", "eu"}})
      .Sample({"b", "handler", "main"}, {10, 100'000'000}, {{"endpoint", "/api/orders"}})
      .Sample({"handler+c", "main"}, {10, 100'000'000}, {{"endpoint", "/api/users"}})
      .Sample({"a", "b", "handler", "main"}, {1, 10'000'000}, {{"endpoint", "/api/health"}})
      .Sample({"d", "main"}, {0, 0}, {{"endpoint", "/zero"}})  // pprof drops all-zero samples
      .Sample({"gc"}, {5, 50'000'000})
      .Build();
}

// A heap profile with pprof's numeric labels: Go's "bytes" (no unit), a
// "request" (bytes by pprof's rule), one with its own unit, and a count.
Profile NumericHeap() {
  return ProfileBuilder(Types{{"alloc_space", "bytes"}, {"inuse_space", "bytes"}})
      .Sample({"alloc", "main"}, {16384 * 40, 16384 * 3})
      .NumLabel("bytes", 16384)
      .NumLabel("request", 1536)
      .Sample({"alloc", "other", "main"}, {72 * 1024, 0})
      .NumLabel("bytes", 73728)
      .NumLabel("wait", 1500, "milliseconds")
      .Sample({"small", "main"}, {416 * 10, 416})
      .NumLabel("bytes", 416)
      .NumLabel("objects", 3)
      .Build();
}

// pprof's peek legend ends in " \t \t ": spelled out here, where a raw
// string would hide it.
std::string WithLegend(std::string text) {
  const std::string kPlaceholder = "<legend>\n";
  size_t at = text.find(kPlaceholder);
  if (at != std::string::npos) {
    text.replace(at, kPlaceholder.size(),
                 "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n");
  }
  return text;
}

struct Case {
  const char* what;  // the go tool pprof command the text is from
  Profile profile;
  ReportOptions options;
  std::string want;
};

}  // namespace

TEST_CASE("Tags: go tool pprof -tags, byte for byte", "[report]") {
  ReportOptions samples_users;
  samples_users.sample_index = "samples";
  samples_users.tag_focus = "endpoint=users";
  ReportOptions focus_b;
  focus_b.focus = "^b$";
  ReportOptions alloc_ignore;
  alloc_ignore.sample_index = "alloc_space";
  alloc_ignore.ignore = "other";
  ReportOptions hide_all;
  hide_all.hide = ".";
  const std::vector<Case> cases = {
      {"-tags labelled (the all-zero sample's /zero left out; région is 6 wide)",
       LabelledCpu(),
       {},
       R"( endpoint: Total 510.0ms
           400.0ms (78.43%): /api/users
           100.0ms (19.61%): /api/orders
            10.0ms ( 1.96%): /api/health

 région: Total 300.0ms
         300.0ms (  100%): eu

)"},
      {"-tags -sample_index=samples -tagfocus=endpoint=users labelled", LabelledCpu(),
       samples_users,
       R"( endpoint: Total 40.0
           40.0 (  100%): /api/users

 région: Total 30.0
         30.0 (  100%): eu

)"},
      {"-tags -focus=^b$ labelled", LabelledCpu(), focus_b,
       R"( endpoint: Total 110.0ms
           100.0ms (90.91%): /api/orders
            10.0ms ( 9.09%): /api/health

)"},
      {"-tags numeric (units: bytes's own, request's bytes, wait's, objects' none; a zero total "
       "has no shares)",
       NumericHeap(),
       {},
       R"( bytes: Total 48.4kB
        48.0kB (99.16%): 16kB
        416.0B ( 0.84%): 416B
          0.0B (    0%): 72kB

 objects: Total 416.0B
          416.0B (  100%): 3

 request: Total 48.0kB
          48.0kB (  100%): 1.50kB

 wait: Total 0.0B
       0.0B: 1.50s

)"},
      {"-tags -sample_index=alloc_space -ignore=other numeric", NumericHeap(), alloc_ignore,
       R"( bytes: Total 644.1kB
        640.0kB (99.37%): 16kB
          4.1kB ( 0.63%): 416B

 objects: Total 4.1kB
          4.1kB (  100%): 3

 request: Total 640.0kB
          640.0kB (  100%): 1.50kB

)"},
      {"-tags -hide=. labelled (every sample dropped: nothing)", LabelledCpu(), hide_all, ""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto tags = Tags(c.profile, c.options);
    REQUIRE(tags.ok());
    CHECK(FormatTagsText(*tags) == c.want);
  }
}

TEST_CASE("Tags: the table under the text", "[report]") {
  auto tags = Tags(LabelledCpu(), {});
  REQUIRE(tags.ok());
  REQUIRE(tags->keys.size() == 2);
  const TagKey& endpoint = tags->keys[0];
  CHECK(endpoint.key == "endpoint");
  CHECK(endpoint.total == 510'000'000);
  REQUIRE(endpoint.values.size() == 3);
  CHECK(endpoint.values[0].name == "/api/users");
  CHECK(endpoint.values[0].value == 400'000'000);
  CHECK(endpoint.values[2].name == "/api/health");
  CHECK(tags->sample_unit == "nanoseconds");

  ReportOptions bad;
  bad.sample_index = "nosuch";
  CHECK(Tags(LabelledCpu(), bad).status().code() == Status::Code::kInvalidArgument);
  bad = {};
  bad.tag_focus = "endpoint=(";
  CHECK(Tags(LabelledCpu(), bad).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Peek: go tool pprof -peek, byte for byte", "[report]") {
  struct PeekCase {
    Case c;
    std::string regex;
  };
  ReportOptions samples_no_users;
  samples_no_users.sample_index = "samples";
  samples_no_users.tag_ignore = "endpoint=users";
  ReportOptions alloc;
  alloc.sample_index = "alloc_space";
  alloc.node_count = 1;  // ignored: peek trims nothing
  alloc.node_fraction = 0.5;
  const std::vector<PeekCase> cases = {
      {{"-peek=^(handler|a)$ labelled: callers and callees by weight, inlined calls marked",
        LabelledCpu(),
        {},
        R"(File: app
Type: cpu
Showing nodes accounting for 560ms, 100% of 560ms total
----------------------------------------------------------+-------------
<legend>
----------------------------------------------------------+-------------
                                             300ms 96.77% |   handler
                                              10ms  3.23% |   b
     310ms 55.36% 55.36%      310ms 55.36%                | a
----------------------------------------------------------+-------------
                                             510ms   100% |   main
         0     0% 55.36%      510ms 91.07%                | handler
                                             300ms 58.82% |   a
                                             110ms 21.57% |   b
                                             100ms 19.61% |   c (inline)
----------------------------------------------------------+-------------
)"},
       "^(handler|a)$"},
      {{"-peek=^main$ -sample_index=samples -tagignore=endpoint=users labelled", LabelledCpu(),
        samples_no_users,
        R"(File: app
Type: samples
Active filters:
   tagignore=endpoint=users
Showing nodes accounting for 16, 28.57% of 56 total
----------------------------------------------------------+-------------
<legend>
----------------------------------------------------------+-------------
         0     0%     0%         11 19.64%                | main
                                                11   100% |   handler
----------------------------------------------------------+-------------
)"},
       "^main$"},
      {{"-peek=alloc -sample_index=alloc_space -nodecount=1 -nodefraction=0.5 numeric",
        NumericHeap(), alloc,
        R"(File: app
Type: alloc_space
Showing nodes accounting for 716.06kB, 100% of 716.06kB total
----------------------------------------------------------+-------------
<legend>
----------------------------------------------------------+-------------
                                             640kB 89.89% |   main
                                              72kB 10.11% |   other
     712kB 99.43% 99.43%      712kB 99.43%                | alloc
----------------------------------------------------------+-------------
)"},
       "alloc"},
  };
  for (const PeekCase& pc : cases) {
    INFO(pc.c.what);
    auto peek = Peek(pc.c.profile, pc.c.options, pc.regex);
    REQUIRE(peek.ok());
    CHECK(FormatPeekText(pc.c.profile, *peek) == WithLegend(pc.c.want));
  }
}

TEST_CASE("Peek: what it finds, and its errors", "[report]") {
  auto peek = Peek(LabelledCpu(), {}, "^b$");
  REQUIRE(peek.ok());
  REQUIRE(peek->entries.size() == 1);
  const PeekEntry& b = peek->entries[0];
  CHECK(b.node.name == "b");
  REQUIRE(b.callers.size() == 1);
  CHECK(b.callers[0].name == "handler");
  CHECK(b.callers[0].weight == 110'000'000);
  REQUIRE(b.callees.size() == 1);
  CHECK(b.callees[0].name == "a");
  CHECK_FALSE(b.callees[0].inlined);

  const std::vector<std::pair<std::string, Status::Code>> rejects = {
      {"nosuchfunction", Status::Code::kNotFound},
      {"(", Status::Code::kInvalidArgument},
      {"", Status::Code::kInvalidArgument},
  };
  for (const auto& [regex, code] : rejects) {
    INFO(regex);
    auto r = Peek(LabelledCpu(), {}, regex);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == code);
  }
  CHECK(Peek(LabelledCpu(), {}, "nosuchfunction").status().message() ==
        "no matches found for regexp: nosuchfunction");
}
