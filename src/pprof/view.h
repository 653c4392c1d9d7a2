// The samples of a profile as the reports (report.h) read them: filtered
// by the options (filter.h), at function granularity, each stack once, and
// the reports computed over one view (top.cc, flame.cc). Internal to
// src/pprof. Thread-safe: a View is read only once built.
#ifndef CPROF_PPROF_VIEW_H_
#define CPROF_PPROF_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pprof/codec.h"
#include "pprof/report.h"

namespace cprof::pprof {

// The samples of a filtered profile as stacks of function-level nodes.
struct View {
  std::vector<std::string> names;  // node -> printable name
  struct Frame {
    uint32_t node;
    bool inlined;  // inlined into its caller (not its location's last line)
  };
  std::vector<Frame> frames;     // every sample's frames, root first
  std::vector<uint32_t> starts;  // sample i: frames[starts[i], starts[i+1])
  std::vector<int64_t> values;   // sample i's value
  int64_t total = 0;             // sum of |value| over all samples, unfiltered
  std::string sample_type, sample_unit;
  // The profile's sample i passed the filters (whatever its value): the
  // samples whose labels the tags report reads.
  std::vector<bool> kept_samples;
};

// The view of `profile`'s samples of the options' sample index, as pprof's
// filters leave them. InvalidArgument for a bad sample index or expression;
// ResourceExhausted when the stacks expand beyond kMaxFrames.
Result<View> BuildView(const Profile& profile, const ReportOptions& options);

// The top table of a view (top.cc).
TopTable TopOfView(const View& view, const ReportOptions& options);

// The header lines of a text report over a top table, each ending in a
// newline: pprof's reportLabels (top_text.cc).
std::string ReportLabels(const Profile& profile, const TopTable& table);

// The flame tree of a view, at most `max_nodes` nodes (flame.cc).
FlameNode FlameOfView(const View& view, int max_nodes);

// The last element of a slash-separated path, as pprof's filepath.Base.
std::string Basename(const std::string& path);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_VIEW_H_
