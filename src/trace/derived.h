// The blocking profiles go tool trace derives from a trace
// (-pprof=net|sync|syscall|sched, cmd/trace/pprof.go): for each goroutine,
// every stretch in the state the kind watches (waiting on the network;
// waiting on a channel, select or sync primitive; in a syscall; runnable),
// from the stack-carrying transition into it to the next stack-carrying
// transition out of it, clipped to the goroutine's life, summed per stack of
// the transition into it. go tool trace's quirks kept: transitions without a
// stack (GoStart, GoSyscallEnd) neither start nor end a stretch. Not
// thread-safe.
#ifndef CPROF_TRACE_DERIVED_H_
#define CPROF_TRACE_DERIVED_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/event.h"
#include "trace/summary.h"

namespace cprof::trace {

enum class ProfileKind : uint8_t { kNet, kSync, kSyscall, kSched };

// "net", "sync", "syscall", "sched"; nullopt for anything else.
std::optional<ProfileKind> ParseProfileKind(std::string_view name);
std::string_view ProfileKindName(ProfileKind kind);

// A frame with its strings owned (they outlive the generation).
struct OwnedFrame {
  uint64_t pc = 0;
  std::string func, file;
  int64_t line = 0;
};

// One stack's total: go tool trace's traceviewer.ProfileRecord.
struct ProfileRecord {
  std::vector<OwnedFrame> stack;  // innermost first, at most 128 frames
  int64_t count = 0;
  int64_t nanos = 0;
};

class DerivedProfile {
 public:
  explicit DerivedProfile(ProfileKind kind) : kind_(kind) {}

  // Feeds the next event; `summary` must have seen it already (its
  // goroutines' first-run times bound the stretches).
  void Add(const Event& ev, const Summarizer& summary);
  // The records, once every event is in and `summary` is finalized.
  std::vector<ProfileRecord> Finish(const Summarizer& summary);

 private:
  struct Open {
    Time start = -1;     // -1: not tracked
    uint64_t stack = 0;  // index into records_
  };
  struct Pending {
    GoId g = 0;
    uint64_t stack = 0;
    int64_t nanos = 0;
  };
  bool Tracks(GoState to, std::string_view reason) const;
  uint64_t Intern(const Event& ev, uint64_t stack_id);

  ProfileKind kind_;
  std::unordered_map<GoId, Open> tracking_;
  // Stretches of goroutines that had not run yet when they ended: they count
  // only if the goroutine never runs (go tool trace clips to its first run).
  std::vector<Pending> pending_;
  std::map<std::vector<uint64_t>, uint64_t> by_pcs_;
  // The current generation's stack IDs already interned (IDs are per
  // generation): most events find their stack here.
  const Tables* interned_tables_ = nullptr;
  std::unordered_map<uint64_t, uint64_t> by_id_;
  std::vector<ProfileRecord> records_;
};

}  // namespace cprof::trace

#endif  // CPROF_TRACE_DERIVED_H_
