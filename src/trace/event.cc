#include "trace/event.h"

namespace cprof::trace {
namespace {

GoState FromGoStatus(uint64_t s) {
  switch (static_cast<GoStatus>(s)) {
    case GoStatus::kRunnable:
      return GoState::kRunnable;
    case GoStatus::kRunning:
      return GoState::kRunning;
    case GoStatus::kWaiting:
      return GoState::kWaiting;
    case GoStatus::kSyscall:
      return GoState::kSyscall;
    default:
      return GoState::kUndetermined;
  }
}

ProcState FromProcStatus(uint64_t s) {
  switch (static_cast<ProcStatus>(s)) {
    case ProcStatus::kRunning:
    case ProcStatus::kSyscall:
      return ProcState::kRunning;
    case ProcStatus::kIdle:
    case ProcStatus::kSyscallAbandoned:
      return ProcState::kIdle;
    default:
      return ProcState::kUndetermined;
  }
}

Transition GoTransition(int64_t id, GoState from, GoState to) {
  Transition t;
  t.goroutine = true;
  t.id = id;
  t.go_from = from;
  t.go_to = to;
  return t;
}

Transition ProcTransition(int64_t id, ProcState from, ProcState to) {
  Transition t;
  t.id = id;
  t.proc_from = from;
  t.proc_to = to;
  return t;
}

}  // namespace

Frame Tables::FrameOf(uint64_t pc) const {
  Frame f;
  f.pc = pc;
  auto it = pcs_.find(pc);
  if (it == pcs_.end()) return f;
  f.func = String(it->second.func);
  f.file = String(it->second.file);
  f.line = it->second.line;
  return f;
}

EventKind KindOf(const Event& e) {
  switch (e.type) {
    case kEvSync:
      return EventKind::kSync;
    case kEvCPUSample:
      return EventKind::kStackSample;
    case kEvProcsChange:
    case kEvHeapAlloc:
    case kEvHeapGoal:
      return EventKind::kMetric;
    case kEvSTWBegin:
    case kEvGCBegin:
    case kEvGCSweepBegin:
    case kEvGCMarkAssistBegin:
      return EventKind::kRangeBegin;
    case kEvGCActive:
    case kEvGCSweepActive:
    case kEvGCMarkAssistActive:
      return EventKind::kRangeActive;
    case kEvSTWEnd:
    case kEvGCEnd:
    case kEvGCSweepEnd:
    case kEvGCMarkAssistEnd:
      return EventKind::kRangeEnd;
    case kEvGoLabel:
      return EventKind::kLabel;
    case kEvUserTaskBegin:
      return EventKind::kTaskBegin;
    case kEvUserTaskEnd:
      return EventKind::kTaskEnd;
    case kEvUserRegionBegin:
      return EventKind::kRegionBegin;
    case kEvUserRegionEnd:
      return EventKind::kRegionEnd;
    case kEvUserLog:
      return EventKind::kLog;
    default:
      if (e.type >= kEvFirstExperimental) return EventKind::kExperimental;
      return EventKind::kStateTransition;
  }
}

uint64_t StackOf(const Event& e) {
  if (e.type == kEvSync) return 0;
  if (e.type == kEvCPUSample) return e.args[0];
  const EventSpec* spec = TimedSpec(e.type);
  if (spec == nullptr || spec->stack < 0) return 0;
  return e.args[spec->stack];
}

Transition TransitionOf(const Event& e) {
  Transition t;
  switch (e.type) {
    case kEvProcStart:
      return ProcTransition(static_cast<int64_t>(e.args[0]), ProcState::kIdle, ProcState::kRunning);
    case kEvProcStop:
      return ProcTransition(e.p, ProcState::kRunning, ProcState::kIdle);
    case kEvProcSteal:
      return ProcTransition(static_cast<int64_t>(e.args[0]),
                            static_cast<ProcStatus>(e.args[3]) == ProcStatus::kSyscallAbandoned
                                ? ProcState::kIdle
                                : ProcState::kRunning,
                            ProcState::kIdle);
    case kEvProcStatus:
      return ProcTransition(static_cast<int64_t>(e.args[0]), static_cast<ProcState>(e.args[2]),
                            FromProcStatus(e.args[1]));
    case kEvGoCreate:
    case kEvGoCreateBlocked:
      t = GoTransition(static_cast<int64_t>(e.args[0]), GoState::kNotExist,
                       e.type == kEvGoCreate ? GoState::kRunnable : GoState::kWaiting);
      t.stack = e.args[1];
      return t;
    case kEvGoCreateSyscall:
      return GoTransition(static_cast<int64_t>(e.args[0]), GoState::kNotExist, GoState::kSyscall);
    case kEvGoStart:
      return GoTransition(static_cast<int64_t>(e.args[0]), GoState::kRunnable, GoState::kRunning);
    case kEvGoDestroy:
      t = GoTransition(e.g, GoState::kRunning, GoState::kNotExist);
      t.stack = StackOf(e);
      return t;
    case kEvGoDestroySyscall:
      return GoTransition(e.g, GoState::kSyscall, GoState::kNotExist);
    case kEvGoStop:
    case kEvGoBlock:
      t = GoTransition(e.g, GoState::kRunning,
                       e.type == kEvGoStop ? GoState::kRunnable : GoState::kWaiting);
      t.reason = e.tables->String(e.args[0]);
      t.stack = StackOf(e);
      return t;
    case kEvGoUnblock:
    case kEvGoSwitch:
    case kEvGoSwitchDestroy:
      return GoTransition(static_cast<int64_t>(e.args[0]), GoState::kWaiting, GoState::kRunnable);
    case kEvGoSyscallBegin:
      t = GoTransition(e.g, GoState::kRunning, GoState::kSyscall);
      t.stack = StackOf(e);
      return t;
    case kEvGoSyscallEnd:
      return GoTransition(e.g, GoState::kSyscall, GoState::kRunning);
    case kEvGoSyscallEndBlocked:
      return GoTransition(e.g, GoState::kSyscall, GoState::kRunnable);
    case kEvGoStatus:
    case kEvGoStatusStack:
      return GoTransition(static_cast<int64_t>(e.args[0]),
                          static_cast<GoState>(e.args[e.type == kEvGoStatus ? 3 : 4]),
                          FromGoStatus(e.args[2]));
    default:
      return t;
  }
}

Range RangeOf(const Event& e) {
  Range r;
  switch (e.type) {
    case kEvSTWBegin:
    case kEvSTWEnd:
      r.name = "stop-the-world (" + std::string(e.tables->String(e.args[0])) + ")";
      r.scope = Scope::kGoroutine;
      r.id = e.g;
      break;
    case kEvGCBegin:
    case kEvGCActive:
    case kEvGCEnd:
      r.name = "GC concurrent mark phase";
      break;
    case kEvGCSweepBegin:
    case kEvGCSweepActive:
    case kEvGCSweepEnd:
      // internal/trace scopes all three to the event's P, GCSweepActive too.
      r.name = "GC incremental sweep";
      r.scope = Scope::kProc;
      r.id = e.p;
      break;
    default:  // GC mark assist
      r.name = "GC mark assist";
      r.scope = Scope::kGoroutine;
      r.id = e.type == kEvGCMarkAssistActive ? static_cast<int64_t>(e.args[0]) : e.g;
      break;
  }
  return r;
}

}  // namespace cprof::trace
