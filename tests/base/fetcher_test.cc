#include "base/fetcher.h"

#include <catch2/catch.hpp>

using namespace cprof;

TEST_CASE("Fetcher: a response header by name, case-insensitive, the first", "[fetcher]") {
  FetchResult r;
  r.headers = {{"x-amz-request-id", "A1"},
               {"ETag", "\"5d41402abc4b2a76b9719d911017c592\""},
               {"etag", "second"},
               {"Content-Length", ""}};
  CHECK(r.Header("ETag") == "\"5d41402abc4b2a76b9719d911017c592\"");
  CHECK(r.Header("etag") == "\"5d41402abc4b2a76b9719d911017c592\"");
  CHECK(r.Header("X-Amz-Request-Id") == "A1");
  CHECK(r.Header("Content-Length").empty());
  CHECK(r.Header("ETa").empty());
  CHECK(r.Header("ETags").empty());
  CHECK(FetchResult{}.Header("ETag").empty());
}
