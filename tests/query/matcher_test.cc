#include <catch2/catch.hpp>

#include "query/matcher.h"

using namespace cprof;
using namespace cprof::query;

namespace {

archive::Sidecar Example() {
  archive::Sidecar s;
  s.job = "pokersrv";
  s.app = "poker";
  s.host = "192.168.15.115:16012";
  s.profile_type = "heap";
  s.labels = {{"env", "dev"}};
  return s;
}

}  // namespace

TEST_CASE("Matchers: = != =~ !~ on built-in and user labels", "[matcher]") {
  struct Case {
    const char* text;
    bool want;
  };
  const Case cases[] = {
      {"_job=pokersrv", true},
      {"_job=poker", false},
      {"_app!=poker", false},
      {"_app!=x", true},
      {"_host=~192\\.168\\..*", true},
      {"_host=~192", false},  // anchored
      {"_type=heap", true},
      {"_type!~heap|mutex", false},
      {"env=dev", true},
      {"env=~d.v", true},
      {"env!=dev", false},
      {"zone=", true},  // missing = ""
      {"zone!=x", true},
      {"zone=~.+", false},
      {"env=dev=x", false},
      {"env!~prod", true},
  };
  archive::Sidecar s = Example();
  for (const Case& c : cases) {
    INFO(c.text);
    auto m = Matcher::Parse(c.text);
    REQUIRE(m.ok());
    CHECK(m->Matches(s) == c.want);
    CHECK(Matcher::Parse(m->ToString())->Matches(s) == c.want);
  }
}

TEST_CASE("Matcher rejects", "[matcher]") {
  for (const char* bad :
       {"", "env", "=dev", "!=dev", "_foo=x", "1env=x", "en-v=x", "env=~(", "env!~[a-", "env~x"}) {
    INFO(bad);
    auto m = Matcher::Parse(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("AND and OR", "[matcher]") {
  archive::Sidecar s = Example();
  std::vector<Matcher> ms = {*Matcher::Parse("_job=pokersrv"), *Matcher::Parse("env=prod")};
  CHECK_FALSE(MatchAll(ms, false, s));
  CHECK(MatchAll(ms, true, s));
  CHECK(MatchAll({}, false, s));
  CHECK(MatchAll({}, true, s));
}
