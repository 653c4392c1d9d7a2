#include <catch2/catch.hpp>

#include "archive/writer.h"
#include "query/output.h"
#include "query/select.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::query;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-22T10:00:00Z");

archive::Sidecar Meta(std::string app, std::string env, std::string type, int64_t ts) {
  archive::Sidecar s;
  s.profile_type = type;
  s.job = "job";
  s.app = std::move(app);
  s.host = "h:1";
  s.labels = {{"env", std::move(env)}};
  s.timestamp_ms = ts;
  if (type == "heap") {
    s.sample_types = {{"heap_alloc_space", "alloc_space", "bytes", 10},
                      {"heap_inuse_space", "inuse_space", "bytes", 20}};
  } else if (type == "goroutine") {
    s.sample_types = {{"goroutine", "goroutine", "count", 7}};
  }
  return s;
}

}  // namespace

TEST_CASE("Select by sample type, time and labels", "[select]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  REQUIRE(w.Write("1", Meta("api", "dev", "heap", kT0)).ok());
  REQUIRE(w.Write("2", Meta("api", "prod", "heap", kT0 + 1000)).ok());
  REQUIRE(w.Write("3", Meta("db", "prod", "goroutine", kT0 + 2000)).ok());
  REQUIRE(w.Write("4", Meta("db", "prod", "trace", kT0 + 3000)).ok());

  auto select = [&](std::string type, std::vector<std::string> matchers, bool any = false,
                    int64_t from = kT0, int64_t to = kT0 + 10'000) {
    Selection s;
    s.sample_type = std::move(type);
    s.from_ms = from;
    s.to_ms = to;
    for (auto& m : matchers) s.matchers.push_back(*Matcher::Parse(m));
    s.any_of = any;
    auto r = Select(dir.path(), s, nullptr);
    REQUIRE(r.ok());
    return r->size();
  };
  CHECK(select("", {}) == 4);
  CHECK(select("heap_inuse_space", {}) == 2);
  CHECK(select("heap_nonsense", {}) == 0);
  CHECK(select("goroutine", {}) == 1);
  CHECK(select("trace", {}) == 1);
  CHECK(select("", {"env=prod"}) == 3);
  CHECK(select("", {"env=prod", "_app=api"}) == 1);
  CHECK(select("", {"env=dev", "_app=db"}, true) == 3);
  CHECK(select("", {"_type=~heap|trace"}) == 3);
  CHECK(select("", {"_type=goroutine", "_app=api"}, true) == 3);
  CHECK(select("", {}, false, kT0 + 1000, kT0 + 2000) == 2);

  Selection bad;
  bad.sample_type = "cmdline";
  CHECK(Select(dir.path(), bad, nullptr).status().code() == Status::Code::kInvalidArgument);
  Selection reversed;
  reversed.from_ms = 10;
  reversed.to_ms = 5;
  CHECK_FALSE(Select(dir.path(), reversed, nullptr).ok());
}

TEST_CASE("ProfileMeta JSON has the seed's shape", "[select]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  REQUIRE(w.Write("1", Meta("api", "dev", "heap", kT0)).ok());
  Selection s;
  s.sample_type = "heap_inuse_space";
  s.from_ms = kT0;
  s.to_ms = kT0;
  auto entries = Select(dir.path(), s, nullptr);
  REQUIRE(entries.ok());
  auto rows = MetaRows(*entries, s.sample_type);
  REQUIRE(rows.size() == 1);
  JsonWriter json;
  WriteProfileMeta(json, rows[0]);
  std::string text = json.Take();
  CHECK(text == "{\"ProfileID\":\"" + (*entries)[0].sidecar.id +
                    "\",\"ProfileType\":\"heap\",\"SampleType\":\"heap_inuse_space\","
                    "\"JobName\":\"job\",\"Host\":\"h:1\",\"App\":\"api\","
                    "\"SampleTypeUnit\":\"bytes\",\"Value\":20,\"Timestamp\":" +
                    std::to_string(kT0) +
                    ",\"Duration\":0,\"Labels\":[{\"Key\":\"env\",\"Value\":\"dev\"}]}");
  CHECK(MetaRows(*entries, "").size() == 2);
}
