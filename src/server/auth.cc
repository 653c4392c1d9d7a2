#include "server/auth.h"

#include <sys/random.h>

#include <memory>

#include "base/hash.h"
#include "base/log.h"

namespace cprof::server {
namespace {

constexpr size_t kMaxAuthFileBytes = 1 << 20;

// Decodes standard base64; "" on anything else.
std::string FromBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return "";
    acc = acc << 6 | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// The token an Authorization header presents: a bearer token, or the
// password of basic authentication.
std::string TokenOf(std::string_view header) {
  if (header.starts_with("Bearer ")) return std::string(header.substr(7));
  if (header.starts_with("Basic ")) {
    std::string pair = FromBase64(header.substr(6));
    size_t colon = pair.find(':');
    return colon == std::string::npos ? "" : pair.substr(colon + 1);
  }
  return "";
}

// Equal, in a time that depends on the lengths only.
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Result<std::vector<Credential>> ParseAuthFile(std::string_view text, std::string_view source) {
  std::vector<Credential> out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
      if (i > start) words.push_back(line.substr(start, i - start));
    }
    if (words.empty()) continue;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument(std::string(source) + ":" + std::to_string(line_no) + ": " + why);
    };
    if (words.size() != 3 || words[1] != "token") {
      return bad("want ROLE token SHA256-HEX (cprofiler auth add-token writes such lines)");
    }
    if (words[0] != "read" && words[0] != "admin") return bad("role must be read or admin");
    if (words[2].size() != 64 || words[2].find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return bad("not a SHA-256 in 64 lowercase hex digits");
    }
    out.push_back({std::string(words[0]), std::string(words[2])});
  }
  return out;
}

std::pair<std::string, std::string> NewTokenLine(std::string_view role) {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string token = HexOf(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  return {token, std::string(role) + " token " + Sha256Hex(token)};
}

Result<std::unique_ptr<Authenticator>> Authenticator::Open(fs::path file) {
  std::unique_ptr<Authenticator> auth(new Authenticator(std::move(file)));
  std::lock_guard<std::mutex> lock(auth->mu_);
  CPROF_RETURN_IF_ERROR(auth->Reload());
  return auth;
}

Status Authenticator::Reload() {
  auto stamp = StampOf(file_);
  if (!stamp.ok()) return Status::NotFound("no auth file " + file_.string());
  if (stamp_ == *stamp) return Status::OK();
  auto text = ReadFile(file_, kMaxAuthFileBytes);
  if (!text.ok()) return text.status();
  CPROF_ASSIGN_OR_RETURN(credentials_, ParseAuthFile(*text, file_.string()));
  stamp_ = *stamp;
  return Status::OK();
}

Authenticator::Verdict Authenticator::Check(std::string_view authorization, std::string_view client,
                                            int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Status s = Reload(); !s.ok()) {
    LogError("serve: auth file: " + s.message() + " (keeping the last good credentials)");
  }
  auto it = failures_.find(client);
  if (it != failures_.end() && now_ms - it->second.window_start_ms >= kFailureWindowMs) {
    failures_.erase(it);
    it = failures_.end();
  }
  if (it != failures_.end() && it->second.count >= kMaxFailures) return Verdict::kThrottled;
  const std::string token = TokenOf(authorization);
  if (!token.empty()) {
    const std::string hash = Sha256Hex(token);
    bool ok = false;
    for (const Credential& c : credentials_) ok |= ConstantTimeEqual(hash, c.token_sha256);
    if (ok) return Verdict::kAllowed;
  }
  if (!authorization.empty()) {  // a wrong credential, not a first visit
    if (it == failures_.end()) it = failures_.emplace(std::string(client), Failures{now_ms, 0}).first;
    ++it->second.count;
    if (failures_.size() > 100'000) failures_.clear();  // bounded memory under a flood
  }
  return Verdict::kDenied;
}

}  // namespace cprof::server
