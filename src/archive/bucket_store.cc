#include "archive/bucket_store.h"

#include <algorithm>

namespace cprof::archive {
namespace {

StoredObject StoredOf(S3Object& o) {
  return StoredObject{std::move(o.key), o.size, o.size,
                      o.last_modified_ms > 0 ? o.last_modified_ms : -1};
}

}  // namespace

std::string BucketStore::Describe() const {
  std::string url = client_.Describe("");
  if (url.ends_with('/')) url.pop_back();
  return url;
}

Status BucketStore::Put(std::string_view key, std::string_view data) {
  return client_.Put(key, data);
}

Status BucketStore::PutOne(const PutRequest& object) {
  return client_.Put(object.key, object.data, object.sha256);
}

Result<std::string> BucketStore::Get(std::string_view key, size_t max_bytes) {
  return client_.Get(key, static_cast<int64_t>(max_bytes));
}

Result<std::string> BucketStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  return client_.GetRange(key, offset, length);
}

Result<StoredObject> BucketStore::Stat(std::string_view key) {
  // A listing from the key itself (no key of the layout is another's
  // prefix but for a few strangers).
  std::vector<S3Object> objects;
  CPROF_RETURN_IF_ERROR(client_.List(key, "", &objects, nullptr));
  for (S3Object& o : objects) {
    if (o.key == key) return StoredOf(o);
  }
  return Status::NotFound("no object " + client_.Describe(key));
}

Status BucketStore::List(std::string_view prefix, bool, const ListPageFn& page) {
  return client_.ListPages(prefix, "",
                           [&](std::vector<S3Object>& objects, std::vector<std::string>&) {
    std::vector<StoredObject> stored;
    stored.reserve(objects.size());
    for (S3Object& o : objects) stored.push_back(StoredOf(o));
    return page(stored);
  });
}

Result<std::vector<std::string>> BucketStore::ListChildren(std::string_view prefix) {
  std::vector<S3Object> ignored;
  std::vector<std::string> prefixes;
  CPROF_RETURN_IF_ERROR(client_.List(prefix, "/", &ignored, &prefixes));
  std::vector<std::string> names;
  for (const std::string& p : prefixes) {
    if (!p.starts_with(prefix) || !p.ends_with('/')) continue;
    names.push_back(p.substr(prefix.size(), p.size() - prefix.size() - 1));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status BucketStore::Delete(std::string_view key) {
  if (key.ends_with('/')) return Status::OK();  // (no directories)
  return client_.Delete(key);
}

Result<std::optional<StoreUsage>> BucketStore::UsageOver(int64_t) {
  StoreUsage usage;
  CPROF_RETURN_IF_ERROR(List("", true, [&](std::span<const StoredObject> objects) {
    for (const StoredObject& o : objects) {
      usage.total += o.footprint;
      int64_t ms_of_day;
      bool is_sidecar;
      if (ParseEntryFileName(KeyName(o.key), &ms_of_day, &is_sidecar)) usage.entries += o.footprint;
    }
    return Status::OK();
  }));
  return std::optional<StoreUsage>(usage);
}

}  // namespace cprof::archive
