// An archive's objects in an S3-compatible bucket, under a prefix: the
// Store (archive/store.h) over S3Client. Puts are whole objects (S3 makes
// an object visible only once its PUT, or its multipart upload, is
// complete); a listing is S3's, in key order, a page of up to 1,000 keys
// at a time; a bucket has no directories, so ListChildren is a delimited
// listing and UsageOver lists everything.
//
// Thread-safe, as S3Client.
#ifndef CPROF_ARCHIVE_BUCKET_STORE_H_
#define CPROF_ARCHIVE_BUCKET_STORE_H_

#include "archive/s3.h"
#include "archive/store.h"

namespace cprof::archive {

class BucketStore : public Store {
 public:
  explicit BucketStore(S3Client client) : client_(std::move(client)) {}

  S3Client& client() { return client_; }

  std::string Describe() const override;
  Status Put(std::string_view key, std::string_view data) override;
  // Signed with the request's sha256 when it has one.
  Status PutOne(const PutRequest& object) override;
  Result<std::string> Get(std::string_view key, size_t max_bytes) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<StoredObject> Stat(std::string_view key) override;
  Status List(std::string_view prefix, bool with_details, const ListPageFn& page) override;
  Result<std::vector<std::string>> ListChildren(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Result<std::optional<StoreUsage>> UsageOver(int64_t cap) override;

 private:
  S3Client client_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_BUCKET_STORE_H_
