#include "pprof/interval.h"

#include "base/profile_types.h"
#include "pprof/merge.h"
#include "pprof/summary.h"

namespace cprof::pprof {
namespace {

// A copy of `profile` on its own arena.
OwnedProfile CopyProfile(const Profile& profile) {
  OwnedProfile copy = OwnedProfile::OnArena();
  *copy = profile;
  return copy;
}

// pprof's ScaleN ratios of an interval: for end, its cumulative values
// (and its instantaneous ones only if kept); for base, its cumulative ones
// negated.
struct IntervalRatios {
  std::vector<int64_t> plus, minus;
};
IntervalRatios RatiosOf(const std::vector<bool>& mask, bool keep_instantaneous) {
  IntervalRatios r{std::vector<int64_t>(mask.size()), std::vector<int64_t>(mask.size())};
  for (size_t i = 0; i < mask.size(); ++i) {
    r.plus[i] = mask[i] || keep_instantaneous ? 1 : 0;
    r.minus[i] = mask[i] ? -1 : 0;
  }
  return r;
}

// `end` alone, scaled by `plus` (a copy when it keeps everything).
Result<OwnedProfile> EndOnly(const Profile& end, const std::vector<int64_t>& plus,
                             bool keep_instantaneous) {
  if (keep_instantaneous) return CopyProfile(end);
  Merger merger;
  CPROF_RETURN_IF_ERROR(merger.AddScaled(end, "the interval's end", plus));
  return merger.Finish();
}

// pprof's combineProfiles of [end, base] with base scaled by -1 (-base),
// here by the ratios: end first, as pprof merges them.
Result<OwnedProfile> CombineProfiles(const Profile& end, const Profile& base,
                                     const IntervalRatios& r) {
  Merger merger;
  CPROF_RETURN_IF_ERROR(merger.AddScaled(end, "the interval's end", r.plus));
  CPROF_RETURN_IF_ERROR(merger.AddScaled(base, "the interval's base", r.minus));
  return merger.Finish();
}

// Whether a stack's cumulative value (by `mask`) went down from base to
// end: the process restarted though no total did.
bool StacksReset(const Profile& diff, const std::vector<bool>& mask) {
  for (const auto& s : diff.sample()) {
    for (int i = 0; i < s.value_size(); ++i) {
      if (mask[i] && s.value(i) < 0) return true;
    }
  }
  return false;
}

}  // namespace

bool IsCumulative(std::string_view profile_type, std::string_view sample_type) {
  const ProfileType* type = FindProfileType(profile_type);
  switch (type == nullptr ? Cumulative::kNone : type->cumulative) {
    case Cumulative::kNone:
      return false;
    case Cumulative::kAllocs:
      return sample_type == "alloc_objects" || sample_type == "alloc_space";
    case Cumulative::kAll:
      return true;
  }
  return false;
}

bool IsCumulativeName(std::string_view name) {
  std::string_view profile_type = ProfileTypeOf(name);
  std::string_view sample_type =
      name.size() > profile_type.size() ? name.substr(profile_type.size() + 1) : name;
  return IsCumulative(profile_type, sample_type);
}

bool ServesIntervals(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return last.starts_with("delta_");
}

bool TotalsReset(const std::vector<int64_t>& base, const std::vector<int64_t>& end,
                 const std::vector<bool>& cumulative) {
  if (base.size() != end.size() || base.size() != cumulative.size()) return false;
  for (size_t i = 0; i < base.size(); ++i) {
    if (cumulative[i] && end[i] < base[i]) return true;
  }
  return false;
}

std::vector<bool> CumulativeMask(const Profile& p, std::string_view profile_type) {
  std::vector<bool> mask(p.sample_type_size());
  for (int i = 0; i < p.sample_type_size(); ++i) {
    mask[i] = IsCumulative(profile_type, p.string_table(p.sample_type(i).type()));
  }
  return mask;
}

Result<OwnedProfile> Difference(const Profile& profile, const Profile& base) {
  Merger merger;
  CPROF_RETURN_IF_ERROR(merger.Add(profile, "the profile"));
  std::vector<int64_t> minus(base.sample_type_size(), -1);
  CPROF_RETURN_IF_ERROR(merger.AddScaled(base, "the base", minus));
  return merger.Finish();
}

Result<IntervalResult> Interval(const Profile* base, const Profile& end,
                                std::string_view profile_type, bool keep_instantaneous) {
  std::vector<bool> mask = CumulativeMask(end, profile_type);
  const IntervalRatios ratios = RatiosOf(mask, keep_instantaneous);
  if (base == nullptr) {
    CPROF_ASSIGN_OR_RETURN(OwnedProfile whole, EndOnly(end, ratios.plus, keep_instantaneous));
    return IntervalResult{std::move(whole), /*reset=*/false};
  }
  CPROF_ASSIGN_OR_RETURN(OwnedProfile diff, CombineProfiles(end, *base, ratios));
  if (StacksReset(*diff, mask)) {
    CPROF_ASSIGN_OR_RETURN(OwnedProfile whole, EndOnly(end, ratios.plus, keep_instantaneous));
    return IntervalResult{std::move(whole), /*reset=*/true};
  }
  diff->set_time_nanos(base->time_nanos());
  int64_t length = end.time_nanos() - base->time_nanos();
  diff->set_duration_nanos(base->time_nanos() > 0 && length > 0 ? length : end.duration_nanos());
  return IntervalResult{std::move(diff), /*reset=*/false};
}

}  // namespace cprof::pprof
