#include "server/login.h"

namespace cprof::server {
namespace {

// The login page's only rules: inline styles, posting to this site, never
// framed.
constexpr const char* kLoginPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

std::string SessionCookie(std::string_view value, int64_t max_age_s, bool secure) {
  std::string c = std::string(kSessionCookieName) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict";
  if (max_age_s >= 0) c += "; Max-Age=" + std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

Response SeeOther(std::string location) {
  Response r = Response::Text(303, "see " + location);
  r.headers.emplace_back("Location", std::move(location));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response SignIn(Authenticator& auth, const Request& req, bool secure_cookies, int64_t now_ms) {
  if (!req.content_type.starts_with("application/x-www-form-urlencoded")) {
    return Response::Text(415,
                          "POST /login takes a form (application/x-www-form-urlencoded): "
                          "user and password, or token");
  }
  auto form = QueryParams::Parse(req.body);
  if (!form.ok()) return Response::Error(form.status());
  auto field = [&](std::string_view key) {
    const std::string* v = form->Get(key);
    return v != nullptr ? *v : std::string();
  };
  const std::string next = SafeRedirectTarget(field("next"));
  const std::string token = field("token");
  auto signed_in = token.empty() ? auth.SignIn(field("user"), field("password"), req.client, now_ms)
                                 : auth.SignIn("", token, req.client, now_ms);
  switch (signed_in.verdict) {
    case Authenticator::Verdict::kAllowed: {
      Response r = SeeOther(next);
      r.headers.emplace_back("Set-Cookie", SessionCookie(signed_in.session, -1, secure_cookies));
      return r;
    }
    case Authenticator::Verdict::kDenied:
    case Authenticator::Verdict::kForbidden:  // (SignIn checks no role)
      if (WantsHtml(req)) return LoginPage(401, next, "Wrong user name or password, or token.");
      return Response::Text(401, "wrong user name or password, or token");
    case Authenticator::Verdict::kThrottled:
      return TooManyAttempts(req);
  }
  return Response::Text(500, "unreachable");
}

}  // namespace

bool WantsHtml(const Request& request) {
  return request.accept.find("text/html") != std::string::npos;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      std::string_view value = pair.substr(name.size() + 1);
      while (value.ends_with(' ')) value.remove_suffix(1);
      return std::string(value);
    }
  }
  return "";
}

std::string SafeRedirectTarget(std::string_view next) {
  if (next.size() > kMaxPathBytes + kMaxQueryBytes || !next.starts_with('/')) return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  for (char c : next) {
    if (c <= ' ' || c >= 0x7f || c == '\\') return "/";
  }
  return std::string(next);
}

std::string RequestTarget(const Request& request) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : request.path) {
    auto u = static_cast<unsigned char>(c);
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  if (!request.query.empty()) out += "?" + request.query;
  return out;
}

Response LoginPage(int status, std::string_view next, std::string_view message) {
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Sign in - cprofiler</title>\n<style>\n"
      "body{font:15px system-ui,sans-serif;background:#f4f5f7;color:#1d2230;margin:0}\n"
      "main{max-width:22em;margin:12vh auto;background:#fff;padding:1.5em 2em;"
      "border-radius:8px;box-shadow:0 1px 4px #0002}\n"
      "h1{font-size:1.3em;margin:0 0 1em}label{display:block;margin:.8em 0 .2em}\n"
      "input{width:100%;box-sizing:border-box;padding:.45em;font:inherit}\n"
      "button{margin-top:1.2em;padding:.5em 1.4em;font:inherit}\n"
      ".error{color:#b00020}.hint{color:#667;font-size:.85em}\n"
      "</style></head>\n<body><main>\n<h1>cprofiler</h1>\n";
  if (!message.empty()) html += "<p class=\"error\">" + HtmlEscape(message) + "</p>\n";
  html +=
      "<form method=\"post\" action=\"/login\">\n"
      "<input type=\"hidden\" name=\"next\" value=\"" +
      HtmlEscape(SafeRedirectTarget(next)) +
      "\">\n"
      "<label for=\"user\">User</label>\n"
      "<input id=\"user\" name=\"user\" autocomplete=\"username\" autofocus>\n"
      "<label for=\"password\">Password</label>\n"
      "<input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\">\n"
      "<p class=\"hint\">Or a token of the auth file as the password.</p>\n"
      "<button type=\"submit\">Sign in</button>\n"
      "</form>\n</main></body></html>\n";
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  r.headers.emplace_back("Content-Security-Policy", kLoginPagePolicy);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response Unauthorized(const Request& request) {
  if (WantsHtml(request) && request.authorization.empty()) {
    return LoginPage(401, RequestTarget(request), "");
  }
  Response r = Response::Text(401,
                              "authentication required: a token of the auth file (as "
                              "Authorization: Bearer TOKEN or the password of basic auth), "
                              "or a user's name and password by basic auth");
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"cprofiler\", charset=\"UTF-8\"");
  return r;
}

Response TooManyAttempts(const Request& request) {
  Response r = WantsHtml(request)
                   ? LoginPage(429, "/",
                               "Too many failed attempts from this address: retry in a "
                               "minute.")
                   : Response::Text(429,
                                    "too many failed attempts from this address: retry in "
                                    "a minute");
  r.headers.emplace_back("Retry-After", "60");
  return r;
}

Response LoginRoute(Authenticator& auth, const Request& req, bool secure_cookies, int64_t now_ms) {
  if (req.path == "/login" && (req.method == "GET" || req.method == "HEAD")) {
    const std::string* next = req.params.Get("next");
    return LoginPage(200, next != nullptr ? *next : "/", "");
  }
  if (req.path == "/login" && req.method == "POST")
    return SignIn(auth, req, secure_cookies, now_ms);
  if (req.path == "/logout" && req.method == "POST") {
    auth.SignOut(CookieValue(req.cookie, kSessionCookieName));
    Response r = SeeOther("/");
    r.headers.emplace_back("Set-Cookie", SessionCookie("", 0, secure_cookies));
    return r;
  }
  Response r = Response::Text(405, "method " + req.method.substr(0, 16) + " not allowed here");
  r.headers.emplace_back("Allow", req.path == "/login" ? "GET, HEAD, POST" : "POST");
  return r;
}

}  // namespace cprof::server
