// What `cprofiler trace` prints and /api/trace/:id/... returns for a trace
// (query/trace_analysis.h): its summary, its goroutines grouped by start
// function (go tool trace's goroutine page), and its task and region types
// with latency histograms; as text tables and as JSON. Thread-safe: pure
// functions.
#ifndef CPROF_QUERY_TRACE_REPORT_H_
#define CPROF_QUERY_TRACE_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "query/trace_analysis.h"

namespace cprof::query {

// Goroutines with one start function, their times summed (nanoseconds).
struct GoroutineGroup {
  std::string name;  // "" for goroutines never seen with a stack
  int64_t count = 0;
  int64_t exec = 0;         // executing
  int64_t net_wait = 0;     // blocked on the network
  int64_t sync_block = 0;   // blocked on a channel, select or sync primitive
  int64_t other_block = 0;  // blocked for any other reason (sleep, GC, ...)
  int64_t syscall = 0;      // in syscalls, blocked there or not
  int64_t sched_wait = 0;   // runnable, not running
  int64_t gc = 0;           // in GC ranges: mark assists, sweeps, stop-the-world
  std::vector<int64_t> ids;
};

// The groups, by execution time, largest first (go tool trace's order),
// then by name.
std::vector<GoroutineGroup> GroupGoroutines(const trace::Summarizer& summary);

// The upper bounds (nanoseconds) of the latency histograms' buckets: 10us,
// 100us, 1ms, 10ms, 100ms, 1s, 10s; a last bucket holds the rest.
inline constexpr int64_t kLatencyBuckets[] = {10'000,      100'000,       1'000'000,     10'000'000,
                                              100'000'000, 1'000'000'000, 10'000'000'000};

// Go's time.Duration.String of `ns`: "1.5ms", "2m3.000000001s", "0s".
std::string GoDuration(int64_t ns);

std::string TraceSummaryText(const TraceAnalysis& a);
std::string TraceSummaryJson(const TraceAnalysis& a);
// One line a group: count and each time, as Go's durations.
std::string TraceGoroutinesText(const TraceAnalysis& a);
// `group`: only that start function's goroutines, listed one a line (its
// `ids` with their own times); "" for all groups.
std::string TraceGoroutinesJson(const TraceAnalysis& a, const std::string* group);
std::string TraceTasksText(const TraceAnalysis& a);
std::string TraceTasksJson(const TraceAnalysis& a);

}  // namespace cprof::query

#endif  // CPROF_QUERY_TRACE_REPORT_H_
