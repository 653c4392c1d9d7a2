// Reporter: what readers of an archive tell about what they could not read
// (leveldb's log::Reader::Reporter). One bad file never fails a whole
// read: it is reported, skipped and counted. Implementations say whether
// they are thread-safe; SerializedReporter makes any one so.
#ifndef CPROF_ARCHIVE_REPORTER_H_
#define CPROF_ARCHIVE_REPORTER_H_

#include <mutex>

#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

// Told about what a scan could not read; the scan goes on without it
// (leveldb's log::Reader::Reporter).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Corrupt(const fs::path& path, const Status& status) = 0;
};

// Passes reports on to another Reporter (may be null) one at a time, for
// readers on several threads.
class SerializedReporter : public Reporter {
 public:
  explicit SerializedReporter(Reporter* to) : to_(to) {}
  void Corrupt(const fs::path& path, const Status& status) override;

 private:
  Reporter* const to_;
  std::mutex mu_;
};

// Logs "skipping <path>: <reason>" on stderr and counts.
class LoggingReporter : public Reporter {
 public:
  void Corrupt(const fs::path& path, const Status& status) override;
  int count() const { return count_; }

 private:
  int count_ = 0;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_REPORTER_H_
