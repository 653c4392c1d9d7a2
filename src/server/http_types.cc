#include "server/http_types.h"

namespace cprof::server {

Result<QueryParams> QueryParams::Parse(std::string_view raw) {
  if (raw.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("query string longer than " + std::to_string(kMaxQueryBytes) +
                                   " bytes");
  }
  QueryParams q;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (part.empty()) continue;
    if (q.pairs_.size() == kMaxQueryParams) {
      return Status::InvalidArgument("more than " + std::to_string(kMaxQueryParams) +
                                     " query parameters");
    }
    size_t eq = part.find('=');
    CPROF_ASSIGN_OR_RETURN(std::string key, PercentDecode(part.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      CPROF_ASSIGN_OR_RETURN(value, PercentDecode(part.substr(eq + 1), true));
    }
    q.pairs_.emplace_back(std::move(key), std::move(value));
  }
  return q;
}

const std::string* QueryParams::Get(std::string_view key) const {
  for (const auto& [k, v] : pairs_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<std::string_view> QueryParams::GetAll(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : pairs_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

Response Response::Json(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string message) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  r.body = std::move(message) + "\n";
  return r;
}

namespace {

// The HTTP status of each Status code that is not a server error (500).
constexpr std::pair<Status::Code, int> kHttpStatus[] = {
    {Status::Code::kInvalidArgument, 400},
    {Status::Code::kNotFound, 404},
    {Status::Code::kResourceExhausted, 413},
    {Status::Code::kUnavailable, 503},
};

}  // namespace

Response Response::Error(const Status& status) {
  int code = 500;
  for (const auto& [status_code, http] : kHttpStatus) {
    if (status.code() == status_code) code = http;
  }
  Response r = Text(code, status.message());
  if (code == 503) r.headers.emplace_back("Retry-After", "5");
  return r;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace cprof::server
