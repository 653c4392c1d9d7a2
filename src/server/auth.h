// Who may read the archive through serve: the credentials of an auth file
// (serve --auth-file). One credential a line, `#` starting a comment:
//
//   ROLE token SHA256-HEX-OF-THE-TOKEN
//   ROLE user NAME BCRYPT-HASH
//
// ROLE is `read` (every route that reads), `write` (only the routes that
// push profiles in: POST /api/0/profiles and /ingest, for agents that
// should not read what others pushed) or `admin` (both). A request presents a token as
// `Authorization: Bearer TOKEN`, or as the password of HTTP basic authentication (any user name:
// what `go tool pprof http://x:TOKEN@host/...` sends); a user presents NAME
// and password by basic authentication. Only hashes are stored: tokens'
// SHA-256, compared in constant time, and users' bcrypt hashes ($2b$, cost
// 12 by default: some 250 ms a check), whose check compares in constant
// time too. A browser may sign in with the login form instead (a user's
// name and password, or a token) and present a session cookie
// (server/session.h); a session ends when its credential leaves the file.
// A successful basic check is remembered (by the SHA-256 of the
// header, at most kMaxRememberedLogins, forgotten when the file changes),
// so that a browser sending it with every request pays bcrypt once. The
// file is read again when it changes. A client address with kMaxFailures
// failed attempts within kFailureWindowMs is refused (429) for the rest of
// that window, whatever it presents; a password check counts as failed
// while it runs, so parallel guesses cannot outrun the limit.
//
// Thread-safe.
#ifndef CPROF_SERVER_AUTH_H_
#define CPROF_SERVER_AUTH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "server/session.h"

namespace cprof::server {

inline constexpr int kMaxFailures = 5;
inline constexpr int64_t kFailureWindowMs = 60'000;
inline constexpr size_t kMaxRememberedLogins = 1024;
// bcrypt's cost for new passwords: 2^12 rounds, ~250 ms a check on a 2020s
// core (OWASP's floor is 10).
inline constexpr int kDefaultBcryptCost = 12;
// bcrypt reads no further than this; longer passwords are refused rather
// than silently cut.
inline constexpr size_t kMaxPasswordBytes = 72;

struct Credential {
  std::string role;          // "read", "write" or "admin"
  std::string token_sha256;  // a token's: 64 lowercase hex digits; "" for a user
  std::string user;          // a user's name; "" for a token
  std::string bcrypt_hash;   // a user's: "$2b$12$..." (60 characters); "" for a token

  // Its line's words (role, kind, name, hash): what tells whether a
  // credential is still in the file after a change.
  std::string Identity() const;
};

// Parses an auth file; `source` names it in errors (with the line).
Result<std::vector<Credential>> ParseAuthFile(std::string_view text, std::string_view source);

// A new random token (32 bytes, hex) and its credential line.
std::pair<std::string, std::string> NewTokenLine(std::string_view role);

// InvalidArgument unless `name` is a usable user name: 1 to 64 bytes, no
// whitespace, control characters, ':' (basic authentication's separator)
// or '#' (the file's comments).
Status CheckUserName(std::string_view name);
// InvalidArgument for an empty password or one over kMaxPasswordBytes.
Status CheckPassword(std::string_view password);

// `password`'s bcrypt hash ($2b$, `cost` 4..31, a random salt), as
// libxcrypt's crypt makes it. InvalidArgument for a cost out of range,
// IOError when libxcrypt fails.
Result<std::string> HashPassword(std::string_view password, int cost = kDefaultBcryptCost);
// Whether `password` hashes to `bcrypt_hash` (compared in constant time);
// false for a malformed hash too. Takes 2^cost rounds of bcrypt.
bool VerifyPassword(std::string_view password, std::string_view bcrypt_hash);

// A user's credential line: `role user NAME HASH`. The name and password
// are checked (CheckUserName, CheckPassword).
Result<std::string> NewUserLine(std::string_view role, std::string_view name,
                                std::string_view password, int cost = kDefaultBcryptCost);

class Authenticator {
 public:
  // Reads `file` now (an error is fatal to serve) and again when it changes
  // (an error then keeps the last good credentials, and is logged).
  static Result<std::unique_ptr<Authenticator>> Open(fs::path file);

  // kForbidden: a good credential whose role does not allow the access.
  enum class Verdict { kAllowed, kDenied, kThrottled, kForbidden };
  // What a request wants: to read, or to push profiles in.
  enum class Access { kRead, kWrite };
  // What a request presents.
  struct Presented {
    std::string_view authorization;  // the Authorization header, "" if none
    std::string_view session;        // the session cookie's value, "" if none
  };
  // Whether what the client at `client` (its address) presents lets it in
  // for `access`, at `now_ms`: a live session, else the Authorization
  // header, of a role that allows it (else kForbidden, not a failure). A
  // wrong header counts as a failure; no header, or a session that ended,
  // does not. A user's password check runs without the lock held.
  Verdict Check(const Presented& presented, std::string_view client, int64_t now_ms,
                Access access = Access::kRead);

  // The login form's check of `user` and `password` (a user's, or a token
  // as the password with any user or none), counted as Check counts.
  // `session` is the new session's ID when `verdict` is kAllowed.
  struct SignedIn {
    Verdict verdict = Verdict::kDenied;
    std::string session;
  };
  SignedIn SignIn(std::string_view user, std::string_view password, std::string_view client,
                  int64_t now_ms);
  // Ends the session `session` (logout); nothing if there is none.
  void SignOut(std::string_view session);

 private:
  explicit Authenticator(fs::path file) : file_(std::move(file)) {}
  Status Reload();  // when the file changed; mu_ held
  // Reload, with an error logged (the last good credentials kept).
  void ReloadOrLog();
  struct Failures {
    int64_t window_start_ms = 0;
    int count = 0;
  };
  // `client`'s failures in the current window (created at 0 with
  // `create`); nullptr if none.
  Failures* FailuresOf(std::string_view client, int64_t now_ms, bool create);
  // What `password` matches: a token of the file (any `user`), or the
  // password of `user`. kNone counts as a failure of `client`. A password
  // check runs with `lock` (on mu_) released, counted as a failure until
  // it succeeds.
  enum class Match { kNone, kToken, kPassword };
  struct Verified {
    Match match = Match::kNone;
    std::string identity;  // the matching credential's
  };
  Verified Verify(std::unique_lock<std::mutex>& lock, std::string_view user,
                  std::string_view password, std::string_view client, int64_t now_ms);
  // The identity of the token credential `token` matches; "" for none.
  // mu_ held.
  std::string MatchingToken(std::string_view token) const;
  // Whether `client` is throttled at `now_ms`. mu_ held.
  bool Throttled(std::string_view client, int64_t now_ms);

  const fs::path file_;
  std::mutex mu_;
  std::vector<Credential> credentials_;
  uint64_t generation_ = 0;  // counts the credential sets read
  // bcrypt checks running at once: half the cores, so that guesses from
  // many addresses cannot take the CPU from serving.
  std::counting_semaphore<64> bcrypt_slots_{BcryptSlots()};
  static std::ptrdiff_t BcryptSlots();
  std::optional<FileStamp> stamp_;                         // of the file last read
  std::map<std::string, Failures, std::less<>> failures_;  // by client address
  // SHA-256 of basic Authorization headers that passed a password check ->
  // the identity they matched.
  std::map<std::string, std::string, std::less<>> remembered_logins_;
  SessionStore sessions_;
};

// Whether the credential of `identity` (Credential::Identity, which starts
// with its role) may have `access`: read and write their own, admin both.
bool RoleAllows(std::string_view identity, Authenticator::Access access);

}  // namespace cprof::server

#endif  // CPROF_SERVER_AUTH_H_
