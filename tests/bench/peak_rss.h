// The benchmark programs' memory figure, printed beside their times: the
// process's peak resident set so far. Thread-safe (one system call).
#ifndef CPROF_TESTS_BENCH_PEAK_RSS_H_
#define CPROF_TESTS_BENCH_PEAK_RSS_H_

#include <sys/resource.h>

namespace cprof::bench {

// The calling process's peak resident set since it started (getrusage's
// ru_maxrss, which Linux counts in KiB, the same as /proc's VmHWM and GNU
// time's %M), in MB of 1,048,576 bytes, as tests/bench/lib.sh prints it;
// 0 if getrusage fails. It never goes down: after several steps in one
// process it is the largest of them, what the earlier ones still hold
// included.
inline double PeakRssMb() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024;
}

}  // namespace cprof::bench

#endif  // CPROF_TESTS_BENCH_PEAK_RSS_H_
