#include "server/rate_limit.h"

#include <algorithm>

namespace cprof::server {

bool RateLimiter::Allow(std::string_view client, int64_t now_ms) {
  if (per_second_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto refill = [&](Bucket& b) {
    b.tokens =
        std::min(burst_, b.tokens + per_second_ * static_cast<double>(now_ms - b.at_ms) / 1e3);
    b.at_ms = std::max(b.at_ms, now_ms);
  };
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxClients) {
      for (auto old = buckets_.begin(); old != buckets_.end();) {
        refill(old->second);
        old = old->second.tokens >= burst_ ? buckets_.erase(old) : std::next(old);
      }
    }
    it = buckets_.emplace(std::string(client), Bucket{burst_, now_ms}).first;
  }
  Bucket& b = it->second;
  refill(b);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace cprof::server
