#include "pprof/sandwich.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// A view over the same nodes with no samples yet.
View EmptyLike(const View& v) {
  View out;
  out.names = v.names;
  out.named = v.named;
  out.starts.push_back(0);
  out.total = v.total;
  out.sample_type = v.sample_type;
  out.sample_unit = v.sample_unit;
  return out;
}

void AddStack(View& out, std::span<const View::Frame> frames, int64_t value, uint32_t sample) {
  out.frames.insert(out.frames.end(), frames.begin(), frames.end());
  out.starts.push_back(static_cast<uint32_t>(out.frames.size()));
  out.values.push_back(value);
  out.sample_of.push_back(sample);
}

// The flame tree of `half`, its root named after the function.
FlameNode Rooted(const View& half, const std::string& function, int max_nodes) {
  FlameNode root = FlameOfView(half, max_nodes);
  root.name = function;
  return root;
}

}  // namespace

Result<Sandwich> SandwichOf(const Profile& profile, const ReportOptions& options,
                            const std::string& function, int max_nodes) {
  CPROF_ASSIGN_OR_RETURN(View v, BuildView(profile, options));
  std::vector<bool> is_function(v.names.size());
  for (size_t n = 0; n < v.names.size(); ++n) is_function[n] = v.names[n] == function;

  Sandwich s;
  s.function = function;
  View callers = EmptyLike(v), callees = EmptyLike(v);
  std::vector<View::Frame> reversed;
  for (size_t i = 0; i + 1 < v.starts.size(); ++i) {
    const std::span<const View::Frame> stack(v.frames.data() + v.starts[i],
                                             v.starts[i + 1] - v.starts[i]);
    auto at = std::find_if(stack.begin(), stack.end(),
                           [&](const View::Frame& f) { return is_function[f.node]; });
    if (at == stack.end()) continue;
    const int64_t value = v.values[i];
    s.cum += value;
    if (is_function[stack.back().node]) s.flat += value;
    // Below the split: the callees, root first.
    AddStack(callees, {at + 1, stack.end()}, value, v.sample_of[i]);
    // Above it: the callers, nearest first.
    reversed.assign(std::make_reverse_iterator(at), stack.rend());
    AddStack(callers, reversed, value, v.sample_of[i]);
  }
  s.callers = Rooted(callers, function, max_nodes);
  s.callees = Rooted(callees, function, max_nodes);
  return s;
}

}  // namespace cprof::pprof
