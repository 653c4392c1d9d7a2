// Rendering selected entries: the seed API's ProfileMeta objects (shared by
// `query -o json` and the HTTP API) and the human table. Thread-safe.
#ifndef CPROF_QUERY_OUTPUT_H_
#define CPROF_QUERY_OUTPUT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/scan.h"
#include "base/json.h"

namespace cprof::query {

// One entry under one of its sample types.
struct MetaRow {
  const archive::Entry* entry;
  archive::SampleTypeInfo sample_type;
  bool cumulative = false;  // as ProfileMetaFields
  std::optional<int64_t> delta_value;
};

// Each entry once per sample type (only `sample_type` when it is not "").
std::vector<MetaRow> MetaRows(const std::vector<archive::Entry>& entries,
                              std::string_view sample_type);

// Sets `rows`' cumulative and delta_value (MetaRows of `entries`), looking
// up in the archive at `root` the snapshot before each series' first.
void AddIntervalValues(const fs::path& root, const std::vector<archive::Entry>& entries,
                       archive::Reporter* reporter, std::vector<MetaRow>* rows);

// The seed's ProfileMeta object: ProfileID, ProfileType, SampleType,
// JobName, Host, App, SampleTypeUnit, Value, Timestamp (ms), Duration (ns),
// Labels [{Key, Value}]; and for a cumulative sample type Cumulative and
// DeltaValue.
void WriteProfileMeta(JsonWriter& w, const MetaRow& row);

// The same from parts: `target` gives JobName, Host, App and Labels; the
// rest of its fields are not read.
struct ProfileMetaFields {
  std::string_view id;
  std::string_view profile_type;
  std::string_view sample_type;
  std::string_view unit;
  int64_t value = 0;
  int64_t timestamp_ms = 0;
  int64_t duration_ns = 0;
  // Value counts since process start (a cumulative sample type, not served
  // as intervals: pprof/interval.h): written as "Cumulative": true, with
  // "DeltaValue" (the interval's value) unless it is a baseline.
  bool cumulative = false;
  std::optional<int64_t> delta_value;
};
void WriteProfileMeta(JsonWriter& w, const archive::Target& target,
                      const ProfileMetaFields& fields);

// Aligned columns: TIME TYPE VALUE JOB APP HOST LABELS ID, and INTERVAL
// after VALUE when a row is cumulative (AddIntervalValues); values as pprof
// prints them (pprof::ScaledLabel to "auto": "4.21s", "12.50MB", "1234").
std::string FormatTable(const std::vector<MetaRow>& rows);

}  // namespace cprof::query

#endif  // CPROF_QUERY_OUTPUT_H_
