// The web UI's sign-in, for serve with an auth file: the login form a
// browser gets instead of its own basic-auth dialog, POST /login (the
// form's user and password, or a token) which starts a session
// (server/session.h) held in a cookie, and POST /logout which ends it.
//
//   GET /login[?next=PATH]  the form (200)
//   POST /login             user=&password=&next=, or token=&next=
//                           (application/x-www-form-urlencoded, at most
//                           kMaxBodyBytes): 303 to `next` with the session
//                           cookie; 401 with the form again; 429 throttled
//   POST /logout            ends the cookie's session: 303 to /
//
// `next` is followed only when it is a path of this site (SafeRedirectTarget);
// anything else goes to /. The cookie is HttpOnly, SameSite=Strict, Path=/,
// and Secure when the server says its cookies travel over TLS only.
//
// Thread-safe: pure functions but for the Authenticator's (thread-safe)
// state.
#ifndef CPROF_SERVER_LOGIN_H_
#define CPROF_SERVER_LOGIN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/auth.h"
#include "server/http_types.h"

namespace cprof::server {

inline constexpr std::string_view kSessionCookieName = "cprofiler_session";

// Whether the request is a browser's navigation: its Accept names text/html.
bool WantsHtml(const Request& request);

// The value of cookie `name` in a Cookie header ("" if absent).
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// `next` if it is a path of this site: it starts with one '/' (not "//" or
// "/\", which browsers take for another host), and holds only printable
// ASCII without '\'. "/" otherwise.
std::string SafeRedirectTarget(std::string_view next);

// The path and query the request asked for, %-encoded as sent: where to go
// after signing in.
std::string RequestTarget(const Request& request);

// The login form (a self-contained HTML page: no scripts, no external
// resources), with `message` above it and `next` as where to go after.
Response LoginPage(int status, std::string_view next, std::string_view message);

// The answer to a request without valid credentials: the login form (401,
// no WWW-Authenticate: the browser shows the form, not its own dialog) for
// a browser's navigation without an Authorization header; else a
// plain-text 401 with a basic-auth challenge (API clients, go tool pprof).
Response Unauthorized(const Request& request);
// The answer to a throttled address (429 with Retry-After).
Response TooManyAttempts(const Request& request);

// GET and POST /login, POST /logout (see above); 405 for other methods.
// `secure_cookies` adds Secure to the cookie.
Response LoginRoute(Authenticator& auth, const Request& request, bool secure_cookies,
                    int64_t now_ms);

}  // namespace cprof::server

#endif  // CPROF_SERVER_LOGIN_H_
