// A pushed profile made an archive entry: what profefe's POST
// /api/0/profiles, Pyroscope's POST /ingest (server/push_api.cc) and
// `cprofiler import` share. The body is decoded and checked as a scraped
// one is (pprof/codec.h), its type found, its labels checked against the
// config's push: block, and its sidecar filled for archive::ArchiveWriter,
// the one writer of entries.
//
// Thread-safe: pure functions.
#ifndef CPROF_INGEST_ENTRY_H_
#define CPROF_INGEST_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/layout.h"
#include "archive/sidecar.h"
#include "base/status.h"

namespace cprof::ingest {

// The config's push: block (man 5 cprofiler.yml).
//   name (default) meaning
//   expiration_ns (0)         how long a pushed entry is kept; 0 = forever
//   max_body_bytes (16 MiB)   a larger body is refused (413) unread
//   allowed_labels ([])       the label keys a push may carry; empty: any
//   required_labels ([])      the label keys every push must carry
//   rate_per_second (100)     pushes a client address may make a second,
//                             in bursts of up to as many; 0: no limit
struct PushOptions {
  int64_t expiration_ns = 0;
  int64_t max_body_bytes = int64_t{16} << 20;
  std::vector<std::string> allowed_labels;
  std::vector<std::string> required_labels;
  double rate_per_second = 100;
};

// What one push says of its profile.
struct Pushed {
  std::string job;           // where it came from: "profefe", "pyroscope", "import"
  std::string app;           // profefe's service, Pyroscope's application; "":
                             // the profile's main binary's file name
  std::string host;          // the instance, or the pushing client
  std::string profile_type;  // cprofiler's; "" to take it from the profile
  archive::Labels labels;    // checked against PushOptions
  std::string url;           // what it came as, for the sidecar's url
  int64_t timestamp_ms = 0;  // 0: the profile's time_nanos, else now
  std::string pushed_by;     // the sidecar's scraped_by: this host
};

// Why a push was refused: the label of cprofiler_push_refused_total.
enum class Refusal {
  kNone,
  kBadRequest,   // a parameter missing or malformed
  kNotPprof,     // the body does not decode
  kUnknownType,  // a type cprofiler does not know, or that is not the profile's
  kLabels,       // a label not allowed, or one required missing
  kTooLarge,     // the body (or what it inflates to) over the cap
};
std::string_view RefusalName(Refusal refusal);

// An entry ready for ArchiveWriter::Stage or Write: the profile's bytes as
// archived (gzipped: a plain body is gzipped) and its sidecar.
struct Entry {
  std::string bytes;
  archive::Sidecar sidecar;
};

// `body` (a pprof profile, gzipped or not) as an entry of `pushed`, or why
// not: `refusal` and a one-line reason (the decoder's, for a body that is
// not pprof).
struct Made {
  Refusal refusal = Refusal::kNone;
  Status status;
  Entry entry;
};
Made MakeEntry(std::string_view body, Pushed pushed, const PushOptions& options);

// The profile type (base/profile_types.h) whose profiles have the sample
// types `types` (pprof's names, in order), as Go's runtime/pprof writes
// them; InvalidArgument when they are no Go profile type's, or could be
// two ("contentions", "delay": block or mutex).
Result<std::string> ProfileTypeOfSampleTypes(const std::vector<std::string>& types);

// profefe's and the CLI's types: "cpu" is "profile"; any other name is
// cprofiler's own. InvalidArgument for a name no type has.
Result<std::string> ParseProfileTypeName(std::string_view name);

// "k=v,k=v" (profefe's labels) added to *labels; InvalidArgument naming a
// malformed pair.
Status ParseLabelList(std::string_view text, archive::Labels* labels);

// `labels` against the push: block: each key a label name (letters,
// digits, '_', not starting with '_' or a digit), allowed, and every
// required one there. InvalidArgument naming the first that is not.
Status CheckLabels(const archive::Labels& labels, const PushOptions& options);

}  // namespace cprof::ingest

#endif  // CPROF_INGEST_ENTRY_H_
