#include "archive/s3.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <random>
#include <thread>

#include "base/fetcher.h"
#include "base/fs.h"
#include "base/parallel.h"
#include "base/time.h"
#include "base/url.h"

namespace cprof::archive {
namespace {

constexpr size_t kMaxCredentialsFileBytes = 1 << 20;
constexpr int64_t kMaxListPageBytes = 16 << 20;
constexpr int64_t kMaxAnswerBytes = 1 << 20;  // of a put, delete or multipart step
constexpr int64_t kMaxParts = 10'000;         // S3's limit
constexpr std::chrono::milliseconds kMaxRetryDelay{20'000};

// The text of every <tag>...</tag> inside `xml`, in order.
std::vector<std::string_view> Elements(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  std::vector<std::string_view> out;
  for (size_t at = xml.find(open); at != std::string_view::npos; at = xml.find(open, at)) {
    size_t start = at + open.size();
    size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    at = end + close.size();
  }
  return out;
}

// XML's five predefined entities, by the character each stands for; the
// first three are those a text must escape.
constexpr std::pair<char, std::string_view> kXmlEntities[] = {
    {'&', "amp"}, {'<', "lt"}, {'>', "gt"}, {'"', "quot"}, {'\'', "apos"}};
constexpr size_t kXmlTextEntities = 3;

// XML's five entities and numeric character references, decoded.
Result<std::string> XmlText(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) return Status::InvalidArgument("bad XML entity");
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    auto named = std::find_if(std::begin(kXmlEntities), std::end(kXmlEntities),
                              [&](const auto& e) { return e.second == entity; });
    if (named != std::end(kXmlEntities)) {
      out += named->first;
    } else if (entity.starts_with('#')) {
      bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      std::string digits(entity.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp == 0 || cp > 0x10ffff ||
          (cp >= 0xd800 && cp <= 0xdfff)) {
        return Status::InvalidArgument("bad XML character reference");
      }
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | cp >> 12);
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out += static_cast<char>(0xf0 | cp >> 18);
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      }
    } else {
      return Status::InvalidArgument("unknown XML entity &" + std::string(entity.substr(0, 16)) +
                                     ";");
    }
    i = semi;
  }
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// A key as a URL path: each byte but letters, digits, -_.~ and '/' as %XX.
std::string KeyPath(std::string_view key) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    out += PercentEncode(key.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

// `text` with XML's &, < and > as entities.
std::string XmlEscape(std::string_view text) {
  const auto* escaped = std::begin(kXmlEntities) + kXmlTextEntities;
  std::string out;
  for (char c : text) {
    auto e = std::find_if(std::begin(kXmlEntities), escaped,
                          [c](const auto& entity) { return entity.first == c; });
    if (e != escaped) {
      out += '&';
      out += e->second;
      out += ';';
    } else {
      out += c;
    }
  }
  return out;
}

// Whether `body` is an S3 error document (<Error><Code>...).
bool IsErrorDocument(std::string_view body) {
  return body.find("<Error>") != std::string_view::npos && !Elements(body, "Code").empty();
}

}  // namespace

Result<S3Location> ParseS3Url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("\"" + std::string(url.substr(0, 200)) +
                                   "\": " + std::string(why) + " (want s3://BUCKET/PREFIX)");
  };
  if (!url.starts_with("s3://")) return bad("not an s3:// URL");
  std::string_view rest = url.substr(5);
  size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (loc.bucket.size() < 3 || loc.bucket.size() > 63 ||
      loc.bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
    return bad("a bucket name is 3 to 63 lowercase letters, digits, '.' and '-'");
  }
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (prefix.starts_with('/') || prefix.find("//") != std::string_view::npos) {
      return bad("an empty path segment");
    }
    loc.prefix = std::string(prefix);
  }
  return loc;
}

Result<S3Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile,
                                           std::string_view source) {
  S3Credentials c;
  c.source = std::string(source) + " [" + std::string(profile) + "]";
  bool in_profile = false, found = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string line = Trimmed(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = Trimmed(std::string_view(line).substr(1, line.size() - 2)) == profile;
      found |= in_profile;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trimmed(std::string_view(line).substr(0, eq));
    std::string value = Trimmed(std::string_view(line).substr(eq + 1));
    if (key == "aws_access_key_id")
      c.access_key = value;
    else if (key == "aws_secret_access_key")
      c.secret_key = value;
    else if (key == "aws_session_token")
      c.session_token = value;
  }
  if (!found)
    return Status::NotFound(std::string(source) + " has no [" + std::string(profile) + "]");
  if (c.access_key.empty() || c.secret_key.empty()) {
    return Status::NotFound(c.source + " lacks aws_access_key_id or aws_secret_access_key");
  }
  return c;
}

Result<S3Credentials> LoadS3Credentials(const std::function<const char*(const char*)>& getenv) {
  auto env = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v != nullptr ? v : "";
  };
  if (!env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
    return S3Credentials{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                         env("AWS_SESSION_TOKEN"), "$AWS_ACCESS_KEY_ID"};
  }
  std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !env("HOME").empty()) file = env("HOME") + "/.aws/credentials";
  const std::string profile = env("AWS_PROFILE").empty() ? "default" : env("AWS_PROFILE");
  auto text = ReadFile(file, kMaxCredentialsFileBytes);
  if (!text.ok()) {
    return Status::NotFound(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "or put them in " +
        (file.empty() ? "~/.aws/credentials" : file) + " [" + profile + "]");
  }
  return ParseCredentialsFile(*text, profile, file);
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Status::InvalidArgument("not a ListObjectsV2 answer");
  }
  S3ListPage page;
  for (std::string_view contents : Elements(xml, "Contents")) {
    auto key = Elements(contents, "Key");
    if (key.size() != 1) return Status::InvalidArgument("a listed object without one <Key>");
    S3Object object;
    CPROF_ASSIGN_OR_RETURN(object.key, XmlText(key.front()));
    if (auto size = Elements(contents, "Size"); !size.empty()) {
      char* end = nullptr;
      std::string digits(size.front());
      object.size = std::strtoll(digits.c_str(), &end, 10);
      if (digits.empty() || *end != '\0' || object.size < 0) {
        return Status::InvalidArgument("a listed object's <Size> is not a number");
      }
    }
    if (auto modified = Elements(contents, "LastModified"); !modified.empty()) {
      auto ms = ParseRfc3339Ms(modified.front());
      if (ms.ok()) object.last_modified_ms = *ms;
    }
    page.objects.push_back(std::move(object));
  }
  for (std::string_view common : Elements(xml, "CommonPrefixes")) {
    for (std::string_view prefix : Elements(common, "Prefix")) {
      CPROF_ASSIGN_OR_RETURN(std::string p, XmlText(prefix));
      page.prefixes.push_back(std::move(p));
    }
  }
  auto truncated = Elements(xml, "IsTruncated");
  page.truncated = !truncated.empty() && truncated.front() == "true";
  if (auto token = Elements(xml, "NextContinuationToken"); !token.empty()) {
    CPROF_ASSIGN_OR_RETURN(page.next_token, XmlText(token.front()));
  }
  if (page.truncated && page.next_token.empty()) {
    return Status::InvalidArgument("a truncated listing without NextContinuationToken");
  }
  return page;
}

std::string ParseS3Error(std::string_view xml) {
  auto code = Elements(xml, "Code");
  if (code.empty()) return "";
  std::string out = std::string(code.front());
  if (auto message = Elements(xml, "Message"); !message.empty()) {
    auto text = XmlText(message.front());
    out += ": " + (text.ok() ? *text : std::string(message.front()));
  }
  return out;
}

Result<std::string> ParseUploadId(std::string_view xml) {
  auto id = Elements(xml, "UploadId");
  if (xml.find("<InitiateMultipartUploadResult") == std::string_view::npos || id.size() != 1 ||
      id.front().empty()) {
    return Status::InvalidArgument("not a CreateMultipartUpload answer with one <UploadId>");
  }
  return XmlText(id.front());
}

std::string CompleteMultipartXml(const std::vector<S3Part>& parts) {
  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const S3Part& part : parts) {
    xml += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" +
           XmlEscape(part.etag) + "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

bool S3Retryable(int http_status, const Status& transfer, std::string_view body) {
  if (http_status == 0) return true;
  if (http_status == 429 || http_status == 500 || http_status == 502 || http_status == 503 ||
      http_status == 504) {
    return true;
  }
  if (IsErrorDocument(body)) {
    std::string_view code = Elements(body, "Code").front();
    return code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable";
  }
  // A 2xx cut short: reset or timed out while the body came (not too large).
  return http_status >= 200 && http_status < 300 && transfer.code() == Status::Code::kUnavailable;
}

std::chrono::milliseconds S3RetryDelay(std::chrono::milliseconds base, int failed_attempts,
                                       double random01) {
  std::chrono::milliseconds delay = std::max(base, std::chrono::milliseconds(0));
  for (int i = 1; i < failed_attempts && delay < kMaxRetryDelay; ++i) delay *= 2;
  delay = std::min(delay, kMaxRetryDelay);
  random01 = std::clamp(random01, 0.0, 1.0);
  return delay / 2 + std::chrono::milliseconds(static_cast<int64_t>(
                         static_cast<double>((delay - delay / 2).count()) * random01));
}

struct S3Client::Answer {
  FetchResult result;
  int attempts = 0;
};

bool EndpointIsIpAddress(std::string_view endpoint) {
  if (size_t scheme = endpoint.find("://"); scheme != std::string_view::npos) {
    endpoint.remove_prefix(scheme + 3);
  }
  if (endpoint.starts_with('[')) return true;  // [IPv6]
  std::string host(endpoint.substr(0, endpoint.find_first_of(":/")));
  in_addr v4;
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

bool IsSha256Hex(std::string_view hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

S3Client::S3Client(S3Location location, S3Options options, S3Credentials credentials)
    : location_(std::move(location)),
      options_(std::move(options)),
      credentials_(std::move(credentials)),
      pool_(std::make_shared<FetchPool>(options_.ca_file)) {
  if (options_.endpoint.empty()) {
    options_.endpoint = "https://s3." + options_.region + ".amazonaws.com";
  }
  while (options_.endpoint.ends_with('/')) options_.endpoint.pop_back();
  // BUCKET.<an IP address> names no host: such an endpoint is path-style.
  if (EndpointIsIpAddress(options_.endpoint)) options_.path_style = true;
}

std::string S3Client::FullKey(std::string_view key) const {
  return location_.prefix.empty() ? std::string(key) : location_.prefix + "/" + std::string(key);
}

std::string S3Client::Describe(std::string_view key) const {
  return "s3://" + location_.bucket + "/" + FullKey(key);
}

std::string S3Client::Url(std::string_view full_key, std::string_view query) const {
  std::string url;
  if (options_.path_style) {
    url = options_.endpoint + "/" + location_.bucket + "/" + KeyPath(full_key);
  } else {
    size_t scheme = options_.endpoint.find("://");
    size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    url = options_.endpoint.substr(0, host) + location_.bucket + "." +
          options_.endpoint.substr(host) + "/" + KeyPath(full_key);
  }
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

Status S3Client::Failure(std::string_view what, const Answer& answer) const {
  const int http_status = answer.result.http_status;
  std::string m = std::string(what) + ": ";
  const std::string attempts =
      answer.attempts > 1 ? "; " + std::to_string(answer.attempts) + " attempts" : "";
  if (http_status == 0) {
    m += answer.result.status.message() + " (endpoint " + options_.endpoint + ")" + attempts;
    return Status::Unavailable(m);
  }
  m += "HTTP " + std::to_string(http_status);
  if (std::string error = ParseS3Error(answer.result.body); !error.empty()) {
    m += " (" + error + ")";
  } else if (http_status >= 200 && http_status < 300) {
    m += " cut short: " + answer.result.status.message();
  }
  if (http_status == 403) {
    m += "; access key " + credentials_.access_key + " from " + credentials_.source;
  }
  m += attempts;
  // (an error's body over a small cap is still the error)
  if (http_status == 404) return Status::NotFound(m);
  if (answer.result.status.code() == Status::Code::kResourceExhausted) {
    return Status::ResourceExhausted(m);
  }
  if (http_status == 403 || http_status == 400) return Status::InvalidArgument(m);
  return Status::Unavailable(m);
}

S3Client::Answer S3Client::Send(FetchRequest request, bool error_document_fails) {
  request.timeout = options_.timeout;
  request.aws_sigv4 = "aws:amz:" + options_.region + ":s3";
  request.credentials = credentials_.access_key + ":" + credentials_.secret_key;
  request.any_2xx = true;
  if (!credentials_.session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " + credentials_.session_token);
  }
  const int max_attempts = std::max(1, options_.max_attempts);
  Answer answer;
  while (true) {
    ++answer.attempts;
    answer.result = pool_->Fetch(request);
    FetchResult& r = answer.result;
    if (r.status.ok() && error_document_fails && IsErrorDocument(r.body)) {
      r.status = Status::Unavailable("an error document");
    }
    if (r.status.ok() || answer.attempts >= max_attempts ||
        !S3Retryable(r.http_status, r.status, r.body)) {
      return answer;
    }
    // (one generator a thread: requests of one client run on many)
    thread_local std::minstd_rand random(std::random_device{}());
    const double random01 = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    std::this_thread::sleep_for(S3RetryDelay(options_.retry_backoff, answer.attempts, random01));
  }
}

Status S3Client::Put(std::string_view key, std::string_view data, std::string_view sha256) {
  if (static_cast<int64_t>(data.size()) > options_.multipart_threshold) {
    return PutMultipart(key, data);
  }
  FetchRequest request;
  request.url = Url(FullKey(key), "");
  request.method = "PUT";
  request.body = data;
  request.headers.push_back("Content-Type: application/octet-stream");
  // (libcurl signs with this header's value as the payload's hash)
  if (IsSha256Hex(sha256))
    request.headers.push_back("x-amz-content-sha256: " + std::string(sha256));
  request.max_bytes = kMaxAnswerBytes;
  Answer a = Send(std::move(request));
  if (!a.result.status.ok()) return Failure("put " + Describe(key), a);
  return Status::OK();
}

Status S3Client::PutMultipart(std::string_view key, std::string_view data) {
  const int64_t size = static_cast<int64_t>(data.size());
  const int64_t part_size =
      std::max({options_.multipart_part_size, int64_t{1}, (size + kMaxParts - 1) / kMaxParts});
  CPROF_ASSIGN_OR_RETURN(std::string upload_id, CreateMultipartUpload(key));
  std::vector<S3Part> parts;
  Status s;
  for (int64_t at = 0; at < size && s.ok(); at += part_size) {
    const int number = static_cast<int>(parts.size()) + 1;
    auto etag = UploadPart(key, upload_id, number, data.substr(at, part_size));
    if (etag.ok())
      parts.push_back({number, std::move(*etag)});
    else
      s = etag.status();
  }
  if (s.ok()) s = CompleteMultipartUpload(key, upload_id, parts);
  if (s.ok()) return s;
  if (Status abort = AbortMultipartUpload(key, upload_id); !abort.ok()) {
    return Status(s.code(), s.message() + "; and it is left incomplete: " + abort.message());
  }
  return s;
}

Result<std::string> S3Client::CreateMultipartUpload(std::string_view key) {
  FetchRequest request;
  request.url = Url(FullKey(key), "uploads=");
  request.method = "POST";
  request.headers.push_back("Content-Type: application/octet-stream");  // the object's
  request.max_bytes = kMaxAnswerBytes;
  Answer a = Send(std::move(request));
  const std::string what = "put " + Describe(key) + ": create a multipart upload";
  if (!a.result.status.ok()) return Failure(what, a);
  auto id = ParseUploadId(a.result.body);
  if (!id.ok()) return id.status().WithContext(what);
  return id;
}

Result<std::string> S3Client::UploadPart(std::string_view key, const std::string& upload_id,
                                         int number, std::string_view data) {
  FetchRequest request;
  request.url = Url(FullKey(key), "partNumber=" + std::to_string(number) +
                                      "&uploadId=" + PercentEncode(upload_id));
  request.method = "PUT";
  request.body = data;
  request.headers.push_back("Content-Type: application/octet-stream");
  request.max_bytes = kMaxAnswerBytes;
  request.keep_headers = true;
  Answer a = Send(std::move(request));
  const std::string what = "put " + Describe(key) + ": part " + std::to_string(number) + " (" +
                           std::to_string(data.size()) + " bytes) of upload " + upload_id;
  if (!a.result.status.ok()) return Failure(what, a);
  std::string_view etag = a.result.Header("ETag");
  if (etag.empty()) return Status::Unavailable(what + ": no ETag in the answer");
  return std::string(etag);
}

Status S3Client::CompleteMultipartUpload(std::string_view key, const std::string& upload_id,
                                         const std::vector<S3Part>& parts) {
  FetchRequest request;
  request.url = Url(FullKey(key), "uploadId=" + PercentEncode(upload_id));
  request.method = "POST";
  const std::string xml = CompleteMultipartXml(parts);
  request.body = xml;
  request.headers.push_back("Content-Type: application/xml");
  request.max_bytes = kMaxAnswerBytes;
  // S3 answers 200 at once and may send an <Error> in the body later.
  Answer a = Send(std::move(request), /*error_document_fails=*/true);
  if (!a.result.status.ok()) {
    return Failure("put " + Describe(key) + ": complete upload " + upload_id + " of " +
                       std::to_string(parts.size()) + " parts",
                   a);
  }
  return Status::OK();
}

Status S3Client::AbortMultipartUpload(std::string_view key, const std::string& upload_id) {
  FetchRequest request;
  request.url = Url(FullKey(key), "uploadId=" + PercentEncode(upload_id));
  request.method = "DELETE";
  request.max_bytes = kMaxAnswerBytes;
  Answer a = Send(std::move(request));
  if (!a.result.status.ok() && a.result.http_status != 404) {  // 404: gone already
    return Failure("abort upload " + upload_id, a);
  }
  return Status::OK();
}

namespace {

// The object's size in a 206's "Content-Range: bytes 0-99/1234"; -1 if
// there is none.
int64_t RangeTotal(std::string_view content_range) {
  const size_t slash = content_range.rfind('/');
  if (!content_range.starts_with("bytes ") || slash == std::string_view::npos) return -1;
  std::string_view digits = content_range.substr(slash + 1);
  int64_t total = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), total);
  return error == std::errc() && end == digits.data() + digits.size() ? total : -1;
}

std::string RangeHeader(int64_t from, int64_t to) {
  return "Range: bytes=" + std::to_string(from) + "-" + std::to_string(to);
}

}  // namespace

Result<std::string> S3Client::Get(std::string_view key, int64_t max_bytes) {
  const int64_t part = std::max<int64_t>(options_.get_part_size, 1);
  FetchRequest request;
  request.url = Url(FullKey(key), "");
  request.max_bytes = max_bytes;  // (a server may answer a range with the whole object)
  request.headers.push_back(RangeHeader(0, part - 1));
  request.keep_headers = true;
  Answer a = Send(request);
  if (a.result.http_status == 416) {  // (an empty object has no first byte)
    request.headers.clear();
    a = Send(std::move(request));
  }
  if (!a.result.status.ok()) return Failure("get " + Describe(key), a);
  std::string body = std::move(a.result.body);
  if (a.result.http_status != 206) return body;  // the whole object
  const int64_t total = RangeTotal(a.result.Header("Content-Range"));
  if (total < static_cast<int64_t>(body.size())) {
    return Status::Corruption("get " + Describe(key) + ": a 206 with Content-Range \"" +
                              std::string(a.result.Header("Content-Range")) + "\"");
  }
  if (total > max_bytes) {
    return Status::ResourceExhausted("get " + Describe(key) + ": " + std::to_string(total) +
                                     " bytes, over " + std::to_string(max_bytes));
  }
  if (total == static_cast<int64_t>(body.size())) return body;
  // The rest, in parallel; each range of the same object (If-Match).
  const int64_t first = static_cast<int64_t>(body.size());
  const std::string etag(a.result.Header("ETag"));
  body.resize(total);
  const size_t ranges = static_cast<size_t>((total - first + part - 1) / part);
  std::vector<Status> errors(ranges);
  ParallelFor(ranges, std::max(1, options_.get_parallelism), [&](size_t, size_t i) {
    const int64_t from = first + static_cast<int64_t>(i) * part;
    const int64_t to = std::min(total, from + part) - 1;
    FetchRequest range;
    range.url = request.url;
    range.max_bytes = to - from + 1;
    range.headers.push_back(RangeHeader(from, to));
    if (!etag.empty()) range.headers.push_back("If-Match: " + etag);
    Answer r = Send(std::move(range));
    const std::string what = "get " + Describe(key) + " bytes " + std::to_string(from) + "-" +
                             std::to_string(to) + " of " + std::to_string(total);
    if (!r.result.status.ok()) {
      errors[i] = r.result.http_status == 412
                      ? Status::Unavailable(what + ": the object changed while it was read")
                      : Failure(what, r);
    } else if (r.result.http_status != 206 ||
               static_cast<int64_t>(r.result.body.size()) != to - from + 1) {
      errors[i] = Status::Corruption(what + ": HTTP " + std::to_string(r.result.http_status) +
                                     " with " + std::to_string(r.result.body.size()) + " bytes");
    } else {
      std::copy(r.result.body.begin(), r.result.body.end(), body.begin() + from);
    }
  });
  for (Status& s : errors) {
    if (!s.ok()) return std::move(s);
  }
  return body;
}

Result<std::string> S3Client::GetRange(std::string_view key, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) return Status::InvalidArgument("a negative range");
  if (length == 0) return std::string();
  FetchRequest request;
  request.url = Url(FullKey(key), "");
  request.max_bytes = length;
  request.headers.push_back(RangeHeader(offset, offset + length - 1));
  Answer a = Send(std::move(request));
  if (a.result.http_status == 416) return std::string();  // from past its end
  if (!a.result.status.ok()) return Failure("get " + Describe(key), a);
  if (a.result.http_status == 206) return std::move(a.result.body);
  // A server that ignores Range answers the whole object: its part.
  std::string& body = a.result.body;
  if (offset >= static_cast<int64_t>(body.size())) return std::string();
  return body.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

Status S3Client::Delete(std::string_view key) {
  FetchRequest request;
  request.url = Url(FullKey(key), "");
  request.method = "DELETE";
  request.max_bytes = kMaxAnswerBytes;
  Answer a = Send(std::move(request));
  if (!a.result.status.ok() && a.result.http_status != 404) {
    return Failure("delete " + Describe(key), a);
  }
  return Status::OK();
}

Status S3Client::List(std::string_view prefix, std::string_view delimiter,
                      std::vector<S3Object>* objects, std::vector<std::string>* prefixes) {
  return ListPages(
      prefix, delimiter,
      [&](std::vector<S3Object>& page_objects, std::vector<std::string>& page_prefixes) {
    for (S3Object& o : page_objects) objects->push_back(std::move(o));
    if (prefixes != nullptr) {
      for (std::string& p : page_prefixes) prefixes->push_back(std::move(p));
    }
    return Status::OK();
      });
}

Status S3Client::ListPages(std::string_view prefix, std::string_view delimiter,
                           const ListPageFn& fn) {
  const std::string full = FullKey(prefix);
  const size_t strip = location_.prefix.empty() ? 0 : location_.prefix.size() + 1;
  std::string token;
  do {
    std::string query = "list-type=2&prefix=" + PercentEncode(full);
    if (!delimiter.empty()) query += "&delimiter=" + PercentEncode(delimiter);
    if (!token.empty()) query += "&continuation-token=" + PercentEncode(token);
    FetchRequest request;
    request.url = Url("", query);
    request.max_bytes = kMaxListPageBytes;
    Answer a = Send(std::move(request));
    if (!a.result.status.ok()) return Failure("list " + Describe(prefix), a);
    auto page = ParseListObjectsV2(a.result.body);
    if (!page.ok()) return page.status().WithContext("list " + Describe(prefix));
    for (S3Object& o : page->objects) o.key.erase(0, std::min(strip, o.key.size()));
    for (std::string& p : page->prefixes) p.erase(0, std::min(strip, p.size()));
    CPROF_RETURN_IF_ERROR(fn(page->objects, page->prefixes));
    token = page->truncated ? page->next_token : "";
  } while (!token.empty());
  return Status::OK();
}

}  // namespace cprof::archive
