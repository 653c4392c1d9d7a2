// Every name and constant of the on-disk archive. Normative description:
// man/cprofiler-archive.5; a change here is a change there.
//
//   <root>/CPROFILER-ARCHIVE                     marker: format version
//   <root>/.lock                                 held by the one writer
//   <root>/YYYY/MM/DD/<tkey>/<stem>.pb.gz        profile, as served
//   <root>/YYYY/MM/DD/<tkey>/<stem>.trace        trace, as served
//   <root>/YYYY/MM/DD/<tkey>/<stem>.json         its sidecar
//   <root>/YYYY/MM/DD/<tkey>/INDEX               the sidecars, derived
//   <root>/YYYY/MM/DD/TARGETS                    the day's targets, derived
//   <root>/rollups/<tier>/YYYY/MM/DD/<tkey>/...  rollups: the same layout
//
//   stem = HHMMSSmmm-<profile type>-<hash10>     (UTC time of the scrape)
//   tkey = 16 hex digits naming (job, app, host, labels, expiration);
//          every entry in one <tkey> directory shares those sidecar fields.
//   hash10 = first 10 hex digits of the profile's SHA-256.
//   ID   = YYYYMMDD-<tkey>-<stem>  e.g. 20261122-0f3a9c2b41d87e65-101500123-heap-9b2e41c07d
//   rollup ID = <tier>.<ID>, its stem's time the start of the span it merges
//
// Thread-safe: pure functions.
#ifndef CPROF_ARCHIVE_LAYOUT_H_
#define CPROF_ARCHIVE_LAYOUT_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/profile_types.h"
#include "base/status.h"
#include "base/time.h"

namespace cprof::archive {

namespace fs = std::filesystem;

inline constexpr int kFormatVersion = 1;        // written
inline constexpr int kOldestFormatVersion = 1;  // still read

inline constexpr std::string_view kMarkerFile = "CPROFILER-ARCHIVE";
inline constexpr std::string_view kLockFile = ".lock";
inline constexpr std::string_view kSidecarSuffix = ".json";
inline constexpr std::string_view kIndexFile = "INDEX";
inline constexpr std::string_view kTargetsFile = "TARGETS";
// The scrapers' targets states, under the root (and in a bucket: each
// scraper's there; scrape/target_state.h).
inline constexpr std::string_view kStateDir = ".state";

// INDEX or TARGETS: derived from the sidecars, removable at any time.
bool IsDerivedFile(std::string_view name);

inline constexpr size_t kTargetKeyLength = 16;
inline constexpr size_t kContentHashLength = 10;
// A sidecar larger than this is corrupt by definition.
inline constexpr size_t kMaxSidecarBytes = 1 << 20;
// Temporary and orphaned files older than this are removed by prune.
inline constexpr int64_t kStaleFileMs = 3'600'000;

// The profile types, and each one's file suffix (kProfileSuffix,
// kTraceSuffix), are base/profile_types.h's table: kProfileTypes.

// A rollup tier (query/rollup.h): one target's profiles of one type merged
// over each span of span_ms, kept in a sub-archive of the same layout at
// <root>/rollups/<name>.
struct RollupTier {
  std::string_view name;
  int64_t span_ms;
  // false: pprof's merge of the snapshots; true: the sum of the intervals
  //   that end in the span (cumulative types, query/interval.h).
  bool intervals;
};
inline constexpr std::string_view kRollupsDir = "rollups";
// Finest first.
inline constexpr std::array<RollupTier, 4> kRollupTiers = {{
    {"1h.merged", 3'600'000, false},
    {"1h.intervals", 3'600'000, true},
    {"1d.merged", 86'400'000, false},
    {"1d.intervals", 86'400'000, true},
}};

// The tier called `name`; nullptr if none is.
const RollupTier* FindRollupTier(std::string_view name);

// Where the entries of `tier` live: `root` itself for raw entries ("").
fs::path TierRoot(const fs::path& root, std::string_view tier);

// Every tier's name: "" (raw entries), then each kRollupTiers one, finest
// first (the order a size cap takes them in).
std::vector<std::string> TierNames();

using Labels = std::map<std::string, std::string>;

// What an ID names.
struct EntryKey {
  int64_t timestamp_ms = 0;
  std::string target_key;    // kTargetKeyLength lowercase hex digits
  std::string profile_type;  // one of kProfileTypes
  std::string content_hash;  // kContentHashLength lowercase hex digits
  std::string tier;          // "" for a raw entry, else a kRollupTiers name
};

// The directory key of one target's entries.
std::string TargetKey(std::string_view job, std::string_view app, std::string_view host,
                      const Labels& labels, int64_t expiration_ns);

std::string FormatId(const EntryKey& key);

// Parses and fully validates an ID (it comes from users and URLs): fixed
// field widths, lowercase hex, a real date and time, a known profile type.
// InvalidArgument otherwise. A valid ID only ever yields paths inside the
// archive.
Result<EntryKey> ParseId(std::string_view id);

// "YYYY/MM/DD".
fs::path DayDir(const CivilDay& day);
// "YYYY/MM/DD/<tkey>" (under "rollups/<tier>/" for a rollup), relative to
// the root.
fs::path EntryDir(const EntryKey& key);
// "HHMMSSmmm-type-hash".
std::string FileStem(const EntryKey& key);
std::string ProfileFileName(const EntryKey& key);
std::string SidecarFileName(const EntryKey& key);

// Parses a sidecar's file name found in the directory of `day`/`target_key`
// (of `tier`'s sub-archive). InvalidArgument if it is not one (temporary
// files, profiles, strangers).
Result<EntryKey> ParseSidecarName(std::string_view name, const CivilDay& day,
                                  std::string_view target_key, std::string_view tier = "");

// Parses any entry file name (profile or sidecar) into its stem's time of
// day (ms) and content; false if the name is not an entry file.
bool ParseEntryFileName(std::string_view name, int64_t* ms_of_day, bool* is_sidecar);

bool IsHex(std::string_view s, size_t length);

// The number `s` is when it is exactly `width` decimal digits (a YYYY, MM
// or DD directory's name); -1 otherwise.
int FixedDigits(std::string_view s, size_t width);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_LAYOUT_H_
