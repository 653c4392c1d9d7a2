// One event of a Go execution trace, as the reader (trace/reader.h) hands
// it out in order, and what it means: its kind, the state transition it
// makes, its stack, its range, task, region or log. Internal/trace's Event
// API over a plain struct. Thread-compatible.
#ifndef CPROF_TRACE_EVENT_H_
#define CPROF_TRACE_EVENT_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/format.h"

namespace cprof::trace {

using GoId = int64_t;
using ProcId = int64_t;
using ThreadId = int64_t;
using TaskId = uint64_t;
inline constexpr GoId kNoGoroutine = -1;
inline constexpr ProcId kNoProc = -1;
inline constexpr ThreadId kNoThread = -1;
inline constexpr TaskId kNoTask = ~TaskId{0};
inline constexpr TaskId kBackgroundTask = 0;

// Times are nanoseconds since an arbitrary origin (the runtime's clock);
// the reader makes them strictly increasing.
using Time = int64_t;

// internal/trace's states: what a transition goes from and to.
enum class GoState : uint8_t { kUndetermined, kNotExist, kRunnable, kRunning, kWaiting, kSyscall };
enum class ProcState : uint8_t { kUndetermined, kNotExist, kRunning, kIdle };

// A frame of a stack, its strings resolved.
struct Frame {
  uint64_t pc = 0;
  std::string_view func;
  std::string_view file;
  uint64_t line = 0;
};

// A table of a generation's IDs: a hash map while it is read, then a vector
// indexed by ID when the IDs are dense (they are, as the runtime writes
// them): a lookup an event is then an index.
template <typename T>
class IdTable {
 public:
  // False when `id` is there already.
  bool Insert(uint64_t id, T value) { return sparse_.emplace(id, std::move(value)).second; }
  const T* Get(uint64_t id) const {
    if (id < dense_.size()) return present_[id] ? &dense_[id] : nullptr;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? nullptr : &it->second;
  }
  void Compact() {
    uint64_t max_id = 0;
    for (const auto& [id, v] : sparse_) max_id = std::max(max_id, id);
    if (sparse_.empty() || max_id > 2 * sparse_.size() + 1024) return;
    dense_.resize(max_id + 1);
    present_.assign(max_id + 1, false);
    for (auto& [id, v] : sparse_) {
      dense_[id] = std::move(v);
      present_[id] = true;
    }
    sparse_.clear();
  }
  template <typename F>
  void ForEach(F f) const {
    for (size_t i = 0; i < dense_.size(); ++i) {
      if (present_[i]) f(i, dense_[i]);
    }
    for (const auto& [id, v] : sparse_) f(id, v);
  }

 private:
  std::unordered_map<uint64_t, T> sparse_;
  std::vector<T> dense_;
  std::vector<bool> present_;
};

// A generation's strings and stacks: what events' IDs refer to. The reader
// validates every ID an event carries before handing it out.
class Tables {
 public:
  // "" for ID 0 (and for an unknown ID, which a handed-out event never has).
  std::string_view String(uint64_t id) const {
    const std::string* s = strings_.Get(id);
    return s == nullptr ? std::string_view() : std::string_view(*s);
  }
  // The stack's PCs, innermost first; empty for ID 0.
  std::span<const uint64_t> Stack(uint64_t id) const {
    const std::vector<uint64_t>* s = stacks_.Get(id);
    return s == nullptr ? std::span<const uint64_t>() : std::span<const uint64_t>(*s);
  }
  // The frame of a PC some stack holds.
  Frame FrameOf(uint64_t pc) const;
  bool HasString(uint64_t id) const { return id == 0 || strings_.Get(id) != nullptr; }
  bool HasStack(uint64_t id) const { return id == 0 || stacks_.Get(id) != nullptr; }

 private:
  friend class GenerationReader;
  struct RawFrame {
    uint64_t func = 0, file = 0, line = 0;
  };
  IdTable<std::string> strings_;
  IdTable<std::vector<uint64_t>> stacks_;
  std::unordered_map<uint64_t, RawFrame> pcs_;
};

enum class EventKind : uint8_t {
  kSync,  // the end of a generation
  kStateTransition,
  kStackSample,
  kMetric,
  kLabel,
  kRangeBegin,
  kRangeActive,
  kRangeEnd,
  kTaskBegin,
  kTaskEnd,
  kRegionBegin,
  kRegionEnd,
  kLog,
  kExperimental,
};

struct Event {
  uint8_t type = kEvNone;
  Time time = 0;
  // The arguments after the timestamp, as the file has them; past a type's
  // own arguments the reader notes what came before (a status's old state,
  // a steal's old P status), as internal/trace does.
  uint64_t args[kMaxArgs] = {};
  // The scheduling context the event happened in.
  GoId g = kNoGoroutine;
  ProcId p = kNoProc;
  ThreadId m = kNoThread;
  const Tables* tables = nullptr;  // valid until the reader's next generation
};

EventKind KindOf(const Event& e);

// The event's own stack ID (0 for none): internal/trace's Event.Stack.
uint64_t StackOf(const Event& e);

// A state transition of a goroutine or a P (internal/trace's
// StateTransition).
struct Transition {
  bool goroutine = false;  // else a P
  int64_t id = 0;
  GoState go_from = GoState::kUndetermined, go_to = GoState::kUndetermined;
  ProcState proc_from = ProcState::kUndetermined, proc_to = ProcState::kUndetermined;
  std::string_view reason;
  uint64_t stack = 0;  // the stack of the resource that transitions
};
// For an event of kind kStateTransition.
Transition TransitionOf(const Event& e);

enum class Scope : uint8_t { kNone, kGoroutine, kProc };
struct Range {
  std::string name;  // "GC concurrent mark phase", "stop-the-world (...)"
  Scope scope = Scope::kNone;
  int64_t id = 0;
};
// For a kRangeBegin, kRangeActive or kRangeEnd event.
Range RangeOf(const Event& e);

}  // namespace cprof::trace

#endif  // CPROF_TRACE_EVENT_H_
