// Which other sites' pages may read serve's answers (CORS), by the config's
// serve.cors-allowed-origins list:
//
//   empty (the default)  no CORS headers at all: only pages of serve's own
//                        origin (the web UI) read its answers.
//   "https://a.example"  that exact origin (scheme://host[:port], as the
//                        browser sends it in Origin) is echoed back, with
//                        Vary: Origin.
//   "*"                  any other origin gets Access-Control-Allow-Origin: *
//                        (which browsers never honour for a request that
//                        carries credentials).
//
// Access-Control-Allow-Credentials: true goes only to an exact listed
// origin, and only one served over https, or http on a loopback host
// (localhost, 127.0.0.1, [::1]): a page sent over plain http can be
// rewritten on its way, and would then read the archive with the browser's
// login. Whenever the list is not empty, every answer says Vary: Origin.
//
// Thread-safe: a pure function.
#ifndef CPROF_SERVER_CORS_H_
#define CPROF_SERVER_CORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace cprof::server {

// Whether a listed `origin` may be given credentials (see above).
bool CredentialsAllowedFor(std::string_view origin);

// Adds to `response` the CORS headers `request`'s Origin gets under
// `allowed_origins`.
void AddCorsHeaders(const std::vector<std::string>& allowed_origins, const Request& request,
                    Response* response);

}  // namespace cprof::server

#endif  // CPROF_SERVER_CORS_H_
