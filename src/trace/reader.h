// A streaming reader of Go execution traces in the format of Go 1.22 and
// later (trace/format.h): it reads the trace generation by generation (the
// runtime's unit of self-contained data, about a second's worth), merges the
// threads' batches into one order that respects every goroutine's, P's and
// M's state machine (trace/order.h), and hands out events one at a time,
// each generation ending with a kEvSync event. Memory is one generation's
// batches and tables, plus the state of live goroutines and Ps.
//
// Older formats (Go 1.21 and before) and anything that is not a trace are
// refused by Open with one line naming what was found; corrupt or
// truncated input stops Next with a Corruption status. Not thread-safe.
// Not copyable. Movable.
#ifndef CPROF_TRACE_READER_H_
#define CPROF_TRACE_READER_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "trace/event.h"

namespace cprof::trace {

// Where a trace's bytes come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes into `buf`; 0 at the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// A source over bytes in memory, which must outlive it.
std::unique_ptr<ByteSource> MemorySource(std::string_view data);
// A source over an open file, which it closes.
std::unique_ptr<ByteSource> FileSource(std::FILE* file);

class Reader {
 public:
  // Reads and checks the header. InvalidArgument for an older or unknown
  // format version ("go 1.21 trace: ..."), Corruption for no header at all.
  static Result<Reader> Open(std::unique_ptr<ByteSource> source);

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  // The next event into *event: true, or false at the end of the trace. Its
  // tables stay valid until the first event of the next generation.
  // Corruption (with the byte offset) for malformed input.
  Result<bool> Next(Event* event);

  // "go 1.23 trace".
  const std::string& version() const { return version_; }
  // Bytes read so far.
  uint64_t offset() const;

 private:
  struct State;
  Reader(std::unique_ptr<State> state, std::string version);
  std::unique_ptr<State> state_;
  std::string version_;
};

}  // namespace cprof::trace

#endif  // CPROF_TRACE_READER_H_
