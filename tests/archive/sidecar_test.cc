#include <catch2/catch.hpp>

#include "archive/sidecar.h"

using namespace cprof;
using namespace cprof::archive;

namespace {

Sidecar Example() {
  Sidecar s;
  s.profile_type = "heap";
  s.job = "job";
  s.app = "app";
  s.host = "127.0.0.1:6060";
  s.labels = {{"env", "dev"}, {"zone", "b"}};
  s.url = "http://127.0.0.1:6060/debug/pprof/heap";
  s.timestamp_ms = *ParseRfc3339Ms("2026-11-22T10:15:00.123Z");
  s.duration_ns = 0;
  s.expiration_ns = 3'600'000'000'000;
  s.expires_ms = s.timestamp_ms + 3'600'000;
  s.size = 1234;
  s.sha256 = std::string(64, 'a');
  s.sample_types = {{"heap_inuse_space", "inuse_space", "bytes", 4096}};
  s.default_sample_type = "inuse_space";
  s.scraped_by = "box";
  EntryKey key{s.timestamp_ms, TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns), "heap",
               "aaaaaaaaaa"};
  s.id = FormatId(key);
  s.file = ProfileFileName(key);
  return s;
}

}  // namespace

TEST_CASE("Sidecar round trip", "[sidecar]") {
  Sidecar s = Example();
  std::string json = SerializeSidecar(s);
  auto back = ParseSidecar(json);
  REQUIRE(back.ok());
  CHECK(*back == s);
}

TEST_CASE("Every truncation of a sidecar is a clean error", "[sidecar]") {
  std::string json = SerializeSidecar(Example());
  // The trailing newline and closing brace are needed; every shorter prefix fails.
  for (size_t n = 0; n + 2 < json.size(); ++n) {
    INFO(n);
    auto r = ParseSidecar(json.substr(0, n));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("Sidecar rejects", "[sidecar]") {
  std::string json = SerializeSidecar(Example());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string j = json;
    size_t at = j.find(from);
    REQUIRE(at != std::string::npos);
    j.replace(at, from.size(), to);
    return j;
  };
  const std::string rejects[] = {
      "[]",
      "null",
      "{}",
      "\xff\xfe",
      replace("\"format_version\": 1", "\"format_version\": 99"),
      replace("\"format_version\": 1", "\"format_version\": \"1\""),
      replace("\"job\": \"job\"", "\"job\": 5"),
      replace("\"labels\": {", "\"labels\": {\"x\": 1, "),
      replace("\"size\": 1234", "\"size\": 1.5"),
      replace("\"id\": \"2026", "\"id\": \"../2026"),
      replace("\"profile_type\": \"heap\"", "\"profile_type\": \"mutex\""),
      replace("\"file\": \"", "\"file\": \"../"),
      replace("\"timestamp_ms\": ", "\"timestamp_ms\": 1"),
  };
  for (const std::string& j : rejects) {
    INFO(j);
    CHECK_FALSE(ParseSidecar(j).ok());
  }
  // Unknown members are ignored: newer writers may add some.
  CHECK(ParseSidecar(replace("\"job\":", "\"future\": [1,2], \"job\":")).ok());
}

TEST_CASE("Label values", "[sidecar]") {
  Sidecar s = Example();
  CHECK(*LabelValue(s, "_job") == "job");
  CHECK(*LabelValue(s, "_app") == "app");
  CHECK(*LabelValue(s, "_host") == "127.0.0.1:6060");
  CHECK(*LabelValue(s, "_type") == "heap");
  CHECK(*LabelValue(s, "env") == "dev");
  CHECK(LabelValue(s, "missing") == nullptr);
}

TEST_CASE("A deeply nested sidecar is an error, not a stack overflow", "[sidecar]") {
  auto r = ParseSidecar(std::string(300'000, '['));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kCorruption);
}

// Found by fuzz_text: a sidecar with invalid UTF-8 did not read back the
// same after SerializeSidecar (which writes valid UTF-8 only); cprofiler
// never writes one, so it is damage.
TEST_CASE("A sidecar that is not valid UTF-8 is corrupt", "[sidecar]") {
  Sidecar s = Example();
  s.sample_types[0].unit = "count";
  std::string json = SerializeSidecar(s);
  size_t at = json.find("\"count\"");
  REQUIRE(at != std::string::npos);
  json[at + 1] = static_cast<char>(0x99);  // a lone continuation byte
  auto parsed = ParseSidecar(json);
  REQUIRE(!parsed.ok());
  CHECK(parsed.status().code() == Status::Code::kCorruption);
  s.sample_types[0].unit = "\xc2\xb5s";  // valid UTF-8 reads back
  CHECK(*ParseSidecar(SerializeSidecar(s)) == s);
}

// Found by fuzz_sidecar: a \u escape of a lone low surrogate, which RapidJSON
// decodes into bytes that are not UTF-8 (and SerializeSidecar would write
// as U+FFFD), so the sidecar did not read back the same.
TEST_CASE("A sidecar with a lone surrogate escape is corrupt", "[sidecar]") {
  Sidecar s = Example();
  s.sample_types[0].unit = "count";
  const std::string json = SerializeSidecar(s);
  const size_t at = json.find("\"count\"");
  REQUIRE(at != std::string::npos);
  for (const char* escape : {"\\udc11", "x\\udfff", "\\\\\\ude00"}) {
    std::string bad = json;
    bad.replace(at + 1, 5, escape);
    auto parsed = ParseSidecar(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Status::Code::kCorruption);
  }
  std::string pair = json;  // a surrogate pair is one character, U+1F600
  pair.replace(at + 1, 5, "\\ud83d\\ude00 \\\\udc11");
  auto parsed = ParseSidecar(pair);
  REQUIRE(parsed.ok());
  CHECK(parsed->sample_types[0].unit == "\xf0\x9f\x98\x80 \\udc11");
  CHECK(*ParseSidecar(SerializeSidecar(*parsed)) == *parsed);
}
