#include "query/trace_timeline.h"

#include <algorithm>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "trace/derived.h"
#include "trace/summary.h"

namespace cprof::query {
namespace {

constexpr uint32_t kRunning = 0, kRunnable = 1, kSyscall = 2;

}  // namespace

// One pass over the trace: each goroutine's spans of state, the bands, the
// heap and the counts, at full resolution.
class TraceTimeline::Builder {
 public:
  Builder() {
    for (const char* s : {"running", "runnable", "syscall"}) Intern(&state_index_, &t_.states_, s);
  }

  void Add(const trace::Event& ev) {
    summary_.Add(ev);
    if (t_.first_ == 0) t_.first_ = ev.time;
    t_.last_ = ev.time;
    switch (ev.type) {
      case trace::kEvGCBegin:
      case trace::kEvGCActive:
        if (gc_open_ == 0) gc_open_ = ev.time;
        return;
      case trace::kEvGCEnd:
        if (gc_open_ != 0) t_.gc_.emplace_back(gc_open_, ev.time);
        gc_open_ = 0;
        return;
      case trace::kEvSTWBegin:
        stw_open_ = ev.time;
        return;
      case trace::kEvSTWEnd:
        if (stw_open_ != 0) t_.stw_.emplace_back(stw_open_, ev.time);
        stw_open_ = 0;
        return;
      case trace::kEvHeapAlloc:
        t_.heap_.emplace_back(ev.time, static_cast<int64_t>(ev.args[0]));
        return;
      default:
        break;
    }
    if (trace::KindOf(ev) != trace::EventKind::kStateTransition) return;
    const trace::Transition st = trace::TransitionOf(ev);
    if (!st.goroutine || st.go_from == st.go_to) return;
    const uint32_t state = StateOf(st);
    const int32_t p = state == kRunning ? static_cast<int32_t>(ev.p) : int32_t{-1};
    const Span span(ev.time - t_.first_, p, state);
    std::vector<Span>& spans = t_.lanes_[st.id].spans;
    // Several changes at one time: the last holds.
    if (!spans.empty() && spans.back().at() == span.at()) spans.pop_back();
    if (spans.empty() ? state != kGone
                      : spans.back().state() != state || spans.back().p() != span.p()) {
      spans.push_back(span);
    }
  }

  TraceTimeline Finish() {
    summary_.Finalize();
    if (gc_open_ != 0) t_.gc_.emplace_back(gc_open_, t_.last_);
    if (stw_open_ != 0) t_.stw_.emplace_back(stw_open_, t_.last_);
    std::unordered_map<std::string, uint32_t> name_index;
    size_t spans = 0;
    for (auto& [g, lane] : t_.lanes_) {
      for (const Span& s : lane.spans) {
        if (s.p() >= 0) procs_seen_.insert(s.p());
      }
      const trace::GoroutineSummary* s = summary_.Find(g);
      lane.name = Intern(&name_index, &t_.names_, s != nullptr ? s->name : "");
      lane.spans.shrink_to_fit();
      spans += lane.spans.capacity();
    }
    t_.procs_.assign(procs_seen_.begin(), procs_seen_.end());
    t_.bytes_ = sizeof(TraceTimeline) + spans * sizeof(Span) +
                t_.lanes_.size() * (sizeof(Lane) + 32) +
                (t_.gc_.capacity() + t_.stw_.capacity() + t_.heap_.capacity()) * sizeof(Band);
    for (const auto* v : {&t_.names_, &t_.states_}) {
      for (const std::string& n : *v) t_.bytes_ += sizeof(n) + n.capacity();
    }
    return std::move(t_);
  }

 private:
  static uint32_t Intern(std::unordered_map<std::string, uint32_t>* index,
                         std::vector<std::string>* v, std::string_view s) {
    auto [it, inserted] = index->emplace(s, static_cast<uint32_t>(v->size()));
    if (inserted) v->emplace_back(s);
    return it->second;
  }
  // The state a lane shows; kGone for a goroutine that does not exist.
  uint32_t StateOf(const trace::Transition& st) {
    switch (st.go_to) {
      case trace::GoState::kRunning:
        return kRunning;
      case trace::GoState::kRunnable:
        return kRunnable;
      case trace::GoState::kSyscall:
        return kSyscall;
      case trace::GoState::kWaiting:
        // Past the states a Span holds (only a damaged trace has so many
        // reasons): plain waiting.
        if (t_.states_.size() >= kGone - 1) return Intern(&state_index_, &t_.states_, "waiting");
        return Intern(&state_index_, &t_.states_, st.reason.empty() ? "waiting" : st.reason);
      default:
        return kGone;
    }
  }

  TraceTimeline t_;
  trace::Summarizer summary_;
  std::set<trace::ProcId> procs_seen_;
  std::unordered_map<std::string, uint32_t> state_index_;
  int64_t gc_open_ = 0, stw_open_ = 0;
};

namespace {

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

TraceTimeline::Span::Span(int64_t at, int32_t p, uint32_t state) {
  const uint64_t time = static_cast<uint64_t>(std::clamp<int64_t>(at, 0, (int64_t{1} << 48) - 1));
  // 0x8000 | P: running (0x7fff: on no P); else the state.
  const uint64_t code = state == kRunning
                            ? 0x8000 | static_cast<uint64_t>(p >= 0 && p < 0x7fff ? p : 0x7fff)
                            : std::min<uint32_t>(state, kGone);
  bits_ = time << 16 | code;
}

int32_t TraceTimeline::Span::p() const {
  const uint32_t code = bits_ & 0xffff;
  return code & 0x8000 && (code & 0x7fff) != 0x7fff ? static_cast<int32_t>(code & 0x7fff) : -1;
}

uint32_t TraceTimeline::Span::state() const {
  const uint32_t code = bits_ & 0xffff;
  return code & 0x8000 ? kRunning : code;
}

Result<TraceTimeline> TraceTimeline::Build(std::unique_ptr<trace::ByteSource> source) {
  CPROF_ASSIGN_OR_RETURN(trace::Reader reader, trace::Reader::Open(std::move(source)));
  Builder builder;
  trace::Event ev;
  for (;;) {
    CPROF_ASSIGN_OR_RETURN(bool more, reader.Next(&ev));
    if (!more) break;
    builder.Add(ev);
  }
  return builder.Finish();
}

namespace {

// The records of `v` (sorted by time) in [start, end].
template <typename T, typename TimeOf>
std::span<const T> InWindow(const std::vector<T>& v, int64_t start, int64_t end, TimeOf time_of) {
  auto a = std::lower_bound(v.begin(), v.end(), start,
                            [&](const T& x, int64_t t) { return time_of(x) < t; });
  auto b = std::upper_bound(a, v.end(), end, [&](int64_t t, const T& x) { return t < time_of(x); });
  return {a, b};
}

// Every k-th record of `in`, k the least that keeps at most `cap`: the
// last of each run of k.
template <typename T, typename Emit>
void Thinned(std::span<const T> in, size_t cap, Emit emit) {
  const size_t step = std::max<size_t>(1, (in.size() + cap - 1) / std::max<size_t>(cap, 1));
  for (size_t i = step - 1; i < in.size(); i += step) emit(in[i]);
}

}  // namespace

Result<std::string> TraceTimeline::Json(const TimelineOptions& o) const {
  if (o.end_ns != 0 && o.end_ns < o.start_ns) {
    return Status::InvalidArgument("the window ends before it starts");
  }
  const int64_t start = o.start_ns != 0 ? o.start_ns : first_;
  const int64_t end = o.end_ns != 0 ? o.end_ns : last_;
  const int64_t min_span = (end - start) / std::max<int64_t>(o.resolution, 1);
  // Goroutine counts by state, at evenly spaced sample times: a difference
  // array per state (running and syscall, runnable, waiting).
  const int64_t max_samples = std::clamp<int64_t>(
      o.resolution, 1, static_cast<int64_t>(std::min<size_t>(o.max_slices, size_t{1} << 30)) + 1);
  const int64_t step = std::max<int64_t>(1, (end - start) / max_samples);
  const size_t samples = static_cast<size_t>((end - start) / step) + 1;
  std::vector<int32_t> diff[3];
  for (auto& d : diff) d.assign(samples + 1, 0);
  auto sample_at = [&](int64_t t) {  // the first sample at or after t
    return t <= start ? 0 : std::min<size_t>(samples, (t - start + step - 1) / step);
  };
  // Calls fn(piece, length) for each span of `spans` in the window, the
  // piece clipped to it, length the span's whole.
  auto in_window = [&](const std::vector<Span>& spans, auto fn) {
    auto it = std::upper_bound(spans.begin(), spans.end(), start - first_,
                               [](int64_t t, const Span& x) { return t < x.at(); });
    if (it != spans.begin()) --it;
    for (; it != spans.end() && first_ + it->at() <= end; ++it) {
      const int64_t span_start = first_ + it->at();
      const int64_t span_end = it + 1 != spans.end() ? first_ + (it + 1)->at() : last_;
      if (it->state() == kGone || span_end < start) continue;
      fn(Piece{std::max(span_start, start), std::min(span_end, end), it->p(), it->state()},
         span_end - span_start);
    }
  };
  struct Slice {
    Piece piece;
    trace::GoId g;
    uint32_t name;
  };
  auto duration = [](const Slice& x) { return x.piece.end - x.piece.start; };
  std::vector<Slice> slices;
  for (const auto& entry : lanes_) {  // (not a structured binding: clang 14 cannot capture one)
    const trace::GoId g = entry.first;
    const auto& lane = entry.second;
    in_window(lane.spans, [&](const Piece& x, int64_t length) {
      auto& d = diff[x.state == kRunning || x.state == kSyscall ? 0 : x.state == kRunnable ? 1 : 2];
      ++d[sample_at(x.start)];
      --d[x.end == end ? samples : sample_at(x.end)];
      if (x.state == kRunning && x.p >= 0 && length >= min_span) {
        slices.push_back({x, g, lane.name});
      }
    });
  }
  bool truncated = false;
  if (slices.size() > o.max_slices) {
    std::nth_element(slices.begin(), slices.begin() + o.max_slices, slices.end(),
                     [&](const Slice& a, const Slice& b) { return duration(a) > duration(b); });
    slices.resize(o.max_slices);
    truncated = true;
  }
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
    return a.piece.p != b.piece.p ? a.piece.p < b.piece.p : a.piece.start < b.piece.start;
  });
  std::unordered_map<uint32_t, int64_t> name_index;  // names_ -> the window's names
  std::vector<uint32_t> names;
  auto name_of = [&](uint32_t n) {
    auto [it, inserted] = name_index.emplace(n, static_cast<int64_t>(names.size()));
    if (inserted) names.push_back(n);
    return it->second;
  };
  std::vector<int64_t> flat;
  flat.reserve(slices.size() * 5);
  for (const Slice& s : slices) {
    flat.insert(flat.end(), {s.piece.p, s.g, name_of(s.name), s.piece.start - start, duration(s)});
  }
  JsonWriter w;
  w.StartObject();
  w.Field("start_ns", start);
  w.Field("end_ns", end);
  w.Field("trace_start_ns", first_);
  w.Field("trace_end_ns", last_);
  w.StartArray("procs");
  for (trace::ProcId p : procs_) w.Int64(p);
  w.EndArray();
  w.StartArray("names");
  for (uint32_t n : names) w.String(names_[n]);
  w.EndArray();
  w.StartArray("slices");
  for (int64_t v : flat) w.Int64(v);
  w.EndArray();
  auto bands = [&](std::string_view key, const std::vector<Band>& v) {
    w.StartArray(key);
    size_t n = 0;
    for (const auto& [a, b] : v) {
      const int64_t x = std::max(a, start), y = std::min(b, end);
      if (y < x) continue;
      if (++n > o.max_slices) break;
      w.Int64(x - start);
      w.Int64(y - x);
    }
    w.EndArray();
  };
  bands("gc", gc_);
  bands("stw", stw_);
  w.StartArray("heap");
  Thinned(InWindow(heap_, start, end, [](const Band& b) { return b.first; }),
          static_cast<size_t>(max_samples), [&](const Band& b) {
            w.Int64(b.first - start);
            w.Int64(b.second);
          });
  w.EndArray();
  w.StartArray("goroutines");
  int64_t counts[3] = {0, 0, 0};
  for (size_t i = 0; i < samples; ++i) {
    w.Int64(static_cast<int64_t>(i) * step);
    for (int k = 0; k < 3; ++k) w.Int64(counts[k] += diff[k][i]);
  }
  w.EndArray();
  w.StartArray("states");
  for (const std::string& s : states_) w.String(s);
  w.EndArray();
  w.StartArray("lanes");
  for (trace::GoId g : o.goroutines) {
    auto it = lanes_.find(g);
    if (it == lanes_.end()) continue;
    std::vector<Piece> pieces;
    in_window(it->second.spans, [&](const Piece& x, int64_t length) {
      if (length >= min_span) pieces.push_back(x);
    });
    // Past the cap: the longest kept.
    const bool lane_truncated = pieces.size() > o.max_slices;
    if (lane_truncated) {
      std::nth_element(
          pieces.begin(), pieces.begin() + o.max_slices, pieces.end(),
          [](const Piece& a, const Piece& b) { return a.end - a.start > b.end - b.start; });
      pieces.resize(o.max_slices);
      std::sort(pieces.begin(), pieces.end(),
                [](const Piece& a, const Piece& b) { return a.start < b.start; });
    }
    w.StartObject();
    w.Field("id", g);
    w.Field("name", names_[it->second.name]);
    w.StartArray("spans");
    for (const Piece& x : pieces) {
      w.Int64(x.state);
      w.Int64(x.start - start);
      w.Int64(x.end - x.start);
    }
    w.EndArray();
    w.Field("truncated", lane_truncated);
    w.EndObject();
  }
  w.EndArray();
  w.Field("min_slice_ns", min_span);
  w.Field("truncated", truncated);
  w.EndObject();
  return w.Take();
}

Result<std::string> TraceTimelineJson(std::unique_ptr<trace::ByteSource> source,
                                      const TimelineOptions& options) {
  CPROF_ASSIGN_OR_RETURN(TraceTimeline timeline, TraceTimeline::Build(std::move(source)));
  return timeline.Json(options);
}

}  // namespace cprof::query
