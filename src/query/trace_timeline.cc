#include "query/trace_timeline.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "trace/derived.h"
#include "trace/summary.h"

namespace cprof::query {
namespace {

struct Slice {
  trace::ProcId p;
  trace::GoId g;
  int64_t start, end;
};

// Points of a counter, thinned (every other one dropped) whenever they pass
// twice `cap`, so memory stays bounded whatever the trace's length.
class Series {
 public:
  Series(size_t width, size_t cap) : width_(width), cap_(cap) {}
  void Add(const std::vector<int64_t>& point) {
    values_.insert(values_.end(), point.begin(), point.end());
    if (values_.size() / width_ <= 2 * cap_) return;
    std::vector<int64_t> kept;
    for (size_t i = 0; i < values_.size(); i += 2 * width_) {
      const size_t j = std::min(i + width_, values_.size() - width_);  // the later of the two
      kept.insert(kept.end(), values_.begin() + j, values_.begin() + j + width_);
    }
    values_ = std::move(kept);
  }
  const std::vector<int64_t>& values() const { return values_; }

 private:
  size_t width_, cap_;
  std::vector<int64_t> values_;
};

class Timeline {
 public:
  explicit Timeline(const TimelineOptions& o)
      : o_(o),
        heap_(2, static_cast<size_t>(o.resolution)),
        counts_(4, static_cast<size_t>(o.resolution)) {}

  void Add(const trace::Event& ev) {
    summary_.Add(ev);
    if (first_ == 0) first_ = ev.time;
    last_ = ev.time;
    switch (ev.type) {
      case trace::kEvGCBegin:
      case trace::kEvGCActive:
        if (gc_open_ == 0) gc_open_ = ev.time;
        return;
      case trace::kEvGCEnd:
        if (gc_open_ != 0) Band(&gc_, gc_open_, ev.time);
        gc_open_ = 0;
        return;
      case trace::kEvSTWBegin:
        stw_open_ = ev.time;
        return;
      case trace::kEvSTWEnd:
        if (stw_open_ != 0) Band(&stw_, stw_open_, ev.time);
        stw_open_ = 0;
        return;
      case trace::kEvHeapAlloc:
        if (InWindow(ev.time)) heap_.Add({ev.time, static_cast<int64_t>(ev.args[0])});
        return;
      default:
        break;
    }
    if (trace::KindOf(ev) != trace::EventKind::kStateTransition) return;
    const trace::Transition st = trace::TransitionOf(ev);
    if (!st.goroutine || st.go_from == st.go_to) return;
    Count(st.go_from, -1);
    Count(st.go_to, +1);
    if (InWindow(ev.time)) {
      counts_.Add({ev.time, running_, runnable_, waiting_});
    }
    if (st.go_from == trace::GoState::kRunning) {
      auto it = running_on_.find(st.id);
      if (it != running_on_.end()) {
        AddSlice(Slice{it->second.first, st.id, it->second.second, ev.time});
        running_on_.erase(it);
      }
    }
    if (st.go_to == trace::GoState::kRunning && ev.p != trace::kNoProc) {
      running_on_[st.id] = {ev.p, ev.time};
    }
  }

  std::string Finish() {
    summary_.Finalize();
    for (const auto& [g, run] : running_on_) AddSlice(Slice{run.first, g, run.second, last_});
    if (gc_open_ != 0) Band(&gc_, gc_open_, last_);
    if (stw_open_ != 0) Band(&stw_, stw_open_, last_);
    const int64_t start = o_.start_ns != 0 ? o_.start_ns : first_;
    const int64_t end = o_.end_ns != 0 ? o_.end_ns : last_;
    min_slice_ = std::max(min_slice_, (end - start) / std::max<int64_t>(o_.resolution, 1));
    std::erase_if(slices_, [&](const Slice& s) { return s.end - s.start < min_slice_; });
    bool truncated = false;
    if (slices_.size() > o_.max_slices) {
      std::sort(slices_.begin(), slices_.end(),
                [](const Slice& a, const Slice& b) { return a.end - a.start > b.end - b.start; });
      slices_.resize(o_.max_slices);
      truncated = true;
    }
    std::sort(slices_.begin(), slices_.end(), [](const Slice& a, const Slice& b) {
      return a.p != b.p ? a.p < b.p : a.start < b.start;
    });
    std::map<std::string, int64_t> name_index;
    std::vector<std::string> names;
    auto name_of = [&](trace::GoId g) {
      const trace::GoroutineSummary* s = summary_.Find(g);
      const std::string name = s != nullptr ? s->name : "";
      auto [it, inserted] = name_index.emplace(name, static_cast<int64_t>(names.size()));
      if (inserted) names.push_back(name);
      return it->second;
    };
    JsonWriter w;
    w.StartObject();
    w.Field("start_ns", start);
    w.Field("end_ns", end);
    w.Field("trace_start_ns", first_);
    w.Field("trace_end_ns", last_);
    w.StartArray("procs");
    for (trace::ProcId p : procs_) w.Int64(p);
    w.EndArray();
    std::vector<int64_t> flat;
    flat.reserve(slices_.size() * 5);
    for (const Slice& s : slices_) {
      const int64_t a = std::max(s.start, start), b = std::min(s.end, end);
      flat.insert(flat.end(), {s.p, s.g, name_of(s.g), a - start, b - a});
    }
    w.StartArray("names");
    for (const std::string& n : names) w.String(n);
    w.EndArray();
    auto ints = [&](std::string_view key, const std::vector<int64_t>& v, size_t width) {
      w.StartArray(key);
      for (size_t i = 0; i < v.size(); ++i) {
        // Every record's first number is a time: made relative to the start.
        w.Int64(i % width == 0 ? v[i] - start : v[i]);
      }
      w.EndArray();
    };
    w.StartArray("slices");
    for (size_t i = 0; i < flat.size(); ++i) w.Int64(flat[i]);
    w.EndArray();
    auto bands = [&](std::string_view key, const std::vector<std::pair<int64_t, int64_t>>& v) {
      w.StartArray(key);
      for (const auto& [a, b] : v) {
        const int64_t x = std::max(a, start), y = std::min(b, end);
        if (y < x) continue;
        w.Int64(x - start);
        w.Int64(y - x);
      }
      w.EndArray();
    };
    bands("gc", gc_);
    bands("stw", stw_);
    ints("heap", heap_.values(), 2);
    ints("goroutines", counts_.values(), 4);
    w.Field("min_slice_ns", min_slice_);
    w.Field("truncated", truncated);
    w.EndObject();
    return w.Take();
  }

 private:
  bool InWindow(int64_t t) const {
    return (o_.start_ns == 0 || t >= o_.start_ns) && (o_.end_ns == 0 || t <= o_.end_ns);
  }
  bool Overlaps(int64_t a, int64_t b) const {
    return (o_.start_ns == 0 || b >= o_.start_ns) && (o_.end_ns == 0 || a <= o_.end_ns);
  }
  void Band(std::vector<std::pair<int64_t, int64_t>>* v, int64_t a, int64_t b) {
    if (Overlaps(a, b) && v->size() < o_.max_slices) v->emplace_back(a, b);
  }
  void Count(trace::GoState s, int64_t d) {
    switch (s) {
      case trace::GoState::kRunning:
      case trace::GoState::kSyscall:
        running_ += d;
        break;
      case trace::GoState::kRunnable:
        runnable_ += d;
        break;
      case trace::GoState::kWaiting:
        waiting_ += d;
        break;
      default:
        break;
    }
  }
  void AddSlice(const Slice& s) {
    procs_.insert(s.p);
    if (!Overlaps(s.start, s.end) || s.end - s.start < min_slice_) return;
    slices_.push_back(s);
    // Past twice the cap: drop the shortest by doubling the threshold.
    while (slices_.size() > 2 * o_.max_slices) {
      min_slice_ = std::max<int64_t>(1, min_slice_ * 2);
      std::erase_if(slices_, [&](const Slice& x) { return x.end - x.start < min_slice_; });
    }
  }

  TimelineOptions o_;
  trace::Summarizer summary_;
  std::unordered_map<trace::GoId, std::pair<trace::ProcId, int64_t>> running_on_;
  std::vector<Slice> slices_;
  std::set<trace::ProcId> procs_;
  std::vector<std::pair<int64_t, int64_t>> gc_, stw_;
  Series heap_, counts_;
  int64_t running_ = 0, runnable_ = 0, waiting_ = 0;
  int64_t first_ = 0, last_ = 0, gc_open_ = 0, stw_open_ = 0, min_slice_ = 0;
};

std::string_view StateName(trace::GoState s) {
  switch (s) {
    case trace::GoState::kUndetermined:
      return "undetermined";
    case trace::GoState::kNotExist:
      return "notexist";
    case trace::GoState::kRunnable:
      return "runnable";
    case trace::GoState::kRunning:
      return "running";
    case trace::GoState::kWaiting:
      return "waiting";
    case trace::GoState::kSyscall:
      return "syscall";
  }
  return "";
}

}  // namespace

Result<std::string> TraceGoroutineJson(std::unique_ptr<trace::ByteSource> source, trace::GoId g,
                                       const TimelineOptions& window, size_t max_events) {
  CPROF_ASSIGN_OR_RETURN(trace::Reader reader, trace::Reader::Open(std::move(source)));
  struct Step {
    int64_t time, p;
    trace::GoState from, to;
    std::string reason;
    std::vector<trace::OwnedFrame> stack;
  };
  std::vector<Step> steps;
  bool truncated = false;
  trace::Summarizer summary;
  trace::Event ev;
  for (;;) {
    CPROF_ASSIGN_OR_RETURN(bool more, reader.Next(&ev));
    if (!more) break;
    summary.Add(ev);
    if (trace::KindOf(ev) != trace::EventKind::kStateTransition) continue;
    if ((window.start_ns != 0 && ev.time < window.start_ns) ||
        (window.end_ns != 0 && ev.time > window.end_ns)) {
      continue;
    }
    const trace::Transition st = trace::TransitionOf(ev);
    if (!st.goroutine || st.id != g || st.go_from == st.go_to) continue;
    if (steps.size() == max_events) {
      truncated = true;
      continue;
    }
    Step step{ev.time, ev.p, st.go_from, st.go_to, std::string(st.reason), {}};
    // The stack the goroutine is at; else the event's (who unblocked it).
    const uint64_t stack = st.stack != 0 ? st.stack : trace::StackOf(ev);
    for (uint64_t pc : ev.tables->Stack(stack)) {
      const trace::Frame f = ev.tables->FrameOf(pc);
      step.stack.push_back(trace::OwnedFrame{pc, std::string(f.func), std::string(f.file),
                                             static_cast<int64_t>(f.line)});
    }
    steps.push_back(std::move(step));
  }
  const trace::GoroutineSummary* s = summary.Find(g);
  if (s == nullptr) return Status::NotFound("no goroutine " + std::to_string(g) + " in the trace");
  JsonWriter w;
  w.StartObject();
  w.Field("id", g);
  w.Field("name", s->name);
  w.StartArray("events");
  for (const Step& step : steps) {
    w.StartObject();
    w.Field("time_ns", step.time);
    w.Field("from", StateName(step.from));
    w.Field("to", StateName(step.to));
    w.Field("reason", step.reason);
    w.Field("p", step.p);
    w.StartArray("stack");
    for (const trace::OwnedFrame& f : step.stack) {
      w.StartObject();
      w.Field("func", f.func);
      w.Field("file", f.file);
      w.Field("line", f.line);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Field("truncated", truncated);
  w.EndObject();
  return w.Take();
}

Result<std::string> TraceTimelineJson(std::unique_ptr<trace::ByteSource> source,
                                      const TimelineOptions& options) {
  if (options.end_ns != 0 && options.end_ns < options.start_ns) {
    return Status::InvalidArgument("the window ends before it starts");
  }
  CPROF_ASSIGN_OR_RETURN(trace::Reader reader, trace::Reader::Open(std::move(source)));
  Timeline timeline(options);
  trace::Event ev;
  for (;;) {
    CPROF_ASSIGN_OR_RETURN(bool more, reader.Next(&ev));
    if (!more) break;
    timeline.Add(ev);
  }
  return timeline.Finish();
}

}  // namespace cprof::query
