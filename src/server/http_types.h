// What the API handlers see of an HTTP exchange, independent of the server
// library: a decoded request and a complete response. Thread-compatible
// value types.
#ifndef CPROF_SERVER_HTTP_TYPES_H_
#define CPROF_SERVER_HTTP_TYPES_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/url.h"

namespace cprof::server {

// Limits on what a request may carry; beyond them it gets 400 (or 414).
inline constexpr size_t kMaxQueryBytes = 8192;
inline constexpr size_t kMaxQueryParams = 128;
inline constexpr size_t kMaxPathBytes = 2048;
// A request body's cap (POST /login's), unless the handler allows more for
// its path (Handler::MaxBodyBytes: the push routes); beyond it: 413.
inline constexpr size_t kMaxBodyBytes = 4096;

// A query string's parameters, in order, decoded ('+' is a space, %XX a
// byte). Keys may repeat.
class QueryParams {
 public:
  // InvalidArgument for a string over kMaxQueryBytes, more than
  // kMaxQueryParams parameters, a malformed %-escape or a NUL byte.
  static Result<QueryParams> Parse(std::string_view raw);

  // The first value of `key`, or nullptr.
  const std::string* Get(std::string_view key) const;
  // Every value of `key`, in order.
  std::vector<std::string_view> GetAll(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// `text` with & < > " ' escaped, for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

using cprof::PercentDecode;  // base/url.h
using cprof::PercentEncode;

struct Request {
  std::string method = "GET";
  std::string path;   // decoded, without the query string
  std::string query;  // the query string as sent (still %-encoded), "" if none
  QueryParams params;
  // Headers, "" where absent.
  std::string origin;
  std::string authorization;
  std::string accept;
  std::string cookie;
  std::string content_type;
  std::string body;  // POST's, at most Handler::MaxBodyBytes; "" otherwise
  // The body was over Handler::MaxBodyBytes, and is left unread (`body`
  // is empty): the handler answers 413, and the connection is closed.
  bool body_over_limit = false;
  std::string client;  // the client's address
};

struct Response {
  int status = 200;
  // The route pattern that answered ("/api/download/{id}", never the raw
  // path): a bounded set, the label of the request metrics.
  std::string_view route = "other";
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Json(std::string body);
  // A one-line plain-text reason.
  static Response Text(int status, std::string message);
  // A Status as a plain-text answer: InvalidArgument 400, NotFound 404,
  // ResourceExhausted 413, Unavailable 503 (with Retry-After: 5), else 500.
  static Response Error(const Status& status);
};

// What an HttpServer serves: the Api of `serve`, or a handler of /metrics
// alone (`scrape --metrics-listen`).
//
// Thread-safe: Handle() is called from many server threads at once.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Response Handle(const Request& request) = 0;
  // The largest body a POST to `path` (decoded) may carry; larger ones are
  // not read (Request::body_over_limit).
  virtual size_t MaxBodyBytes(std::string_view /*path*/) const { return kMaxBodyBytes; }
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_HTTP_TYPES_H_
