// libFuzzer harness: the execution-trace reader (trace/reader.h), and what
// runs on its events: the summary, the four derived profiles and their pprof
// encoding, the reports and the timeline.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pprof/codec.h"
#include "query/trace_analysis.h"
#include "query/trace_report.h"
#include "query/trace_timeline.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto analysis = query::AnalyzeTrace(trace::MemorySource(bytes),
                                      {trace::ProfileKind::kNet, trace::ProfileKind::kSync,
                                       trace::ProfileKind::kSyscall, trace::ProfileKind::kSched});
  if (!analysis.ok()) return 0;
  for (const auto& [kind, records] : analysis->profiles) {
    (void)pprof::EncodeProfile(query::BuildTraceProfile(records));
  }
  (void)query::TraceSummaryJson(*analysis);
  (void)query::TraceGoroutinesText(*analysis);
  (void)query::TraceTasksJson(*analysis);
  query::TimelineOptions timeline;
  timeline.max_slices = 64;
  timeline.goroutines = {1, 2, 3};
  (void)query::TraceTimelineJson(trace::MemorySource(bytes), timeline);
  return 0;
}
