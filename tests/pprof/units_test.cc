#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "base/json_read.h"
#include "pprof/units.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::pprof;

// The table web/format.js is checked against too (tests/web/format_test.mjs).
TEST_CASE("Values and percentages print as format_cases.json says", "[units]") {
  rapidjson::Document cases;
  cases.Parse(testing::ReadTestData("format_cases.json").c_str());
  REQUIRE_FALSE(cases.HasParseError());
  const rapidjson::Value* labels = JsonMember(cases, "scaled_label");
  const rapidjson::Value* percentages = JsonMember(cases, "percentage");
  REQUIRE((labels != nullptr && labels->IsArray() && !labels->Empty()));
  REQUIRE((percentages != nullptr && percentages->IsArray() && !percentages->Empty()));
  for (const rapidjson::Value& c : labels->GetArray()) {
    const int64_t value = JsonInt(c, "value");
    const std::string unit = JsonString(c, "unit");
    INFO(value << " " << unit);
    CHECK(ScaledLabel(value, unit, "auto") == JsonString(c, "want"));
  }
  for (const rapidjson::Value& c : percentages->GetArray()) {
    INFO(JsonInt(c, "value") << " of " << JsonInt(c, "total"));
    CHECK(Percentage(JsonInt(c, "value"), JsonInt(c, "total")) == JsonString(c, "want"));
  }
}

TEST_CASE("Values print in the unit asked for, as pprof's tables do", "[units]") {
  struct Case {
    int64_t v;
    const char* from;
    const char* to;
    const char* want;
  };
  const Case cases[] = {
      {2020000000, "nanoseconds", "ms", "2020ms"},
      {4210000000, "nanoseconds", "s", "4.21s"},
      {34918400, "bytes", "MB", "33.30MB"},
      {512, "bytes", "minimum", "512B"},
      {1406, "count", "count", "1406"},
      {0, "bytes", "MB", "0"},
      {-1536, "bytes", "kB", "-1.50kB"},
      {500310, "nanoseconds", "minimum", "500.31us"},
  };
  for (const Case& c : cases) {
    INFO(c.v << " " << c.from << " -> " << c.to);
    CHECK(ScaledLabel(c.v, c.from, c.to) == c.want);
  }
}
