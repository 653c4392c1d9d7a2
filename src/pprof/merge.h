// Merger: combines profiles exactly as pprof's profile.Merge does (and so as
// `go tool pprof -proto a b c` does). Not thread-safe; one Merger per merge.
//
// Profiles are folded in one at a time (Add), and the caller may free each
// one after adding it, so memory grows with the merged result, not with the
// number of inputs.
//
// Semantics (pprof's): every input must have the same period type and the
// same sample types (type and unit, in order). Functions are deduplicated by
// (name, system name, file, start line); mappings by (size rounded up to
// 4 KiB, offset, build ID or else file); locations by (mapping, address
// relative to it, lines, folded); samples with the same locations and labels
// are summed; samples whose values are all zero are dropped. The header takes
// the earliest time, the sum of durations, the largest period, the first
// non-empty default sample type, each distinct comment once, and the rest
// from the first profile.
#ifndef CPROF_PPROF_MERGE_H_
#define CPROF_PPROF_MERGE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pprof/codec.h"

namespace cprof::pprof {

class Merger {
 public:
  Merger();
  ~Merger();
  // Not copyable. Movable.
  Merger(const Merger&) = delete;
  Merger& operator=(const Merger&) = delete;
  Merger(Merger&&) noexcept;
  Merger& operator=(Merger&&) noexcept;

  // Folds `profile` (validated, as DecodeProfile returns it) into the
  // result. InvalidArgument, naming `name` and the first profile's name,
  // when its sample types or period type differ; the result is unchanged.
  Status Add(const Profile& profile, std::string_view name);

  // Folds `profile` in with each sample's value i multiplied by
  // factors[i] (one per sample type): pprof's Profile.ScaleN before a
  // merge, so -1 subtracts (`go tool pprof -base`) and 0 leaves a sample
  // type out. A sample whose scaled values are all zero is dropped, as
  // ScaleN drops it.
  Status AddScaled(const Profile& profile, std::string_view name, std::span<const int64_t> factors);

  int count() const;

  // The merged profile (on an arena). InvalidArgument if nothing was added.
  // The Merger is empty afterwards.
  Result<OwnedProfile> Finish();

  // Merging in parts, with the same result as adding every input in order:
  // consecutive runs of the inputs merged apart and finished with
  // FinishPartial, then added in order with AddPartial, `name` naming the
  // run's first input. Every table keeps first-seen order, so ids and
  // sample order come out the same.
  struct Partial {
    OwnedProfile profile;  // samples that summed to zero kept where they stand
    // An input had no time (0), which restarts pprof's running minimum.
    bool time_reset = false;
  };
  Result<Partial> FinishPartial();
  Status AddPartial(const Partial& partial, std::string_view name);

 private:
  Status AddProfile(const Profile& src, std::string_view name, bool partial, bool time_reset,
                    std::span<const int64_t> factors = {});
  struct State;
  std::unique_ptr<State> state_;
};

// Drops samples with no stack, as `go tool pprof -proto` leaves them out of
// what it writes (its filters keep only samples with a location). Call it
// on a merge to write what pprof writes.
void DropEmptyStacks(Profile* profile);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_MERGE_H_
