// The Go execution-trace format of Go 1.22 and later ("go 1.22 trace",
// "go 1.23 trace"): event types and the table that says how each is laid
// out, as Go's internal/trace/event/go122 defines them. Thread-safe:
// constants only.
//
// A trace is a 16-byte header, then batches. A batch is EvEventBatch (or
// EvExperimentalBatch and an experiment byte), then uvarints generation, M,
// timestamp and size, then `size` bytes: either one special section
// (strings, stacks, CPU samples, the frequency) or a thread's events, each
// a type byte, a uvarint timestamp delta and the type's other arguments.
#ifndef CPROF_TRACE_FORMAT_H_
#define CPROF_TRACE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cprof::trace {

// go122's event types, numbered as the runtime writes them.
enum EventType : uint8_t {
  kEvNone = 0,
  kEvEventBatch = 1,  // [generation, M, timestamp, size]
  kEvStacks = 2,      // a section of the stack table
  kEvStack = 3,       // [id, nframes, {pc, func string, file string, line}...]
  kEvStrings = 4,     // a section of the string table
  kEvString = 5,      // [id, length, bytes]
  kEvCPUSamples = 6,  // a section of CPU samples
  kEvCPUSample = 7,   // [timestamp, M, P, G, stack]
  kEvFrequency = 8,   // [timestamp units per second]
  kEvProcsChange = 9,
  kEvProcStart = 10,
  kEvProcStop = 11,
  kEvProcSteal = 12,
  kEvProcStatus = 13,
  kEvGoCreate = 14,
  kEvGoCreateSyscall = 15,
  kEvGoStart = 16,
  kEvGoDestroy = 17,
  kEvGoDestroySyscall = 18,
  kEvGoStop = 19,
  kEvGoBlock = 20,
  kEvGoUnblock = 21,
  kEvGoSyscallBegin = 22,
  kEvGoSyscallEnd = 23,
  kEvGoSyscallEndBlocked = 24,
  kEvGoStatus = 25,
  kEvSTWBegin = 26,
  kEvSTWEnd = 27,
  kEvGCActive = 28,
  kEvGCBegin = 29,
  kEvGCEnd = 30,
  kEvGCSweepActive = 31,
  kEvGCSweepBegin = 32,
  kEvGCSweepEnd = 33,
  kEvGCMarkAssistActive = 34,
  kEvGCMarkAssistBegin = 35,
  kEvGCMarkAssistEnd = 36,
  kEvHeapAlloc = 37,
  kEvHeapGoal = 38,
  kEvGoLabel = 39,
  kEvUserTaskBegin = 40,
  kEvUserTaskEnd = 41,
  kEvUserRegionBegin = 42,
  kEvUserRegionEnd = 43,
  kEvUserLog = 44,
  kEvGoSwitch = 45,  // Go 1.23
  kEvGoSwitchDestroy = 46,
  kEvGoCreateBlocked = 47,
  kEvGoStatusStack = 48,
  kEvExperimentalBatch = 49,
  kEvFirstExperimental = 128,  // the allocfree experiment's events: 128..136
  kEvLastExperimental = 136,
  kEvSync = 255,  // not in the file: the reader's end-of-generation event
};

// The arguments after the timestamp an event may carry.
inline constexpr int kMaxArgs = 5;
// go122's limits.
inline constexpr uint64_t kMaxBatchSize = 64 << 10;
inline constexpr uint64_t kMaxFramesPerStack = 128;
inline constexpr uint64_t kMaxStringSize = 1 << 10;

// How an event type is laid out. Argument indices count from the first
// argument after the timestamp; -1 for none.
struct EventSpec {
  std::string_view name;  // "" for a type that is not an event in a batch
  int8_t nargs = 0;       // arguments after the timestamp
  int8_t stack = -1;      // the event's own stack (its goroutine's)
  int8_t stack2 = -1;     // another stack it names (GoCreate's new goroutine's)
  int8_t string1 = -1;    // string table references
  int8_t string2 = -1;
};

// The layout of `type` as an event in a thread's batch, or nullptr when it
// is not one (special sections, unknown types).
const EventSpec* TimedSpec(uint8_t type);

// The event's name ("GoBlock"), or "Sync".
std::string_view EventName(uint8_t type);

// go122's goroutine and P statuses, as GoStatus and ProcStatus carry them.
enum class GoStatus : uint8_t { kBad = 0, kRunnable, kRunning, kSyscall, kWaiting };
enum class ProcStatus : uint8_t { kBad = 0, kRunning, kIdle, kSyscall, kSyscallAbandoned };

}  // namespace cprof::trace

#endif  // CPROF_TRACE_FORMAT_H_
