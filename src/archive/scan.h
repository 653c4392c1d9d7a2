// Reading an archive: finding entries by time, profile type and labels, and
// resolving an ID. Thread-safe: reads only, and tolerates a concurrent
// writer and pruner (an entry is visible once its sidecar exists; one that
// vanishes mid-scan is silently left out).
#ifndef CPROF_ARCHIVE_SCAN_H_
#define CPROF_ARCHIVE_SCAN_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/sidecar.h"
#include "base/fs.h"

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

struct Entry {
  Sidecar sidecar;
  fs::path dir;  // absolute directory holding the profile and sidecar
  fs::path ProfilePath() const { return dir / sidecar.file; }
};

struct ScanOptions {
  // tier (""): the rollup tier (archive/layout.h) whose sub-archive to
  //   read; "" for the raw entries.
  std::string tier;
  // from_ms, to_ms (unbounded): entries with from_ms <= timestamp <= to_ms.
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
  // profile_type (""): only this profile type; "" for all.
  std::string profile_type;
  // keep (null = all): decides on labels. Called first with a sidecar of the
  // same target directory (same job, app, host, labels) whose profile_type
  // is the candidate's, to rule entries out without opening their sidecars;
  // then again with the entry's own sidecar.
  std::function<bool(const Sidecar&)> keep;
};

// The matching entries, sorted by timestamp, then id. Day directories
// outside [from_ms, to_ms] are not opened. Unreadable sidecars and sidecars
// whose profile file is missing go to `reporter` (may be null) and are left
// out.
std::vector<Entry> Scan(const fs::path& root, const ScanOptions& options, Reporter* reporter);

// The entry with this ID, found without a scan. InvalidArgument for an ID
// that does not parse, NotFound when no such entry exists, Corruption for an
// unreadable sidecar.
Result<Entry> Lookup(const fs::path& root, std::string_view id);

// Calls `fn(day, absolute day directory)` for every YYYY/MM/DD directory
// whose day overlaps [from_ms, to_ms], oldest first.
void ForEachDay(const fs::path& root, int64_t from_ms, int64_t to_ms,
                const std::function<void(const CivilDay&, const fs::path&)>& fn);

// The time of the newest entry of each profile type in the <tkey> directory
// `target_key`, looking at days from `since_ms` on. Types with no entry are
// absent. Reads directory listings only.
std::map<std::string, int64_t> LatestByType(const fs::path& root, std::string_view target_key,
                                            int64_t since_ms);

// The entry of `profile_type` before the entry (before_ms, before_id) in
// the <tkey> directories `target_key`, in Scan's order (time, then id), no
// older than since_ms, read as Scan reads (newest day first, usually one
// directory). Unreadable candidates go to `reporter` (may be null), and
// candidates without sample types are passed over, for the next older one.
// nullopt when there is none.
std::optional<Entry> Previous(const fs::path& root, std::string_view target_key,
                              std::string_view profile_type, int64_t before_ms,
                              std::string_view before_id, int64_t since_ms, Reporter* reporter);

// Reads and parses one sidecar file.
Result<Sidecar> ReadSidecar(const fs::path& path);

// The sidecar at `path`, which is the one `key` names: Corruption when its
// id is another's (a file renamed or copied by hand), or when its job, app,
// host, labels and expiration are not those its <tkey> directory names.
// Every reader of entries (Scan, Lookup, Previous, serve's index) reads
// sidecars through it, and so accepts and rejects the same ones.
Result<Sidecar> ReadEntrySidecar(const fs::path& path, const EntryKey& key);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_SCAN_H_
