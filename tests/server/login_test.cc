#include <catch2/catch.hpp>

#include <fstream>

#include "server/login.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::server;

namespace {

// Made with libxcrypt: crypt("correct horse", "$2b$04$abcdefghijklmnopqrstuu").
constexpr const char* kKnownHash = "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";

std::string Header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

Request Post(std::string path, std::string body) {
  Request req;
  req.method = "POST";
  req.path = std::move(path);
  req.body = std::move(body);
  req.content_type = "application/x-www-form-urlencoded";
  req.accept = "text/html,application/xhtml+xml";
  req.client = "10.0.0.1";
  return req;
}

}  // namespace

TEST_CASE("Login: redirects only to paths of this site", "[login]") {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"/", "/"},
      {"/targets", "/targets"},
      {"/api/pprof/ui/ID/?si=inuse_space&x=%2F", "/api/pprof/ui/ID/?si=inuse_space&x=%2F"},
      {"", "/"},
      {"targets", "/"},
      {"//evil.example/", "/"},
      {"/\\evil.example/", "/"},
      {"/a\\b", "/"},
      {"https://evil.example/", "/"},
      {"javascript:alert(1)", "/"},
      {"/a\r\nSet-Cookie: x=y", "/"},
      {"/a b", "/"},
      {"/caf\xc3\xa9", "/"},
      {" /x", "/"},
  };
  for (const auto& [next, want] : cases) {
    INFO(next);
    CHECK(SafeRedirectTarget(next) == want);
  }
  Request req;
  req.path = "/api/pprof/ui/a b/";
  req.query = "si=x&y=%2F";
  CHECK(RequestTarget(req) == "/api/pprof/ui/a%20b/?si=x&y=%2F");
}

TEST_CASE("Login: cookies, the form for browsers, the challenge for API clients", "[login]") {
  CHECK(CookieValue("a=1; cprofiler_session=abc; b=2", kSessionCookieName) == "abc");
  CHECK(CookieValue("cprofiler_session=abc", kSessionCookieName) == "abc");
  CHECK(CookieValue("xcprofiler_session=abc", kSessionCookieName).empty());
  CHECK(CookieValue("cprofiler_sessionx=abc", kSessionCookieName).empty());
  CHECK(CookieValue("", kSessionCookieName).empty());

  Request browser;
  browser.path = "/targets";
  browser.query = "x=\"><script>";
  browser.accept = "text/html,application/xhtml+xml,*/*;q=0.8";
  Response form = Unauthorized(browser);
  CHECK(form.status == 401);
  CHECK(form.content_type == "text/html; charset=utf-8");
  CHECK(Header(form, "WWW-Authenticate").empty());
  CHECK_THAT(form.body, Catch::Contains("<form method=\"post\" action=\"/login\">"));
  CHECK_THAT(form.body, Catch::Contains("name=\"password\""));
  CHECK(form.body.find("<script") == std::string::npos);  // no scripts, the query escaped
  CHECK(form.body.find("src=") == std::string::npos);     // nothing external
  CHECK_THAT(form.body, Catch::Contains("value=\"/targets?x=&quot;&gt;&lt;script&gt;\""));
  CHECK_THAT(Header(form, "Content-Security-Policy"), Catch::Contains("default-src 'none'"));

  Request api;
  api.path = "/api/targets";
  api.accept = "application/json";
  Response challenge = Unauthorized(api);
  CHECK(challenge.status == 401);
  CHECK(challenge.content_type.starts_with("text/plain"));
  CHECK(Header(challenge, "WWW-Authenticate").starts_with("Basic realm=\"cprofiler\""));
  browser.authorization = "Basic eDp5";  // a browser's wrong basic credentials
  CHECK(!Header(Unauthorized(browser), "WWW-Authenticate").empty());
}

TEST_CASE("Login: POST /login starts a session, POST /logout ends it", "[login]") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "auth") << "read user alice " << kKnownHash << "\n";
  auto auth = Authenticator::Open(dir.path() / "auth");
  REQUIRE(auth.ok());
  Authenticator& a = **auth;
  using V = Authenticator::Verdict;

  Response ok = LoginRoute(a, Post("/login", "user=alice&password=correct+horse&next=%2Ftargets"),
                           /*secure_cookies=*/false, 0);
  REQUIRE(ok.status == 303);
  CHECK(Header(ok, "Location") == "/targets");
  const std::string cookie = Header(ok, "Set-Cookie");
  CHECK(cookie.starts_with("cprofiler_session="));
  CHECK_THAT(cookie, Catch::Contains("; HttpOnly") && Catch::Contains("; SameSite=Strict") &&
                         Catch::Contains("; Path=/"));
  CHECK(cookie.find("Secure") == std::string::npos);
  const std::string session = CookieValue(cookie.substr(0, cookie.find(';')), kSessionCookieName);
  CHECK(session.size() == 64);
  CHECK(a.Check({"", session}, "10.0.0.7", 1) == V::kAllowed);

  Response secure =
      LoginRoute(a, Post("/login", "user=alice&password=correct+horse&next=//evil.example"),
                 /*secure_cookies=*/true, 0);
  REQUIRE(secure.status == 303);
  CHECK(Header(secure, "Location") == "/");  // no open redirect
  CHECK_THAT(Header(secure, "Set-Cookie"), Catch::EndsWith("; Secure"));

  Response wrong =
      LoginRoute(a, Post("/login", "user=alice&password=nope&next=%2Ftargets"), false, 0);
  CHECK(wrong.status == 401);
  CHECK(Header(wrong, "Set-Cookie").empty());
  CHECK_THAT(wrong.body, Catch::Contains("Wrong") && Catch::Contains("value=\"/targets\""));
  Request not_form = Post("/login", "{\"user\":\"alice\"}");
  not_form.content_type = "application/json";
  CHECK(LoginRoute(a, not_form, false, 0).status == 415);
  Request get_logout;
  get_logout.path = "/logout";
  CHECK(LoginRoute(a, get_logout, false, 0).status == 405);  // no logout by a link or an <img>
  get_logout.path = "/login";
  CHECK(LoginRoute(a, get_logout, false, 0).status == 200);

  Request logout = Post("/logout", "");
  logout.cookie = "cprofiler_session=" + session;
  Response out = LoginRoute(a, logout, false, 2);
  CHECK(out.status == 303);
  CHECK_THAT(Header(out, "Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(a.Check({"", session}, "10.0.0.7", 3) == V::kDenied);

  for (int i = 0; i < kMaxFailures; ++i) LoginRoute(a, Post("/login", "token=guess"), false, 4);
  Response throttled = LoginRoute(a, Post("/login", "user=alice&password=correct+horse"), false, 5);
  CHECK(throttled.status == 429);
  CHECK(Header(throttled, "Retry-After") == "60");
}
