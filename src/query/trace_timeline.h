// The timeline of a trace, in a compact encoding for a canvas: per P, the
// slices in which goroutines ran on it; GC and stop-the-world bands; samples
// of the heap and of the goroutine counts by state; and, on demand, a lane
// per goroutine with its states. TraceTimeline::Build reads the trace once
// (trace/reader.h) into memory at full resolution (8 bytes per goroutine
// state change: 1.2 times the fixture's size, bytes() says how much); Json
// answers any window from that, bounded in size by the options' caps, so a
// server can keep it and answer zoom and pan without reading the trace
// again (a 147 MB trace: 2.8 s to read, 12 ms a window). Thread-safe: a
// built TraceTimeline is immutable.
//
// JSON (times in nanoseconds from the window's start, durations in
// nanoseconds; documented with the route in man/cprofiler.1):
//   {"start_ns": S, "end_ns": E,           // the window, trace clock
//    "trace_start_ns", "trace_end_ns",     // the whole trace's
//    "procs": [P, ...],                    // the P lanes' IDs, sorted
//    "names": ["main.worker", ...],        // start functions
//    "slices": [p, g, name, t, d, ...],    // flat: P ID, goroutine, index
//                                          //   into names, start, duration
//    "gc": [t, d, ...], "stw": [t, d, ...],
//    "heap": [t, bytes, ...],              // heap in use at t
//    "goroutines": [t, running, runnable, waiting, ...],  // evenly spaced
//    "states": ["running", "runnable", "syscall", "sleep", ...],
//    "lanes": [{"id": G, "name": "main.worker",  // options.goroutines'
//               "spans": [state, t, d, ...],     //   (those in the trace):
//               "truncated": false}, ...],       //   index into states
//    "min_slice_ns": M,                    // shorter slices were dropped
//    "truncated": false}                   // true: past max_slices
// A goroutine waiting is in the state named by its reason ("sleep",
// "chan receive", ...; "waiting" when the trace gives none).
#ifndef CPROF_QUERY_TRACE_TIMELINE_H_
#define CPROF_QUERY_TRACE_TIMELINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "trace/reader.h"

namespace cprof::query {

struct TimelineOptions {
  // start_ns, end_ns (0: the trace's start and end): the window, on the
  //   trace's clock (the summary's start_ns and end_ns).
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  // max_slices (100000): at most this many run slices, and at most this
  //   many spans per goroutine lane; slices and spans shorter than the
  //   window / resolution are dropped first (they would not show).
  size_t max_slices = 100000;
  // resolution (4000): the widest canvas drawn, in pixels; also how many
  //   heap and goroutine samples the window gets at most (and at most
  //   max_slices + 1).
  int64_t resolution = 4000;
  // goroutines (none): the goroutines to add a lane for.
  std::vector<trace::GoId> goroutines;
};

class TraceTimeline {
 public:
  // Reads the whole trace from `source`. The reader's errors.
  static Result<TraceTimeline> Build(std::unique_ptr<trace::ByteSource> source);

  // The JSON above for the window of `options`. InvalidArgument for a
  // window that ends before it starts.
  Result<std::string> Json(const TimelineOptions& options) const;

  // About how much memory this holds, in bytes.
  size_t bytes() const { return bytes_; }

  // Not copyable. Movable.
  TraceTimeline(const TraceTimeline&) = delete;
  TraceTimeline& operator=(const TraceTimeline&) = delete;
  TraceTimeline(TraceTimeline&&) = default;
  TraceTimeline& operator=(TraceTimeline&&) = default;

 private:
  class Builder;
  TraceTimeline() = default;

  // A goroutine in one state from `at` (nanoseconds after the trace's
  // first event) until the next span's (the last: until the trace's end),
  // in 8 bytes: 48 bits of time, 16 of state. p is the P it ran on (-1:
  // none, or not running), state an index into states_ (below kGone) or
  // kGone (it did not exist).
  static constexpr uint32_t kGone = 0x7fff;
  class Span {
   public:
    Span(int64_t at, int32_t p, uint32_t state);
    int64_t at() const { return static_cast<int64_t>(bits_ >> 16); }
    int32_t p() const;
    uint32_t state() const;

   private:
    uint64_t bits_;
  };
  // A span with its end, clipped to a window.
  struct Piece {
    int64_t start, end;
    int32_t p;
    uint32_t state;
  };
  struct Lane {
    uint32_t name;  // index into names_
    std::vector<Span> spans;
  };
  using Band = std::pair<int64_t, int64_t>;

  int64_t first_ = 0, last_ = 0;
  std::vector<trace::ProcId> procs_;
  std::vector<std::string> names_, states_;
  std::unordered_map<trace::GoId, Lane> lanes_;
  std::vector<Band> gc_, stw_, heap_;  // heap_: time, bytes
  size_t bytes_ = 0;
};

// TraceTimeline::Build(source), then its Json(options).
Result<std::string> TraceTimelineJson(std::unique_ptr<trace::ByteSource> source,
                                      const TimelineOptions& options);

// One goroutine's state transitions in a window, each with the stack it
// happened at, for what the timeline shows of a goroutine clicked:
//   {"id": G, "name": "main.worker",
//    "events": [{"time_ns": T, "from": "running", "to": "waiting",
//                "reason": "chan receive", "p": 1,
//                "stack": [{"func": "...", "file": "...", "line": 12}, ...]}, ...],
//    "truncated": false}       // true: more than max_events in the window
// Times on the trace's clock; the window as TimelineOptions' (0: open).
// The reader's errors.
Result<std::string> TraceGoroutineJson(std::unique_ptr<trace::ByteSource> source, trace::GoId g,
                                       const TimelineOptions& window, size_t max_events = 1000);

}  // namespace cprof::query

#endif  // CPROF_QUERY_TRACE_TIMELINE_H_
