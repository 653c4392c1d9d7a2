#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "query/trace_analysis.h"
#include "query/trace_report.h"
#include "query/trace_timeline.h"
#include "test_util.h"
#include "trace/reader.h"

using namespace cprof;

namespace {

Result<query::TraceAnalysis> Analyze(std::string_view data,
                                     const std::vector<trace::ProfileKind>& kinds = {}) {
  return query::AnalyzeTrace(trace::MemorySource(data), kinds);
}

// Reads every event: OK, or the first error.
Status ReadAll(std::string_view data) {
  auto reader = trace::Reader::Open(trace::MemorySource(data));
  if (!reader.ok()) return reader.status();
  trace::Event ev;
  for (;;) {
    auto more = reader->Next(&ev);
    if (!more.ok()) return more.status();
    if (!*more) return Status::OK();
  }
}

}  // namespace

TEST_CASE("trace: go tool trace's derived profiles of the fixture", "[trace]") {
  const std::string data = testing::ReadTestData("go123.trace");
  // What Go 1.23's go tool trace -pprof=K gives (tests/data/README).
  struct Want {
    trace::ProfileKind kind;
    int64_t count, nanos;
  };
  const Want wants[] = {{trace::ProfileKind::kNet, 66, 100447168},
                        {trace::ProfileKind::kSync, 50, 97769792},
                        {trace::ProfileKind::kSyscall, 130, 17211840},
                        {trace::ProfileKind::kSched, 59, 1635136}};
  auto a = Analyze(data, {trace::ProfileKind::kNet, trace::ProfileKind::kSync,
                          trace::ProfileKind::kSyscall, trace::ProfileKind::kSched});
  REQUIRE(a.ok());
  for (const Want& w : wants) {
    int64_t count = 0, nanos = 0;
    for (const trace::ProfileRecord& r : a->profiles[w.kind]) {
      count += r.count;
      nanos += r.nanos;
    }
    INFO(trace::ProfileKindName(w.kind));
    CHECK(count == w.count);
    CHECK(nanos == w.nanos);
    // The pprof profile of it decodes and validates.
    const std::string encoded = pprof::EncodeProfile(query::BuildTraceProfile(a->profiles[w.kind]));
    CHECK(pprof::DecodeProfile(encoded).ok());
  }
}

TEST_CASE("trace: summary, goroutine groups and tasks of the fixture", "[trace]") {
  auto a = Analyze(testing::ReadTestData("go123.trace"));
  REQUIRE(a.ok());
  CHECK(a->version == "go 1.23 trace");
  CHECK(a->summary.counts().events == 3987);
  CHECK(a->summary.counts().generations == 1);
  CHECK(a->summary.goroutines().size() == 33);
  CHECK(a->summary.counts().max_procs == 2);
  bool task_runners = false;
  for (const query::GoroutineGroup& g : query::GroupGoroutines(a->summary)) {
    if (g.name == "main.taskRunner") task_runners = g.count == 2 && g.exec > 0;
  }
  CHECK(task_runners);
  REQUIRE(a->summary.task_types().contains("order"));
  CHECK(a->summary.task_types().at("order").count == 44);
  CHECK(a->summary.region_types().at("charge").durations.size() == 66);
  // The slowest, longest first, the first the longest of all.
  const trace::SpanType& order = a->summary.task_types().at("order");
  REQUIRE(order.slowest.size() == trace::SpanType::kSlowest);
  for (size_t i = 1; i < order.slowest.size(); ++i) {
    CHECK(order.slowest[i - 1].end - order.slowest[i - 1].start >=
          order.slowest[i].end - order.slowest[i].start);
  }
  CHECK(order.slowest[0].end - order.slowest[0].start ==
        *std::max_element(order.durations.begin(), order.durations.end()));
  CHECK(order.slowest[0].g > 0);
}

TEST_CASE("trace: headers and bad input, each a clean error", "[trace]") {
  const std::string good = testing::ReadTestData("go123.trace");
  const std::string body = good.substr(16);
  struct Case {
    std::string data;
    Status::Code code;
    std::string message;
  };
  const Case cases[] = {
      {"", Status::Code::kCorruption, "16-byte header"},
      {std::string("go 1.21 trace\0\0\0", 16) + body, Status::Code::kInvalidArgument,
       "go 1.21 trace: the execution-trace format of Go 1.21 and before"},
      {std::string("go 1.11 trace\0\0\0", 16), Status::Code::kInvalidArgument, "go 1.11 trace"},
      {std::string("go 1.25 trace\0\0\0", 16) + body, Status::Code::kInvalidArgument,
       "newer than cprofiler knows"},
      {std::string("not a trace at all"), Status::Code::kCorruption, "no \"go 1.N trace\""},
      {std::string("go 1.23 trace\0\0\0", 16), Status::Code::kCorruption, "no events"},
      {std::string("go 1.23 trace\0\0\0\x07", 17), Status::Code::kCorruption, "expected a batch"},
      {std::string("go 1.22 trace\0\0\0\x01\x01", 18), Status::Code::kCorruption, "truncated"},
      // A batch of 1 MiB: over the runtime's 64 KiB.
      {std::string("go 1.23 trace\0\0\0\x01\x01\x01\x01\x80\x80\x40", 23),
       Status::Code::kCorruption, "over the 64 KiB maximum"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    Status s = ReadAll(c.data);
    CHECK(s.code() == c.code);
    CHECK(s.message().find(c.message) != std::string::npos);
  }
  CHECK(ReadAll(good).ok());
}

TEST_CASE("trace: every truncation reads as OK or a clean error", "[trace]") {
  const std::string good = testing::ReadTestData("go123.trace");
  int errors = 0;
  for (size_t n = 0; n < good.size(); n += (n < 256 ? 1 : 61)) {
    Status s = ReadAll(std::string_view(good).substr(0, n));
    if (!s.ok()) {
      ++errors;
      CHECK(s.code() != Status::Code::kOk);
      CHECK(s.message().find('\n') == std::string::npos);
    }
  }
  CHECK(errors > 0);
}

TEST_CASE("trace: flipped bytes read as OK or a clean error", "[trace]") {
  const std::string good = testing::ReadTestData("go123.trace");
  int errors = 0;
  for (size_t i = 16; i < good.size(); i += 97) {
    for (char flip : {'\x01', '\x80', '\xff'}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      if (!Analyze(bad, {trace::ProfileKind::kSched}).ok()) ++errors;
    }
  }
  CHECK(errors > 0);
}

TEST_CASE("trace: Go's duration format", "[trace]") {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {999, "999ns"},
      {1'000, "1µs"},
      {1'500, "1.5µs"},
      {1'234'567, "1.234567ms"},
      {1'000'000'000, "1s"},
      {61'000'000'001, "1m1.000000001s"},
      {3'600'000'000'000, "1h0m0s"},
      {-1'500'000, "-1.5ms"},
  };
  for (const auto& [ns, want] : cases) CHECK(query::GoDuration(ns) == want);
}

TEST_CASE("trace: the timeline of a window, bounded", "[trace]") {
  const std::string data = testing::ReadTestData("go123.trace");
  auto whole = query::TraceTimelineJson(trace::MemorySource(data), {});
  REQUIRE(whole.ok());
  rapidjson::Document doc;
  doc.Parse(whole->data(), whole->size());
  REQUIRE(doc.IsObject());
  const int64_t start = doc["start_ns"].GetInt64(), end = doc["end_ns"].GetInt64();
  CHECK(end - start == 51068737);  // the fixture's duration (trace summary)
  CHECK(doc["procs"].Size() == 2);
  CHECK(doc["slices"].Size() % 5 == 0);
  CHECK(doc["slices"].Size() > 0);

  // A 10 ms window: every slice, band and sample inside it.
  query::TimelineOptions window;
  window.start_ns = start + 10'000'000;
  window.end_ns = start + 20'000'000;
  auto part = query::TraceTimelineJson(trace::MemorySource(data), window);
  REQUIRE(part.ok());
  doc.Parse(part->data(), part->size());
  const auto& slices = doc["slices"];
  REQUIRE(slices.Size() > 0);
  for (rapidjson::SizeType i = 0; i < slices.Size(); i += 5) {
    const int64_t t = slices[i + 3].GetInt64(), d = slices[i + 4].GetInt64();
    CHECK(t >= 0);
    CHECK(t + d <= 10'000'000);
  }
  for (rapidjson::SizeType i = 0; i < doc["heap"].Size(); i += 2) {
    CHECK(doc["heap"][i].GetInt64() >= 0);
    CHECK(doc["heap"][i].GetInt64() <= 10'000'000);
  }

  // Few slices allowed: the longest kept, said so.
  query::TimelineOptions capped;
  capped.max_slices = 3;
  capped.resolution = 1 << 30;  // no slice too short to show
  auto small = query::TraceTimelineJson(trace::MemorySource(data), capped);
  REQUIRE(small.ok());
  doc.Parse(small->data(), small->size());
  CHECK(doc["slices"].Size() <= 3 * 5);
  CHECK((doc["truncated"].GetBool() || doc["min_slice_ns"].GetInt64() > 0));

  query::TimelineOptions backwards;
  backwards.start_ns = 2;
  backwards.end_ns = 1;
  CHECK(query::TraceTimelineJson(trace::MemorySource(data), backwards).status().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("trace: a goroutine's lane, its runs those of the P lanes", "[trace]") {
  const std::string data = testing::ReadTestData("go123.trace");
  auto timeline = query::TraceTimeline::Build(trace::MemorySource(data));
  REQUIRE(timeline.ok());
  CHECK(timeline->bytes() > 0);
  CHECK(timeline->bytes() < 2 * data.size());  // 1.2x
  query::TimelineOptions all;
  all.resolution = 1 << 30;  // nothing too short to show
  auto whole = timeline->Json(all);
  REQUIRE(whole.ok());
  rapidjson::Document doc;
  doc.Parse(whole->data(), whole->size());
  REQUIRE(doc["slices"].Size() > 0);
  CHECK(doc["lanes"].Size() == 0);
  const int64_t g = doc["slices"][1].GetInt64();
  std::vector<std::pair<int64_t, int64_t>> runs;  // g's slices: start, duration
  for (rapidjson::SizeType i = 0; i < doc["slices"].Size(); i += 5) {
    if (doc["slices"][i + 1].GetInt64() == g) {
      runs.emplace_back(doc["slices"][i + 3].GetInt64(), doc["slices"][i + 4].GetInt64());
    }
  }
  std::sort(runs.begin(), runs.end());

  all.goroutines = {g, 999'999'999};  // the second not in the trace: no lane
  auto with_lane = timeline->Json(all);
  REQUIRE(with_lane.ok());
  doc.Parse(with_lane->data(), with_lane->size());
  REQUIRE(doc["lanes"].Size() == 1);
  const auto& lane = doc["lanes"][0];
  CHECK(lane["id"].GetInt64() == g);
  CHECK(lane["truncated"].GetBool() == false);
  const auto& states = doc["states"];
  REQUIRE(states.Size() >= 3);
  CHECK(std::string(states[0].GetString()) == "running");
  const auto& spans = lane["spans"];
  REQUIRE(spans.Size() % 3 == 0);
  std::vector<std::pair<int64_t, int64_t>> lane_runs;
  int64_t last_end = 0;
  for (rapidjson::SizeType i = 0; i < spans.Size(); i += 3) {
    REQUIRE(spans[i].GetInt64() < states.Size());
    const int64_t t = spans[i + 1].GetInt64(), d = spans[i + 2].GetInt64();
    CHECK(t >= last_end);  // in order, not overlapping
    last_end = t + d;
    if (spans[i].GetInt64() == 0) lane_runs.emplace_back(t, d);
  }
  CHECK(spans.Size() / 3 > lane_runs.size());  // not only running
  CHECK(lane_runs == runs);

  // Goroutine counts sampled evenly, at most resolution + 1 of them: some
  // goroutines run, some wait.
  auto sampled = timeline->Json({});
  REQUIRE(sampled.ok());
  rapidjson::Document counts;
  counts.Parse(sampled->data(), sampled->size());
  const auto& c = counts["goroutines"];
  REQUIRE(c.Size() % 4 == 0);
  CHECK(c.Size() / 4 > 1000);
  CHECK(c.Size() / 4 <= 4001);
  int64_t most_running = 0, most_waiting = 0;
  for (rapidjson::SizeType i = 0; i < c.Size(); i += 4) {
    CHECK(c[i].GetInt64() >= (i == 0 ? 0 : c[i - 4].GetInt64()));
    most_running = std::max(most_running, c[i + 1].GetInt64());
    most_waiting = std::max(most_waiting, c[i + 3].GetInt64());
  }
  CHECK(most_running >= 1);
  CHECK(most_waiting >= 1);

  // A narrow window: the lane's spans clipped to it.
  query::TimelineOptions narrow;
  narrow.start_ns = doc["start_ns"].GetInt64() + 10'000'000;
  narrow.end_ns = narrow.start_ns + 5'000'000;
  narrow.goroutines = {g};
  auto part = timeline->Json(narrow);
  REQUIRE(part.ok());
  doc.Parse(part->data(), part->size());
  for (rapidjson::SizeType i = 0; i < doc["lanes"][0]["spans"].Size(); i += 3) {
    const int64_t t = doc["lanes"][0]["spans"][i + 1].GetInt64();
    CHECK(t >= 0);
    CHECK(t + doc["lanes"][0]["spans"][i + 2].GetInt64() <= 5'000'000);
  }
}
