#include "pprof/pgo.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "pprof/id_index.h"

namespace cprof::pprof {
namespace {

// The sample type the compiler weighs edges by: the first that is
// samples/count or cpu/nanoseconds (cmd/internal/pgo FromPProf); -1 if none.
int PgoValueIndex(const Profile& p) {
  for (int i = 0; i < p.sample_type_size(); ++i) {
    const std::string& type = p.string_table(p.sample_type(i).type());
    const std::string& unit = p.string_table(p.sample_type(i).unit());
    if ((type == "samples" && unit == "count") || (type == "cpu" && unit == "nanoseconds")) {
      return i;
    }
  }
  return -1;
}

void Put(std::string* key, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  key->append(buf, 8);
}

// Builds the output's tables, each entry once, in first-use order.
class PgoBuilder {
 public:
  PgoBuilder(const Profile& src, Profile* out)
      : src_(src),
        out_(*out),
        functions_by_id_(IndexById(src.function())),
        locations_by_id_(IndexById(src.location())),
        function_ids_(src.function_size(), 0) {
    out_.add_string_table("");
  }

  // The output's location for input location `id`, with `address` (its
  // own, or the tag that stands for it) and, when `leaf_aggregated`, no
  // line number on its innermost frame.
  uint64_t MapLocation(uint64_t id, uint64_t address, bool leaf_aggregated) {
    const auto& loc = src_.location(locations_by_id_.Find(id));
    key_.clear();
    Put(&key_, address);
    for (int i = 0; i < loc.line_size(); ++i) {
      Put(&key_, MapFunction(loc.line(i).function_id()));
      Put(&key_, leaf_aggregated && i == 0 ? 0 : static_cast<uint64_t>(loc.line(i).line()));
    }
    auto [it, added] = locations_.try_emplace(key_, out_.location_size() + 1);
    if (added) {
      auto* l = out_.add_location();
      l->set_id(it->second);
      l->set_address(address);
      for (int i = 0; i < loc.line_size(); ++i) {
        auto* line = l->add_line();
        line->set_function_id(MapFunction(loc.line(i).function_id()));
        line->set_line(leaf_aggregated && i == 0 ? 0 : loc.line(i).line());
      }
    }
    return it->second;
  }

  uint64_t address_of(uint64_t id) const {
    return src_.location(locations_by_id_.Find(id)).address();
  }

  // Adds `weight` to the sample over `stack` (output location ids).
  void AddSample(const std::vector<uint64_t>& stack, int64_t weight) {
    key_.clear();
    for (uint64_t id : stack) Put(&key_, id);
    auto [it, added] = samples_.try_emplace(key_, out_.sample_size());
    if (added) {
      auto* s = out_.add_sample();
      for (uint64_t id : stack) s->add_location_id(id);
      s->add_value(0);
    }
    auto* s = out_.mutable_sample(it->second);
    s->set_value(0, s->value(0) + weight);
  }

  bool has_start_line() const { return has_start_line_; }

  int64_t Intern(const std::string& s) {
    auto [it, added] = strings_.try_emplace(s, out_.string_table_size());
    if (added) out_.add_string_table(s);
    return it->second;
  }

 private:
  // Functions are kept by name and start line, what the compiler reads.
  uint64_t MapFunction(uint64_t id) {
    const int32_t pos = functions_by_id_.Find(id);
    if (function_ids_[pos] != 0) return function_ids_[pos];
    const auto& f = src_.function(pos);
    const std::string& name = src_.string_table(f.name());
    std::string key = name;
    Put(&key, static_cast<uint64_t>(f.start_line()));
    auto [it, added] = functions_.try_emplace(std::move(key), out_.function_size() + 1);
    if (added) {
      auto* g = out_.add_function();
      g->set_id(it->second);
      g->set_name(Intern(name));
      g->set_start_line(f.start_line());
      has_start_line_ = has_start_line_ || f.start_line() != 0;
    }
    function_ids_[pos] = it->second;
    return it->second;
  }

  const Profile& src_;
  Profile& out_;
  IdIndex functions_by_id_, locations_by_id_;
  std::vector<uint64_t> function_ids_;  // by input position; 0: not mapped yet
  std::unordered_map<std::string, int64_t> strings_;
  std::unordered_map<std::string, uint64_t> functions_, locations_;
  std::unordered_map<std::string, int> samples_;  // -> index in out_.sample
  std::string key_;
  bool has_start_line_ = false;
};

// The first `depth` locations of `s` as the output's, callees aggregated.
// The compiler tells a sample's nodes apart by address: each location gets
// the position of its first occurrence in the stack as its address, so two
// frames are one node exactly when they were one location (recursion), and
// locations differing only in address (the call's or the interrupted
// instruction's) become one. The leaf loses its innermost line number (only
// a caller's line names an edge) unless the leaf recurs in the stack, where
// that line is a caller's.
void AggregatedStack(const perftools::profiles::Sample& s, int depth, PgoBuilder* builder,
                     std::vector<uint64_t>* stack) {
  bool leaf_recurs = false;
  for (int i = 1; i < depth; ++i) leaf_recurs = leaf_recurs || s.location_id(i) == s.location_id(0);
  for (int i = 0; i < depth; ++i) {
    int first = 0;
    while (s.location_id(first) != s.location_id(i)) ++first;
    stack->push_back(builder->MapLocation(s.location_id(i), static_cast<uint64_t>(first),
                                          first == 0 && !leaf_recurs));
  }
}

}  // namespace

Result<OwnedProfile> PgoProfile(const Profile& profile, const PgoOptions& options) {
  const int keep = options.keep_locations;
  if (keep != 0 && keep < kMinPgoKeepLocations) {
    return Status::InvalidArgument("PGO: keeping " + std::to_string(keep) +
                                   " locations a stack loses the call edges (at least " +
                                   std::to_string(kMinPgoKeepLocations) + ", or 0 for all)");
  }
  const int value_index = PgoValueIndex(profile);
  if (value_index < 0) {
    return Status::InvalidArgument(
        "PGO: not a CPU profile (Go's compiler reads a samples/count or cpu/nanoseconds "
        "sample type; merge profile_cpu)");
  }
  OwnedProfile owned = OwnedProfile::OnArena();
  Profile& out = *owned;
  PgoBuilder builder(profile, &out);
  const auto& type = profile.sample_type(value_index);
  auto* sample_type = out.add_sample_type();
  sample_type->set_type(builder.Intern(profile.string_table(type.type())));
  sample_type->set_unit(builder.Intern(profile.string_table(type.unit())));
  if (profile.has_period_type()) {
    out.mutable_period_type()->set_type(
        builder.Intern(profile.string_table(profile.period_type().type())));
    out.mutable_period_type()->set_unit(
        builder.Intern(profile.string_table(profile.period_type().unit())));
  }
  out.set_period(profile.period());
  out.set_time_nanos(profile.time_nanos());
  out.set_duration_nanos(profile.duration_nanos());

  std::vector<uint64_t> stack;
  for (const auto& s : profile.sample()) {
    const int64_t weight = s.value(value_index);
    if (weight == 0 || s.location_id_size() == 0) continue;
    stack.clear();
    if (keep == 0) {
      for (uint64_t id : s.location_id()) {
        stack.push_back(builder.MapLocation(id, builder.address_of(id), false));
      }
    } else {
      AggregatedStack(s, std::min(keep, s.location_id_size()), &builder, &stack);
    }
    builder.AddSample(stack, weight);
  }
  if (out.sample_size() > 0 && !builder.has_start_line()) {
    return Status::InvalidArgument(
        "PGO: no function has a start line (Function.start_line: profiles of Go 1.20 and "
        "later have them; Go's compiler refuses a profile without)");
  }
  return owned;
}

}  // namespace cprof::pprof
