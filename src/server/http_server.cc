#include "server/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>

#include "base/log.h"

// cmake/civetweb-accept-filter.patch: asked about every accepted connection,
// and told when one that was let in closes.
extern "C" int (*cprof_accept_filter)(void* user_data, const struct sockaddr* peer);
extern "C" void (*cprof_connection_closed)(void* user_data, const struct sockaddr* peer);

namespace cprof::server {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 303:
      return "See Other";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

int LogCivetMessage(const struct mg_connection*, const char* message) {
  LogVerbose(std::string("http: ") + message);
  return 1;  // handled: CivetWeb prints nothing itself
}

bool ValidPort(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  int v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  return v <= 65535;
}

std::string HeaderOf(mg_connection* conn, const char* name) {
  const char* value = mg_get_header(conn, name);
  return value != nullptr ? value : "";
}

// The request's body, up to `max` bytes; nullopt past that: a declared
// Content-Length over it is refused before a byte is read, and a chunked
// body is read no further than `max` + 1 (CivetWeb then closes the
// connection, the rest unread).
std::optional<std::string> ReadBody(mg_connection* conn, const mg_request_info* ri, size_t max) {
  if (ri->content_length > static_cast<long long>(max)) return std::nullopt;
  std::string body;
  // What it declares, or a first 64 KiB: grown as it comes, never to more
  // than `max` + 1.
  body.resize(ri->content_length >= 0 ? static_cast<size_t>(ri->content_length)
                                      : std::min<size_t>(max + 1, size_t{64} << 10));
  size_t got = 0;
  for (;;) {
    if (got == body.size()) {
      if (ri->content_length >= 0 || body.size() > max) break;
      body.resize(std::min(max + 1, 2 * body.size()));
    }
    int n = mg_read(conn, body.data() + got, body.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max) return std::nullopt;
  body.resize(got);
  return body;
}

}  // namespace

Result<std::string> CivetListeningPort(std::string_view listen) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("--listen \"" + std::string(listen.substr(0, 80)) +
                                   "\": " + std::string(why) +
                                   " (e.g. :8080, 127.0.0.1:8080, localhost:8080)");
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return bad("no :PORT");
  std::string_view host = listen.substr(0, colon);
  std::string_view port = listen.substr(colon + 1);
  if (!ValidPort(port)) return bad("the port is not a number in 0..65535");
  if (host.empty()) return std::string(port);
  if (host == "localhost") host = "127.0.0.1";
  if (host.front() == '[')
    return bad("IPv6 addresses are not supported (CivetWeb without USE_IPV6)");
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return bad("the host must be an IP address or localhost");
  }
  if (dots != 3) return bad("not an IPv4 address");
  return std::string(host) + ":" + std::string(port);
}

namespace {

// The client's address as CivetWeb writes it into request_info.remote_addr.
std::string PeerAddress(const struct sockaddr* peer) {
  char text[INET_ADDRSTRLEN] = "";
  if (peer->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, text, sizeof text);
  }
  return text;
}

int FilterAccepted(void* user_data, const struct sockaddr* peer) {
  return static_cast<HttpServer*>(user_data)->AdmitConnection(PeerAddress(peer)) ? 1 : 0;
}

void OnConnectionClosed(void* user_data, const struct sockaddr* peer) {
  static_cast<HttpServer*>(user_data)->ReleaseConnection(PeerAddress(peer));
}

int OnInitTls(void* ssl_ctx, void* user_data) {
  static_cast<HttpServer*>(user_data)->tls()->Install(ssl_ctx);
  return 1;  // the certificate is set up
}

}  // namespace

HttpServer::HttpServer(Handler* handler, const HttpServerOptions& options)
    : handler_(handler), options_(options) {
  if (options_.metrics != nullptr) {
    requests_ = options_.metrics->Counter("cprofiler_http_requests_total",
                                          "HTTP requests answered, by route and status code.",
                                          {"route", "code"});
    durations_ = options_.metrics->Histogram(
        "cprofiler_http_request_duration_seconds",
        "Time from a request's arrival to its response written, by route.", {"route"},
        metrics::DurationBuckets());
  }
}

void HttpServer::Record(const Response& response, std::chrono::steady_clock::time_point start) {
  if (requests_ == nullptr) return;
  std::string route(response.route);
  requests_->Add({route, std::to_string(response.status)});
  durations_->Observe(
      {route}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(Handler* handler,
                                                      const HttpServerOptions& options) {
  CPROF_ASSIGN_OR_RETURN(std::string ports, CivetListeningPort(options.listen));
  if (options.tls != nullptr) {
    ports += "s";
    if (!options.redirect_listen.empty()) {
      auto redirect = CivetListeningPort(options.redirect_listen);
      if (!redirect.ok()) return redirect.status().WithContext("--redirect-listen");
      ports += "," + *redirect;  // plain: HandleRequest redirects
    }
  }
  static std::once_flag init;
  std::call_once(init, [] {
    mg_init_library(MG_FEATURES_TLS);
    cprof_accept_filter = FilterAccepted;
    cprof_connection_closed = OnConnectionClosed;
  });
  std::string threads = std::to_string(std::max(options.threads, 2));
  std::string header_timeout = std::to_string(std::max(options.header_timeout_ms, 100));
  std::string idle_timeout = std::to_string(std::max(options.idle_timeout_ms, 100));
  // Name, value pairs.
  // clang-format off
  const char* civet_options[] = {
      "listening_ports", ports.c_str(),
      "num_threads", threads.c_str(),
      "request_timeout_ms", header_timeout.c_str(),
      "keep_alive_timeout_ms", idle_timeout.c_str(),
      "enable_keep_alive", "yes",
      "enable_directory_listing", "no",
      // The path arrives still %-encoded and is decoded here, so that a
      // %00 is refused instead of silently cutting the path short.
      "decode_url", "no",
      // Headers and body leave in one write already; no Nagle delay either.
      "tcp_nodelay", "1",
      nullptr};
  // clang-format on
  struct mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  callbacks.log_message = LogCivetMessage;
  if (options.tls != nullptr) callbacks.init_ssl = OnInitTls;
  std::unique_ptr<HttpServer> server(new HttpServer(handler, options));
  server->ctx_ = mg_start(&callbacks, server.get(), civet_options);
  if (server->ctx_ == nullptr) {
    return Status::Unavailable("cannot listen on " + options.listen +
                               (options.redirect_listen.empty() || options.tls == nullptr
                                    ? ""
                                    : " and " + options.redirect_listen) +
                               " (address in use, or not this host's?)");
  }
  struct mg_server_port bound[4];
  int n = mg_get_server_ports(server->ctx_, 4, bound);
  for (int i = 0; i < n; ++i) {
    if (bound[i].is_ssl) server->https_port_ = bound[i].port;
  }
  mg_set_request_handler(server->ctx_, "/", &HttpServer::HandleRequest, server.get());
  return server;
}

bool HttpServer::AdmitConnection(const std::string& client) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  int& open = connections_[client];
  if (options_.max_client_connections > 0 && open >= options_.max_client_connections) {
    LogVerbose("http: " + client + " holds " + std::to_string(open) +
               " connections already (--max-client-connections): one more refused");
    return false;
  }
  ++open;
  return true;
}

void HttpServer::ReleaseConnection(const std::string& client) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  auto it = connections_.find(client);
  if (it != connections_.end() && --it->second <= 0) connections_.erase(it);
}

HttpServer::~HttpServer() {
  if (ctx_ != nullptr) mg_stop(ctx_);
}

std::vector<int> HttpServer::Ports() const {
  struct mg_server_port ports[8];
  int n = mg_get_server_ports(ctx_, 8, ports);
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(ports[i].port);
  return out;
}

Response HttpServer::RedirectToHttps(const mg_request_info& ri, const char* host_header) const {
  // The host the client asked for (the certificate names it), without its
  // port; failing a plain host name, --listen's host.
  std::string_view host = host_header != nullptr ? host_header : "";
  host = host.substr(0, host.find(':'));
  if (host.empty() || host.size() > 253 ||
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
          std::string_view::npos) {
    host = std::string_view(options_.listen).substr(0, options_.listen.rfind(':'));
    if (host.empty()) host = "localhost";
  }
  std::string location = "https://" + std::string(host);
  if (https_port_ != 443) location += ":" + std::to_string(https_port_);
  location += ri.request_uri != nullptr ? ri.request_uri : "/";
  if (ri.query_string != nullptr) location += std::string("?") + ri.query_string;
  Response resp = Response::Text(308, "served over HTTPS: " + location);
  resp.headers.emplace_back("Location", location);
  return resp;
}

int HttpServer::HandleRequest(mg_connection* conn, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  auto start = std::chrono::steady_clock::now();
  const struct mg_request_info* ri = mg_get_request_info(conn);
  Response resp;
  try {
    Request req;
    req.method = ri->request_method != nullptr ? ri->request_method : "";
    const char* raw_path = ri->local_uri_raw != nullptr ? ri->local_uri_raw : ri->local_uri;
    auto path = PercentDecode(raw_path != nullptr ? raw_path : "", /*plus_is_space=*/false);
    req.origin = HeaderOf(conn, "Origin");
    req.authorization = HeaderOf(conn, "Authorization");
    req.accept = HeaderOf(conn, "Accept");
    req.cookie = HeaderOf(conn, "Cookie");
    req.content_type = HeaderOf(conn, "Content-Type");
    req.client = ri->remote_addr;
    req.query = ri->query_string != nullptr ? ri->query_string : "";
    auto params = QueryParams::Parse(req.query);
    std::optional<std::string> body = std::string();
    if (req.method == "POST" && path.ok()) {
      body = ReadBody(conn, ri, server->handler_->MaxBodyBytes(*path));
    }
    if (server->options_.tls != nullptr && !ri->is_ssl) {
      resp = server->RedirectToHttps(*ri, mg_get_header(conn, "Host"));
      resp.route = "https-redirect";
    } else if (!path.ok()) {
      resp = Response::Error(path.status());
    } else if (!params.ok()) {
      resp = Response::Error(params.status());
    } else {
      req.body_over_limit = !body.has_value();
      if (body.has_value()) req.body = std::move(*body);
      req.path = std::move(*path);
      req.params = std::move(*params);
      resp = server->handler_->Handle(req);
    }
  } catch (const std::exception& e) {
    resp = Response::Text(500, std::string("internal error: ") + e.what());
  }
  std::string head =
      "HTTP/1.1 " + std::to_string(resp.status) + " " + ReasonPhrase(resp.status) + "\r\n";
  if (resp.status != 204) {
    head += "Content-Type: " + resp.content_type + "\r\n";
    head += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
  }
  for (const auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  // One write for headers and body: two small writes would meet Nagle's
  // algorithm and the client's delayed ACK (40 ms a response).
  bool head_only = std::strcmp(ri->request_method, "HEAD") == 0;
  bool with_body = !head_only && resp.status != 204;
  bool together = with_body && resp.body.size() <= (size_t{1} << 20);
  if (together) head += resp.body;
  mg_write(conn, head.data(), head.size());
  if (with_body && !together) mg_write(conn, resp.body.data(), resp.body.size());
  server->Record(resp, start);
  if (IsVerbose()) {
    auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char line[96];
    std::snprintf(line, sizeof line, " %d %zu %.1fms", resp.status, resp.body.size(), ms);
    LogVerbose(std::string(ri->remote_addr) + " " + ri->request_method + " " +
               (ri->request_uri != nullptr ? ri->request_uri : "") +
               (ri->query_string != nullptr ? std::string("?") + ri->query_string : "") + line);
  }
  return resp.status;
}

}  // namespace cprof::server
