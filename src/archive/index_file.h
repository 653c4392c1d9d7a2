// A <tkey> directory's index file (kIndexFile, "INDEX"): its sidecars, one
// record each (proto/archive_index.proto), so that a reader opens one file
// where it would open one per entry. Format: man/cprofiler-archive.5.
//
// Derived, never the truth. A record is used only for an entry whose sidecar
// the directory's listing shows, with the size and modification time the
// record has (like git's index); any other entry is read from its sidecar;
// records of removed entries are ignored; a damaged file is read up to the
// damage. So deleting, truncating or corrupting an index, or editing,
// replacing or damaging a sidecar after it was indexed, changes no answer,
// only its speed. (Only an edit that keeps the sidecar's size and
// modification time to the nanosecond escapes it; `cprofiler index
// --check` finds that too.)
//
// Writers: scrape appends its entries' records as it commits them; readers
// append the records they had to read from sidecars, and replace a damaged
// or mostly stale file. None of this is synced: a record lost to a crash is
// read from its sidecar next time.
//
// Thread-safe: functions over files. An append is one write(2) to a file
// opened O_APPEND, so concurrent appenders do not interleave records; a
// replacement is a rename, which may lose a concurrent append (that entry is
// then read from its sidecar).
#ifndef CPROF_ARCHIVE_INDEX_FILE_H_
#define CPROF_ARCHIVE_INDEX_FILE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "archive/sidecar.h"
#include "base/fs.h"
#include "base/time.h"
#include "proto/archive_index.pb.h"

namespace cprof::archive {

using IndexEntry = cprofiler::archive::IndexEntry;

// Its first line.
inline constexpr std::string_view kIndexHeader = "cprofiler index 1\n";

struct IndexFile {
  // The directory's target; nullopt when the file has no (valid) target
  // record, and then no entries either.
  std::optional<Target> target;
  // By stem (the sidecar's name without ".json"); of two records of one
  // stem, the later.
  std::unordered_map<std::string, IndexEntry> entries;
  size_t records = 0;  // entry records read, repeats included
  size_t bytes = 0;    // of the file
  // Why reading stopped before the end of the file ("" when it did not): a
  // wrong header, a record cut short, failing its checksum or not parsing,
  // a target that is not the directory's.
  std::string damage;
};

// The index file of `dir`, the <tkey> directory `tkey`. NotFound when there
// is none; IOError when it cannot be read; otherwise what could be read of
// it, damage noted.
Result<IndexFile> ReadIndexFile(const fs::path& dir, std::string_view tkey);

// (A record holds its sidecar file's FileStamp, base/fs.h, to tell that it
// still holds.)
bool Matches(const IndexEntry& entry, const FileStamp& stamp);

// Only the target of `dir`'s index file (its first record), read without
// the rest: nullopt when there is no index file or no valid target.
std::optional<Target> ReadIndexTarget(const fs::path& dir, std::string_view tkey);

// `sidecar`, whose file has `stamp`, as an index record.
IndexEntry IndexEntryOf(const Sidecar& sidecar, const FileStamp& stamp);

// The sidecar `entry` stands for, in the directory `tkey` of `day` (in
// `tier`'s sub-archive), whose target is `target`. Corruption if its stem
// is not an entry's, or it is not of that tier.
Result<Sidecar> SidecarOf(const IndexEntry& entry, const Target& target, const CivilDay& day,
                          std::string_view tkey, std::string_view tier = "");

// Appends `entries` to `dir`'s index file; writes a new one (target record
// first) when there is none, and then returns true.
Result<bool> AppendIndex(const fs::path& dir, const Target& target,
                         const std::vector<const IndexEntry*>& entries);

// Replaces `dir`'s index file by one holding `target` and `entries`.
Status WriteIndex(const fs::path& dir, const Target& target,
                  const std::vector<const IndexEntry*>& entries);

// A day directory's TARGETS file: the targets of its <tkey> directories,
// so that a scan rules targets out by their labels without opening each
// directory. Derived, and never stale: a record counts only for the tkey its
// fields hash to, which names one target for good; a target missing from it
// is read from its directory. Framed as an index file, under its own
// header, with target records only.
inline constexpr std::string_view kTargetsHeader = "cprofiler targets 1\n";

struct DayTargets {
  // tkey -> target, of the records before any damage; empty without a file.
  std::unordered_map<std::string, Target> targets;
  bool damaged = false;  // read up to damage (then appending would not help)
};
DayTargets ReadDayTargets(const fs::path& day_dir);

// Appends `targets` to `day_dir`'s TARGETS file, creating it if need be.
Status AppendDayTargets(const fs::path& day_dir, const std::vector<const Target*>& targets);

// Replaces `day_dir`'s TARGETS file by one holding `targets`.
Status WriteDayTargets(const fs::path& day_dir, const std::vector<const Target*>& targets);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_INDEX_FILE_H_
