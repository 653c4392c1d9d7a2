// The JSON sidecar stored beside every profile: everything a query needs,
// so that no profile is opened to answer one. Format: man/cprofiler-archive.5.
// Thread-safe: pure functions.
#ifndef CPROF_ARCHIVE_SIDECAR_H_
#define CPROF_ARCHIVE_SIDECAR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/layout.h"
#include "base/status.h"

namespace cprof::archive {

struct SampleTypeInfo {
  std::string name;  // "heap_inuse_space"
  std::string type;  // "inuse_space"
  std::string unit;  // "bytes"
  int64_t total = 0;
  bool operator==(const SampleTypeInfo&) const = default;
};

// What a rollup (query/rollup.h) merged; raw entries have none.
struct RollupInfo {
  int64_t end_ms = 0;   // its span: [timestamp_ms, end_ms)
  int64_t entries = 0;  // the raw snapshots of the span it covers
  bool operator==(const RollupInfo&) const = default;
};

struct Sidecar {
  int format_version = kFormatVersion;
  std::string id;
  std::string profile_type;  // "heap"
  std::string file;          // the profile's file name, same directory
  std::string job;
  std::string app;
  std::string host;                          // "127.0.0.1:6060", as configured
  Labels labels;                             // user labels only; built-ins are the fields
  std::string url;                           // what was fetched
  int64_t timestamp_ms = 0;                  // UTC, when the scrape started
  int64_t duration_ns = 0;                   // the profile's duration (0 if it has none)
  int64_t expiration_ns = 0;                 // the job's expiration when scraped; 0 = never
  int64_t expires_ms = 0;                    // timestamp_ms + expiration; 0 = never
  int64_t size = 0;                          // bytes of the profile file
  std::string sha256;                        // of the profile file
  std::vector<SampleTypeInfo> sample_types;  // empty for trace
  std::string default_sample_type;           // pprof's name, may be ""
  std::string scraped_by;                    // hostname of the scraper
  std::optional<RollupInfo> rollup;          // a rollup's; its id names the tier

  bool operator==(const Sidecar&) const = default;
};

// What a <tkey> directory names: the fields every entry in it shares.
struct Target {
  std::string job;
  std::string app;
  std::string host;
  Labels labels;
  int64_t expiration_ns = 0;
  bool operator==(const Target&) const = default;
};

Target TargetOf(const Sidecar& sidecar);

// A sidecar holding only `target`'s fields and `profile_type`: all that
// label matchers look at, to decide on a target's entries of one type; and
// where a new entry's sidecar starts (the scraper's, compaction's).
Sidecar ProbeOf(const Target& target, std::string_view profile_type);

// The <tkey> directory name of `target`'s entries.
std::string TargetKeyOf(const Target& target);

// Pretty JSON, members in a fixed order.
std::string SerializeSidecar(const Sidecar& sidecar);

// Parses a sidecar. Corruption (with the reason) for malformed JSON, a
// missing or mistyped required field, a format_version outside
// [kOldestFormatVersion, kFormatVersion], or an id that does not parse.
// Unknown members are ignored (newer writers may add some).
Result<Sidecar> ParseSidecar(std::string_view json);

// The value of a built-in or user label: _job, _app, _host, _type, or a key
// of `labels`. nullptr if the sidecar has no such label.
const std::string* LabelValue(const Sidecar& sidecar, std::string_view key);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_SIDECAR_H_
