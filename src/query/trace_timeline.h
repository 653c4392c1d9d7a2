// The timeline of a window of a trace, in a compact encoding for a canvas:
// per P, the slices in which goroutines ran on it; GC and stop-the-world
// bands; and samples of the heap and of the goroutine counts by state. One
// pass over the trace (trace/reader.h); memory bounded by the options'
// caps, whatever the trace's size. Thread-safe: pure functions.
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
//    "goroutines": [t, running, runnable, waiting, ...],
//    "min_slice_ns": M,                    // shorter slices were dropped
//    "truncated": false}                   // true: past max_slices
#ifndef CPROF_QUERY_TRACE_TIMELINE_H_
#define CPROF_QUERY_TRACE_TIMELINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "trace/reader.h"

namespace cprof::query {

struct TimelineOptions {
  // start_ns, end_ns (0: the trace's start and end): the window, on the
  //   trace's clock (the summary's start_ns and end_ns).
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  // max_slices (100000): at most this many run slices; slices shorter than
  //   the window / resolution are dropped first (they would not show).
  size_t max_slices = 100000;
  // resolution (4000): the widest canvas drawn, in pixels; also how many
  //   heap and goroutine samples the window gets at most.
  int64_t resolution = 4000;
};

// The timeline JSON above. The reader's errors; InvalidArgument for a
// window that ends before it starts.
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
