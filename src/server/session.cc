#include "server/session.h"

#include <sys/random.h>

#include "base/hash.h"

namespace cprof::server {
namespace {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  return HexOf(raw);
}

}  // namespace

std::string SessionStore::Start(std::string identity, int64_t now_ms) {
  if (sessions_.size() >= kMaxSessions) EndLeastRecentlyUsed();
  std::string id = RandomHex(32);
  sessions_[Sha256Hex(id)] = Session{std::move(identity), now_ms, now_ms};
  return id;
}

const std::string* SessionStore::Use(std::string_view id, int64_t now_ms) {
  if (id.empty()) return nullptr;
  auto it = sessions_.find(Sha256Hex(id));
  if (it == sessions_.end()) return nullptr;
  Session& s = it->second;
  if (now_ms - s.used_ms >= kSessionIdleMs || now_ms - s.started_ms >= kSessionLifetimeMs) {
    sessions_.erase(it);
    return nullptr;
  }
  s.used_ms = std::max(s.used_ms, now_ms);
  return &s.identity;
}

void SessionStore::End(std::string_view id) {
  if (auto it = sessions_.find(Sha256Hex(id)); it != sessions_.end()) sessions_.erase(it);
}

void SessionStore::RetainOnly(const std::set<std::string, std::less<>>& identities) {
  std::erase_if(sessions_,
                [&](const auto& kv) { return !identities.contains(kv.second.identity); });
}

void SessionStore::EndLeastRecentlyUsed() {
  auto oldest = sessions_.begin();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.used_ms < oldest->second.used_ms) oldest = it;
  }
  if (oldest != sessions_.end()) sessions_.erase(oldest);
}

}  // namespace cprof::server
