#include <catch2/catch.hpp>

#include "base/time.h"

using namespace cprof;
using namespace std::chrono_literals;

TEST_CASE("ParseDuration accepts Go syntax and days", "[time]") {
  struct Case {
    const char* text;
    Nanos want;
  };
  const Case cases[] = {
      {"0", 0ns},     {"500ms", 500ms}, {"10s", 10s},        {"5m", 5min},
      {"168h", 168h}, {"1h30m", 90min}, {"1.5h", 90min},     {"250us", 250us},
      {"7d", 168h},   {"100ns", 100ns}, {"1m0.5s", 60500ms}, {".5s", 500ms},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto d = ParseDuration(c.text);
    REQUIRE(d.ok());
    CHECK(*d == c.want);
  }
}

TEST_CASE("ParseDuration rejects", "[time]") {
  for (const char* text :
       {"", "10", "6x", "s", "-5s", "1.s5", "h1", "1..5s", "99999999999999h", " 5s", "5 s", "."}) {
    INFO(text);
    auto d = ParseDuration(text);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().message().find("bad duration") != std::string::npos);
  }
}

TEST_CASE("FormatDuration is short and round-trips", "[time]") {
  CHECK(FormatDuration(0ns) == "0s");
  CHECK(FormatDuration(250ms) == "250ms");
  CHECK(FormatDuration(10s) == "10s");
  CHECK(FormatDuration(90min) == "1h30m");
  CHECK(FormatDuration(168h) == "168h");
  for (const char* text : {"250ms", "10s", "1h30m", "168h", "2m5s"}) {
    CHECK(FormatDuration(*ParseDuration(text)) == text);
  }
}

TEST_CASE("RFC 3339 parse and format", "[time]") {
  CHECK(*ParseRfc3339Ms("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseRfc3339Ms("2022-06-28T16:00:00.000Z") == 1656432000000);
  CHECK(*ParseRfc3339Ms("2022-06-28T16:00:00.5Z") == 1656432000500);
  CHECK(*ParseRfc3339Ms("2022-06-28T16:00:00.123456789Z") == 1656432000123);
  CHECK(*ParseRfc3339Ms("2022-06-29T00:00:00+08:00") == 1656432000000);
  CHECK(*ParseRfc3339Ms("2022-06-28 16:00:00Z") == 1656432000000);
  CHECK(FormatRfc3339Ms(1656432000123) == "2022-06-28T16:00:00.123Z");
  CHECK(FormatRfc3339Ms(*ParseRfc3339Ms("2024-02-29T23:59:59.999Z")) == "2024-02-29T23:59:59.999Z");
  for (const char* bad :
       {"", "2022-06-28", "2022-06-28T16:00:00", "2022-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2022-06-28T24:00:00Z", "2022-06-28T16:00:00.Z", "2022-06-28T16:00:00Zjunk",
        "22-06-28T16:00:00Z", "2022-06-28T16:00:00+0800"}) {
    INFO(bad);
    CHECK_FALSE(ParseRfc3339Ms(bad).ok());
  }
}

TEST_CASE("ParseTimeArg: now, relative, date, RFC 3339", "[time]") {
  const int64_t now = 1'700'000'000'000;
  CHECK(*ParseTimeArg("now", now) == now);
  CHECK(*ParseTimeArg("-90m", now) == now - 90 * 60'000);
  CHECK(*ParseTimeArg("-7d", now) == now - 7 * kMsPerDay);
  CHECK(*ParseTimeArg("2026-11-22", now) == *ParseRfc3339Ms("2026-11-22T00:00:00Z"));
  CHECK(ParseTimeArg("2026-11-22T10:00:00Z", now).ok());
  for (const char* bad : {"-", "-2x", "yesterday", "+2h", "2026-11-32"}) {
    INFO(bad);
    CHECK_FALSE(ParseTimeArg(bad, now).ok());
  }
}

TEST_CASE("Civil days", "[time]") {
  int64_t t = *ParseRfc3339Ms("2026-11-22T10:15:00.123Z");
  CHECK(DayOf(t) == CivilDay{2026, 11, 22});
  CHECK(DayStartMs({2026, 11, 22}) == *ParseRfc3339Ms("2026-11-22T00:00:00Z"));
  CHECK(MsOfDay(t) == ((10 * 60 + 15) * 60) * 1000 + 123);
}
