// What a trace says about each goroutine, task and region, summed as Go's
// internal/trace Summarizer sums it (summary.go), which go tool trace's
// goroutine, task and region pages show: per goroutine its start function,
// when it was created, first ran and ended, and its time executing,
// runnable, blocked (by reason), in syscalls and in GC ranges. Fed the
// reader's events in order; memory is one summary a goroutine and one a
// task and region type. Not thread-safe.
#ifndef CPROF_TRACE_SUMMARY_H_
#define CPROF_TRACE_SUMMARY_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace/event.h"

namespace cprof::trace {

// Durations in nanoseconds (internal/trace's GoroutineExecStats).
struct ExecStats {
  int64_t exec = 0;
  int64_t sched_wait = 0;
  std::map<std::string, int64_t> block_by_reason;  // "network", "chan receive", ...
  int64_t syscall = 0;
  int64_t syscall_block = 0;
  int64_t total = 0;
  std::map<std::string, int64_t> range_time;  // "GC mark assist", "stop-the-world (...)"
};

struct GoroutineSummary {
  GoId id = 0;
  std::string name;  // its start function ("" when never seen with a stack)
  uint64_t pc = 0;
  Time creation = 0;  // first seen
  Time start = 0;     // first ran; 0 if never
  Time end = 0;       // exited; 0 if not
  ExecStats stats;

  // In flight: when the current state began (0: not in it).
  Time last_start = 0, last_runnable = 0, last_block = 0, last_syscall = 0, last_syscall_block = 0;
  std::string last_block_reason;
  std::map<std::string, Time> last_range;
};

// Durations of finished tasks or regions of one type (name), for a
// histogram; count includes unfinished ones.
struct SpanType {
  // One task or region: when, and on which goroutine it began.
  struct Instance {
    Time start = 0, end = 0;
    GoId g = kNoGoroutine;
  };
  static constexpr size_t kSlowest = 5;

  std::string name;
  int64_t count = 0;
  std::vector<int64_t> durations;  // nanoseconds, of those with a known start and end
  std::vector<Instance> slowest;   // the kSlowest longest of those, longest first
};

struct TraceCounts {
  int64_t events = 0;
  std::array<int64_t, 256> by_type{};  // by event type (trace/format.h)
  int64_t generations = 0;
  int64_t gcs = 0;          // GC cycles begun
  int64_t stws = 0;         // stop-the-world pauses
  int64_t max_procs = 0;    // largest GOMAXPROCS seen
  int64_t cpu_samples = 0;  // CPU profile samples carried
  int64_t logs = 0;         // trace.Log calls
};

class Summarizer {
 public:
  void Add(const Event& ev);
  // Closes what is still in flight at the last event (internal/trace's
  // Finalize). Call once, after the last event.
  void Finalize();

  const std::unordered_map<GoId, GoroutineSummary>& goroutines() const { return gs_; }
  const GoroutineSummary* Find(GoId id) const;
  const std::map<std::string, SpanType>& task_types() const { return task_types_; }
  const std::map<std::string, SpanType>& region_types() const { return region_types_; }
  const TraceCounts& counts() const { return counts_; }
  Time start_time() const { return first_ts_; }
  Time end_time() const { return last_ts_; }

 private:
  struct OpenSpan {
    std::string name;
    Time start = 0;  // 0: began before the trace
    GoId g = kNoGoroutine;
  };
  // Find, for the summarizer's own updates.
  GoroutineSummary* Mutable(GoId id);
  static void Snapshot(const GoroutineSummary& g, Time ts, ExecStats* out);
  void FinalizeG(GoroutineSummary* g, Time ts, const Event* trigger);
  void Transition(const Event& ev);
  void RangeStart(const Event& ev);
  void RangeEnd(const Event& ev);
  void Task(const Event& ev);
  void Region(const Event& ev);
  void CloseSpan(std::map<std::string, SpanType>* types, const OpenSpan& span, Time end);

  std::unordered_map<GoId, GoroutineSummary> gs_;
  std::unordered_map<ProcId, GoId> syscalling_p_;
  std::unordered_map<GoId, ProcId> syscalling_g_;
  std::map<std::pair<ProcId, std::string>, GoId> ranges_p_;
  std::unordered_map<GoId, std::vector<OpenSpan>> regions_;  // active, per goroutine
  std::unordered_map<TaskId, OpenSpan> tasks_;               // begun, not ended
  std::map<std::string, SpanType> task_types_, region_types_;
  TraceCounts counts_;
  Time first_ts_ = 0, last_ts_ = 0, sync_ts_ = 0;
};

}  // namespace cprof::trace

#endif  // CPROF_TRACE_SUMMARY_H_
