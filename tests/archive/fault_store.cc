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

Status FaultStore::Mutation(std::string_view what, std::string_view key) {
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
