// pprof's -tagroot and -tagleaf (its driver's addLabelNodes): pseudo-frames
// for the values of label keys, added to every sample's stack, so that the
// reports (report.h) group the call graph by those values: one root frame
// per value with -tagroot, one leaf frame with -tagleaf. Thread-compatible:
// AddLabelNodes changes the profile it is given.
#ifndef CPROF_PPROF_LABEL_NODES_H_
#define CPROF_PPROF_LABEL_NODES_H_

#include <string>
#include <string_view>
#include <vector>

#include "pprof/codec.h"

namespace cprof::pprof {

// pprof's dropEmptyStrings(strings.Split(text, ",")): "endpoint,,user" is
// {"endpoint", "user"}; "" none.
std::vector<std::string> SplitLabelKeys(std::string_view text);

struct LabelNodesFound {
  bool root = false;  // some sample had a value of some root key
  bool leaf = false;  // the same of the leaf keys
};

// Adds to each sample of `profile` a frame per key of `root_keys` above its
// root (the first key outermost) and a frame per key of `leaf_keys` below
// its leaf (the last key innermost), as pprof's addLabelNodes does before
// it filters: each frame a location (address 0, no mapping) of a function
// whose name is the sample's values of the key joined by "," (string
// values first, then numeric ones scaled to their "minimum" unit as
// pprof's ScaledLabel prints them: "16kB", "42"; "" for a sample without
// the key, which the reports name "<unknown>") and whose file name is the
// key. One location and function per (name, key), with ids after the
// profile's largest. Returns which of the two lists matched any sample
// (pprof warns "TagRoot expression matched no samples" when one did not).
LabelNodesFound AddLabelNodes(Profile& profile, const std::vector<std::string>& root_keys,
                              const std::vector<std::string>& leaf_keys);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_LABEL_NODES_H_
