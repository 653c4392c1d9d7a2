// The sandwich of one function: the callers of every call to it as an
// inverted flame tree and its callees as a flame tree, both rooted at the
// function, over the samples pprof's filters keep. Thread-safe: pure
// functions over a const Profile.
#ifndef CPROF_PPROF_SANDWICH_H_
#define CPROF_PPROF_SANDWICH_H_

#include <cstdint>
#include <string>

#include "pprof/codec.h"
#include "pprof/report.h"

namespace cprof::pprof {

// Each sample whose stack holds the function is split at the function's
// outermost frame (the one nearest the root), so a recursive function counts
// a sample once, as pprof's cum does:
//   callers: the root is the function; a child is the frame that called
//     it, its child that frame's caller, and so on up to the stack's root
//     (a node's self: the samples whose stack starts there);
//   callees: the root is the function; below it what it called, down to
//     the leaves, inner recursive frames included (as flame.cc's tree).
// Both roots' totals are the function's cum; the callees root's self is the
// samples the function's outermost frame ends.
struct Sandwich {
  std::string function;
  int64_t flat = 0;  // of samples whose leaf is the function, as pprof's top
  int64_t cum = 0;   // of samples with the function anywhere in the stack
  FlameNode callers, callees;
};

// The sandwich of the function named `function` (exactly as the top table
// names it; every node of that name), each tree of at most `max_nodes` nodes
// (the smallest folded into "…" as FlameTree folds them). A function no kept
// sample calls gives cum 0 and two roots without children. InvalidArgument
// as Top.
Result<Sandwich> SandwichOf(const Profile& profile, const ReportOptions& options,
                            const std::string& function, int max_nodes);

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_SANDWICH_H_
