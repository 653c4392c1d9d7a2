// Ingester: pushed profiles written into an archive by many request
// threads at once, each request answered once its entry is committed.
//
// Entries are made (decoded, checked, gzipped: entry.h) on the caller's
// thread, in parallel; committing is group commit, as a database's log
// does it: the first caller to find no commit running takes every entry
// queued so far and commits them as one ArchiveWriter batch (one
// PutBatch: the profiles, then the sidecars; on a local store one file
// system sync for the batch), while the callers that arrive meanwhile
// queue for the next. Under load a batch holds what arrived during the
// previous commit, so the syncs a second stay few however many pushes
// come.
//
// Thread-safe: Ingest may be called from any number of threads.
#ifndef CPROF_INGEST_INGESTER_H_
#define CPROF_INGEST_INGESTER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "archive/writer.h"
#include "base/fs.h"
#include "ingest/entry.h"

namespace cprof::ingest {

class Ingester {
 public:
  // Writes into the archive directory `write_root` (an Archive's
  // write_root(): a bucket's spool, published by the caller), which it
  // makes an archive (InitArchive) if it is not one. `durable` as
  // ArchiveWriterOptions'.
  static Result<std::unique_ptr<Ingester>> Open(const fs::path& write_root, PushOptions options,
                                                bool durable = true);
  // Not copyable or movable.
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  const PushOptions& options() const { return options_; }

  // MakeEntry of `body` (pushed_by: this host, unless given), then its
  // commit; returns once it is in the archive (the sidecar written), or
  // why not: MakeEntry's refusal, or kNone with the writer's error.
  Made Ingest(std::string_view body, Pushed pushed);

 private:
  Ingester(const fs::path& write_root, PushOptions options, bool durable);

  // One caller's entry waiting in the queue.
  struct Waiting {
    Entry* entry;
    Status status;
    bool done = false;
  };
  // Stages and commits `batch` (while no other commit runs), setting each
  // one's status.
  void CommitBatch(const std::vector<Waiting*>& batch);

  const PushOptions options_;
  std::string host_;               // this host's name: the entries' scraped_by
  archive::ArchiveWriter writer_;  // used by the one committing thread at a time
  std::mutex mu_;
  std::condition_variable committed_;
  bool committing_ = false;      // guarded by mu_
  std::vector<Waiting*> queue_;  // guarded by mu_
};

}  // namespace cprof::ingest

#endif  // CPROF_INGEST_INGESTER_H_
