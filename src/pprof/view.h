// The samples of a profile as the reports (report.h) read them: filtered
// by the options (filter.h), at function granularity, each stack once, and
// the reports computed over one view (top.cc, flame.cc). Internal to
// src/pprof. Thread-safe: a View is read only once built.
#ifndef CPROF_PPROF_VIEW_H_
#define CPROF_PPROF_VIEW_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pprof/codec.h"
#include "pprof/report.h"

namespace cprof::pprof {

// The samples of a filtered profile as stacks of function-level nodes.
struct View {
  std::vector<std::string> names;  // node -> printable name
  // node -> whether it is a function's (else its name is "[binary]" or
  // "<unknown>", pprof's name for a frame without one).
  std::vector<bool> named;
  struct Frame {
    uint32_t node;
    bool inlined;  // inlined into its caller (not its location's last line)
  };
  std::vector<Frame> frames;     // every sample's frames, root first
  std::vector<uint32_t> starts;  // sample i: frames[starts[i], starts[i+1])
  std::vector<int64_t> values;   // sample i's value
  // Sample i's position in the profile (with Stacks::kMerged, that of the
  // first sample of its stack).
  std::vector<uint32_t> sample_of;
  int64_t total = 0;  // sum of |value| over all samples, unfiltered
  std::string sample_type, sample_unit;
  // The profile's sample i passed the filters (whatever its value): the
  // samples whose labels the tags report reads.
  std::vector<bool> kept_samples;
};

// Whether a view merges the samples that differ only by labels into one
// (all that sums need), or keeps each (the dot graph's tags read them).
enum class Stacks { kMerged, kEachSample };

// The view of `profile`'s samples of the options' sample index, as pprof's
// filters leave them. InvalidArgument for a bad sample index or expression;
// ResourceExhausted when the stacks expand beyond kMaxFrames.
Result<View> BuildView(const Profile& profile, const ReportOptions& options,
                       Stacks stacks = Stacks::kMerged);

// The same view of a streamed profile, its samples parsed as they are read
// (none kept): the same result, or the same error, as BuildView of the
// profile DecodeProfile makes of the same bytes.
Result<View> BuildView(const StreamedProfile& profile, const ReportOptions& options,
                       Stacks stacks = Stacks::kMerged);

// pprof's Profile.NumLabelUnits: the unit of each numeric label key, the
// first a sample gives it; else "bytes" for "alignment" and "request", else
// the key itself (tags.cc).
std::map<std::string, std::string> NumLabelUnits(const Profile& profile);

// How pprof's parser reads a label: a string label when it has a string;
// else a numeric one when it has a number or a unit.
inline bool IsStringLabel(const perftools::profiles::Label& l) { return l.str() != 0; }
inline bool IsNumericLabel(const perftools::profiles::Label& l) {
  return l.str() == 0 && (l.num() != 0 || l.num_unit() != 0);
}

// Whether every value of `s` is 0: pprof's profile.Merge (which every
// profile it reads goes through) drops such samples, labels and all.
bool IsZeroSample(const perftools::profiles::Sample& s);

// The top table of a view (top.cc).
TopTable TopOfView(const View& view, const ReportOptions& options);

// The header lines of a report over a top table: pprof's reportLabels
// (top_text.cc), without the dot graph's last line.
std::vector<std::string> ReportLabelLines(const Profile& profile, const TopTable& table);

// The same, each line ending in a newline: a text report's header.
std::string ReportLabels(const Profile& profile, const TopTable& table);

// The flame tree of a view, at most `max_nodes` nodes (flame.cc).
FlameNode FlameOfView(const View& view, int max_nodes);

// The last element of a slash-separated path, as pprof's filepath.Base.
std::string Basename(const std::string& path);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_VIEW_H_
