#include <catch2/catch.hpp>

#include "server/http_server.h"
#include "server/http_types.h"

using namespace cprof::server;

TEST_CASE("QueryParams decodes, keeps order and repeats", "[server]") {
  auto q = QueryParams::Parse("a=1&lbs%5B_app%5D=shop&lbs[env]=dev+x&a=%2F2&&flag");
  REQUIRE(q.ok());
  REQUIRE(q->pairs().size() == 5);
  CHECK(*q->Get("a") == "1");
  CHECK(q->GetAll("a") == std::vector<std::string_view>{"1", "/2"});
  CHECK(*q->Get("lbs[_app]") == "shop");
  CHECK(*q->Get("lbs[env]") == "dev x");
  CHECK(*q->Get("flag") == "");
  CHECK(q->Get("missing") == nullptr);
  CHECK(QueryParams::Parse("")->pairs().empty());
}

TEST_CASE("QueryParams rejects what it cannot decode or bound", "[server]") {
  for (std::string bad : {"a=%", "a=%4", "a=%zz", "a=%00", "%00=1", "a=b%2"}) {
    INFO(bad);
    CHECK(QueryParams::Parse(bad).status().code() == cprof::Status::Code::kInvalidArgument);
  }
  std::string many;
  for (size_t i = 0; i <= kMaxQueryParams; ++i) many += "k=v&";
  CHECK(!QueryParams::Parse(many).ok());
  CHECK(!QueryParams::Parse("a=" + std::string(kMaxQueryBytes, 'x')).ok());
}

TEST_CASE("PercentEncode round-trips through PercentDecode", "[server]") {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  auto back = PercentDecode(PercentEncode(all), true);
  REQUIRE(back.ok());
  CHECK(*back == all);
}

TEST_CASE("Response::Error maps codes and keeps one line", "[server]") {
  CHECK(Response::Error(cprof::Status::InvalidArgument("bad\nthing")).status == 400);
  CHECK(Response::Error(cprof::Status::InvalidArgument("bad\nthing")).body == "bad thing\n");
  CHECK(Response::Error(cprof::Status::NotFound("x")).status == 404);
  CHECK(Response::Error(cprof::Status::IOError("x")).status == 500);
}

TEST_CASE("Listen addresses become CivetWeb ports, or clear errors", "[server]") {
  CHECK(*CivetListeningPort(":8080") == "8080");
  CHECK(*CivetListeningPort("127.0.0.1:8080") == "127.0.0.1:8080");
  CHECK(*CivetListeningPort("localhost:0") == "127.0.0.1:0");
  for (std::string bad : {"8080", "nonsense", ":", ":65536", ":80a", "host:80", "1.2.3:80",
                          "[::1]:8080", "127.0.0.1:"}) {
    INFO(bad);
    auto r = CivetListeningPort(bad);
    CHECK(r.status().code() == cprof::Status::Code::kInvalidArgument);
    CHECK(r.status().message().find("--listen") != std::string::npos);
  }
}
