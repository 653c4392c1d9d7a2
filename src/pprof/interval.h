// Interval (delta) profiles of cumulative profile types.
//
// Go's allocation (heap and allocs alloc_*), mutex, block and threadcreate
// profiles are cumulative: each snapshot holds everything since the process
// started. The profile of an interval between two snapshots `base` and
// `end` of one process is, sample by sample (stack and labels, as pprof
// keys them), end - base for the cumulative sample types, and end's value
// for the instantaneous ones (inuse_*: the state at the interval's end, as
// grafana's godeltaprof serves them). For a profile whose sample types are
// all cumulative this is exactly `go tool pprof -proto -base base end`.
//
// A reset (the process restarted between the two) makes the interval `end`
// itself: no value of an interval is ever negative.
//
// Thread-safe: pure functions.
#ifndef CPROF_PPROF_INTERVAL_H_
#define CPROF_PPROF_INTERVAL_H_

#include <string_view>
#include <vector>

#include "pprof/codec.h"

namespace cprof::pprof {

// Whether a sample type counts since process start, by profile type
// (cprofiler's names) and pprof's sample type, as base/profile_types.h's
// cumulative column says. Profiles and traces are windows already; inuse_*
// and goroutine are instantaneous.
//   heap, allocs   alloc_objects, alloc_space
//   mutex, block   every sample type (contentions, delay)
//   threadcreate   every sample type (threadcreate)
bool IsCumulative(std::string_view profile_type, std::string_view sample_type);

// The same for a sample type under cprofiler's name ("mutex_delay",
// "heap_alloc_space", "threadcreate").
bool IsCumulativeName(std::string_view sample_type_name);

// True when the profile fetched from `url` is already an interval: grafana's
// godeltaprof serves /debug/pprof/delta_heap, delta_mutex and delta_block.
// Such profiles are never differenced again.
bool ServesIntervals(std::string_view url);

// Whether any cumulative total went down from `base` to `end`: the process
// restarted. Both are totals in the same sample type order, with
// `cumulative` marking which count.
bool TotalsReset(const std::vector<int64_t>& base, const std::vector<int64_t>& end,
                 const std::vector<bool>& cumulative);

// Which of `profile`'s sample types are cumulative, for `profile_type`.
std::vector<bool> CumulativeMask(const Profile& profile, std::string_view profile_type);

struct IntervalResult {
  OwnedProfile profile;
  // A cumulative value of some sample went down: the process restarted
  // (or the profile's rate changed), and the interval is `end` itself.
  bool reset = false;
};

// The interval from `base` to `end` (validated profiles of one target and
// profile type, `base` the older), as described above; `end` itself when
// `base` is null (the stretch after a restart). Its time is base's and its
// duration end's time minus base's (pprof's -base would add the two
// durations); a reset leaves end's header as it is. With
// `keep_instantaneous` false the instantaneous sample types are left out
// (zero): a window counts them once, at its end. InvalidArgument when the
// two profiles' sample types or period types differ.
Result<IntervalResult> Interval(const Profile* base, const Profile& end,
                                std::string_view profile_type, bool keep_instantaneous = true);

// `go tool pprof -proto -base base profile`: every value of `base`
// subtracted, stack by stack; values may be negative. pprof's header rules
// (the earlier time, the durations added). InvalidArgument when their
// sample types or period types differ.
Result<OwnedProfile> Difference(const Profile& profile, const Profile& base);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_INTERVAL_H_
