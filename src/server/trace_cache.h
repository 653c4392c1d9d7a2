// serve's cache of analysed trace timelines (query/trace_timeline.h): the
// most recently used ones, bounded by count and by bytes, so that zoom, pan
// and goroutine lanes answer from memory after a trace's first request (a
// 147 MB trace: 2.8 s to read, then 12 ms a window; trace_bench.sh). Keyed
// by the archive ID and the file's stamp (size, mtime): a file rewritten is
// read again. Derived data only: a miss, or a timeline too big to keep,
// reads the trace and answers the same. Thread-safe.
#ifndef CPROF_SERVER_TRACE_CACHE_H_
#define CPROF_SERVER_TRACE_CACHE_H_

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "base/fs.h"
#include "base/status.h"
#include "query/trace_timeline.h"

namespace cprof::server {

class TraceCache {
 public:
  struct Options {
    // max_entries (2): at most this many timelines kept.
    size_t max_entries = 2;
    // max_bytes (256 MiB): at most this many bytes (their bytes()) kept; a
    //   timeline bigger than this is not kept.
    size_t max_bytes = size_t{256} << 20;
  };
  using Build = std::function<Result<query::TraceTimeline>()>;

  explicit TraceCache(Options options) : options_(options) {}
  // Not copyable or movable.
  TraceCache(const TraceCache&) = delete;
  TraceCache& operator=(const TraceCache&) = delete;

  // The timeline of trace `id` whose file has `stamp`: the one kept, else
  // build()'s, then kept (the least recently used dropped to make room;
  // any of `id` with another stamp dropped). build()'s error on failure.
  // build runs without the lock held: two misses at once may both build.
  Result<std::shared_ptr<const query::TraceTimeline>> Get(const std::string& id,
                                                          const FileStamp& stamp,
                                                          const Build& build);

  // How many timelines, and their bytes, are kept.
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string id;
    FileStamp stamp;
    std::shared_ptr<const query::TraceTimeline> timeline;
  };

  const Options options_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  size_t bytes_ = 0;
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_TRACE_CACHE_H_
