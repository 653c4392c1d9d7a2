// Who may read the archive through serve: the tokens of an auth file
// (serve --auth-file). One credential a line, `#` starting a comment:
//
//   ROLE token SHA256-HEX-OF-THE-TOKEN
//
// ROLE is `read` (every route) or `admin` (the same today; for what may
// ever write). A request presents its token as `Authorization: Bearer
// TOKEN`, or as the password of HTTP basic authentication (any user name:
// what browsers and `go tool pprof http://x:TOKEN@host/...` send). Only
// hashes are stored; they are compared in constant time. The file is read
// again when it changes. A client address with kMaxFailures failed
// attempts within kFailureWindowMs is refused (429) for the rest of that
// window, whatever it presents.
//
// Thread-safe.
#ifndef CPROF_SERVER_AUTH_H_
#define CPROF_SERVER_AUTH_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs.h"

namespace cprof::server {

inline constexpr int kMaxFailures = 5;
inline constexpr int64_t kFailureWindowMs = 60'000;

struct Credential {
  std::string role;         // "read" or "admin"
  std::string token_sha256; // 64 lowercase hex digits
};

// Parses an auth file; `source` names it in errors (with the line).
Result<std::vector<Credential>> ParseAuthFile(std::string_view text, std::string_view source);

// A new random token (32 bytes, hex) and its credential line.
std::pair<std::string, std::string> NewTokenLine(std::string_view role);

class Authenticator {
 public:
  // Reads `file` now (an error is fatal to serve) and again when it changes
  // (an error then keeps the last good credentials, and is logged).
  static Result<std::unique_ptr<Authenticator>> Open(fs::path file);

  enum class Verdict { kAllowed, kDenied, kThrottled };
  // Whether the `Authorization` header `authorization` ("" if none) lets
  // the client at `client` (its address) in, at `now_ms`.
  Verdict Check(std::string_view authorization, std::string_view client, int64_t now_ms);

 private:
  explicit Authenticator(fs::path file) : file_(std::move(file)) {}
  Status Reload();  // when the file changed; mu_ held

  const fs::path file_;
  std::mutex mu_;
  std::vector<Credential> credentials_;
  std::optional<FileStamp> stamp_;  // of the file last read
  struct Failures {
    int64_t window_start_ms = 0;
    int count = 0;
  };
  std::map<std::string, Failures, std::less<>> failures_;  // by client address
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_AUTH_H_
