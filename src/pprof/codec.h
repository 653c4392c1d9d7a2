// Reading and writing pprof profiles (profile.proto, usually gzipped).
// Thread-safe: pure functions over their arguments.
//
// Every profile that enters cprofiler goes through DecodeProfile, which
// bounds memory (compressed and decompressed sizes are capped) and validates
// references, so code above this layer may index string_table, functions and
// locations by the ids a validated profile carries without re-checking.
#ifndef CPROF_PPROF_CODEC_H_
#define CPROF_PPROF_CODEC_H_

#include <google/protobuf/arena.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pprof/id_index.h"
#include "proto/profile.pb.h"

namespace cprof::pprof {

using Profile = perftools::profiles::Profile;

// A profile with the memory that holds it: its own protobuf Arena (one
// allocation a block rather than one a message: a large profile parses and
// frees several times faster, and threads building profiles do not contend
// for malloc). Not copyable. Movable.
class OwnedProfile {
 public:
  // An empty profile on a new arena.
  static OwnedProfile OnArena();

  OwnedProfile(OwnedProfile&&) noexcept = default;
  OwnedProfile& operator=(OwnedProfile&&) noexcept = default;

  Profile& operator*() const { return *profile_; }
  Profile* operator->() const { return profile_; }

 private:
  OwnedProfile() = default;
  std::unique_ptr<google::protobuf::Arena> arena_;
  Profile* profile_ = nullptr;  // on arena_
};

struct DecodeOptions {
  // max_decompressed (512 MiB): a gzip body inflating past this is rejected
  //   (ResourceExhausted) before it is held in memory.
  size_t max_decompressed = size_t{512} << 20;
  // max_elements (4M): samples, locations, functions, mappings and strings
  //   together; a body of many tiny elements would otherwise cost ~100
  //   bytes of memory per 2 bytes of input.
  size_t max_elements = size_t{4} << 20;
  // parse_threads (0): threads that parse the samples of a large profile
  //   (4 MiB and more a thread), as one run; 0 for one a core, at most 8.
  unsigned parse_threads = 0;
};

bool IsGzip(std::string_view data);

// Inflates a gzip stream (several members allowed, as `gzip -c a b` makes).
// Corruption on bad or truncated data; ResourceExhausted past `max_out`.
Result<std::string> Gunzip(std::string_view data, size_t max_out);

// Deflates into one gzip member.
std::string Gzip(std::string_view data);

// Parses gzipped or plain profile.proto and validates it. Corruption, with a
// reason, for anything that is not a well-formed profile.
Result<Profile> DecodeProfile(std::string_view data, const DecodeOptions& options = {});

// The same into `*profile`, which the caller may allocate on a
// google::protobuf::Arena (much less malloc work for many small profiles).
Status DecodeProfileInto(std::string_view data, Profile* profile,
                         const DecodeOptions& options = {});

// A profile decoded but for its samples, which stay serialized and are
// parsed and validated one at a time as a report reads them: for a report
// that reads each sample once. The 240,000 samples of a 22.5 MB heap
// profile take its 22.5 MB of bytes so, and 115 MB as messages on an arena.
// Thread-safe once made (ForEachSample parses into a message of its own).
// Not copyable. Movable.
class StreamedProfile {
 public:
  // `data` as DecodeProfile takes it (gzipped or not; freed once inflated),
  // under the same caps. What DecodeProfile would reject for its strings,
  // functions, locations, mappings or header is rejected here, with the
  // same error; a sample's fault is told by ForEachSample. (Samples that do
  // not come as one run of fields, which Go never writes, are parsed here.)
  static Result<StreamedProfile> Decode(std::string data, const DecodeOptions& options = {});

  StreamedProfile(StreamedProfile&&) noexcept = default;
  StreamedProfile& operator=(StreamedProfile&&) noexcept = default;

  // The profile without its samples.
  const Profile& profile() const { return header_; }
  int sample_count() const;
  // Whether any sample has a label (found without parsing the samples).
  bool any_labels() const { return any_labels_; }

  // Calls fn(i, sample i) for each sample, in order, each parsed and
  // validated as DecodeProfile validates it (`sample` lives until fn
  // returns). On failure, the error DecodeProfile then fn would have
  // given: a sample that does not parse, else the first invalid sample,
  // else fn's first error (the samples after it are still parsed and
  // validated, but not given to fn).
  Status ForEachSample(
      const std::function<Status(int i, const perftools::profiles::Sample& sample)>& fn) const;

 private:
  StreamedProfile() = default;
  // Sample i of raw_ into *sample (cleared first); false when it is malformed.
  bool ParseSampleAt(size_t i, perftools::profiles::Sample* sample) const;

  std::string raw_;  // the serialized profile
  Profile header_;   // raw_ without its samples
  // Sample i: raw_ from sample_starts_[i] to the next start (the last: to
  // samples_end_).
  std::vector<uint32_t> sample_starts_;
  size_t samples_end_ = 0;
  // When the samples do not come as one run (sample_starts_ empty): parsed.
  google::protobuf::RepeatedPtrField<perftools::profiles::Sample> parsed_samples_;
  IdIndex location_index_{0, 0};  // header_'s locations by id
  bool any_labels_ = false;
};

// Checks what pprof's own reader checks, and a little more: string_table[0]
// is "", every string index is in range, every id referenced exists and ids
// are unique and non-zero, and every sample has one value per sample type.
Status ValidateProfile(const Profile& profile);

// Serialized profile.proto, gzipped when `gzip` is set (pprof's default).
std::string EncodeProfile(const Profile& profile, bool gzip = true);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_CODEC_H_
