// /api/trace/:id/{summary,goroutines,goroutine,tasks,pprof,timeline}: what cprofiler
// trace shows of an archived trace, as JSON (the derived profile as a
// gzipped pprof download). Routes: man/cprofiler.1. Each request reads the
// trace once, under the heavy-request semaphore; the timeline reads it only
// when the trace cache (trace_cache.h) does not hold it.
#include <algorithm>
#include <cstdio>

#include "base/fs.h"
#include "query/trace_analysis.h"
#include "query/trace_report.h"
#include "query/trace_timeline.h"
#include "server/api.h"

namespace cprof::server {
namespace {

// A non-negative integer parameter (nanoseconds, an ID); 0 when absent.
Result<int64_t> TimeParam(const QueryParams& params, std::string_view key) {
  const std::string* v = params.Get(key);
  if (v == nullptr || v->empty()) return int64_t{0};
  int64_t out = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || out > (INT64_MAX - 9) / 10) {
      return Status::InvalidArgument(std::string(key) +
                                     ": want nanoseconds on the trace's clock (the summary's "
                                     "start_ns..end_ns), got " +
                                     v->substr(0, 40));
    }
    out = out * 10 + (c - '0');
  }
  return out;
}

// goroutines=G,G,...: the goroutine lanes asked for, at most kMaxLanes.
constexpr size_t kMaxLanes = 32;
Result<std::vector<trace::GoId>> LanesParam(const QueryParams& params) {
  std::vector<trace::GoId> out;
  const std::string* v = params.Get("goroutines");
  if (v == nullptr) return out;
  for (std::string_view rest = *v; !rest.empty();) {
    const size_t comma = std::min(rest.find(','), rest.size());
    const std::string_view one = rest.substr(0, comma);
    rest.remove_prefix(std::min(comma + 1, rest.size()));
    int64_t g = one.empty() || one.size() > 18 ? -1 : 0;
    for (char c : one) {
      if (c < '0' || c > '9') g = -1;
      if (g >= 0) g = g * 10 + (c - '0');
    }
    if (g <= 0 || out.size() == kMaxLanes) {
      return Status::InvalidArgument("goroutines: want up to " + std::to_string(kMaxLanes) +
                                     " goroutine IDs, comma-separated, got " + v->substr(0, 40));
    }
    out.push_back(g);
  }
  return out;
}

}  // namespace

Response Api::Trace(std::string_view rest, const QueryParams& params) {
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Response::Text(404, "want /api/trace/ID/{summary,goroutines,tasks,pprof,timeline}");
  }
  const std::string_view id = rest.substr(0, slash), what = rest.substr(slash + 1);
  if (what != "summary" && what != "goroutines" && what != "tasks" && what != "pprof" &&
      what != "timeline" && what != "goroutine") {
    return Response::Text(404, "no such trace view: " + std::string(what.substr(0, 40)) +
                                   " (summary, goroutines, goroutine, tasks, pprof, timeline)");
  }
  auto input = ResolveId(id);
  if (!input.ok()) return Response::Error(input.status());
  if (input->profile_type != "trace") {
    return Response::Text(
        400, std::string(id) + " is a " + input->profile_type + " profile, not a trace");
  }
  std::vector<trace::ProfileKind> kinds;
  if (what == "pprof") {
    const std::string* kind = params.Get("kind");
    auto parsed = kind == nullptr ? std::nullopt : trace::ParseProfileKind(*kind);
    if (!parsed) return Response::Text(400, "kind: want net, sync, syscall or sched");
    kinds.push_back(*parsed);
  }
  query::TimelineOptions timeline;
  int64_t goroutine = 0;
  if (what == "goroutine") {
    auto g = TimeParam(params, "id");
    if (!g.ok() || *g == 0) return Response::Text(400, "id: want a goroutine ID");
    goroutine = *g;
  }
  if (what == "timeline" || what == "goroutine") {
    auto start = TimeParam(params, "start");
    auto end = TimeParam(params, "end");
    if (!start.ok()) return Response::Error(start.status());
    if (!end.ok()) return Response::Error(end.status());
    timeline.start_ns = *start;
    timeline.end_ns = *end;
  }
  const std::string removed = "trace " + std::string(id) + " was removed";
  if (what == "timeline") {
    auto lanes = LanesParam(params);
    if (!lanes.ok()) return Response::Error(lanes.status());
    timeline.goroutines = std::move(*lanes);
    auto stamp = StampOf(input->path);
    if (!stamp.ok()) return Response::Text(404, removed);
    auto built = traces_.Get(input->id, *stamp, [&]() -> Result<query::TraceTimeline> {
      HeavySlot slot(heavy_);
      std::FILE* f = std::fopen(input->path.c_str(), "rb");
      if (f == nullptr) return Status::NotFound(removed);
      return query::TraceTimeline::Build(trace::FileSource(f));
    });
    if (!built.ok()) return Response::Error(built.status().WithContext(std::string(id)));
    auto json = (*built)->Json(timeline);
    return json.ok() ? Response::Json(std::move(*json)) : Response::Error(json.status());
  }
  HeavySlot slot(heavy_);
  std::FILE* f = std::fopen(input->path.c_str(), "rb");
  if (f == nullptr) return Response::Text(404, removed);
  if (what == "goroutine") {
    auto json = query::TraceGoroutineJson(trace::FileSource(f), goroutine, timeline);
    return json.ok() ? Response::Json(std::move(*json)) : Response::Error(json.status());
  }
  auto analysis = query::AnalyzeTrace(trace::FileSource(f), kinds);
  if (!analysis.ok()) return Response::Error(analysis.status().WithContext(std::string(id)));
  if (what == "summary") return Response::Json(query::TraceSummaryJson(*analysis));
  if (what == "tasks") return Response::Json(query::TraceTasksJson(*analysis));
  if (what == "goroutines") {
    return Response::Json(query::TraceGoroutinesJson(*analysis, params.Get("name")));
  }
  return ProfileAttachment(
      pprof::EncodeProfile(query::BuildTraceProfile(analysis->profiles.begin()->second)),
      std::string(id) + "-" + std::string(trace::ProfileKindName(kinds[0])));
}

}  // namespace cprof::server
