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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/reporter.h"
#include "archive/sidecar.h"
#include "base/fs.h"

namespace cprof::archive {

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

// Symbolic links below an archive's root are not part of it
// (cprofiler-archive(5)): a YYYY, MM, DD or <tkey> directory that is a link
// is passed over by every reader, by prune and by compaction alike, and
// refused by the writer. `cp -r` copies a link as a link, not what it
// points at, and serve never serves what lies outside the archive. The
// root itself may be a link.

// Calls `fn(day, absolute day directory)` for every YYYY/MM/DD directory
// whose day overlaps [from_ms, to_ms], oldest first.
void ForEachDay(const fs::path& root, int64_t from_ms, int64_t to_ms,
                const std::function<void(const CivilDay&, const fs::path&)>& fn);

// Calls `fn(tkey, absolute directory)` for every <tkey> directory of the
// day directory `day_dir`, in name order: the one listing of a day's
// targets. Links are passed over, each told to `links` (may be null) as
// not part of the archive.
void ForEachTargetDir(const fs::path& day_dir,
                      const std::function<void(const std::string& tkey, const fs::path& dir)>& fn,
                      Reporter* links = nullptr);

// Whether `relative`, a directory below `root` (EntryDir's, or a tier's),
// is part of the archive: it exists, and none of its parts is a link.
bool IsArchiveDir(const fs::path& root, const fs::path& relative);

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

// ReadEntrySidecar of a sidecar's bytes.
Result<Sidecar> ParseEntrySidecar(std::string_view text, const EntryKey& key);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_SCAN_H_
