#include "trace/reader.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "trace/order.h"

namespace cprof::trace {

class MemoryByteSource : public ByteSource {
 public:
  explicit MemoryByteSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override {
    n = std::min(n, data_.size());
    std::memcpy(buf, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

class FileByteSource : public ByteSource {
 public:
  explicit FileByteSource(std::FILE* f) : f_(f) {}
  ~FileByteSource() override { std::fclose(f_); }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t got = std::fread(buf, 1, n, f_);
    if (got == 0 && std::ferror(f_)) return Status::IOError("reading the trace failed");
    return got;
  }

 private:
  std::FILE* f_;
};

std::unique_ptr<ByteSource> MemorySource(std::string_view data) {
  return std::make_unique<MemoryByteSource>(data);
}
std::unique_ptr<ByteSource> FileSource(std::FILE* file) {
  return std::make_unique<FileByteSource>(file);
}

namespace {

// Buffered bytes from a source, with the offset for error messages.
class Input {
 public:
  explicit Input(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {}

  // The next byte; nullopt at the end (or a read error, kept in status()).
  std::optional<uint8_t> Byte() {
    if (pos_ == end_ && !Fill()) return std::nullopt;
    ++offset_;
    return static_cast<uint8_t>(buf_[pos_++]);
  }
  Result<uint64_t> Uvarint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::optional<uint8_t> b = Byte();
      if (!b) return Truncated(what);
      if (shift == 63 && *b > 1) break;
      v |= uint64_t{static_cast<uint8_t>(*b & 0x7f)} << shift;
      if ((*b & 0x80) == 0) return v;
    }
    return Status::Corruption(std::string("bad varint for ") + what + " at offset " +
                              std::to_string(offset_));
  }
  Status Exact(size_t n, std::string* out, const char* what) {
    out->clear();
    while (n > 0) {
      if (pos_ == end_ && !Fill()) return Truncated(what);
      size_t k = std::min(n, end_ - pos_);
      out->append(buf_ + pos_, k);
      pos_ += k;
      offset_ += k;
      n -= k;
    }
    return Status::OK();
  }
  Status Truncated(const char* what) const {
    if (!read_status_.ok()) return read_status_;
    return Status::Corruption(std::string("truncated trace: it ends in the middle of ") + what +
                              " at offset " + std::to_string(offset_));
  }
  uint64_t offset() const { return offset_; }
  const Status& read_status() const { return read_status_; }

 private:
  bool Fill() {
    if (!read_status_.ok()) return false;
    Result<size_t> n = source_->Read(buf_, sizeof buf_);
    if (!n.ok()) {
      read_status_ = n.status();
      return false;
    }
    pos_ = 0;
    end_ = *n;
    return end_ > 0;
  }

  std::unique_ptr<ByteSource> source_;
  char buf_[64 << 10];
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  Status read_status_;
};

// Uvarint from bytes in memory: the bytes read, or 0 when malformed.
size_t Uvarint(std::string_view b, uint64_t* v) {
  *v = 0;
  for (size_t i = 0; i < b.size() && i < 10; ++i) {
    const auto c = static_cast<uint8_t>(b[i]);
    if (i == 9 && c > 1) return 0;
    *v |= uint64_t{static_cast<uint8_t>(c & 0x7f)} << (7 * i);
    if ((c & 0x80) == 0) return i + 1;
  }
  return 0;
}

struct Batch {
  ThreadId m = kNoThread;
  uint64_t time = 0;
  std::string data;
  bool experimental = false;
};

struct CpuSample {
  Time time = 0;
  ThreadId m = kNoThread;
  ProcId p = kNoProc;
  GoId g = kNoGoroutine;
  uint64_t stack = 0;
};

// Timestamp units to nanoseconds, as internal/trace's frequency.mul: float64
// multiplication, truncated. Out of range is corruption.
Result<Time> ToTime(double ns_per_tick, uint64_t ts) {
  const double t = static_cast<double>(ts) * ns_per_tick;
  if (!(t < 9.2e18)) return Status::Corruption("timestamp out of range");
  return static_cast<Time>(t);
}

}  // namespace

// Reads one generation's batches: the tables, the CPU samples, and each
// thread's event batches (internal/trace's readGeneration).
class GenerationReader {
 public:
  static Status AddStrings(std::string_view data, Tables* t) {
    data.remove_prefix(1);
    while (!data.empty()) {
      if (static_cast<uint8_t>(data[0]) != kEvString) {
        return Status::Corruption("expected a string in the strings batch");
      }
      data.remove_prefix(1);
      uint64_t id, len;
      size_t n = Uvarint(data, &id);
      if (n == 0) return Status::Corruption("bad string ID");
      data.remove_prefix(n);
      n = Uvarint(data, &len);
      if (n == 0) return Status::Corruption("bad string length");
      data.remove_prefix(n);
      if (len > kMaxStringSize) return Status::Corruption("string longer than 1 KiB");
      if (len > data.size()) return Status::Corruption("truncated string");
      if (id == 0 || !t->strings_.Insert(id, std::string(data.substr(0, len)))) {
        return Status::Corruption("string ID " + std::to_string(id) + " defined twice");
      }
      data.remove_prefix(len);
    }
    return Status::OK();
  }

  static Status AddStacks(std::string_view data, Tables* t) {
    data.remove_prefix(1);
    while (!data.empty()) {
      if (static_cast<uint8_t>(data[0]) != kEvStack) {
        return Status::Corruption("expected a stack in the stacks batch");
      }
      data.remove_prefix(1);
      uint64_t id, nframes;
      size_t n = Uvarint(data, &id);
      if (n == 0) return Status::Corruption("bad stack ID");
      data.remove_prefix(n);
      n = Uvarint(data, &nframes);
      if (n == 0) return Status::Corruption("bad stack size");
      data.remove_prefix(n);
      if (nframes > kMaxFramesPerStack) return Status::Corruption("stack of over 128 frames");
      std::vector<uint64_t> pcs;
      pcs.reserve(nframes);
      for (uint64_t i = 0; i < nframes; ++i) {
        uint64_t v[4];
        for (uint64_t& x : v) {
          n = Uvarint(data, &x);
          if (n == 0) return Status::Corruption("bad frame in stack " + std::to_string(id));
          data.remove_prefix(n);
        }
        pcs.push_back(v[0]);
        t->pcs_.try_emplace(v[0], Tables::RawFrame{v[1], v[2], v[3]});
      }
      if (id == 0 || !t->stacks_.Insert(id, std::move(pcs))) {
        return Status::Corruption("stack ID " + std::to_string(id) + " defined twice");
      }
    }
    return Status::OK();
  }

  // Makes the tables dense, then checks every frame's strings exist.
  static Status Finish(Tables* t) {
    t->strings_.Compact();
    t->stacks_.Compact();
    Status status;
    t->stacks_.ForEach([&](uint64_t id, const std::vector<uint64_t>& pcs) {
      for (uint64_t pc : pcs) {
        auto it = t->pcs_.find(pc);
        if (status.ok() && (it == t->pcs_.end() || !t->HasString(it->second.func) ||
                            !t->HasString(it->second.file))) {
          status = Status::Corruption("stack " + std::to_string(id) + " names an unknown string");
        }
      }
    });
    return status;
  }
};

struct Reader::State {
  explicit State(std::unique_ptr<ByteSource> source) : in(std::move(source)) {}

  // A thread's place in its batches, and the event it offers next.
  struct Cursor {
    ThreadId m = kNoThread;
    const std::vector<Batch>* batches = nullptr;
    size_t idx = 0, off = 0;
    Time last = 0;
    Event ev;
  };

  Input in;
  Ordering order;
  // The current generation.
  uint64_t gen = 0;
  double ns_per_tick = 0;
  std::unique_ptr<Tables> tables;
  std::map<ThreadId, std::vector<Batch>> batches;
  std::vector<CpuSample> samples;
  size_t next_sample = 0;
  std::vector<Cursor> frontier;  // a min-heap by event time
  // A batch of the next generation, read while looking for this one's end.
  std::optional<std::pair<uint64_t, Batch>> spill;
  bool started = false, emitted_sync = true, done = false;
  Time last_ts = 0;

  Result<std::optional<std::pair<uint64_t, Batch>>> ReadBatch();
  Status ReadGeneration();
  Status Process(Batch b);
  Status AddCpuSamples(std::string_view data);
  Result<bool> NextEvent(Cursor* c);
  Result<bool> TryAdvance(size_t i);
  Result<bool> Next(Event* out);
  Status CheckIds(const Event& e) const;

  bool Less(size_t a, size_t b) const { return frontier[a].ev.time < frontier[b].ev.time; }
  size_t SiftUp(size_t i);
  void SiftDown(size_t i);
  void Update(size_t i) {
    if (SiftUp(i) == i) SiftDown(i);
  }
  void Remove(size_t i);
};

Result<std::optional<std::pair<uint64_t, Batch>>> Reader::State::ReadBatch() {
  std::optional<uint8_t> typ = in.Byte();
  if (!typ) {
    CPROF_RETURN_IF_ERROR(in.read_status());
    return std::optional<std::pair<uint64_t, Batch>>();
  }
  if (*typ != kEvEventBatch && *typ != kEvExperimentalBatch) {
    return Status::Corruption("expected a batch at offset " + std::to_string(in.offset() - 1) +
                              ", found byte " + std::to_string(*typ));
  }
  Batch b;
  if (*typ == kEvExperimentalBatch) {
    if (!in.Byte()) return in.Truncated("a batch header");
    b.experimental = true;
  }
  CPROF_ASSIGN_OR_RETURN(uint64_t g, in.Uvarint("a batch header"));
  CPROF_ASSIGN_OR_RETURN(uint64_t m, in.Uvarint("a batch header"));
  CPROF_ASSIGN_OR_RETURN(b.time, in.Uvarint("a batch header"));
  CPROF_ASSIGN_OR_RETURN(uint64_t size, in.Uvarint("a batch header"));
  if (size > kMaxBatchSize) {
    return Status::Corruption("batch of " + std::to_string(size) + " bytes at offset " +
                              std::to_string(in.offset()) + ", over the 64 KiB maximum");
  }
  b.m = static_cast<ThreadId>(m);
  CPROF_RETURN_IF_ERROR(in.Exact(size, &b.data, "a batch"));
  return std::optional<std::pair<uint64_t, Batch>>(std::pair(g, std::move(b)));
}

Status Reader::State::AddCpuSamples(std::string_view data) {
  data.remove_prefix(1);
  while (!data.empty()) {
    if (static_cast<uint8_t>(data[0]) != kEvCPUSample) {
      return Status::Corruption("expected a CPU sample in the CPU samples batch");
    }
    data.remove_prefix(1);
    uint64_t v[5];
    for (uint64_t& x : v) {
      size_t n = Uvarint(data, &x);
      if (n == 0) return Status::Corruption("bad CPU sample");
      data.remove_prefix(n);
    }
    CpuSample s;
    s.time = static_cast<Time>(v[0]);  // ticks until the generation is read
    s.m = static_cast<ThreadId>(v[1]);
    s.p = static_cast<ProcId>(v[2]);
    s.g = v[3] == 0 ? kNoGoroutine : static_cast<GoId>(v[3]);
    s.stack = v[4];
    samples.push_back(s);
  }
  return Status::OK();
}

Status Reader::State::Process(Batch b) {
  const uint8_t first = b.data.empty() ? uint8_t{kEvNone} : static_cast<uint8_t>(b.data[0]);
  if (b.experimental) return Status::OK();  // experiments' side data: not used
  switch (first) {
    case kEvStrings:
      return GenerationReader::AddStrings(b.data, tables.get());
    case kEvStacks:
      return GenerationReader::AddStacks(b.data, tables.get());
    case kEvCPUSamples:
      return AddCpuSamples(b.data);
    case kEvFrequency: {
      uint64_t f;
      if (Uvarint(std::string_view(b.data).substr(1), &f) == 0) {
        return Status::Corruption("bad frequency");
      }
      if (ns_per_tick != 0) return Status::Corruption("two frequencies in one generation");
      if (f == 0) return Status::Corruption("a frequency of zero");
      ns_per_tick = 1.0 / (static_cast<double>(f) / 1e9);
      return Status::OK();
    }
    default:
      batches[b.m].push_back(std::move(b));
      return Status::OK();
  }
}

Status Reader::State::ReadGeneration() {
  gen = 0;
  ns_per_tick = 0;
  tables = std::make_unique<Tables>();
  batches.clear();
  samples.clear();
  next_sample = 0;
  if (spill) {
    gen = spill->first;
    CPROF_RETURN_IF_ERROR(Process(std::move(spill->second)));
    spill.reset();
  }
  for (;;) {
    CPROF_ASSIGN_OR_RETURN(auto read, ReadBatch());
    if (!read) break;
    auto& [g, b] = *read;
    if (g == 0) return Status::Corruption("generation number 0");
    if (gen == 0) gen = g;
    if (g == gen + 1) {
      spill = std::move(read);
      break;
    }
    if (g != gen) {
      return Status::Corruption("generations out of order at offset " +
                                std::to_string(in.offset()));
    }
    CPROF_RETURN_IF_ERROR(Process(std::move(b)));
  }
  if (gen == 0) {
    done = true;
    return Status::OK();
  }
  if (ns_per_tick == 0) {
    return Status::Corruption("generation " + std::to_string(gen) + " has no frequency");
  }
  CPROF_RETURN_IF_ERROR(GenerationReader::Finish(tables.get()));
  for (CpuSample& s : samples) {
    CPROF_ASSIGN_OR_RETURN(s.time, ToTime(ns_per_tick, static_cast<uint64_t>(s.time)));
  }
  std::stable_sort(samples.begin(), samples.end(),
                   [](const CpuSample& a, const CpuSample& b) { return a.time < b.time; });
  frontier.clear();
  for (auto& [m, list] : batches) {
    Cursor c;
    c.m = m;
    c.batches = &list;
    CPROF_ASSIGN_OR_RETURN(bool ok, NextEvent(&c));
    if (!ok) continue;
    frontier.push_back(std::move(c));
    SiftUp(frontier.size() - 1);
  }
  return Status::OK();
}

Result<bool> Reader::State::NextEvent(Cursor* c) {
  const std::vector<Batch>& list = *c->batches;
  while (c->idx < list.size() && c->off == list[c->idx].data.size()) {
    ++c->idx;
    c->off = 0;
    c->last = 0;
  }
  if (c->idx == list.size()) return false;
  const Batch& b = list[c->idx];
  if (c->last == 0) {
    CPROF_ASSIGN_OR_RETURN(c->last, ToTime(ns_per_tick, b.time));
  }
  std::string_view data = std::string_view(b.data).substr(c->off);
  const auto type = static_cast<uint8_t>(data[0]);
  const EventSpec* spec = TimedSpec(type);
  if (spec == nullptr) {
    return Status::Corruption("invalid event type " + std::to_string(type) + " in generation " +
                              std::to_string(gen));
  }
  size_t n = 1;
  uint64_t delta;
  size_t k = Uvarint(data.substr(n), &delta);
  if (k == 0) return Status::Corruption("bad timestamp of a " + std::string(spec->name));
  n += k;
  Event ev;
  ev.type = type;
  for (int i = 0; i < spec->nargs; ++i) {
    k = Uvarint(data.substr(n), &ev.args[i]);
    if (k == 0) return Status::Corruption("bad argument of a " + std::string(spec->name));
    n += k;
  }
  CPROF_ASSIGN_OR_RETURN(Time dt, ToTime(ns_per_tick, delta));
  ev.time = dt + c->last;
  c->last = ev.time;
  c->off += n;
  c->ev = ev;
  return true;
}

size_t Reader::State::SiftUp(size_t i) {
  while (i > 0 && Less(i, (i - 1) / 2)) {
    std::swap(frontier[i], frontier[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  return i;
}

void Reader::State::SiftDown(size_t i) {
  for (;;) {
    size_t m = i;
    for (size_t c : {2 * i + 1, 2 * i + 2}) {
      if (c < frontier.size() && frontier[c].ev.time < frontier[m].ev.time) m = c;
    }
    if (m == i) return;
    std::swap(frontier[i], frontier[m]);
    i = m;
  }
}

void Reader::State::Remove(size_t i) {
  while (i > 0) {
    std::swap(frontier[i], frontier[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  std::swap(frontier[0], frontier.back());
  frontier.pop_back();
  if (!frontier.empty()) SiftDown(0);
}

Result<bool> Reader::State::TryAdvance(size_t i) {
  Cursor& c = frontier[i];
  CPROF_ASSIGN_OR_RETURN(bool ok, order.Advance(c.ev, tables.get(), c.m, gen));
  if (!ok) return false;
  CPROF_ASSIGN_OR_RETURN(bool more, NextEvent(&c));
  if (more) {
    Update(i);
  } else {
    Remove(i);
  }
  return true;
}

Status Reader::State::CheckIds(const Event& e) const {
  if (e.type == kEvSync) return Status::OK();
  if (e.type == kEvCPUSample) {
    if (!tables->HasStack(e.args[0])) return Status::Corruption("CPU sample of an unknown stack");
    return Status::OK();
  }
  const EventSpec* spec = TimedSpec(e.type);
  for (int i : {spec->stack, spec->stack2}) {
    if (i >= 0 && !tables->HasStack(e.args[i])) {
      return Status::Corruption(std::string(spec->name) + " names unknown stack " +
                                std::to_string(e.args[i]));
    }
  }
  for (int i : {spec->string1, spec->string2}) {
    if (i >= 0 && !tables->HasString(e.args[i])) {
      return Status::Corruption(std::string(spec->name) + " names unknown string " +
                                std::to_string(e.args[i]));
    }
  }
  return Status::OK();
}

Result<bool> Reader::State::Next(Event* out) {
  if (done) return false;
  auto emit = [&](Event e) -> Result<bool> {
    CPROF_RETURN_IF_ERROR(CheckIds(e));
    if (e.time <= last_ts) e.time = last_ts + 1;
    last_ts = e.time;
    *out = e;
    return true;
  };
  Event ev;
  if (order.Next(&ev)) return emit(ev);
  if (frontier.empty() && next_sample == samples.size()) {
    if (!emitted_sync) {
      emitted_sync = true;
      Event sync;
      sync.type = kEvSync;
      sync.time = last_ts;
      sync.tables = tables.get();
      return emit(sync);
    }
    if (started && !spill) {
      done = true;
      return false;
    }
    CPROF_RETURN_IF_ERROR(ReadGeneration());
    if (done) {
      if (!started) return Status::Corruption("the trace has no events");
      return false;
    }
    started = true;
    emitted_sync = false;
  }
  if (next_sample < samples.size() &&
      (frontier.empty() || samples[next_sample].time < frontier[0].ev.time)) {
    const CpuSample& s = samples[next_sample++];
    Event e;
    e.type = kEvCPUSample;
    e.time = s.time;
    e.args[0] = s.stack;
    e.g = s.g;
    e.p = s.p;
    e.m = s.m;
    e.tables = tables.get();
    return emit(e);
  }
  if (frontier.empty()) {
    return Status::Corruption("broken trace: nothing left to order in generation " +
                              std::to_string(gen));
  }
  CPROF_ASSIGN_OR_RETURN(bool ok, TryAdvance(0));
  if (!ok) {
    std::sort(frontier.begin(), frontier.end(),
              [](const Cursor& a, const Cursor& b) { return a.ev.time < b.ev.time; });
    for (size_t i = 1; i < frontier.size() && !ok; ++i) {
      CPROF_ASSIGN_OR_RETURN(ok, TryAdvance(i));
    }
    if (!ok) {
      return Status::Corruption("broken trace: no thread's next event can happen in generation " +
                                std::to_string(gen) + " (events out of order or missing)");
    }
  }
  if (!order.Next(&ev)) return Status::Corruption("internal: an event advanced but none queued");
  return emit(ev);
}

Result<Reader> Reader::Open(std::unique_ptr<ByteSource> source) {
  auto state = std::make_unique<State>(std::move(source));
  std::string header;
  if (!state->in.Exact(16, &header, "the header").ok()) {
    return Status::Corruption("not a Go execution trace: shorter than its 16-byte header");
  }
  // "go 1.23 trace\0\0\0"
  int minor = -1;
  if (header.compare(0, 5, "go 1.") == 0) {
    size_t i = 5;
    minor = 0;
    while (i < header.size() && header[i] >= '0' && header[i] <= '9' && minor < 1000) {
      minor = minor * 10 + (header[i++] - '0');
    }
    if (i == 5 || header.compare(i, 6, " trace") != 0) minor = -1;
  }
  if (minor < 0) return Status::Corruption("not a Go execution trace: no \"go 1.N trace\" header");
  std::string version = "go 1." + std::to_string(minor) + " trace";
  if (minor < 22) {
    return Status::InvalidArgument(version +
                                   ": the execution-trace format of Go 1.21 and before, not "
                                   "supported (cprofiler reads Go 1.22 and later)");
  }
  if (minor > 23) {
    return Status::InvalidArgument(version +
                                   ": an execution-trace format newer than cprofiler knows "
                                   "(it reads go 1.22 and go 1.23 traces)");
  }
  return Reader(std::move(state), std::move(version));
}

Reader::Reader(std::unique_ptr<State> state, std::string version)
    : state_(std::move(state)), version_(std::move(version)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

Result<bool> Reader::Next(Event* event) { return state_->Next(event); }

uint64_t Reader::offset() const { return state_->in.offset(); }

}  // namespace cprof::trace
