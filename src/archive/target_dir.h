// Reading one <tkey> directory: the one reader of an archive's entries.
// Scan (query, merge, top), serve's index, prune's size cap and `cprofiler
// index` all read entries through it, so they accept and reject the same
// ones on every damaged archive.
//
// An entry is a sidecar the directory's listing shows whose profile file is
// there too. Its fields come from the directory's index file where that
// has its record, from the sidecar where not (index_file.h); the answer is
// the same either way.
//
// Thread-safe: reads, plus index file updates that are safe to race.
#ifndef CPROF_ARCHIVE_TARGET_DIR_H_
#define CPROF_ARCHIVE_TARGET_DIR_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/scan.h"
#include "archive/sidecar.h"
#include "base/time.h"

namespace cprof::archive {

// What a scan selects (tier, from_ms, to_ms, profile_type, keep: see
// ScanOptions), and how one directory is read.
struct TargetDirOptions : ScanOptions {
  // reuse (null): called with each complete entry's key before its fields
  //   are read; true leaves the entry to the caller (who has it already:
  //   serve's index, refreshing a directory), and it is not read or
  //   returned.
  std::function<bool(const EntryKey& key)> reuse;
  // update_index (true): add the records this read had to take from
  //   sidecars to the index file, and replace one that is damaged or mostly
  //   stale. Failures (a read-only archive) are ignored.
  bool update_index = true;
  // use_index (true): false reads every sidecar (`cprofiler index`).
  bool use_index = true;
};

struct TargetDirStats {
  size_t from_index = 0;     // entries whose record was used
  size_t sidecars_read = 0;  // sidecars parsed
  size_t corrupt = 0;        // entries left out as unreadable
  bool index_written = false;
};

struct TargetDay {
  // The directory's target, when this read learned it (from the index or
  // a sidecar).
  std::optional<Target> target;
  std::vector<Sidecar> entries;  // by time, then ID
};

// Whether entries of `target` could pass `options`' profile type and
// labels (keep), judged on the target alone.
bool MayKeep(const TargetDirOptions& options, const Target& target);

// The entries of the directory `dir` (day `day`, named `tkey`) that
// `options` selects. Unreadable sidecars and sidecars whose profile is
// missing go to `reporter` (may be null) and are left out; an entry removed
// while it is read is left out silently. `stats` may be null.
TargetDay ReadTargetDir(const fs::path& dir, const CivilDay& day, const std::string& tkey,
                        const TargetDirOptions& options, Reporter* reporter, TargetDirStats* stats);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_TARGET_DIR_H_
