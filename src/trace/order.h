// The state machine that orders a generation's events (internal/trace's
// order.go): each thread's batch is in order, but threads interleave, and
// clocks disagree; an event may come next only when the goroutine, P or M
// it acts on is in the state it needs (sequence numbers included). The
// reader offers events by timestamp and asks Advance; those it accepts
// (plus any it implies, as a GoSwitch's GoBlock and GoStart) come out of
// Next with their scheduling context. Not thread-safe.
#ifndef CPROF_TRACE_ORDER_H_
#define CPROF_TRACE_ORDER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "trace/event.h"

namespace cprof::trace {

class Ordering {
 public:
  // Whether `ev` (read from thread `m`'s batch of generation `gen`, its
  // context not yet set) can happen now: true and queued (its old-state
  // arguments filled in), false when another event must come first, or
  // Corruption when it can never happen.
  Result<bool> Advance(Event ev, const Tables* tables, ThreadId m, uint64_t gen);
  // The next queued event into *out; false when none is queued.
  bool Next(Event* out);

 private:
  struct Seq {
    uint64_t gen = 0, seq = 0;
    bool Succeeds(Seq b) const { return gen == b.gen && seq == b.seq + 1; }
  };
  struct RangeKey {
    uint8_t type;
    uint64_t desc;
    bool operator==(const RangeKey&) const = default;
  };
  struct Ranges {
    std::vector<RangeKey> in_flight;
    bool Has(RangeKey k) const;
    Status Begin(RangeKey k);
    Status Active(RangeKey k, bool initial_gen);
    Result<uint64_t> End(uint8_t start_type);
  };
  struct Region {
    uint64_t task;
    std::string name;
    bool operator==(const Region&) const = default;
  };
  struct GState {
    GoStatus status = GoStatus::kBad;
    Seq seq;
    std::vector<Region> regions;
    Ranges ranges;
  };
  struct PState {
    ProcStatus status = ProcStatus::kBad;
    Seq seq;
    Ranges ranges;
  };
  struct MState {
    GoId g = kNoGoroutine;
    ProcId p = kNoProc;
  };
  struct Ctx {
    GoId g = kNoGoroutine;
    ProcId p = kNoProc;
    ThreadId m = kNoThread;
  };
  // What a handler returns: the thread's new context, and whether the event
  // happened.
  struct Step {
    Ctx ctx;
    bool ok = false;
  };
  using Handler = Result<Step> (Ordering::*)(Event& ev, Ctx cur, uint64_t gen);

  static Handler HandlerFor(uint8_t type);
  void Push(const Event& ev, Ctx ctx);
  Status CheckUserGo(Ctx ctx, const Event& ev) const;
  GState* FindG(GoId id);
  PState* FindP(ProcId id);

  Result<Step> ProcStatusEv(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> ProcStart(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> ProcStop(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> ProcSteal(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoStatusEv(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoCreate(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoStopExec(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoStart(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoUnblock(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoSwitch(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoSyscallBegin(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoSyscallEnd(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoSyscallEndBlocked(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoCreateSyscall(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoDestroySyscall(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> UserTaskBegin(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> UserTaskEnd(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> UserRegion(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GCActive(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GCBegin(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GCEnd(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> Annotation(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> OnProc(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> SweepBegin(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> SweepActive(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> SweepEnd(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoRangeBegin(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoRangeActive(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> GoRangeEnd(Event& ev, Ctx cur, uint64_t gen);
  Result<Step> AllocFree(Event& ev, Ctx cur, uint64_t gen);

  std::unordered_map<GoId, GState> g_;
  std::unordered_map<ProcId, PState> p_;
  std::unordered_map<ThreadId, MState> m_;
  MState* last_m_ = nullptr;  // m_'s element for last_m_id_
  ThreadId last_m_id_ = kNoThread;
  std::unordered_set<TaskId> active_tasks_;
  uint64_t gc_seq_ = 0;
  enum class GC : uint8_t { kUndetermined, kNotRunning, kRunning } gc_ = GC::kUndetermined;
  uint64_t initial_gen_ = 0;
  const Tables* tables_ = nullptr;  // the current event's
  std::deque<Event> queue_;
};

}  // namespace cprof::trace

#endif  // CPROF_TRACE_ORDER_H_
