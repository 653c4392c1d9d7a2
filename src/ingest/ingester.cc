#include "ingest/ingester.h"

#include <unistd.h>

#include <exception>
#include <map>

namespace cprof::ingest {

Result<std::unique_ptr<Ingester>> Ingester::Open(const fs::path& write_root, PushOptions options,
                                                 bool durable) {
  CPROF_RETURN_IF_ERROR(archive::InitArchive(write_root));
  return std::unique_ptr<Ingester>(new Ingester(write_root, std::move(options), durable));
}

Ingester::Ingester(const fs::path& write_root, PushOptions options, bool durable)
    : options_(std::move(options)),
      writer_(write_root, archive::ArchiveWriterOptions{.durable = durable}) {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) == 0) host_ = name;
}

Made Ingester::Ingest(std::string_view body, Pushed pushed) {
  if (pushed.pushed_by.empty()) pushed.pushed_by = host_;
  Made made = MakeEntry(body, std::move(pushed), options_);
  if (made.refusal != Refusal::kNone) return made;
  Waiting me{&made.entry, Status::OK()};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (committing_) {
      committed_.wait(lock);
      continue;
    }
    committing_ = true;
    std::vector<Waiting*> batch;
    batch.swap(queue_);
    lock.unlock();
    try {
      CommitBatch(batch);
    } catch (const std::exception& e) {  // (bad_alloc): the batch fails, the next one runs
      for (Waiting* w : batch) w->status = Status::IOError(std::string("commit: ") + e.what());
    }
    lock.lock();
    for (Waiting* w : batch) w->done = true;
    committing_ = false;
    committed_.notify_all();
  }
  made.status = me.status;
  return made;
}

void Ingester::CommitBatch(const std::vector<Waiting*>& batch) {
  std::map<std::string, std::vector<Waiting*>> by_id;
  for (Waiting* w : batch) {
    auto staged = writer_.Stage(w->entry->bytes, w->entry->sidecar);
    if (!staged.ok()) {
      w->status = staged.status();
      continue;
    }
    w->entry->sidecar = std::move(*staged);
    by_id[w->entry->sidecar.id].push_back(w);
  }
  archive::ArchiveWriter::CommitResult result = writer_.Commit();
  for (const auto& [id, why] : result.failed) {
    for (Waiting* w : by_id[id]) w->status = why;
  }
}

}  // namespace cprof::ingest
