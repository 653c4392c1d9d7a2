#include "query/trace_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "base/json.h"

namespace cprof::query {
namespace {

bool IsSyncReason(const std::string& r) {
  return r.find("chan") != std::string::npos || r.find("sync") != std::string::npos ||
         r.find("select") != std::string::npos;
}

void AddStats(const trace::ExecStats& s, GoroutineGroup* g) {
  g->exec += s.exec;
  for (const auto& [reason, ns] : s.block_by_reason) {
    if (reason == "network") {
      g->net_wait += ns;
    } else if (IsSyncReason(reason)) {
      g->sync_block += ns;
    } else {
      g->other_block += ns;
    }
  }
  g->syscall += s.syscall + s.syscall_block;
  g->sched_wait += s.sched_wait;
  for (const auto& [name, ns] : s.range_time) g->gc += ns;
}

// Go's fmtFrac and fmtInt: `v` with `prec` decimal digits, trailing zeros
// (and a trailing point) dropped.
std::string Fraction(uint64_t v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int d = static_cast<int>(v % 10);
    print = print || d != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + d));
    v /= 10;
  }
  std::string out = std::to_string(v);
  if (print) out += "." + digits;
  return out;
}

int64_t Total(const TraceAnalysis& a) { return a.summary.end_time() - a.summary.start_time(); }

struct Histogram {
  int64_t buckets[std::size(kLatencyBuckets) + 1] = {};
  int64_t min = 0, max = 0, median = 0;
};

Histogram MakeHistogram(std::vector<int64_t> d) {
  Histogram h;
  if (d.empty()) return h;
  std::sort(d.begin(), d.end());
  h.min = d.front();
  h.max = d.back();
  h.median = d[d.size() / 2];
  for (int64_t v : d) {
    size_t i = 0;
    while (i < std::size(kLatencyBuckets) && v >= kLatencyBuckets[i]) ++i;
    ++h.buckets[i];
  }
  return h;
}

std::string BucketLabel(size_t i) {
  if (i == std::size(kLatencyBuckets)) return ">=" + GoDuration(kLatencyBuckets[i - 1]);
  return "<" + GoDuration(kLatencyBuckets[i]);
}

void SpanTypesJson(JsonWriter* w, std::string_view key,
                   const std::map<std::string, trace::SpanType>& types) {
  w->StartArray(key);
  for (const auto& [name, t] : types) {
    const Histogram h = MakeHistogram(t.durations);
    w->StartObject();
    w->Field("name", name);
    w->Field("count", t.count);
    w->Field("finished", static_cast<int64_t>(t.durations.size()));
    w->Field("min_ns", h.min);
    w->Field("median_ns", h.median);
    w->Field("max_ns", h.max);
    w->StartArray("slowest");
    for (const trace::SpanType::Instance& s : t.slowest) {
      w->StartObject();
      w->Field("start_ns", s.start);
      w->Field("end_ns", s.end);
      w->Field("goroutine", s.g);
      w->EndObject();
    }
    w->EndArray();
    w->StartArray("histogram");
    for (size_t i = 0; i < std::size(h.buckets); ++i) {
      w->StartObject();
      if (i < std::size(kLatencyBuckets)) {
        w->Field("below_ns", kLatencyBuckets[i]);
      } else {
        w->Key("below_ns");
        w->Null();
      }
      w->Field("count", h.buckets[i]);
      w->EndObject();
    }
    w->EndArray();
    w->EndObject();
  }
  w->EndArray();
}

void SpanTypesText(std::string* out, std::string_view what,
                   const std::map<std::string, trace::SpanType>& types) {
  char line[256];
  std::snprintf(line, sizeof line, "%-8s %-24s %8s %8s %12s %12s %12s\n", std::string(what).c_str(),
                "type", "count", "finished", "min", "median", "max");
  *out += line;
  for (const auto& [name, t] : types) {
    const Histogram h = MakeHistogram(t.durations);
    std::snprintf(line, sizeof line, "%-8s %-24s %8" PRId64 " %8zu %12s %12s %12s\n", "",
                  name.c_str(), t.count, t.durations.size(), GoDuration(h.min).c_str(),
                  GoDuration(h.median).c_str(), GoDuration(h.max).c_str());
    *out += line;
    std::string hist = "           ";
    for (size_t i = 0; i < std::size(h.buckets); ++i) {
      if (h.buckets[i] == 0) continue;
      hist += " " + BucketLabel(i) + ":" + std::to_string(h.buckets[i]);
    }
    if (!t.durations.empty()) *out += hist + "\n";
  }
}

}  // namespace

std::string GoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  const bool neg = ns < 0;
  uint64_t u = neg ? -static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1'000'000'000) {
    if (u < 1'000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      out = Fraction(u, 3) + "µs";
    } else {
      out = Fraction(u, 6) + "ms";
    }
  } else {
    const uint64_t secs = u / 1'000'000'000;
    out = Fraction((secs % 60) * 1'000'000'000 + u % 1'000'000'000, 9) + "s";
    const uint64_t mins = secs / 60;
    if (mins >= 60) {
      out = std::to_string(mins / 60) + "h" + std::to_string(mins % 60) + "m" + out;
    } else if (mins > 0) {
      out = std::to_string(mins) + "m" + out;
    }
  }
  return neg ? "-" + out : out;
}

std::vector<GoroutineGroup> GroupGoroutines(const trace::Summarizer& summary) {
  std::map<std::string, GoroutineGroup> by_name;
  for (const auto& [id, g] : summary.goroutines()) {
    GoroutineGroup& group = by_name[g.name];
    group.name = g.name;
    ++group.count;
    AddStats(g.stats, &group);
    group.ids.push_back(id);
  }
  std::vector<GoroutineGroup> out;
  for (auto& [name, g] : by_name) {
    std::sort(g.ids.begin(), g.ids.end());
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const GoroutineGroup& a, const GoroutineGroup& b) {
    return a.exec > b.exec;
  });
  return out;
}

std::string TraceSummaryText(const TraceAnalysis& a) {
  const trace::TraceCounts& c = a.summary.counts();
  std::string out;
  auto line = [&](std::string_view k, const std::string& v) {
    out += std::string(k) + std::string(k.size() < 14 ? 14 - k.size() : 1, ' ') + v + "\n";
  };
  line("format", a.version);
  line("size", std::to_string(a.bytes) + " bytes");
  line("duration", GoDuration(Total(a)));
  line("events", std::to_string(c.events));
  line("generations", std::to_string(c.generations));
  line("goroutines", std::to_string(a.summary.goroutines().size()));
  line("procs", std::to_string(c.max_procs) + " (GOMAXPROCS)");
  line("gcs", std::to_string(c.gcs));
  line("stws", std::to_string(c.stws));
  line("tasks", std::to_string(a.summary.task_types().size()) + " types");
  line("regions", std::to_string(a.summary.region_types().size()) + " types");
  line("logs", std::to_string(c.logs));
  line("cpu samples", std::to_string(c.cpu_samples));
  return out;
}

std::string TraceSummaryJson(const TraceAnalysis& a) {
  const trace::TraceCounts& c = a.summary.counts();
  JsonWriter w;
  w.StartObject();
  w.Field("format", a.version);
  w.Field("bytes", a.bytes);
  w.Field("start_ns", a.summary.start_time());
  w.Field("end_ns", a.summary.end_time());
  w.Field("duration_ns", Total(a));
  w.Field("events", c.events);
  w.Field("generations", c.generations);
  w.Field("goroutines", static_cast<int64_t>(a.summary.goroutines().size()));
  w.Field("procs", c.max_procs);
  w.Field("gcs", c.gcs);
  w.Field("stws", c.stws);
  w.Field("task_types", static_cast<int64_t>(a.summary.task_types().size()));
  w.Field("region_types", static_cast<int64_t>(a.summary.region_types().size()));
  w.Field("logs", c.logs);
  w.Field("cpu_samples", c.cpu_samples);
  w.StartObject("event_types");
  for (int t = 0; t < 256; ++t) {
    if (c.by_type[t] != 0) w.Field(trace::EventName(static_cast<uint8_t>(t)), c.by_type[t]);
  }
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string TraceGoroutinesText(const TraceAnalysis& a) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%6s %14s %14s %14s %14s %14s %14s %14s  %s\n", "count",
                "execution", "network wait", "sync block", "other block", "syscall", "sched wait",
                "gc", "start function");
  out += line;
  for (const GoroutineGroup& g : GroupGoroutines(a.summary)) {
    std::snprintf(line, sizeof line, "%6" PRId64 " %14s %14s %14s %14s %14s %14s %14s  %s\n",
                  g.count, GoDuration(g.exec).c_str(), GoDuration(g.net_wait).c_str(),
                  GoDuration(g.sync_block).c_str(), GoDuration(g.other_block).c_str(),
                  GoDuration(g.syscall).c_str(), GoDuration(g.sched_wait).c_str(),
                  GoDuration(g.gc).c_str(),
                  g.name.empty() ? "(inactive, no stack trace sampled)" : g.name.c_str());
    out += line;
  }
  return out;
}

std::string TraceGoroutinesJson(const TraceAnalysis& a, const std::string* group) {
  JsonWriter w;
  auto times = [&](const GoroutineGroup& g) {
    w.Field("exec_ns", g.exec);
    w.Field("net_wait_ns", g.net_wait);
    w.Field("sync_block_ns", g.sync_block);
    w.Field("other_block_ns", g.other_block);
    w.Field("syscall_ns", g.syscall);
    w.Field("sched_wait_ns", g.sched_wait);
    w.Field("gc_ns", g.gc);
  };
  w.StartArray();
  for (const GoroutineGroup& g : GroupGoroutines(a.summary)) {
    if (group != nullptr && g.name != *group) continue;
    if (group == nullptr) {
      w.StartObject();
      w.Field("name", g.name);
      w.Field("count", g.count);
      times(g);
      w.EndObject();
      continue;
    }
    for (int64_t id : g.ids) {
      const trace::GoroutineSummary* s = a.summary.Find(id);
      GoroutineGroup one;
      AddStats(s->stats, &one);
      w.StartObject();
      w.Field("id", id);
      w.Field("name", g.name);
      w.Field("creation_ns", s->creation);
      w.Field("start_ns", s->start);
      w.Field("end_ns", s->end);
      w.Field("total_ns", s->stats.total);
      times(one);
      w.EndObject();
    }
  }
  w.EndArray();
  return w.Take();
}

std::string TraceTasksText(const TraceAnalysis& a) {
  std::string out;
  SpanTypesText(&out, "task", a.summary.task_types());
  out += "\n";
  SpanTypesText(&out, "region", a.summary.region_types());
  return out;
}

std::string TraceTasksJson(const TraceAnalysis& a) {
  JsonWriter w;
  w.StartObject();
  SpanTypesJson(&w, "tasks", a.summary.task_types());
  SpanTypesJson(&w, "regions", a.summary.region_types());
  w.EndObject();
  return w.Take();
}

}  // namespace cprof::query
