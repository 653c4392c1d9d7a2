#include "archive/archive.h"

#include <cstdlib>

#include "archive/bucket.h"
#include "base/log.h"

namespace cprof::archive {
namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

Result<PruneStats> LocalArchive::Prune(int64_t now_ms, Reporter* reporter,
                                       const PruneOptions& options) {
  return archive::Prune(root_, now_ms, reporter, options);
}

Status LocalArchive::PrepareToServe() {
  if (!IsDirectory(root_)) {
    LogInfo("serve: archive " + root_.string() +
            " does not exist yet; serving it empty until a scrape creates it");
  }
  return Status::OK();
}

Status LocalArchive::RemoveEntry(const EntryKey& key) { return archive::RemoveEntry(root_, key); }

Result<std::unique_ptr<Archive>> OpenArchive(const fs::path& where, const OpenOptions& options) {
  const std::string url = where.string();
  if (!IsArchiveUrl(url)) return std::unique_ptr<Archive>(new LocalArchive(where));
  CPROF_ASSIGN_OR_RETURN(S3Location location, ParseS3Url(url));
  BucketOptions bucket;
  bucket.cache_dir = options.cache_dir;
  if (bucket.cache_dir.empty()) {
    const fs::path base = !Getenv("XDG_CACHE_HOME").empty() ? fs::path(Getenv("XDG_CACHE_HOME"))
                          : !Getenv("HOME").empty()         ? fs::path(Getenv("HOME")) / ".cache"
                                                            : fs::path("/var/cache");
    bucket.cache_dir = base / "cprofiler" / location.bucket / location.prefix;
  }
  if (options.cache_max_bytes > 0) bucket.cache_max_bytes = options.cache_max_bytes;
  CPROF_ASSIGN_OR_RETURN(std::unique_ptr<BucketArchive> opened,
                         OpenBucket(url, options.s3, bucket));
  return std::unique_ptr<Archive>(std::move(opened));
}

}  // namespace cprof::archive
