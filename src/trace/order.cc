#include "trace/order.h"

#include <algorithm>

namespace cprof::trace {
namespace {

enum class Req : uint8_t { kMust, kMustNot, kMay };

template <typename Ctx>
Status CheckCtx(const Ctx& c, Req thread, Req proc, Req g) {
  if (thread == Req::kMust && c.m == kNoThread) {
    return Status::Corruption("expected a thread but had none");
  }
  if (proc == Req::kMust && c.p == kNoProc) return Status::Corruption("expected a P but had none");
  if (proc == Req::kMustNot && c.p != kNoProc)
    return Status::Corruption("expected no P but had one");
  if (g == Req::kMust && c.g == kNoGoroutine) {
    return Status::Corruption("expected a goroutine but had none");
  }
  if (g == Req::kMustNot && c.g != kNoGoroutine) {
    return Status::Corruption("expected no goroutine but had one");
  }
  return Status::OK();
}

std::string Name(const Event& ev) { return std::string(EventName(ev.type)); }

// A range's start event type: the one ranges are keyed by.
uint8_t StartOf(uint8_t type) {
  switch (type) {
    case kEvSTWEnd:
      return kEvSTWBegin;
    case kEvGCActive:
    case kEvGCEnd:
      return kEvGCBegin;
    case kEvGCSweepActive:
    case kEvGCSweepEnd:
      return kEvGCSweepBegin;
    case kEvGCMarkAssistActive:
    case kEvGCMarkAssistEnd:
      return kEvGCMarkAssistBegin;
    default:
      return type;
  }
}

}  // namespace

bool Ordering::Ranges::Has(RangeKey k) const {
  return std::find(in_flight.begin(), in_flight.end(), k) != in_flight.end();
}

Status Ordering::Ranges::Begin(RangeKey k) {
  if (Has(k)) return Status::Corruption("range " + std::string(EventName(k.type)) + " begun twice");
  in_flight.push_back(k);
  return Status::OK();
}

Status Ordering::Ranges::Active(RangeKey k, bool initial_gen) {
  if (initial_gen) {
    if (Has(k)) return Status::Corruption("active range already in flight in the first generation");
    in_flight.push_back(k);
  } else if (!Has(k)) {
    return Status::Corruption("active range " + std::string(EventName(k.type)) + " not in flight");
  }
  return Status::OK();
}

Result<uint64_t> Ordering::Ranges::End(uint8_t start_type) {
  auto it = std::find_if(in_flight.begin(), in_flight.end(),
                         [&](const RangeKey& r) { return r.type == start_type; });
  if (it == in_flight.end()) {
    return Status::Corruption("ended range " + std::string(EventName(start_type)) +
                              " that is not in flight");
  }
  uint64_t desc = it->desc;
  *it = in_flight.back();
  in_flight.pop_back();
  return desc;
}

Ordering::Handler Ordering::HandlerFor(uint8_t type) {
  switch (type) {
    case kEvProcsChange:
    case kEvGoLabel:
    case kEvUserLog:
      return &Ordering::Annotation;
    case kEvProcStart:
      return &Ordering::ProcStart;
    case kEvProcStop:
      return &Ordering::ProcStop;
    case kEvProcSteal:
      return &Ordering::ProcSteal;
    case kEvProcStatus:
      return &Ordering::ProcStatusEv;
    case kEvGoCreate:
    case kEvGoCreateBlocked:
      return &Ordering::GoCreate;
    case kEvGoCreateSyscall:
      return &Ordering::GoCreateSyscall;
    case kEvGoStart:
      return &Ordering::GoStart;
    case kEvGoDestroy:
    case kEvGoStop:
    case kEvGoBlock:
      return &Ordering::GoStopExec;
    case kEvGoDestroySyscall:
      return &Ordering::GoDestroySyscall;
    case kEvGoUnblock:
      return &Ordering::GoUnblock;
    case kEvGoSyscallBegin:
      return &Ordering::GoSyscallBegin;
    case kEvGoSyscallEnd:
      return &Ordering::GoSyscallEnd;
    case kEvGoSyscallEndBlocked:
      return &Ordering::GoSyscallEndBlocked;
    case kEvGoStatus:
    case kEvGoStatusStack:
      return &Ordering::GoStatusEv;
    case kEvSTWBegin:
    case kEvGCMarkAssistBegin:
      return &Ordering::GoRangeBegin;
    case kEvSTWEnd:
    case kEvGCMarkAssistEnd:
      return &Ordering::GoRangeEnd;
    case kEvGCMarkAssistActive:
      return &Ordering::GoRangeActive;
    case kEvGCActive:
      return &Ordering::GCActive;
    case kEvGCBegin:
      return &Ordering::GCBegin;
    case kEvGCEnd:
      return &Ordering::GCEnd;
    case kEvGCSweepActive:
      return &Ordering::SweepActive;
    case kEvGCSweepBegin:
      return &Ordering::SweepBegin;
    case kEvGCSweepEnd:
      return &Ordering::SweepEnd;
    case kEvHeapAlloc:
    case kEvHeapGoal:
      return &Ordering::OnProc;
    case kEvUserTaskBegin:
      return &Ordering::UserTaskBegin;
    case kEvUserTaskEnd:
      return &Ordering::UserTaskEnd;
    case kEvUserRegionBegin:
    case kEvUserRegionEnd:
      return &Ordering::UserRegion;
    case kEvGoSwitch:
    case kEvGoSwitchDestroy:
      return &Ordering::GoSwitch;
    default:
      if (type >= kEvFirstExperimental && type <= kEvLastExperimental) {
        return &Ordering::AllocFree;
      }
      return nullptr;
  }
}

Result<bool> Ordering::Advance(Event ev, const Tables* tables, ThreadId m, uint64_t gen) {
  if (initial_gen_ == 0) initial_gen_ = gen;
  tables_ = tables;
  Ctx cur;
  cur.m = m;
  MState* ms = nullptr;
  if (m != kNoThread) {
    // Elements of an unordered_map stay put, and Ms are never removed: the
    // last one looked up (most often the next event's) is remembered.
    if (last_m_ == nullptr || last_m_id_ != m) {
      last_m_ = &m_[m];
      last_m_id_ = m;
    }
    ms = last_m_;
    cur.p = ms->p;
    cur.g = ms->g;
  }
  Handler h = HandlerFor(ev.type);
  if (h == nullptr) return Status::Corruption("bad event type " + std::to_string(ev.type));
  CPROF_ASSIGN_OR_RETURN(Step step, (this->*h)(ev, cur, gen));
  if (step.ok && ms != nullptr) {
    ms->p = step.ctx.p;
    ms->g = step.ctx.g;
  }
  return step.ok;
}

bool Ordering::Next(Event* out) {
  if (queue_.empty()) return false;
  *out = queue_.front();
  queue_.pop_front();
  return true;
}

void Ordering::Push(const Event& ev, Ctx ctx) {
  Event e = ev;
  e.g = ctx.g;
  e.p = ctx.p;
  e.m = ctx.m;
  e.tables = tables_;
  queue_.push_back(e);
}

Status Ordering::CheckUserGo(Ctx ctx, const Event& ev) const {
  Status s = CheckCtx(ctx, Req::kMust, Req::kMust, Req::kMust);
  return s.ok() ? s : s.WithContext(Name(ev));
}

Ordering::GState* Ordering::FindG(GoId id) {
  auto it = g_.find(id);
  return it == g_.end() ? nullptr : &it->second;
}

Ordering::PState* Ordering::FindP(ProcId id) {
  auto it = p_.find(id);
  return it == p_.end() ? nullptr : &it->second;
}

Result<Ordering::Step> Ordering::ProcStatusEv(Event& ev, Ctx cur, uint64_t gen) {
  const ProcId pid = static_cast<ProcId>(ev.args[0]);
  const uint64_t raw = ev.args[1];
  if (raw > static_cast<uint64_t>(ProcStatus::kSyscallAbandoned)) {
    return Status::Corruption("invalid status for P " + std::to_string(pid));
  }
  auto status = static_cast<ProcStatus>(raw);
  ProcState old_state = status == ProcStatus::kRunning || status == ProcStatus::kSyscall
                            ? ProcState::kRunning
                        : status == ProcStatus::kBad ? ProcState::kUndetermined
                                                     : ProcState::kIdle;
  if (PState* s = FindP(pid)) {
    if (status == ProcStatus::kSyscallAbandoned && s->status == ProcStatus::kSyscall) {
      old_state = ProcState::kRunning;
      ev.args[1] = static_cast<uint64_t>(ProcStatus::kSyscall);
    } else if (status == ProcStatus::kSyscallAbandoned &&
               s->status == ProcStatus::kSyscallAbandoned) {
      old_state = ProcState::kIdle;
    } else if (s->status != status) {
      return Status::Corruption("inconsistent status for P " + std::to_string(pid));
    }
    s->seq = Seq{gen, 0};
  } else {
    p_[pid] = PState{status, Seq{gen, 0}, {}};
    old_state = gen == initial_gen_ ? ProcState::kUndetermined : ProcState::kNotExist;
  }
  ev.args[2] = static_cast<uint64_t>(old_state);
  Ctx next = cur;
  if (status == ProcStatus::kRunning || status == ProcStatus::kSyscall) next.p = pid;
  if (status == ProcStatus::kSyscallAbandoned && old_state == ProcState::kRunning) {
    // The P is about to be stolen: the event happens on the thread that
    // had it.
    bool found = false;
    for (const auto& [mid, ms] : m_) {
      if (ms.p == pid) {
        cur.m = mid;
        cur.p = pid;
        cur.g = ms.g;
        found = true;
      }
    }
    if (!found) {
      return Status::Corruption("no thread for P " + std::to_string(pid) + " about to be stolen");
    }
  }
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::ProcStart(Event& ev, Ctx cur, uint64_t gen) {
  const ProcId pid = static_cast<ProcId>(ev.args[0]);
  const Seq seq{gen, ev.args[1]};
  PState* s = FindP(pid);
  if (s == nullptr || s->status != ProcStatus::kIdle || !seq.Succeeds(s->seq) || cur.p != kNoProc) {
    return Step{cur, false};
  }
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMustNot, Req::kMay));
  s->status = ProcStatus::kRunning;
  s->seq = seq;
  Ctx next = cur;
  next.p = pid;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::ProcStop(Event& ev, Ctx cur, uint64_t) {
  PState* s = FindP(cur.p);
  if (s == nullptr) return Status::Corruption("ProcStop for a P that does not exist");
  if (s->status != ProcStatus::kRunning && s->status != ProcStatus::kSyscall) {
    return Status::Corruption("ProcStop for a P that is not running");
  }
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMay));
  s->status = ProcStatus::kIdle;
  Ctx next = cur;
  next.p = kNoProc;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::ProcSteal(Event& ev, Ctx cur, uint64_t gen) {
  const ProcId pid = static_cast<ProcId>(ev.args[0]);
  const Seq seq{gen, ev.args[1]};
  PState* s = FindP(pid);
  if (s == nullptr ||
      (s->status != ProcStatus::kSyscall && s->status != ProcStatus::kSyscallAbandoned) ||
      !seq.Succeeds(s->seq)) {
    return Step{cur, false};
  }
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMay, Req::kMay));
  const ProcStatus old = s->status;
  ev.args[3] = static_cast<uint64_t>(old);
  s->status = ProcStatus::kIdle;
  s->seq = seq;
  if (old == ProcStatus::kSyscallAbandoned) {
    Push(ev, cur);
    return Step{cur, true};
  }
  const ThreadId mid = static_cast<ThreadId>(ev.args[2]);
  Ctx next = cur;
  if (mid == cur.m) {
    if (cur.p != pid) return Status::Corruption("self-steal of a P the thread does not have");
    next.p = kNoProc;
    Push(ev, cur);
    return Step{next, true};
  }
  auto it = m_.find(mid);
  if (it == m_.end()) return Status::Corruption("P stolen from a thread that does not exist");
  if (it->second.p != pid)
    return Status::Corruption("P stolen from a thread that does not have it");
  it->second.p = kNoProc;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoStatusEv(Event& ev, Ctx cur, uint64_t gen) {
  const GoId gid = static_cast<GoId>(ev.args[0]);
  const ThreadId mid = static_cast<ThreadId>(ev.args[1]);
  const uint64_t raw = ev.args[2];
  if (raw > static_cast<uint64_t>(GoStatus::kWaiting)) {
    return Status::Corruption("invalid status for goroutine " + std::to_string(gid));
  }
  const auto status = static_cast<GoStatus>(raw);
  GoState old_state = GoState::kUndetermined;
  switch (status) {
    case GoStatus::kRunnable:
      old_state = GoState::kRunnable;
      break;
    case GoStatus::kRunning:
      old_state = GoState::kRunning;
      break;
    case GoStatus::kSyscall:
      old_state = GoState::kSyscall;
      break;
    case GoStatus::kWaiting:
      old_state = GoState::kWaiting;
      break;
    case GoStatus::kBad:
      break;
  }
  if (GState* s = FindG(gid)) {
    if (s->status != status) {
      return Status::Corruption("inconsistent status for goroutine " + std::to_string(gid));
    }
    s->seq = Seq{gen, 0};
  } else if (gen == initial_gen_) {
    GState& g = g_[gid];
    g.status = status;
    g.seq = Seq{gen, 0};
    old_state = GoState::kUndetermined;
  } else {
    return Status::Corruption("status of new goroutine " + std::to_string(gid) +
                              " after the first generation");
  }
  ev.args[ev.type == kEvGoStatus ? 3 : 4] = static_cast<uint64_t>(old_state);
  Ctx next = cur;
  if (status == GoStatus::kRunning) {
    next.g = gid;
  } else if (status == GoStatus::kSyscall) {
    if (mid == kNoThread) {
      return Status::Corruption("goroutine " + std::to_string(gid) +
                                " in a syscall without a thread");
    }
    if (mid == cur.m) {
      if (gen != initial_gen_ && cur.g != gid) {
        return Status::Corruption("inconsistent thread for syscalling goroutine " +
                                  std::to_string(gid));
      }
      next.g = gid;
    } else {
      auto it = m_.find(mid);
      if (it != m_.end()) {
        if (it->second.g != gid) {
          return Status::Corruption("inconsistent thread for syscalling goroutine " +
                                    std::to_string(gid));
        }
        cur.g = it->second.g;
      } else {
        m_[mid] = MState{gid, kNoProc};
      }
      cur.m = mid;
    }
  }
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoCreate(Event& ev, Ctx cur, uint64_t gen) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMay));
  if (GState* s = FindG(cur.g); s != nullptr && s->status != GoStatus::kRunning) {
    return Status::Corruption(Name(ev) + " by a goroutine that is not running");
  }
  const GoId id = static_cast<GoId>(ev.args[0]);
  if (FindG(id) != nullptr) {
    return Status::Corruption("goroutine " + std::to_string(id) + " created twice");
  }
  GState& g = g_[id];
  g.status = ev.type == kEvGoCreateBlocked ? GoStatus::kWaiting : GoStatus::kRunnable;
  g.seq = Seq{gen, 0};
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoStopExec(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (s->status != GoStatus::kRunning) {
    return Status::Corruption(Name(ev) + " for a goroutine that is not running");
  }
  Ctx next = cur;
  next.g = kNoGoroutine;
  if (ev.type == kEvGoDestroy) {
    g_.erase(cur.g);
  } else {
    s->status = ev.type == kEvGoStop ? GoStatus::kRunnable : GoStatus::kWaiting;
  }
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoStart(Event& ev, Ctx cur, uint64_t gen) {
  const GoId id = static_cast<GoId>(ev.args[0]);
  const Seq seq{gen, ev.args[1]};
  GState* s = FindG(id);
  if (s == nullptr || s->status != GoStatus::kRunnable || !seq.Succeeds(s->seq)) {
    return Step{cur, false};
  }
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMustNot));
  s->status = GoStatus::kRunning;
  s->seq = seq;
  Ctx next = cur;
  next.g = id;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoUnblock(Event& ev, Ctx cur, uint64_t gen) {
  const GoId id = static_cast<GoId>(ev.args[0]);
  const Seq seq{gen, ev.args[1]};
  GState* s = FindG(id);
  if (s == nullptr || s->status != GoStatus::kWaiting || !seq.Succeeds(s->seq)) {
    return Step{cur, false};
  }
  s->status = GoStatus::kRunnable;
  s->seq = seq;
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoSwitch(Event& ev, Ctx cur, uint64_t gen) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  GState* self = FindG(cur.g);
  if (self == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (self->status != GoStatus::kRunning) {
    return Status::Corruption(Name(ev) + " for a goroutine that is not running");
  }
  const GoId next_id = static_cast<GoId>(ev.args[0]);
  const Seq seq{gen, ev.args[1]};
  GState* next_g = FindG(next_id);
  if (next_g == nullptr || next_g->status != GoStatus::kWaiting || !seq.Succeeds(next_g->seq)) {
    return Step{cur, false};
  }
  Push(ev, cur);
  // The switch implies the current goroutine's block (or end) and the next
  // one's start, at the same time.
  Event implied;
  implied.time = ev.time;
  if (ev.type == kEvGoSwitch) {
    self->status = GoStatus::kWaiting;
    implied.type = kEvGoBlock;
  } else {
    g_.erase(cur.g);
    implied.type = kEvGoDestroy;
  }
  Push(implied, cur);
  next_g = FindG(next_id);
  next_g->status = GoStatus::kRunning;
  next_g->seq = seq;
  Ctx start_ctx = cur;
  start_ctx.g = kNoGoroutine;
  Event start;
  start.type = kEvGoStart;
  start.time = ev.time;
  start.args[0] = static_cast<uint64_t>(next_id);
  start.args[1] = ev.args[1];
  Push(start, start_ctx);
  Ctx after = cur;
  after.g = next_id;
  return Step{after, true};
}

Result<Ordering::Step> Ordering::GoSyscallBegin(Event& ev, Ctx cur, uint64_t gen) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (s->status != GoStatus::kRunning) {
    return Status::Corruption(Name(ev) + " for a goroutine that is not running");
  }
  s->status = GoStatus::kSyscall;
  PState* p = FindP(cur.p);
  if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
  p->status = ProcStatus::kSyscall;
  const Seq seq{gen, ev.args[0]};
  if (!seq.Succeeds(p->seq)) return Status::Corruption(Name(ev) + ": P sequence out of order");
  p->seq = seq;
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoSyscallEnd(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (s->status != GoStatus::kSyscall) {
    return Status::Corruption(Name(ev) + " for a goroutine not in a syscall");
  }
  s->status = GoStatus::kRunning;
  PState* p = FindP(cur.p);
  if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
  if (p->status != ProcStatus::kSyscall) {
    return Status::Corruption(Name(ev) + " on a P not in a syscall");
  }
  p->status = ProcStatus::kRunning;
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoSyscallEndBlocked(Event& ev, Ctx cur, uint64_t) {
  if (cur.p != kNoProc) {
    PState* p = FindP(cur.p);
    if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
    // The P must be stolen (ProcSteal) first.
    if (p->status == ProcStatus::kSyscall) return Step{cur, false};
  }
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMay, Req::kMust));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (s->status != GoStatus::kSyscall) {
    return Status::Corruption(Name(ev) + " for a goroutine not in a syscall");
  }
  Ctx next = cur;
  next.g = kNoGoroutine;
  s->status = GoStatus::kRunnable;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoCreateSyscall(Event& ev, Ctx cur, uint64_t gen) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMay, Req::kMustNot));
  const GoId id = static_cast<GoId>(ev.args[0]);
  if (FindG(id) != nullptr) {
    return Status::Corruption("goroutine " + std::to_string(id) + " created twice");
  }
  GState& g = g_[id];
  g.status = GoStatus::kSyscall;
  g.seq = Seq{gen, 0};
  Ctx next = cur;
  next.g = id;
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::GoDestroySyscall(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMay, Req::kMust));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine that does not exist");
  if (s->status != GoStatus::kSyscall) {
    return Status::Corruption(Name(ev) + " for a goroutine not in a syscall");
  }
  g_.erase(cur.g);
  Ctx next = cur;
  next.g = kNoGoroutine;
  if (cur.p != kNoProc) {
    PState* p = FindP(cur.p);
    if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
    if (p->status != ProcStatus::kSyscall) {
      return Status::Corruption(Name(ev) + " on a P not in a syscall");
    }
    // The thread gives its P up: a steal from a syscall, made explicit.
    p->status = ProcStatus::kSyscallAbandoned;
    next.p = kNoProc;
    Event steal;
    steal.type = kEvProcSteal;
    steal.time = ev.time;
    steal.args[0] = static_cast<uint64_t>(cur.p);
    steal.args[3] = static_cast<uint64_t>(ProcStatus::kSyscall);
    Push(steal, cur);
  }
  Push(ev, cur);
  return Step{next, true};
}

Result<Ordering::Step> Ordering::UserTaskBegin(Event& ev, Ctx cur, uint64_t) {
  const TaskId id = ev.args[0];
  if (active_tasks_.contains(id))
    return Status::Corruption("task ID conflict: " + std::to_string(id));
  if (ev.args[1] == kBackgroundTask) ev.args[1] = kNoTask;
  if (!tables_->HasString(ev.args[2]))
    return Status::Corruption("UserTaskBegin: invalid string ID");
  active_tasks_.insert(id);
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::UserTaskEnd(Event& ev, Ctx cur, uint64_t) {
  active_tasks_.erase(ev.args[0]);
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::UserRegion(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  if (!tables_->HasString(ev.args[1])) return Status::Corruption(Name(ev) + ": invalid string ID");
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine with no known state");
  Region r{ev.args[0], std::string(tables_->String(ev.args[1]))};
  if (ev.type == kEvUserRegionBegin) {
    s->regions.push_back(std::move(r));
  } else if (!s->regions.empty()) {
    if (!(s->regions.back() == r)) {
      return Status::Corruption("region end " + r.name + " is not the innermost region's");
    }
    s->regions.pop_back();
  }
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GCActive(Event& ev, Ctx cur, uint64_t gen) {
  const uint64_t seq = ev.args[0];
  if (gen == initial_gen_) {
    if (gc_ != GC::kUndetermined) {
      return Status::Corruption("GCActive in the first generation is not the first GC event");
    }
    gc_seq_ = seq;
    gc_ = GC::kRunning;
    Push(ev, cur);
    return Step{cur, true};
  }
  if (seq != gc_seq_ + 1) return Step{cur, false};
  if (gc_ != GC::kRunning) return Status::Corruption("GCActive while no GC runs");
  gc_seq_ = seq;
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GCBegin(Event& ev, Ctx cur, uint64_t) {
  const uint64_t seq = ev.args[0];
  if (gc_ == GC::kUndetermined) {
    gc_seq_ = seq;
    gc_ = GC::kRunning;
    Push(ev, cur);
    return Step{cur, true};
  }
  if (seq != gc_seq_ + 1) return Step{cur, false};
  if (gc_ == GC::kRunning) return Status::Corruption("GCBegin while a GC runs");
  gc_seq_ = seq;
  gc_ = GC::kRunning;
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GCEnd(Event& ev, Ctx cur, uint64_t) {
  const uint64_t seq = ev.args[0];
  if (seq != gc_seq_ + 1) return Step{cur, false};
  if (gc_ != GC::kRunning) return Status::Corruption("GCEnd while no GC runs");
  gc_seq_ = seq;
  gc_ = GC::kNotRunning;
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::Annotation(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::OnProc(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMay));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::SweepBegin(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMay));
  PState* p = FindP(cur.p);
  if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
  CPROF_RETURN_IF_ERROR(p->ranges.Begin(RangeKey{kEvGCSweepBegin, 0}));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::SweepActive(Event& ev, Ctx cur, uint64_t gen) {
  PState* p = FindP(static_cast<ProcId>(ev.args[0]));
  if (p == nullptr) return Status::Corruption(Name(ev) + " for an unknown P");
  CPROF_RETURN_IF_ERROR(p->ranges.Active(RangeKey{kEvGCSweepBegin, 0}, gen == initial_gen_));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::SweepEnd(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMust, Req::kMay));
  PState* p = FindP(cur.p);
  if (p == nullptr) return Status::Corruption(Name(ev) + " on an unknown P");
  CPROF_RETURN_IF_ERROR(p->ranges.End(kEvGCSweepBegin).status());
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoRangeBegin(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  const uint64_t desc = ev.type == kEvSTWBegin ? ev.args[0] : 0;
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine with no known state");
  CPROF_RETURN_IF_ERROR(s->ranges.Begin(RangeKey{ev.type, desc}));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoRangeActive(Event& ev, Ctx cur, uint64_t gen) {
  GState* s = FindG(static_cast<GoId>(ev.args[0]));
  if (s == nullptr) return Status::Corruption(Name(ev) + " for an unknown goroutine");
  CPROF_RETURN_IF_ERROR(s->ranges.Active(RangeKey{StartOf(ev.type), 0}, gen == initial_gen_));
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::GoRangeEnd(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckUserGo(cur, ev));
  GState* s = FindG(cur.g);
  if (s == nullptr) return Status::Corruption(Name(ev) + " for a goroutine with no known state");
  CPROF_ASSIGN_OR_RETURN(uint64_t desc, s->ranges.End(StartOf(ev.type)));
  if (ev.type == kEvSTWEnd) ev.args[0] = desc;
  Push(ev, cur);
  return Step{cur, true};
}

Result<Ordering::Step> Ordering::AllocFree(Event& ev, Ctx cur, uint64_t) {
  CPROF_RETURN_IF_ERROR(CheckCtx(cur, Req::kMust, Req::kMay, Req::kMay));
  Push(ev, cur);
  return Step{cur, true};
}

}  // namespace cprof::trace
