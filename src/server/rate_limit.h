// RateLimiter: requests a second per client address, as a token bucket
// each: an address may make `per_second` requests a second on average, in
// bursts of up to `burst`. For serve's push routes (a profile a request).
//
// Thread-safe.
#ifndef CPROF_SERVER_RATE_LIMIT_H_
#define CPROF_SERVER_RATE_LIMIT_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cprof::server {

class RateLimiter {
 public:
  // `per_second` 0: no limit.
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
  // Not copyable or movable.
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Whether `client` may make a request at `now_ms` (it then counts);
  // false: over its rate.
  bool Allow(std::string_view client, int64_t now_ms);

 private:
  // Addresses remembered at most: past it, those whose buckets are full
  // again (idle ones) are forgotten.
  static constexpr size_t kMaxClients = 100'000;
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;
  };

  const double per_second_;
  const double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;  // guarded by mu_
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_RATE_LIMIT_H_
