// Fetcher: many HTTP GETs at once over libcurl's multi interface. The only
// code that touches libcurl.
//
// Not thread-safe: one thread adds requests and polls. Every request ends,
// exactly once, as a FetchResult from Poll: success, HTTP error, timeout,
// size cap or abort. Memory per request is bounded by its max_bytes.
#ifndef CPROF_BASE_FETCHER_H_
#define CPROF_BASE_FETCHER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "base/status.h"
#include "base/time.h"

namespace cprof {

struct FetchRequest {
  std::string url;
  Nanos timeout = std::chrono::seconds(30);  // whole request, connect included
  int64_t max_bytes = int64_t{64} << 20;     // a larger body fails
  uint64_t tag = 0;                          // the caller's, returned as is
  std::vector<std::string> headers;          // "Name: value" lines to send
  // method ("GET"): or "PUT" or "POST" (send `body`, also when empty),
  //   "DELETE", "HEAD" (no body read).
  std::string method = "GET";
  // body: not copied; the caller keeps it alive until the request ends.
  std::string_view body;
  // aws_sigv4 (""): sign with AWS Signature Version 4 (libcurl's), the
  //   provider, region and service as "aws:amz:us-east-1:s3", with
  //   `credentials` "ACCESS_KEY:SECRET_KEY".
  std::string aws_sigv4;
  std::string credentials;
  // any_2xx (false): every 2xx status is a success (S3's 204 for a DELETE),
  //   not only 200.
  bool any_2xx = false;
  // keep_headers (false): return the final response's headers in
  //   FetchResult::headers (an S3 UploadPart's ETag). libcurl caps them
  //   (100 kB a header, 300 kB in all).
  bool keep_headers = false;
};

struct FetchResult {
  uint64_t tag = 0;
  std::string url;
  Status status;  // OK only for a whole 200 (or 2xx: any_2xx) response within the caps
  int http_status = 0;
  std::string body;    // also an HTTP error's, which may say why
  double seconds = 0;  // time from start to end of the transfer
  // With keep_headers: the last response's headers (after a 100 Continue,
  // only the final one's), names as sent, values trimmed, in order.
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of the first header named `name` (case-insensitive), "" if none.
  std::string_view Header(std::string_view name) const;
};

// GET `request.url` (its headers and timeout to connect; CA from `ca_file`,
// "" as Fetcher's) and hand the body to `on_data` as it arrives, as a watch
// needs: until the server ends it (OK after a 200), or, Unavailable saying
// why, `on_data` returns false, `stop` is set, nothing comes for `idle`,
// or the transfer fails. Blocks; thread-safe.
Status StreamGet(const FetchRequest& request, const std::string& ca_file,
                 std::chrono::milliseconds idle,
                 const std::function<bool(std::string_view)>& on_data,
                 const std::atomic<bool>& stop);

// One request, start to end (a Fetcher of its own; blocks).
FetchResult FetchOne(FetchRequest request, const std::string& ca_file);

// Requests one at a time per thread, start to end, on connections kept
// open between them (HTTP keep-alive), for a client that sends many to one
// endpoint (an S3 bucket's): a request takes an idle connection, or opens
// one, and gives it back when it ends. FetchOne connects, and makes a
// multi handle (with its socketpair), every time; against moto_server,
// which closes every connection, only the second is saved.
//
// Thread-safe: the idle connections are under a lock, each request uses
// its own.
class FetchPool {
 public:
  // `ca_file` as Fetcher's; at most `max_idle` connections are kept.
  explicit FetchPool(std::string ca_file, size_t max_idle = 32);
  ~FetchPool();
  // Not copyable or movable (its handles hold connections).
  FetchPool(const FetchPool&) = delete;
  FetchPool& operator=(const FetchPool&) = delete;

  // As FetchOne, blocking. A connection the server closed meanwhile is
  // opened again by libcurl (the request is not lost).
  FetchResult Fetch(const FetchRequest& request);

 private:
  const std::string ca_file_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* easy handles, each with its connection
};

// The header "Authorization: Bearer <the text of token_file>", without the
// trailing newline; IOError naming bearer-token-file if it cannot be read.
Result<std::string> BearerHeader(const fs::path& token_file);

struct FetcherOptions {
  // max_in_flight (256): transfers running at once; more wait in a queue
  //   (their timeout starts when they start).
  // ca_file (""): CA certificates (PEM) for https targets; "" means
  //   $SSL_CERT_FILE if set, else the system's bundle
  //   (/etc/ssl/certs/ca-certificates.crt in the static build).
  int max_in_flight = 256;
  std::string ca_file;
};

class Fetcher {
 public:
  explicit Fetcher(const FetcherOptions& options = {});
  ~Fetcher();
  // Not copyable or movable (libcurl keeps pointers into it).
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  void Add(FetchRequest request);

  // Runs transfers for up to `wait` (less when one finishes or nothing is
  // pending) and returns those that finished.
  std::vector<FetchResult> Poll(std::chrono::milliseconds wait);

  // Requests not yet finished (running or queued).
  size_t pending() const;

  // Ends every pending request; each is returned by the next Poll with an
  // Unavailable("aborted") status.
  void AbortAll();

  struct Transfer;  // one request in flight; defined in fetcher.cc

 private:
  void StartQueued();

  FetcherOptions options_;
  void* multi_;  // CURLM*
  std::deque<std::unique_ptr<Transfer>> queued_;
  std::vector<std::unique_ptr<Transfer>> running_;
  std::vector<FetchResult> aborted_;
};

}  // namespace cprof

#endif  // CPROF_BASE_FETCHER_H_
