// ArchiveLock: at most one scraper per archive, across processes.
//
// An advisory flock(2) on <root>/.lock, released when the holder exits,
// however it exits (so a SIGKILLed scraper never leaves a stale lock).
// Readers (query, merge, serve) take no lock.
#ifndef CPROF_ARCHIVE_LOCK_H_
#define CPROF_ARCHIVE_LOCK_H_

#include <filesystem>

#include "base/status.h"

namespace cprof::archive {

class ArchiveLock {
 public:
  // Takes the lock without waiting. Unavailable, naming the holder's pid,
  // when another process has it.
  static Result<ArchiveLock> TryAcquire(const std::filesystem::path& root);

  ~ArchiveLock();
  // Not copyable. Movable.
  ArchiveLock(const ArchiveLock&) = delete;
  ArchiveLock& operator=(const ArchiveLock&) = delete;
  ArchiveLock(ArchiveLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ArchiveLock& operator=(ArchiveLock&& other) noexcept;

 private:
  explicit ArchiveLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_LOCK_H_
