// The HTTP side of `scrape --metrics-listen`: GET /metrics answers with the
// text a function renders (Prometheus's text format), every other path is
// a 404. No authentication: listen on loopback or a private network.
//
// Thread-safe when `render` is: Handle() runs on the server's threads.
#ifndef CPROF_SERVER_METRICS_HANDLER_H_
#define CPROF_SERVER_METRICS_HANDLER_H_

#include <functional>
#include <string>

#include "server/http_types.h"

namespace cprof::server {

class MetricsHandler : public Handler {
 public:
  explicit MetricsHandler(std::function<std::string()> render) : render_(std::move(render)) {}
  Response Handle(const Request& request) override;

 private:
  const std::function<std::string()> render_;
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_METRICS_HANDLER_H_
