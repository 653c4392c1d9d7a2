#include <catch2/catch.hpp>

#include "server/cors.h"

using namespace cprof::server;

namespace {

// The CORS headers `origin` gets under `allowed`: Allow-Origin, then
// Allow-Credentials, then Vary ("-" for none).
std::string CorsOf(const std::vector<std::string>& allowed, const std::string& origin) {
  Request req;
  req.origin = origin;
  Response r;
  AddCorsHeaders(allowed, req, &r);
  auto get = [&](std::string_view name) -> std::string {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "-";
  };
  return get("Access-Control-Allow-Origin") + " " + get("Access-Control-Allow-Credentials") + " " +
         get("Vary");
}

}  // namespace

TEST_CASE("CORS: only listed origins, credentials never with *", "[cors]") {
  const std::vector<std::string> none;
  const std::vector<std::string> exact = {"https://grafana.example", "http://localhost:3000",
                                          "http://intranet.example"};
  const std::vector<std::string> any = {"*"};
  const std::vector<std::string> both = {"https://grafana.example", "*"};
  struct Case {
    const std::vector<std::string>* allowed;
    std::string origin;
    std::string want;
  };
  const Case cases[] = {
      // The default: nothing for anyone (the UI is same-origin).
      {&none, "https://evil.example", "- - -"},
      {&none, "", "- - -"},
      // Exact origins: echoed; credentials for https and loopback http only.
      {&exact, "https://grafana.example", "https://grafana.example true Origin"},
      {&exact, "http://localhost:3000", "http://localhost:3000 true Origin"},
      {&exact, "http://intranet.example", "http://intranet.example - Origin"},
      {&exact, "https://evil.example", "- - Origin"},
      {&exact, "https://grafana.example.evil.example", "- - Origin"},
      {&exact, "http://grafana.example", "- - Origin"},
      {&exact, "https://grafana.example:443", "- - Origin"},
      {&exact, "null", "- - Origin"},
      {&exact, "", "- - Origin"},
      // "*": any origin, as "*", never with credentials.
      {&any, "https://evil.example", "* - Origin"},
      {&any, "null", "* - Origin"},
      {&both, "https://grafana.example", "https://grafana.example true Origin"},
      {&both, "https://other.example", "* - Origin"},
  };
  for (const Case& c : cases) {
    INFO(c.origin << " with " << c.allowed->size() << " allowed");
    CHECK(CorsOf(*c.allowed, c.origin) == c.want);
  }
  CHECK(CredentialsAllowedFor("http://127.0.0.1:8080"));
  CHECK(CredentialsAllowedFor("http://[::1]:8080"));
  CHECK(CredentialsAllowedFor("http://localhost"));
  CHECK(!CredentialsAllowedFor("http://localhost.evil.example"));
  CHECK(!CredentialsAllowedFor("http://127.0.0.1.evil.example"));
  CHECK(!CredentialsAllowedFor("*"));
  CHECK(!CredentialsAllowedFor("null"));
}
