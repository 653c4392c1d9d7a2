// A Store that fails and crashes on purpose, over another (leveldb's
// FaultInjectionTestEnv), for tests of what a failure or a crash at any
// point leaves behind. It counts the calls that change the store (Put,
// Delete, and each object of a PutBatch, in the batch's order) and
//   - FailCall(n): the n-th of them fails (IOError) without being done,
//     once; the others go through;
//   - CrashAfter(n): those after the n-th are not done and fail, as if the
//     process had died there; reads still go through;
//   - FreezeListing(): List and ListChildren answer from the objects as
//     they were then (a listing that lags behind), until Thaw().
// Thread-safe.
#ifndef CPROF_TESTS_ARCHIVE_FAULT_STORE_H_
#define CPROF_TESTS_ARCHIVE_FAULT_STORE_H_

#include <limits>
#include <mutex>
#include <optional>
#include <vector>

#include "archive/store.h"

namespace cprof::testing {

class FaultStore : public archive::Store {
 public:
  explicit FaultStore(archive::Store* base) : base_(base) {}

  void FailCall(int n);
  void CrashAfter(int n);
  // Counts this store's mutations with `other`'s, and crashes or fails as
  // it says: one process writing two stores (a spool and a bucket).
  void ShareFaultsWith(FaultStore* other);
  void FreezeListing();
  void Thaw();
  // Calls that changed the store, or would have.
  int mutations() const;

  std::string Describe() const override { return base_->Describe(); }
  Status Put(std::string_view key, std::string_view data) override;
  archive::PutBatchResult PutBatch(std::span<const archive::PutRequest> objects,
                                   bool durable) override;
  Result<std::string> Get(std::string_view key, size_t max_bytes) override {
    return base_->Get(key, max_bytes);
  }
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override {
    return base_->GetRange(key, offset, length);
  }
  Result<archive::StoredObject> Stat(std::string_view key) override { return base_->Stat(key); }
  Status List(std::string_view prefix, bool with_details, const ListPageFn& page) override;
  Result<std::vector<std::string>> ListChildren(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::optional<archive::StoreUsage>> UsageOver(int64_t cap) override {
    return base_->UsageOver(cap);
  }
  const fs::path* local_root() const override { return base_->local_root(); }

 private:
  // Whether the next mutation goes through; counts it.
  Status Mutation(std::string_view what, std::string_view key);

  archive::Store* const base_;
  FaultStore* shared_ = nullptr;  // whose count and faults these are
  mutable std::mutex mu_;
  int mutations_ = 0;
  int fail_call_ = 0;  // 0: none
  int crash_after_ = std::numeric_limits<int>::max();
  std::optional<std::vector<archive::StoredObject>> frozen_;  // every object, in key order
};

}  // namespace cprof::testing

#endif  // CPROF_TESTS_ARCHIVE_FAULT_STORE_H_
