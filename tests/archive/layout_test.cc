#include <catch2/catch.hpp>

#include "archive/layout.h"

using namespace cprof;
using namespace cprof::archive;

TEST_CASE("IDs round-trip through names and paths", "[layout]") {
  EntryKey key;
  key.timestamp_ms = *ParseRfc3339Ms("2026-11-22T10:15:00.123Z");
  key.target_key = TargetKey("job", "app", "127.0.0.1:6060", {{"env", "dev"}}, 0);
  key.profile_type = "heap";
  key.content_hash = "0123456789";
  std::string id = FormatId(key);
  CHECK(id == "20261122-" + key.target_key + "-101500123-heap-0123456789");
  auto back = ParseId(id);
  REQUIRE(back.ok());
  CHECK(back->timestamp_ms == key.timestamp_ms);
  CHECK(back->target_key == key.target_key);
  CHECK(back->profile_type == "heap");
  CHECK(back->content_hash == key.content_hash);
  CHECK(EntryDir(key) == fs::path("2026/11/22") / key.target_key);
  CHECK(ProfileFileName(key) == "101500123-heap-0123456789.pb.gz");
  CHECK(SidecarFileName(key) == "101500123-heap-0123456789.json");
  key.profile_type = "trace";
  CHECK(ProfileFileName(key) == "101500123-trace-0123456789.trace");
  auto parsed = ParseSidecarName("101500123-heap-0123456789.json", {2026, 11, 22}, key.target_key);
  REQUIRE(parsed.ok());
  CHECK(parsed->timestamp_ms == key.timestamp_ms);
}

TEST_CASE("ParseId rejects everything else, traversal included", "[layout]") {
  const std::string good = "20261122-0123456789abcdef-101500123-heap-0123456789";
  REQUIRE(ParseId(good).ok());
  for (std::string bad : {
           std::string(""),
           std::string("31"),
           std::string(".."),
           std::string("../../etc/passwd"),
           std::string("20261122-0123456789abcdef-101500123-heap-0123456789/.."),
           std::string("20261122-0123456789abcdef-101500123-heap-../../x"),
           std::string("20261122-..%2f..%2f34567-101500123-heap-0123456789"),
           std::string("2026112x-0123456789abcdef-101500123-heap-0123456789"),
           std::string("20261322-0123456789abcdef-101500123-heap-0123456789"),
           std::string("20230229-0123456789abcdef-101500123-heap-0123456789"),
           std::string("20261122-0123456789ABCDEF-101500123-heap-0123456789"),
           std::string("20261122-0123456789abcdef-251500123-heap-0123456789"),
           std::string("20261122-0123456789abcdef-101500123-cmdline-0123456789"),
           std::string("20261122-0123456789abcdef-101500123-heap-012345678"),
           std::string("20261122-0123456789abcdef-101500123-heap-0123456789.json"),
           std::string("20261122-0123456789abcdef-101500123-heap-0123456789\0x", 53),
           std::string("/20261122-0123456789abcdef-101500123-heap-0123456789"),
           good + "0",
       }) {
    INFO(bad);
    CHECK_FALSE(ParseId(bad).ok());
  }
}

TEST_CASE("Target keys separate every field", "[layout]") {
  std::string base = TargetKey("j", "a", "h:1", {{"env", "dev"}}, 5);
  CHECK(IsHex(base, kTargetKeyLength));
  CHECK(base == TargetKey("j", "a", "h:1", {{"env", "dev"}}, 5));
  CHECK(base != TargetKey("j2", "a", "h:1", {{"env", "dev"}}, 5));
  CHECK(base != TargetKey("j", "a2", "h:1", {{"env", "dev"}}, 5));
  CHECK(base != TargetKey("j", "a", "h:2", {{"env", "dev"}}, 5));
  CHECK(base != TargetKey("j", "a", "h:1", {{"env", "prod"}}, 5));
  CHECK(base != TargetKey("j", "a", "h:1", {}, 5));
  CHECK(base != TargetKey("j", "a", "h:1", {{"env", "dev"}}, 6));
  // No ambiguity from concatenation.
  CHECK(TargetKey("ab", "c", "h", {}, 0) != TargetKey("a", "bc", "h", {}, 0));
}
