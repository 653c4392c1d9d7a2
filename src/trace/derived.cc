#include "trace/derived.h"

#include <algorithm>

namespace cprof::trace {
namespace {

constexpr size_t kMaxStack = 128;  // cmd/trace's pprofMaxStack

}  // namespace

std::optional<ProfileKind> ParseProfileKind(std::string_view name) {
  if (name == "net") return ProfileKind::kNet;
  if (name == "sync") return ProfileKind::kSync;
  if (name == "syscall") return ProfileKind::kSyscall;
  if (name == "sched") return ProfileKind::kSched;
  return std::nullopt;
}

std::string_view ProfileKindName(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::kNet:
      return "net";
    case ProfileKind::kSync:
      return "sync";
    case ProfileKind::kSyscall:
      return "syscall";
    case ProfileKind::kSched:
      return "sched";
  }
  return "";
}

bool DerivedProfile::Tracks(GoState to, std::string_view reason) const {
  switch (kind_) {
    case ProfileKind::kNet:
      return to == GoState::kWaiting && reason == "network";
    case ProfileKind::kSync:
      return to == GoState::kWaiting && (reason.find("chan") != std::string_view::npos ||
                                         reason.find("sync") != std::string_view::npos ||
                                         reason.find("select") != std::string_view::npos);
    case ProfileKind::kSyscall:
      return to == GoState::kSyscall;
    case ProfileKind::kSched:
      return to == GoState::kRunnable;
  }
  return false;
}

uint64_t DerivedProfile::Intern(const Event& ev, uint64_t stack_id) {
  if (ev.tables != interned_tables_) {
    interned_tables_ = ev.tables;
    by_id_.clear();
  }
  auto [cached, fresh] = by_id_.try_emplace(stack_id, 0);
  if (!fresh) return cached->second;
  std::span<const uint64_t> pcs = ev.tables->Stack(stack_id);
  std::vector<uint64_t> key(pcs.begin(), pcs.begin() + std::min(pcs.size(), kMaxStack));
  auto [it, inserted] = by_pcs_.emplace(std::move(key), records_.size());
  if (inserted) {
    ProfileRecord rec;
    for (uint64_t pc : it->first) {
      const Frame f = ev.tables->FrameOf(pc);
      rec.stack.push_back(
          OwnedFrame{pc, std::string(f.func), std::string(f.file), static_cast<int64_t>(f.line)});
    }
    records_.push_back(std::move(rec));
  }
  cached->second = it->second;
  return it->second;
}

void DerivedProfile::Add(const Event& ev, const Summarizer& summary) {
  if (KindOf(ev) != EventKind::kStateTransition) return;
  const uint64_t stack = StackOf(ev);
  if (stack == 0) return;
  const Transition st = TransitionOf(ev);
  if (!st.goroutine) return;
  const GoState want = kind_ == ProfileKind::kNet || kind_ == ProfileKind::kSync ? GoState::kWaiting
                       : kind_ == ProfileKind::kSyscall                          ? GoState::kSyscall
                                                        : GoState::kRunnable;
  // Entries stay in the map once made (a goroutine's next stretch reuses
  // its entry): no allocation an event.
  Open& entry = tracking_[st.id];
  if (entry.start < 0) {
    if (Tracks(st.go_to, st.reason)) entry = Open{ev.time, Intern(ev, stack)};
    return;
  }
  if (st.go_to == want) return;
  const Open open = entry;
  entry.start = -1;
  // Clip [open.start, ev.time] to the goroutine's [first run, end]: its end
  // is never before this event; a first run still to come is after it.
  const GoroutineSummary* g = summary.Find(st.id);
  if (g == nullptr) return;
  if (g->start == 0) {
    pending_.push_back(Pending{st.id, open.stack, ev.time - open.start});
    return;
  }
  const Time from = std::max(open.start, g->start);
  if (ev.time > from) {
    ProfileRecord& rec = records_[open.stack];
    ++rec.count;
    rec.nanos += ev.time - from;
  }
}

std::vector<ProfileRecord> DerivedProfile::Finish(const Summarizer& summary) {
  for (const Pending& p : pending_) {
    const GoroutineSummary* g = summary.Find(p.g);
    if (g == nullptr || g->start != 0 || p.nanos <= 0) continue;
    ProfileRecord& rec = records_[p.stack];
    ++rec.count;
    rec.nanos += p.nanos;
  }
  pending_.clear();
  std::vector<ProfileRecord> out;
  for (ProfileRecord& r : records_) {
    if (r.count > 0) out.push_back(std::move(r));
  }
  records_.clear();
  by_pcs_.clear();
  return out;
}

}  // namespace cprof::trace
