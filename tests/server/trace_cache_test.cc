#include "server/trace_cache.h"

#include <catch2/catch.hpp>

#include <string>

#include "test_util.h"
#include "trace/reader.h"

using namespace cprof;

namespace {

// Builds the timeline of the fixture, counting the builds.
struct Builder {
  std::string data = testing::ReadTestData("go123.trace");
  int builds = 0;
  server::TraceCache::Build Build() {
    return [this]() {
      ++builds;
      return query::TraceTimeline::Build(trace::MemorySource(data));
    };
  }
};

}  // namespace

TEST_CASE("trace cache: a hit answers without reading the trace again", "[trace]") {
  Builder b;
  server::TraceCache cache({});
  const FileStamp stamp{300931, 1};
  auto first = cache.Get("a", stamp, b.Build());
  REQUIRE(first.ok());
  CHECK((*first)->bytes() > 0);
  auto second = cache.Get("a", stamp, b.Build());
  REQUIRE(second.ok());
  CHECK(b.builds == 1);
  CHECK(first->get() == second->get());
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() == (*first)->bytes());
}

TEST_CASE("trace cache: a file changed is read again, its old timeline dropped", "[trace]") {
  Builder b;
  server::TraceCache cache({});
  REQUIRE(cache.Get("a", FileStamp{10, 1}, b.Build()).ok());
  REQUIRE(cache.Get("a", FileStamp{10, 2}, b.Build()).ok());  // mtime
  REQUIRE(cache.Get("a", FileStamp{11, 2}, b.Build()).ok());  // size
  CHECK(b.builds == 3);
  CHECK(cache.size() == 1);
  REQUIRE(cache.Get("a", FileStamp{11, 2}, b.Build()).ok());
  CHECK(b.builds == 3);
}

TEST_CASE("trace cache: bounded by count and bytes, least recently used out", "[trace]") {
  Builder b;
  auto one = query::TraceTimeline::Build(trace::MemorySource(b.data));
  REQUIRE(one.ok());
  const size_t size = one->bytes();
  const FileStamp stamp{1, 1};

  // Two by count: a, b, a (a used), c: b goes, a stays.
  server::TraceCache two({.max_entries = 2, .max_bytes = 100 * size});
  for (const char* id : {"a", "b", "a", "c"}) REQUIRE(two.Get(id, stamp, b.Build()).ok());
  CHECK(b.builds == 3);
  CHECK(two.size() == 2);
  REQUIRE(two.Get("a", stamp, b.Build()).ok());
  CHECK(b.builds == 3);
  REQUIRE(two.Get("b", stamp, b.Build()).ok());
  CHECK(b.builds == 4);

  // Room for one and a half by bytes: one kept.
  b.builds = 0;
  server::TraceCache bytes({.max_entries = 8, .max_bytes = size + size / 2});
  REQUIRE(bytes.Get("a", stamp, b.Build()).ok());
  REQUIRE(bytes.Get("b", stamp, b.Build()).ok());
  CHECK(bytes.size() == 1);
  CHECK(bytes.bytes() == size);
  REQUIRE(bytes.Get("b", stamp, b.Build()).ok());
  CHECK(b.builds == 2);
  REQUIRE(bytes.Get("a", stamp, b.Build()).ok());
  CHECK(b.builds == 3);

  // Too big to keep: answered, not kept.
  server::TraceCache small({.max_entries = 2, .max_bytes = size - 1});
  auto answered = small.Get("a", stamp, b.Build());
  REQUIRE(answered.ok());
  CHECK((*answered)->bytes() == size);
  CHECK(small.size() == 0);
}

TEST_CASE("trace cache: a build's error is returned, nothing kept", "[trace]") {
  server::TraceCache cache({});
  auto got = cache.Get("bad", FileStamp{3, 1}, [] {
    return query::TraceTimeline::Build(
        trace::MemorySource(std::string_view("go 1.23 trace\0\0\0", 16)));
  });
  CHECK(!got.ok());
  CHECK(cache.size() == 0);
}
