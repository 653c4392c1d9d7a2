// PGO export: a CPU profile cut down to what Go's compiler reads for
// profile-guided optimization (`go build -pgo=FILE`, Go 1.21 and later).
// Thread-safe: pure functions over their arguments.
//
// What the compiler reads (Go 1.23's cmd/internal/pgo FromPProf and
// internal/profile NewGraph): the first sample type that is samples/count
// or cpu/nanoseconds, and of each sample its two leaf-most locations, each
// location's lines (inlined frames, innermost first) with their function's
// name, start line and line number, and the location's address (which
// tells nodes apart). From those it weighs caller->callee edges, each named
// (caller, call site's line less the caller's start line, callee), and the
// total weight, whose cumulative share makes an edge hot.
//
// PgoProfile keeps exactly those: one sample type, locations with their
// address and lines, functions with name and start line, the header's
// period, time and duration. Labels, mappings, file names, system names,
// comments and the other sample types go; samples left with the same stack
// are summed, samples of zero weight dropped.
//
// With keep_locations N (Pyroscope's goPgo keepLocations and
// aggregateCallees), each stack keeps its N leaf-most locations; a
// location's address becomes its position in the stack (what still tells
// the compiler's nodes apart: frames are one node exactly when they were one
// location), and the leaf loses the line number of its innermost frame
// (only a caller's line names an edge): all samples of one callee called
// from one call site become one sample. The edges the compiler weighs, and
// so its hot call sites, are unchanged for N >= 2, since it reads two
// locations a sample.
#ifndef CPROF_PPROF_PGO_H_
#define CPROF_PPROF_PGO_H_

#include "base/status.h"
#include "pprof/codec.h"

namespace cprof::pprof {

struct PgoOptions {
  // keep_locations (0): 0 keeps whole stacks; N (at least
  //   kMinPgoKeepLocations) keeps each stack's N leaf-most locations and
  //   aggregates callees (see above).
  int keep_locations = 0;
};

// The compiler reads the caller and callee of each sample: fewer loses the
// call edges.
inline constexpr int kMinPgoKeepLocations = 2;

// The PGO profile of `profile` (validated, as DecodeProfile or a merge
// returns it), on its own arena. InvalidArgument when it has no
// samples/count or cpu/nanoseconds sample type (not a CPU profile), when no
// function has a start line (Go before 1.20 did not record it, and the
// compiler refuses such a profile), or when keep_locations is below
// kMinPgoKeepLocations and not 0.
Result<OwnedProfile> PgoProfile(const Profile& profile, const PgoOptions& options = {});

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_PGO_H_
