#include "server/auth.h"

#include <crypt.h>
#include <string.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <thread>

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

// What an Authorization header presents: a bearer token (as the password,
// no user), or basic authentication's user and password. Both empty for
// anything else.
struct UserAndPassword {
  std::string user;
  std::string password;
};
UserAndPassword PresentedBy(std::string_view header) {
  if (header.starts_with("Bearer ")) return {"", std::string(header.substr(7))};
  if (header.starts_with("Basic ")) {
    std::string pair = FromBase64(header.substr(6));
    size_t colon = pair.find(':');
    if (colon == std::string::npos) return {};
    return {pair.substr(0, colon), pair.substr(colon + 1)};
  }
  return {};
}

// Equal, in a time that depends on the lengths only.
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// What an unknown user's password is checked against, so that an unknown
// name takes as long as a wrong password (the salt is zeros; the hash part
// matches no password's).
constexpr std::string_view kUnknownUserHash =
    "$2b$12$......................0123456789012345678901234567890";

bool ValidBcryptHash(std::string_view h) {
  // $2b$CC$ then 53 characters of bcrypt's base64 (22 salt, 31 hash).
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9') return false;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return h.substr(7).find_first_not_of(
             "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
         std::string_view::npos;
}

// libxcrypt's working memory (32 KiB, zeroed as crypt_rn wants it): on the
// heap, as the server's threads may have small stacks, and wiped after.
class CryptData {
 public:
  CryptData() : data_(std::make_unique<crypt_data>()) {}
  ~CryptData() { explicit_bzero(data_.get(), sizeof *data_); }
  CryptData(const CryptData&) = delete;
  CryptData& operator=(const CryptData&) = delete;
  crypt_data* get() { return data_.get(); }

 private:
  std::unique_ptr<crypt_data> data_;
};

}  // namespace

std::string Credential::Identity() const {
  return user.empty() ? role + " token " + token_sha256
                      : role + " user " + user + " " + bcrypt_hash;
}

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
      return Status::InvalidArgument(std::string(source) + ":" + std::to_string(line_no) + ": " +
                                     why);
    };
    const bool token = words.size() == 3 && words[1] == "token";
    const bool user = words.size() == 4 && words[1] == "user";
    if (!token && !user) {
      return bad(
          "want ROLE token SHA256-HEX or ROLE user NAME BCRYPT-HASH (cprofiler auth "
          "add-token and add-user write such lines)");
    }
    if (words[0] != "read" && words[0] != "write" && words[0] != "admin") {
      return bad("role must be read, write or admin");
    }
    Credential c;
    c.role = std::string(words[0]);
    if (token) {
      if (words[2].size() != 64 ||
          words[2].find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return bad("not a SHA-256 in 64 lowercase hex digits");
      }
      c.token_sha256 = std::string(words[2]);
    } else {
      if (Status s = CheckUserName(words[2]); !s.ok()) return bad(s.message());
      if (!ValidBcryptHash(words[3])) {
        return bad("not a bcrypt hash ($2b$, cost 04..31, 60 characters)");
      }
      for (const Credential& other : out) {
        if (other.user == words[2]) return bad("user \"" + std::string(words[2]) + "\" again");
      }
      c.user = std::string(words[2]);
      c.bcrypt_hash = std::string(words[3]);
    }
    out.push_back(std::move(c));
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

Status CheckUserName(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return Status::InvalidArgument("a user name has 1 to 64 bytes");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == ':' || c == '#') {
      return Status::InvalidArgument(
          "a user name has no whitespace, control characters, ':' or '#'");
    }
  }
  return Status::OK();
}

Status CheckPassword(std::string_view password) {
  if (password.empty()) return Status::InvalidArgument("the password is empty");
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument("the password is longer than " +
                                   std::to_string(kMaxPasswordBytes) +
                                   " bytes (bcrypt would ignore the rest)");
  }
  if (password.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("the password holds a NUL byte");
  }
  return Status::OK();
}

Result<std::string> HashPassword(std::string_view password, int cost) {
  if (cost < 4 || cost > 31) return Status::InvalidArgument("bcrypt's cost is 4..31");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // No random bytes given: libxcrypt takes them from the kernel.
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof setting) == nullptr) {
    return Status::IOError(std::string("crypt_gensalt: ") + strerror(errno));
  }
  CryptData data;
  const std::string phrase(password);
  const char* hash = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
  if (hash == nullptr) return Status::IOError(std::string("crypt: ") + strerror(errno));
  return std::string(hash);
}

bool VerifyPassword(std::string_view password, std::string_view bcrypt_hash) {
  if (!ValidBcryptHash(bcrypt_hash) || password.find('\0') != std::string_view::npos) return false;
  CryptData data;
  const std::string phrase(password), setting(bcrypt_hash);
  const char* hash = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  return hash != nullptr && ConstantTimeEqual(hash, bcrypt_hash);
}

Result<std::string> NewUserLine(std::string_view role, std::string_view name,
                                std::string_view password, int cost) {
  CPROF_RETURN_IF_ERROR(CheckUserName(name));
  CPROF_RETURN_IF_ERROR(CheckPassword(password));
  CPROF_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, cost));
  return std::string(role) + " user " + std::string(name) + " " + hash;
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
  ++generation_;
  remembered_logins_.clear();
  std::set<std::string, std::less<>> identities;
  for (const Credential& c : credentials_) identities.insert(c.Identity());
  sessions_.RetainOnly(identities);
  return Status::OK();
}

void Authenticator::ReloadOrLog() {
  if (Status s = Reload(); !s.ok()) {
    LogError("serve: auth file: " + s.message() + " (keeping the last good credentials)");
  }
}

Authenticator::Failures* Authenticator::FailuresOf(std::string_view client, int64_t now_ms,
                                                   bool create) {
  auto it = failures_.find(client);
  if (it != failures_.end() && now_ms - it->second.window_start_ms >= kFailureWindowMs) {
    failures_.erase(it);
    it = failures_.end();
  }
  if (it == failures_.end()) {
    if (!create) return nullptr;
    if (failures_.size() >= 100'000) failures_.clear();  // bounded memory under a flood
    it = failures_.emplace(std::string(client), Failures{now_ms, 0}).first;
  }
  return &it->second;
}

std::string Authenticator::MatchingToken(std::string_view token) const {
  if (token.empty()) return "";
  const std::string hash = Sha256Hex(token);
  const Credential* match = nullptr;
  for (const Credential& c : credentials_) {
    if (c.user.empty() && ConstantTimeEqual(hash, c.token_sha256)) match = &c;
  }
  return match == nullptr ? "" : match->Identity();
}

bool Authenticator::Throttled(std::string_view client, int64_t now_ms) {
  const Failures* f = FailuresOf(client, now_ms, /*create=*/false);
  return f != nullptr && f->count >= kMaxFailures;
}

std::ptrdiff_t Authenticator::BcryptSlots() {
  return std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency() / 2, 1, 64);
}

Authenticator::Verified Authenticator::Verify(std::unique_lock<std::mutex>& lock,
                                              std::string_view user, std::string_view password,
                                              std::string_view client, int64_t now_ms) {
  if (std::string token = MatchingToken(password); !token.empty()) {
    return {Match::kToken, std::move(token)};
  }
  Failures* failures = FailuresOf(client, now_ms, /*create=*/true);
  ++failures->count;
  if (user.empty() || password.empty()) return {};
  std::string hash(kUnknownUserHash);
  const Credential* known = nullptr;
  for (const Credential& c : credentials_) {
    if (!c.user.empty() && c.user == user) known = &c;
  }
  if (known != nullptr) hash = known->bcrypt_hash;
  std::string identity = known != nullptr ? known->Identity() : "";
  // Counted as failed already, until it succeeds: parallel guesses from one
  // address all count before any check ends.
  const uint64_t generation = generation_;
  lock.unlock();
  bool ok;
  {
    struct Slot {
      std::counting_semaphore<64>& slots;
      explicit Slot(std::counting_semaphore<64>& s) : slots(s) { slots.acquire(); }
      ~Slot() { slots.release(); }
    } slot(bcrypt_slots_);
    ok = VerifyPassword(password, hash) && !identity.empty();
  }
  lock.lock();
  if (!ok || generation != generation_) return {};  // wrong, or the file changed
  failures = FailuresOf(client, now_ms, /*create=*/false);
  if (failures != nullptr && failures->count > 0) --failures->count;
  return {Match::kPassword, std::move(identity)};
}

bool RoleAllows(std::string_view identity, Authenticator::Access access) {
  std::string_view role = identity.substr(0, identity.find(' '));
  if (role == "admin") return true;
  return role == (access == Authenticator::Access::kRead ? "read" : "write");
}

Authenticator::Verdict Authenticator::Check(const Presented& presented, std::string_view client,
                                            int64_t now_ms, Access access) {
  auto allowed = [access](std::string_view identity) {
    return RoleAllows(identity, access) ? Verdict::kAllowed : Verdict::kForbidden;
  };
  std::unique_lock<std::mutex> lock(mu_);
  ReloadOrLog();
  if (Throttled(client, now_ms)) return Verdict::kThrottled;
  if (const std::string* identity = sessions_.Use(presented.session, now_ms)) {
    return allowed(*identity);
  }
  const std::string_view authorization = presented.authorization;
  if (authorization.empty()) return Verdict::kDenied;  // a first visit, not a failure
  // A header that passed a password check: the SHA-256 of a secret looked
  // up, which tells a timing observer nothing about the secret.
  const std::string header_sha256 = Sha256Hex(authorization);
  if (auto it = remembered_logins_.find(header_sha256); it != remembered_logins_.end()) {
    return allowed(it->second);
  }
  const UserAndPassword basic = PresentedBy(authorization);
  Verified verified = Verify(lock, basic.user, basic.password, client, now_ms);
  switch (verified.match) {
    case Match::kToken:
      return allowed(verified.identity);
    case Match::kPassword:
      if (remembered_logins_.size() >= kMaxRememberedLogins) remembered_logins_.clear();
      remembered_logins_.emplace(header_sha256, verified.identity);
      return allowed(verified.identity);
    case Match::kNone:
      break;
  }
  return Verdict::kDenied;
}

Authenticator::SignedIn Authenticator::SignIn(std::string_view user, std::string_view password,
                                              std::string_view client, int64_t now_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  ReloadOrLog();
  if (Throttled(client, now_ms)) return {Verdict::kThrottled, ""};
  Verified verified = Verify(lock, user, password, client, now_ms);
  if (verified.match == Match::kNone) return {Verdict::kDenied, ""};
  return {Verdict::kAllowed, sessions_.Start(std::move(verified.identity), now_ms)};
}

void Authenticator::SignOut(std::string_view session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.End(session);
}

}  // namespace cprof::server
