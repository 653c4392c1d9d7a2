#include "pprof/diff.h"

#include <catch2/catch.hpp>

#include <cmath>

#include "pprof/profile_builder.h"

namespace cprof::pprof {
namespace {

using testing::ProfileBuilder;
using Types = std::vector<std::pair<std::string, std::string>>;

// base: main.handler 100 (60 of it in main.parse), main.idle 100; 10 s.
Profile Base() {
  return ProfileBuilder(Types{{"cpu", "nanoseconds"}})
      .Header(1, 10'000'000'000, 10'000'000)
      .Sample({"main.parse", "main.handler"}, {60})
      .Sample({"main.handler"}, {40})
      .Sample({"main.idle"}, {100})
      .Build();
}

// target, over 20 s: main.parse doubled per second, main.idle the same,
// main.render new.
Profile Target() {
  return ProfileBuilder(Types{{"cpu", "nanoseconds"}}, 7)
      .Header(2, 20'000'000'000, 10'000'000)
      .Sample({"main.parse", "main.handler"}, {240})
      .Sample({"main.handler"}, {80})
      .Sample({"main.idle"}, {200})
      .Sample({"main.render"}, {20})
      .Build();
}

const DiffRow& Row(const DiffTable& t, const std::string& name) {
  for (const DiffRow& r : t.rows) {
    if (r.name == name) return r;
  }
  FAIL("no row " << name);
  return t.rows.front();
}

TEST_CASE("Without normalization a diff is the target minus the base, per function") {
  auto t = Diff(Base(), Target(), "", Normalization::kNone);
  REQUIRE(t.ok());
  CHECK(t->base_total == 200);
  CHECK(t->target_total == 540);
  const DiffRow& parse = Row(*t, "main.parse");
  CHECK(parse.flat_delta() == 180);
  CHECK(parse.cum_delta() == 180);
  const DiffRow& handler = Row(*t, "main.handler");
  CHECK(handler.base_cum == 100);
  CHECK(handler.target_cum == 320);
  CHECK(handler.flat_delta() == 40);
  CHECK(Row(*t, "main.render").base_cum == 0);
  // The largest change first.
  CHECK(t->rows.front().name == "main.handler");
}

TEST_CASE("Rate normalization compares values per second of profile") {
  CHECK(DefaultNormalization(Base(), Target()) == Normalization::kRate);
  auto t = Diff(Base(), Target(), "", Normalization::kRate);
  REQUIRE(t.ok());
  CHECK(t->target_scale == 0.5);
  CHECK(t->target_total == 270);
  CHECK(Row(*t, "main.idle").cum_delta() == 0);    // the same per second
  CHECK(Row(*t, "main.parse").cum_delta() == 60);  // 60 -> 120 per 10 s
  CHECK(Row(*t, "main.render").target_cum == 10);
}

TEST_CASE("Total normalization compares shares, as pprof's -normalize scales the target") {
  auto t = Diff(Base(), Target(), "", Normalization::kTotal);
  REQUIRE(t.ok());
  CHECK(t->target_total == 200);
  CHECK(Row(*t, "main.idle").target_cum == std::llround(200 * 200.0 / 540));
  Profile snapshot =
      ProfileBuilder(Types{{"cpu", "nanoseconds"}}).Sample({"main.idle"}, {5}).Build();
  CHECK(DefaultNormalization(Base(), snapshot) == Normalization::kTotal);
  auto rate = Diff(Base(), snapshot, "", Normalization::kRate);
  REQUIRE_FALSE(rate.ok());
  CHECK_THAT(rate.status().message(), Catch::Contains("no duration"));
}

TEST_CASE("A diff of different sample types is refused") {
  Profile heap = ProfileBuilder(Types{{"inuse_space", "bytes"}}).Sample({"main.idle"}, {5}).Build();
  auto t = Diff(Base(), heap, "", Normalization::kNone);
  REQUIRE_FALSE(t.ok());
  CHECK_THAT(t.status().message(), Catch::Contains("one sample type"));
}

TEST_CASE("Diff rules parse, and bad ones say what is wanted") {
  auto total = ParseDiffRule("total > +5%");
  REQUIRE(total.ok());
  CHECK(total->subject == DiffRule::Subject::kTotal);
  CHECK(total->greater);
  CHECK(total->percent == 5);
  auto cum = ParseDiffRule("cum(main.(*Server).Serve)<-20.5%");
  REQUIRE(cum.ok());
  CHECK(cum->subject == DiffRule::Subject::kCum);
  CHECK(cum->function == "main.(*Server).Serve");
  CHECK_FALSE(cum->greater);
  CHECK(cum->percent == -20.5);
  for (const char* bad : {"", "total", "total > 5", "total >= 5%", "cum() > 5%", "cum(x > 5%",
                          "self(x) > 5%", "total > +x%"}) {
    INFO(bad);
    auto r = ParseDiffRule(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("want total|flat"));
  }
}

TEST_CASE("Rules and --max-growth name what crossed them") {
  auto t = Diff(Base(), Target(), "", Normalization::kRate);
  REQUIRE(t.ok());
  auto rules = [](std::initializer_list<const char*> texts) {
    std::vector<DiffRule> out;
    for (const char* text : texts) out.push_back(*ParseDiffRule(text));
    return out;
  };
  // main.parse: 60 -> 120 (+100%); total 200 -> 270 (+35%).
  auto breaches = CheckRules(*t, rules({"cum(main.parse) > +50%", "total > +40%"}), std::nullopt);
  REQUIRE(breaches.ok());
  REQUIRE(breaches->size() == 1);
  CHECK((*breaches)[0].function == "main.parse");
  CHECK_THAT((*breaches)[0].detail, Catch::Contains("+100.0%"));
  // An RE2 matching whole names, when no function has that exact name.
  breaches = CheckRules(*t, rules({"flat(main\\.(parse|idle)) > +10%"}), std::nullopt);
  REQUIRE(breaches.ok());
  REQUIRE(breaches->size() == 1);
  CHECK((*breaches)[0].function == "main.parse");
  CHECK(CheckRules(*t, rules({"cum(main.pars) > +1%"}), std::nullopt).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK_THAT(CheckRules(*t, rules({"cum(main.(*T).Serve) > +1%"}), std::nullopt).status().message(),
             Catch::Contains("nor is it an RE2"));
  // --max-growth: main.handler's cum grew by 60 (30% of the base's 200),
  // main.parse's by 60, main.render's by 10 (5%, not over).
  breaches = CheckRules(*t, {}, 5.0);
  REQUIRE(breaches.ok());
  REQUIRE(breaches->size() == 2);
  CHECK((*breaches)[0].function == "main.handler");
  CHECK((*breaches)[1].function == "main.parse");
  CHECK(CheckRules(*t, {}, 30.0)->empty());
}

TEST_CASE("Changes: relative to the base, and new or gone when one side is 0") {
  CHECK(ChangePercent(100, 125) == 25);
  CHECK(ChangePercent(-100, -50) == 50);
  CHECK(std::isinf(ChangePercent(0, 1)));
  CHECK(ChangePercent(0, 0) == 0);
  CHECK(FormatChange(100, 125) == "+25.0%");
  CHECK(FormatChange(0, 5) == "new");
  CHECK(FormatChange(5, 0) == "gone");
}

}  // namespace
}  // namespace cprof::pprof
