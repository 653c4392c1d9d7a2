// The HTTP server of `cprofiler serve`: CivetWeb's threads and sockets in
// front of an Api. The only file that touches CivetWeb.
//
// Thread-safe: Start() and the destructor run on one thread; requests are
// served on the server's own worker threads.
#ifndef CPROF_SERVER_HTTP_SERVER_H_
#define CPROF_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "server/http_types.h"
#include "server/tls.h"

struct mg_context;
struct mg_connection;
struct mg_request_info;

namespace cprof::server {

struct HttpServerOptions {
  // listen (":8080"): "[HOST]:PORT"; HOST an IPv4 address or "localhost";
  //   no host means every interface. Port 0 picks a free port.
  std::string listen = ":8080";
  // threads (64): worker threads; one serves one connection at a time, so
  //   this bounds the concurrent (keep-alive) connections served.
  int threads = 64;
  // header_timeout_ms (5000): a client has this long to send a request's
  //   line and headers, and may stall no longer than this while it sends a
  //   body or reads a response; then it is cut off.
  int header_timeout_ms = 5000;
  // idle_timeout_ms (5000): a kept-alive connection that sends no new
  //   request in this long is closed.
  int idle_timeout_ms = 5000;
  // max_client_connections (16): the connections one client address may
  //   hold at once; more are closed as they are accepted, before they take
  //   a worker. 0: no limit (behind a reverse proxy every client has the
  //   proxy's address).
  int max_client_connections = 16;
  // tls (none; not owned, must outlive the server): serve HTTPS on `listen`
  //   with these credentials, TLS 1.2 or newer.
  TlsCredentials* tls = nullptr;
  // redirect_listen (""): with tls, also listen here for plain HTTP and
  //   answer every request with a redirect to the HTTPS address.
  std::string redirect_listen;
  // metrics (none; not owned, must outlive the server): counts every
  //   request in cprofiler_http_requests_total{route,code} and times it in
  //   cprofiler_http_request_duration_seconds{route}, from its arrival to
  //   the response's last byte handed to the socket.
  metrics::Registry* metrics = nullptr;
};

// CivetWeb's form of a --listen value: ":8080" -> "8080". InvalidArgument
// for what it cannot be.
Result<std::string> CivetListeningPort(std::string_view listen);

class HttpServer {
 public:
  // Starts serving `handler` (not owned; must outlive the server).
  // Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(Handler* handler,
                                                   const HttpServerOptions& options);
  // Stops accepting, finishes the requests in flight, and returns.
  ~HttpServer();
  // Not copyable or movable.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound ports (the real one for port 0).
  std::vector<int> Ports() const;

  // For CivetWeb's callbacks. AdmitConnection counts a connection of
  // `client` as it is accepted, or returns false (refuse it) when the client
  // holds max_client_connections already; ReleaseConnection uncounts it as
  // it closes.
  bool AdmitConnection(const std::string& client);
  void ReleaseConnection(const std::string& client);
  TlsCredentials* tls() const { return options_.tls; }

 private:
  HttpServer(Handler* handler, const HttpServerOptions& options);
  static int HandleRequest(mg_connection* conn, void* self);
  // 308 to the same path and query on the HTTPS port (for --redirect-listen).
  Response RedirectToHttps(const mg_request_info& ri, const char* host_header) const;

  // Counts and times one answered request (options_.metrics).
  void Record(const Response& response, std::chrono::steady_clock::time_point start);

  Handler* const handler_;
  const HttpServerOptions options_;
  metrics::Family* requests_ = nullptr;  // with options_.metrics
  metrics::Family* durations_ = nullptr;
  mg_context* ctx_ = nullptr;
  int https_port_ = 0;  // with tls, the bound port
  std::mutex connections_mu_;
  std::map<std::string, int, std::less<>> connections_;  // open ones, by client address
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_HTTP_SERVER_H_
