#include "archive/reporter.h"

#include "base/log.h"

namespace cprof::archive {

void SerializedReporter::Corrupt(const fs::path& path, const Status& status) {
  if (to_ == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  to_->Corrupt(path, status);
}

void LoggingReporter::Corrupt(const fs::path& path, const Status& status) {
  ++count_;
  LogError("skipping " + path.string() + ": " + status.message());
}

}  // namespace cprof::archive
