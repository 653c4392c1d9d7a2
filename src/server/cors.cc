#include "server/cors.h"

#include <algorithm>

namespace cprof::server {

bool CredentialsAllowedFor(std::string_view origin) {
  if (origin.starts_with("https://")) return true;
  if (!origin.starts_with("http://")) return false;
  std::string_view host = origin.substr(7);
  // Without the port: after the last ':' that is not inside [::1].
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

void AddCorsHeaders(const std::vector<std::string>& allowed_origins, const Request& request,
                    Response* response) {
  if (allowed_origins.empty()) return;
  auto& headers = response->headers;
  headers.emplace_back("Vary", "Origin");
  const std::string& origin = request.origin;
  if (origin.empty()) return;
  const bool listed =
      std::find(allowed_origins.begin(), allowed_origins.end(), origin) != allowed_origins.end();
  const bool any =
      std::find(allowed_origins.begin(), allowed_origins.end(), "*") != allowed_origins.end();
  if (!listed && !any) return;
  headers.emplace_back("Access-Control-Allow-Origin", listed ? origin : "*");
  // The original profiler's lists (its HandleCors), which its clients know.
  headers.emplace_back("Access-Control-Allow-Headers",
                       "Content-Type,AccessToken,X-CSRF-Token, Authorization, "
                       "Token,X-Token,X-User-Id");
  headers.emplace_back("Access-Control-Allow-Methods", "POST, GET, OPTIONS,DELETE,PUT");
  headers.emplace_back("Access-Control-Expose-Headers",
                       "Content-Length, Access-Control-Allow-Origin, "
                       "Access-Control-Allow-Headers, Content-Type");
  if (listed && CredentialsAllowedFor(origin)) {
    headers.emplace_back("Access-Control-Allow-Credentials", "true");
  }
}

}  // namespace cprof::server
