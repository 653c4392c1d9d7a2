#include <catch2/catch.hpp>

#include <string>

#include "base/time.h"
#include "scrape/target_state.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::scrape;

namespace {

TargetsState Example() {
  TargetsState s;
  s.updated_ms = 1'795'383'359'999;
  s.scraper = "host-1";
  ActiveTarget& t = s.active.emplace_back();
  t.job = "go";
  t.app = "shop";
  t.host = "10.0.1.5:6060";
  t.labels = {{"env", "prod"}, {"zone", "\xc2\xb5"}};
  t.discovered = {{"__address__", "10.0.1.5:6060"}};
  t.profiles.push_back({"heap", "http://10.0.1.5:6060/debug/pprof/heap", 1'795'383'359'999,
                        1'795'383'300'000, 1'795'383'419'999, "connection refused"});
  ProfileState& leak = t.profiles.emplace_back();
  leak.type = "goroutineleak";
  leak.url = "http://10.0.1.5:6060/debug/pprof/goroutineleak";
  leak.not_offered = "0123456789abcdef";
  s.dropped.push_back({"go", {{"__address__", "10.0.1.6:6060"}}});
  return s;
}

}  // namespace

TEST_CASE("A targets state reads back as it was written", "[target_state]") {
  const std::string json = SerializeTargetsState(Example());
  auto parsed = ParseTargetsState(json);
  REQUIRE(parsed.ok());
  CHECK(SerializeTargetsState(*parsed) == json);
  REQUIRE(parsed->active.size() == 1);
  CHECK(parsed->active[0].labels == Example().active[0].labels);
  CHECK(parsed->active[0].profiles[0].last_error == "connection refused");
  CHECK(parsed->active[0].profiles[0].not_offered.empty());
  CHECK(parsed->active[0].profiles[1].not_offered == "0123456789abcdef");
  CHECK(parsed->dropped.size() == 1);
}

// Found by fuzz_targets: label names with invalid UTF-8 wrote back in another
// order (SerializeTargetsState replaces invalid bytes with U+FFFD, which
// sorts differently); cprofiler never writes such a file, so it is damage.
TEST_CASE("A targets state that is not valid UTF-8 is corrupt", "[target_state]") {
  std::string json = SerializeTargetsState(Example());
  size_t at = json.find("\"env\"");
  REQUIRE(at != std::string::npos);
  json[at + 1] = static_cast<char>(0xd2);  // a lead byte without its continuation
  auto parsed = ParseTargetsState(json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Status::Code::kCorruption);
}

// Found by fuzz_targets: a \u escape of a lone low surrogate decodes into
// bytes that are not UTF-8 (base/json_read.h: HasLoneLowSurrogate).
TEST_CASE("A targets state with a lone surrogate escape is corrupt", "[target_state]") {
  std::string json = SerializeTargetsState(Example());
  const size_t at = json.find("\"prod\"");
  REQUIRE(at != std::string::npos);
  json.replace(at + 1, 4, "\\uDEfE");
  auto parsed = ParseTargetsState(json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Status::Code::kCorruption);
}

TEST_CASE("The states of several scrapers into one bucket read as one", "[target_state]") {
  testing::TempDir dir;
  auto missing = ReadTargetsState(dir.path());
  CHECK(missing.status().IsNotFound());
  REQUIRE(WriteTargetsState(dir.path(), Example()).ok());  // this host's, however old
  TargetsState other = Example();
  other.scraper = "host-2";
  other.updated_ms = NowMs() - 60'000;
  other.active[0].host = "10.0.2.7:6060";
  other.dropped.clear();
  const fs::path state_dir = dir.path() / std::string(kStateDir);
  const std::string name = SharedStateFile("host-2", "/var/cache/cprofiler/spool");
  CHECK(name.starts_with("targets.host-2-"));
  CHECK(name.ends_with(".json"));
  CHECK(name != SharedStateFile("host-2", "/srv/other/spool"));
  CHECK(SharedStateFile("a/b c", "x").starts_with("targets.a_b_c-"));
  REQUIRE(WriteFileAtomic(state_dir, name, SerializeTargetsState(other), false).ok());
  // A scraper silent for over a day is gone; another's damaged state is
  // skipped (said on stderr), not the end of the page.
  TargetsState gone = Example();
  gone.scraper = "host-3";
  gone.updated_ms = NowMs() - 25 * 3'600'000LL;
  REQUIRE(
      WriteFileAtomic(state_dir, "targets.host-3-00000000.json", SerializeTargetsState(gone), false)
          .ok());
  REQUIRE(WriteFileAtomic(state_dir, "targets.host-4-00000000.json", "{not json", false).ok());

  auto all = ReadTargetsState(dir.path());
  REQUIRE(all.ok());
  CHECK(all->active.size() == 2);
  CHECK(all->dropped.size() == 1);
  CHECK(all->updated_ms == other.updated_ms);
  CHECK(all->scraper == "host-1, host-2");

  // This host's own, damaged, is an error.
  REQUIRE(WriteFileAtomic(state_dir, "targets.json", "{not json", false).ok());
  auto corrupt = ReadTargetsState(dir.path());
  REQUIRE_FALSE(corrupt.ok());
  CHECK(corrupt.status().message().find("targets.json") != std::string::npos);
}
