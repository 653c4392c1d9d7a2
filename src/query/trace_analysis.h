// One pass over a Go execution trace (trace/reader.h) that computes what
// cprofiler shows of it: the summary (trace/summary.h) and the derived
// blocking profiles (trace/derived.h) asked for, each as the pprof profile
// go tool trace -pprof=KIND writes. Memory is the reader's (one generation)
// plus the summaries; the events are not kept. Thread-safe: pure functions.
#ifndef CPROF_QUERY_TRACE_ANALYSIS_H_
#define CPROF_QUERY_TRACE_ANALYSIS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "pprof/codec.h"
#include "trace/derived.h"
#include "trace/reader.h"
#include "trace/summary.h"

namespace cprof::query {

struct TraceAnalysis {
  std::string version;  // "go 1.23 trace"
  uint64_t bytes = 0;   // the trace's size
  trace::Summarizer summary;
  std::map<trace::ProfileKind, std::vector<trace::ProfileRecord>> profiles;
};

// Reads the whole trace from `source`, with a derived profile for each of
// `kinds`. The reader's errors (InvalidArgument for an unsupported format,
// Corruption for bad input), prefixed "trace: " where they lack a subject.
Result<TraceAnalysis> AnalyzeTrace(std::unique_ptr<trace::ByteSource> source,
                                   const std::vector<trace::ProfileKind>& kinds);

// The pprof profile of `records`, as traceviewer.BuildProfile makes it:
// sample types contentions/count and delay/nanoseconds, period type
// trace/count, one location a PC and one function a file and name.
pprof::Profile BuildTraceProfile(const std::vector<trace::ProfileRecord>& records);

}  // namespace cprof::query

#endif  // CPROF_QUERY_TRACE_ANALYSIS_H_
