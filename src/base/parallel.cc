#include "base/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace cprof {

void ParallelFor(size_t count, size_t workers,
                 const std::function<void(size_t worker, size_t i)>& fn) {
  workers = std::max<size_t>(1, std::min(workers, count));
  std::atomic<size_t> next = 0;
  auto work = [&](size_t worker) {
    for (size_t i = next++; i < count; i = next++) fn(worker, i);
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
}

Status ParallelForUntilError(size_t count, size_t workers,
                             const std::function<Status(size_t i)>& fn) {
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first;
  ParallelFor(count, workers, [&](size_t, size_t i) {
    if (failed.load()) return;
    Status s = fn(i);
    if (s.ok()) return;
    failed = true;
    std::lock_guard<std::mutex> lock(mu);
    if (first.ok()) first = std::move(s);
  });
  return first;
}

}  // namespace cprof
