#include "archive/store.h"

namespace cprof::archive {

PutBatchResult Store::PutBatch(std::span<const PutRequest> objects, bool /*durable*/) {
  PutBatchResult result;
  result.status.reserve(objects.size());
  for (const PutRequest& o : objects) {
    if (o.after >= 0 && !result.status[static_cast<size_t>(o.after)].ok()) {
      result.status.push_back(result.status[static_cast<size_t>(o.after)]);  // (its reason)
      continue;
    }
    result.status.push_back(PutOne(o));
  }
  return result;
}

std::string ProfileKey(const EntryKey& key) {
  return (EntryDir(key) / ProfileFileName(key)).generic_string();
}

std::string SidecarKey(const EntryKey& key) {
  return (EntryDir(key) / SidecarFileName(key)).generic_string();
}

Status PutEntry(Store& store, const EntryKey& key, std::string_view profile,
                std::string_view sidecar) {
  CPROF_RETURN_IF_ERROR(store.Put(ProfileKey(key), profile));
  return store.Put(SidecarKey(key), sidecar);
}

Status DeleteEntry(Store& store, const EntryKey& key) {
  CPROF_RETURN_IF_ERROR(store.Delete(SidecarKey(key)));
  return store.Delete(ProfileKey(key));
}

}  // namespace cprof::archive
