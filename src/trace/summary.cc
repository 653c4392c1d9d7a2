#include "trace/summary.h"

#include <algorithm>

namespace cprof::trace {

const GoroutineSummary* Summarizer::Find(GoId id) const {
  auto it = gs_.find(id);
  return it == gs_.end() ? nullptr : &it->second;
}

GoroutineSummary* Summarizer::Mutable(GoId id) {
  auto it = gs_.find(id);
  return it == gs_.end() ? nullptr : &it->second;
}

void Summarizer::Snapshot(const GoroutineSummary& g, Time ts, ExecStats* out) {
  *out = g.stats;
  if (g.stats.total == 0) out->total = ts - g.creation;
  if (g.last_start != 0) out->exec += ts - g.last_start;
  if (g.last_runnable != 0) out->sched_wait += ts - g.last_runnable;
  if (g.last_block != 0) out->block_by_reason[g.last_block_reason] += ts - g.last_block;
  if (g.last_syscall != 0) out->syscall += ts - g.last_syscall;
  if (g.last_syscall_block != 0) out->sched_wait += ts - g.last_syscall_block;
  for (const auto& [name, t] : g.last_range) out->range_time[name] += ts - t;
}

void Summarizer::FinalizeG(GoroutineSummary* g, Time ts, const Event* trigger) {
  if (trigger != nullptr) g->end = trigger->time;
  ExecStats stats;
  Snapshot(*g, ts, &stats);
  g->stats = std::move(stats);
  g->last_start = g->last_runnable = g->last_block = g->last_syscall = g->last_syscall_block = 0;
  g->last_block_reason.clear();
  g->last_range.clear();
}

void Summarizer::Add(const Event& ev) {
  if (sync_ts_ == 0) sync_ts_ = ev.time;
  if (counts_.events == 0) first_ts_ = ev.time;
  last_ts_ = ev.time;
  ++counts_.events;
  ++counts_.by_type[ev.type];
  switch (KindOf(ev)) {
    case EventKind::kSync:
      sync_ts_ = ev.time;
      ++counts_.generations;
      break;
    case EventKind::kStateTransition:
      Transition(ev);
      break;
    case EventKind::kRangeBegin:
    case EventKind::kRangeActive:
      if (ev.type == kEvGCBegin) ++counts_.gcs;
      if (ev.type == kEvSTWBegin) ++counts_.stws;
      RangeStart(ev);
      break;
    case EventKind::kRangeEnd:
      RangeEnd(ev);
      break;
    case EventKind::kTaskBegin:
    case EventKind::kTaskEnd:
      Task(ev);
      break;
    case EventKind::kRegionBegin:
    case EventKind::kRegionEnd:
      Region(ev);
      break;
    case EventKind::kLog:
      ++counts_.logs;
      break;
    case EventKind::kStackSample:
      ++counts_.cpu_samples;
      break;
    case EventKind::kMetric:
      if (ev.type == kEvProcsChange) {
        counts_.max_procs = std::max(counts_.max_procs, static_cast<int64_t>(ev.args[0]));
      }
      break;
    default:
      break;
  }
}

void Summarizer::Transition(const Event& ev) {
  const trace::Transition st = TransitionOf(ev);
  if (!st.goroutine) {
    if (st.proc_from != st.proc_to && st.proc_to == ProcState::kIdle) {
      auto it = syscalling_p_.find(st.id);
      if (it != syscalling_p_.end()) {
        if (GoroutineSummary* g = Mutable(it->second)) g->last_syscall_block = ev.time;
        syscalling_p_.erase(it);
      }
    }
    return;
  }
  if (st.go_from == st.go_to) return;
  const GoId id = st.id;
  GoroutineSummary* g = nullptr;
  switch (st.go_from) {
    case GoState::kUndetermined:
    case GoState::kNotExist: {
      GoroutineSummary fresh;
      fresh.id = id;
      fresh.creation = st.go_from == GoState::kUndetermined ? sync_ts_ : ev.time;
      g = &(gs_[id] = std::move(fresh));
      break;
    }
    default:
      g = Mutable(id);
      if (g == nullptr) return;  // the reader's order makes this impossible
      break;
  }
  switch (st.go_from) {
    case GoState::kRunning:
      g->stats.exec += ev.time - g->last_start;
      g->last_start = 0;
      break;
    case GoState::kWaiting:
      if (g->last_block != 0) {
        g->stats.block_by_reason[g->last_block_reason] += ev.time - g->last_block;
        g->last_block = 0;
      }
      break;
    case GoState::kRunnable:
      if (g->last_runnable != 0) {
        g->stats.sched_wait += ev.time - g->last_runnable;
        g->last_runnable = 0;
      }
      break;
    case GoState::kSyscall:
      if (g->last_syscall != 0) {
        if (g->last_syscall_block != 0) {
          g->stats.syscall_block += ev.time - g->last_syscall_block;
          g->stats.syscall += g->last_syscall_block - g->last_syscall;
        } else {
          g->stats.syscall += ev.time - g->last_syscall;
        }
        g->last_syscall = 0;
        g->last_syscall_block = 0;
        auto p = syscalling_g_.find(id);
        if (p != syscalling_g_.end()) {
          syscalling_p_.erase(p->second);
          syscalling_g_.erase(p);
        } else {
          syscalling_p_.erase(0);  // Go's zero-value lookup
        }
      }
      break;
    default:
      break;
  }
  if (g->name.empty() && st.stack != 0) {
    std::span<const uint64_t> pcs = ev.tables->Stack(st.stack);
    if (!pcs.empty()) {
      const Frame f = ev.tables->FrameOf(pcs.back());
      g->pc = f.pc;
      g->name = std::string(f.func);
    }
  }
  switch (st.go_to) {
    case GoState::kRunning:
      g->last_start = ev.time;
      if (g->start == 0) g->start = ev.time;
      break;
    case GoState::kRunnable:
      g->last_runnable = ev.time;
      break;
    case GoState::kWaiting:
      if (st.reason != "forever") {
        g->last_block = ev.time;
        g->last_block_reason = std::string(st.reason);
        break;
      }
      FinalizeG(g, ev.time, &ev);
      break;
    case GoState::kNotExist:
      FinalizeG(g, ev.time, &ev);
      break;
    case GoState::kSyscall:
      syscalling_p_[ev.p] = id;
      syscalling_g_[id] = ev.p;
      g->last_syscall = ev.time;
      break;
    default:
      break;
  }
}

void Summarizer::RangeStart(const Event& ev) {
  const Range r = RangeOf(ev);
  GoroutineSummary* g = nullptr;
  if (r.scope == Scope::kGoroutine) {
    g = Mutable(r.id);
  } else if (r.scope == Scope::kProc) {
    g = Mutable(ev.g);
    if (g != nullptr) ranges_p_[{r.id, r.name}] = ev.g;
  }
  if (g == nullptr) return;
  if (KindOf(ev) == EventKind::kRangeActive) {
    auto it = g->last_range.find(r.name);
    if (it != g->last_range.end() && it->second != 0) {
      g->stats.range_time[r.name] += sync_ts_ - it->second;
    }
    g->last_range[r.name] = sync_ts_;
  } else {
    g->last_range[r.name] = ev.time;
  }
}

void Summarizer::RangeEnd(const Event& ev) {
  const Range r = RangeOf(ev);
  GoroutineSummary* g = nullptr;
  if (r.scope == Scope::kGoroutine) {
    g = Mutable(r.id);
  } else if (r.scope == Scope::kProc) {
    auto rp = ranges_p_.find({r.id, r.name});
    if (rp != ranges_p_.end()) {
      if (rp->second == ev.g) g = Mutable(rp->second);
      ranges_p_.erase(rp);
    }
  }
  if (g == nullptr) return;
  auto it = g->last_range.find(r.name);
  if (it == g->last_range.end() || it->second == 0) return;
  g->stats.range_time[r.name] += ev.time - it->second;
  g->last_range.erase(it);
}

void Summarizer::CloseSpan(std::map<std::string, SpanType>* types, const OpenSpan& span, Time end) {
  SpanType& t = (*types)[span.name];
  t.name = span.name;
  if (span.start == 0) return;
  t.durations.push_back(end - span.start);
  const SpanType::Instance instance{span.start, end, span.g};
  auto longer = [](const SpanType::Instance& a, const SpanType::Instance& b) {
    return a.end - a.start > b.end - b.start;
  };
  t.slowest.insert(std::upper_bound(t.slowest.begin(), t.slowest.end(), instance, longer),
                   instance);
  if (t.slowest.size() > SpanType::kSlowest) t.slowest.pop_back();
}

void Summarizer::Task(const Event& ev) {
  const TaskId id = ev.args[0];
  if (ev.type == kEvUserTaskBegin) {
    OpenSpan span{std::string(ev.tables->String(ev.args[2])), ev.time, ev.g};
    SpanType& t = task_types_[span.name];
    t.name = span.name;
    ++t.count;
    tasks_[id] = std::move(span);
    return;
  }
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;  // begun before the trace: its type is unknown
  CloseSpan(&task_types_, it->second, ev.time);
  tasks_.erase(it);
}

void Summarizer::Region(const Event& ev) {
  const std::string name(ev.tables->String(ev.args[1]));
  std::vector<OpenSpan>& open = regions_[ev.g];
  if (ev.type == kEvUserRegionBegin) {
    SpanType& t = region_types_[name];
    t.name = name;
    ++t.count;
    open.push_back(OpenSpan{name, ev.time, ev.g});
    return;
  }
  if (open.empty()) {  // begun before the trace
    SpanType& t = region_types_[name];
    t.name = name;
    ++t.count;
    return;
  }
  CloseSpan(&region_types_, open.back(), ev.time);
  open.pop_back();
}

void Summarizer::Finalize() {
  for (auto& [id, g] : gs_) FinalizeG(&g, last_ts_, nullptr);
}

}  // namespace cprof::trace
