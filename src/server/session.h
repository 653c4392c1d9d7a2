// The login sessions of serve's web UI: a browser that signed in with the
// login form (server/login.h) presents a random session ID in a cookie. In
// memory only: a restart signs everyone out.
//
// A session ends kSessionIdleMs after its last use, kSessionLifetimeMs
// after its start, when it is removed (logout), or when the credential it
// signed in with leaves the auth file (RetainOnly). At most kMaxSessions
// live at once; a new one beyond that ends the least recently used.
// Sessions are kept by the SHA-256 of their ID, so a lookup's timing tells
// nothing about the IDs held.
//
// Thread-compatible: the Authenticator serializes its use.
#ifndef CPROF_SERVER_SESSION_H_
#define CPROF_SERVER_SESSION_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace cprof::server {

inline constexpr int64_t kSessionIdleMs = 12 * 3600 * 1000LL;
inline constexpr int64_t kSessionLifetimeMs = 7 * 24 * 3600 * 1000LL;
inline constexpr size_t kMaxSessions = 10'000;

class SessionStore {
 public:
  // A new session for `identity` (Credential::Identity) at `now_ms`; returns
  // its ID, 32 random bytes in hex, for the cookie.
  std::string Start(std::string identity, int64_t now_ms);
  // The identity of the live session `id` names at `now_ms` (valid until
  // the store next changes), whose idle time starts again; nullptr when
  // there is none. An expired one is removed.
  const std::string* Use(std::string_view id, int64_t now_ms);
  // Ends the session `id`, if any.
  void End(std::string_view id);
  // Ends every session whose identity is not in `identities`.
  void RetainOnly(const std::set<std::string, std::less<>>& identities);
  size_t size() const { return sessions_.size(); }

 private:
  struct Session {
    std::string identity;
    int64_t started_ms = 0;
    int64_t used_ms = 0;
  };
  void EndLeastRecentlyUsed();

  std::map<std::string, Session, std::less<>> sessions_;  // by SHA-256 of the ID
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_SESSION_H_
