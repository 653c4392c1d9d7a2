#include "server/metrics_handler.h"

#include "base/metrics.h"

namespace cprof::server {

Response MetricsHandler::Handle(const Request& req) {
  Response r;
  if (req.path != "/metrics") {
    r = Response::Text(404, "no such route: only /metrics is served here");
  } else if (req.method != "GET" && req.method != "HEAD") {
    r = Response::Text(405, "method not allowed: GET /metrics");
    r.headers.emplace_back("Allow", "GET, HEAD");
    r.route = "/metrics";
  } else {
    r.content_type = std::string(metrics::kContentType);
    r.body = render_();
    r.route = "/metrics";
  }
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace cprof::server
