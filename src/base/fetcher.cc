#include "base/fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

namespace cprof {

namespace {

// What a transfer gets back, as libcurl's callbacks fill it.
struct Received {
  int64_t max_bytes = 0;  // the request's
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // with keep_headers
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {0};
};

}  // namespace

struct Fetcher::Transfer {
  FetchRequest request;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  Received got;
  std::chrono::steady_clock::time_point started;

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What every request of ours sets on its handle `e`: URL, method and body,
// AWS signature, headers (their list in *headers, for the caller to free), CA
// file ("" for $SSL_CERT_FILE, else the system's), error buffer, no signals,
// redirects or protocols but HTTP(S), our user agent. Returns its timeout in
// ms.
long SetRequestOptions(CURL* e, const FetchRequest& r, const std::string& ca_file, char* error,
                       curl_slist** headers) {
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // no redirects, on or off host
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "cprofiler/" CPROFILER_VERSION_STRING);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  for (const std::string& h : r.headers) *headers = curl_slist_append(*headers, h.c_str());
  if (*headers != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, *headers);
  if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (r.method == "PUT" || r.method == "POST") {
    if (r.method == "PUT") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    // (never a null pointer: to libcurl that is no body, and a GET)
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.empty() ? "" : r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  } else if (r.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (!r.aws_sigv4.empty()) {
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, r.aws_sigv4.c_str());
    curl_easy_setopt(e, CURLOPT_USERPWD, r.credentials.c_str());
  }
  if (!ca_file.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, ca_file.c_str());
  } else if (const char* ca = std::getenv("SSL_CERT_FILE")) {
    curl_easy_setopt(e, CURLOPT_CAINFO, ca);
  }
  return static_cast<long>(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(r.timeout).count()));
}

std::string Snippet(const std::string& body) {
  std::string s = body.substr(0, 160);
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      c = '?';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// libcurl's write callback: appends within the request's cap.
size_t WriteToTransfer(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Received*>(user);
  size_t n = size * count;
  if (static_cast<int64_t>(t->body.size() + n) > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

// libcurl's header callback: one header line at a time, of every response
// (a 100 Continue's too: its status line starts the list again).
size_t HeaderToTransfer(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Received*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line that ends them
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  t->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  return n;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// SetRequestOptions, and what a whole transfer of ours adds: its timeouts
// and size cap, and what it gets back into *got.
void SetTransferOptions(CURL* e, const FetchRequest& r, const std::string& ca_file, Received* got,
                        curl_slist** headers) {
  got->max_bytes = r.max_bytes;
  const long timeout_ms = SetRequestOptions(e, r, ca_file, got->error, headers);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10'000L));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_bytes));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteToTransfer);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, got);
  if (r.keep_headers) {
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, HeaderToTransfer);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, got);
  }
}

// The result of request `r`'s transfer on `e`, ended with `code`, started
// at `started`; takes what *got holds.
FetchResult ResultOf(CURL* e, CURLcode code, const FetchRequest& r, Received& got,
                     std::chrono::steady_clock::time_point started) {
  FetchResult result;
  result.tag = r.tag;
  result.url = r.url;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  long http = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
  result.http_status = static_cast<int>(http);
  result.headers = std::move(got.headers);
  if (got.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    result.status = Status::ResourceExhausted(
        "response larger than " + std::to_string(r.max_bytes) + " bytes (max-response-size)");
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    result.status = Status::Unavailable("timed out after " + FormatDuration(r.timeout) + " with " +
                                        std::to_string(got.body.size()) + " bytes received");
  } else if (code != CURLE_OK) {
    std::string detail = got.error[0] ? got.error : curl_easy_strerror(code);
    result.status = Status::Unavailable(detail);
  } else if (http != 200 && !(r.any_2xx && http >= 200 && http < 300)) {
    std::string m = "HTTP " + std::to_string(http);
    if (http >= 300 && http < 400) m += " (redirects are not followed)";
    std::string snippet = Snippet(got.body);
    if (!snippet.empty()) m += ": " + snippet;
    result.status = Status::Unavailable(m);
    result.body = std::move(got.body);  // an S3 error document says why
  } else {
    result.body = std::move(got.body);
  }
  return result;
}

}  // namespace

std::string_view FetchResult::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

Fetcher::Fetcher(const FetcherOptions& options) : options_(options) {
  GlobalInit();
  multi_ = curl_multi_init();
}

Fetcher::~Fetcher() {
  for (auto& t : running_) curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
  running_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void Fetcher::Add(FetchRequest request) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  queued_.push_back(std::move(t));
  StartQueued();
}

size_t Fetcher::pending() const { return queued_.size() + running_.size() + aborted_.size(); }

void Fetcher::StartQueued() {
  while (!queued_.empty() && static_cast<int>(running_.size()) < options_.max_in_flight) {
    std::unique_ptr<Transfer> t = std::move(queued_.front());
    queued_.pop_front();
    CURL* e = curl_easy_init();
    t->easy = e;
    SetTransferOptions(e, t->request, options_.ca_file, &t->got, &t->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    t->started = std::chrono::steady_clock::now();
    curl_multi_add_handle(static_cast<CURLM*>(multi_), e);
    running_.push_back(std::move(t));
  }
}

std::vector<FetchResult> Fetcher::Poll(std::chrono::milliseconds wait) {
  std::vector<FetchResult> done = std::move(aborted_);
  aborted_.clear();
  CURLM* multi = static_cast<CURLM*>(multi_);
  if (!running_.empty()) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int ready = 0;
    if (done.empty()) {
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), &ready);
      curl_multi_perform(multi, &still);
    }
  } else if (done.empty() && wait.count() > 0) {
    std::this_thread::sleep_for(wait);  // idle: nothing to wait on
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    CURLcode code = msg->data.result;
    auto it =
        std::find_if(running_.begin(), running_.end(), [e](const auto& t) { return t->easy == e; });
    if (it == running_.end()) continue;
    std::unique_ptr<Transfer> t = std::move(*it);
    running_.erase(it);
    curl_multi_remove_handle(multi, e);
    done.push_back(ResultOf(e, code, t->request, t->got, t->started));
  }
  StartQueued();
  return done;
}

void Fetcher::AbortAll() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  auto abort = [&](std::unique_ptr<Transfer>& t) {
    FetchResult r;
    r.tag = t->request.tag;
    r.url = t->request.url;
    r.status = Status::Unavailable("aborted");
    aborted_.push_back(std::move(r));
  };
  for (auto& t : running_) {
    curl_multi_remove_handle(multi, t->easy);
    abort(t);
  }
  running_.clear();
  for (auto& t : queued_) abort(t);
  queued_.clear();
}

namespace {

struct Stream {
  const std::function<bool(std::string_view)>* on_data;
  const std::atomic<bool>* stop;
  bool refused = false;
};

size_t WriteToStream(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Stream*>(user);
  if (s->stop->load() || !(*s->on_data)(std::string_view(data, size * n))) {
    s->refused = true;
    return 0;  // ends the transfer
  }
  return size * n;
}

int StreamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Stream*>(user)->stop->load() ? 1 : 0;
}

}  // namespace

Status StreamGet(const FetchRequest& request, const std::string& ca_file,
                 std::chrono::milliseconds idle,
                 const std::function<bool(std::string_view)>& on_data,
                 const std::atomic<bool>& stop) {
  GlobalInit();
  CURL* e = curl_easy_init();
  if (e == nullptr) return Status::Unavailable("curl_easy_init failed");
  curl_slist* headers = nullptr;
  Stream stream{&on_data, &stop};
  char error[CURL_ERROR_SIZE] = {0};
  const long connect_ms = SetRequestOptions(e, request, ca_file, error, &headers);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  // Idle: less than a byte a second for `idle` ends it.
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<int64_t>(1, idle.count() / 1000)));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteToStream);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &stream);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, StreamProgress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &stream);
  CURLcode code = curl_easy_perform(e);
  long http = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(e);
  curl_slist_free_all(headers);
  if (stop.load()) return Status::Unavailable("stopped");
  if (stream.refused) return Status::Unavailable("ended by its reader");
  if (code != CURLE_OK) return Status::Unavailable(error[0] ? error : curl_easy_strerror(code));
  if (http != 200) return Status::Unavailable("HTTP " + std::to_string(http));
  return Status::OK();
}

FetchResult FetchOne(FetchRequest request, const std::string& ca_file) {
  Fetcher fetcher({.max_in_flight = 1, .ca_file = ca_file});
  fetcher.Add(std::move(request));
  std::vector<FetchResult> results;
  while (results.empty()) results = fetcher.Poll(std::chrono::milliseconds(200));
  return std::move(results[0]);
}

FetchPool::FetchPool(std::string ca_file, size_t max_idle)
    : ca_file_(std::move(ca_file)), max_idle_(max_idle) {
  GlobalInit();
}

FetchPool::~FetchPool() {
  for (void* e : idle_) curl_easy_cleanup(static_cast<CURL*>(e));
}

FetchResult FetchPool::Fetch(const FetchRequest& request) {
  CURL* e = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      e = static_cast<CURL*>(idle_.back());
      idle_.pop_back();
    }
  }
  if (e == nullptr) e = curl_easy_init();
  if (e == nullptr) {
    FetchResult r;
    r.tag = request.tag;
    r.url = request.url;
    r.status = Status::Unavailable("curl_easy_init failed");
    return r;
  }
  Received got;
  curl_slist* headers = nullptr;
  SetTransferOptions(e, request, ca_file_, &got, &headers);
  const auto started = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(e);
  FetchResult result = ResultOf(e, code, request, got, started);
  // (the options point into this frame and the caller's request; the
  // connection stays open)
  curl_easy_reset(e);
  curl_slist_free_all(headers);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(e);
      e = nullptr;
    }
  }
  if (e != nullptr) curl_easy_cleanup(e);
  return result;
}

Result<std::string> BearerHeader(const fs::path& token_file) {
  auto token = ReadFile(token_file, 64 << 10);
  if (!token.ok()) return token.status().WithContext("bearer-token-file");
  std::string t = std::move(*token);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return "Authorization: Bearer " + t;
}

}  // namespace cprof
