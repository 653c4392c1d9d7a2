#include "archive/fault_store.h"

#include <algorithm>
#include <set>

namespace cprof::testing {

void FaultStore::FailCall(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_call_ = n;
}

void FaultStore::CrashAfter(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  crash_after_ = n;
}

int FaultStore::mutations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mutations_;
}

void FaultStore::FreezeListing() {
  std::vector<archive::StoredObject> all;
  Status s = base_->List("", true, [&](std::span<const archive::StoredObject> page) {
    all.insert(all.end(), page.begin(), page.end());
    return Status::OK();
  });
  std::lock_guard<std::mutex> lock(mu_);
  frozen_ = s.ok() ? std::move(all) : std::vector<archive::StoredObject>{};
}

void FaultStore::Thaw() {
  std::lock_guard<std::mutex> lock(mu_);
  frozen_.reset();
}

void FaultStore::ShareFaultsWith(FaultStore* other) {
  std::lock_guard<std::mutex> lock(mu_);
  shared_ = other;
}

Status FaultStore::Mutation(std::string_view what, std::string_view key) {
  FaultStore* shared;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shared = shared_;
  }
  if (shared != nullptr) return shared->Mutation(what, key);
  std::lock_guard<std::mutex> lock(mu_);
  const int n = ++mutations_;
  if (n > crash_after_) {
    return Status::IOError(std::string(what) + " " + std::string(key) + ": crashed");
  }
  if (n == fail_call_) {
    return Status::IOError(std::string(what) + " " + std::string(key) + ": injected failure");
  }
  return Status::OK();
}

Status FaultStore::Put(std::string_view key, std::string_view data) {
  CPROF_RETURN_IF_ERROR(Mutation("put", key));
  return base_->Put(key, data);
}

archive::PutBatchResult FaultStore::PutBatch(std::span<const archive::PutRequest> objects,
                                             bool durable) {
  // The objects that go through, in order, as a batch of their own (its
  // `after`s renumbered); the others fail here.
  archive::PutBatchResult result;
  result.status.resize(objects.size());
  std::vector<archive::PutRequest> through;
  std::vector<size_t> index_of;                     // through's -> objects'
  std::vector<int> through_at(objects.size(), -1);  // objects' -> through's
  for (size_t i = 0; i < objects.size(); ++i) {
    archive::PutRequest o = objects[i];
    if (o.after >= 0) {
      const size_t after = static_cast<size_t>(o.after);
      if (through_at[after] < 0) {
        result.status[i] = result.status[after];  // not put, as that one was not
        continue;
      }
      o.after = through_at[after];
    }
    result.status[i] = Mutation("put", o.key);
    if (!result.status[i].ok()) continue;
    through_at[i] = static_cast<int>(through.size());
    index_of.push_back(i);
    through.push_back(std::move(o));
  }
  archive::PutBatchResult done = base_->PutBatch(through, durable);
  for (size_t j = 0; j < through.size(); ++j) result.status[index_of[j]] = done.status[j];
  result.unsynced = std::move(done.unsynced);
  return result;
}

Status FaultStore::Delete(std::string_view key) {
  CPROF_RETURN_IF_ERROR(Mutation("delete", key));
  return base_->Delete(key);
}

Status FaultStore::List(std::string_view prefix, bool with_details, const ListPageFn& page) {
  std::optional<std::vector<archive::StoredObject>> frozen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    frozen = frozen_;
  }
  if (!frozen) return base_->List(prefix, with_details, page);
  std::vector<archive::StoredObject> matching;
  for (const archive::StoredObject& o : *frozen) {
    if (o.key.starts_with(prefix)) matching.push_back(o);
  }
  return page(matching);
}

Result<std::vector<std::string>> FaultStore::ListChildren(std::string_view prefix) {
  std::optional<std::vector<archive::StoredObject>> frozen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    frozen = frozen_;
  }
  if (!frozen) return base_->ListChildren(prefix);
  std::set<std::string> names;
  for (const archive::StoredObject& o : *frozen) {
    if (!o.key.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(o.key).substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash != std::string_view::npos) names.insert(std::string(rest.substr(0, slash)));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace cprof::testing
