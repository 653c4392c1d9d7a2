// The HTTP server of `cprofiler serve`: CivetWeb's threads and sockets in
// front of an Api. The only file that touches CivetWeb.
//
// Thread-safe: Start() and the destructor run on one thread; requests are
// served on the server's own worker threads.
#ifndef CPROF_SERVER_HTTP_SERVER_H_
#define CPROF_SERVER_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/api.h"

struct mg_context;
struct mg_connection;

namespace cprof::server {

struct HttpServerOptions {
  // listen (":8080"): "[HOST]:PORT"; HOST an IPv4 address or "localhost";
  //   no host means every interface. Port 0 picks a free port.
  std::string listen = ":8080";
  // threads (64): worker threads; one serves one connection at a time, so
  //   this bounds the concurrent (keep-alive) connections served.
  int threads = 64;
  // request_timeout_ms (10000): a client that takes longer than this to
  //   send a request or read a response is cut off.
  int request_timeout_ms = 10000;
};

// CivetWeb's form of a --listen value: ":8080" -> "8080". InvalidArgument
// for what it cannot be.
Result<std::string> CivetListeningPort(std::string_view listen);

class HttpServer {
 public:
  // Starts serving `api` (not owned; must outlive the server). Unavailable
  // when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(Api* api, const HttpServerOptions& options);
  // Stops accepting, finishes the requests in flight, and returns.
  ~HttpServer();
  // Not copyable or movable.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound ports (the real one for port 0).
  std::vector<int> Ports() const;

 private:
  explicit HttpServer(Api* api) : api_(api) {}
  static int HandleRequest(mg_connection* conn, void* self);

  Api* const api_;
  mg_context* ctx_ = nullptr;
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_HTTP_SERVER_H_
