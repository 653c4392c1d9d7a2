// Rollups: one target's profiles of one type merged over an hour or a day
// (archive/layout.h kRollupTiers), so that a long window reads a few dozen
// profiles rather than tens of thousands. Derived data, like the index
// files: written by `cprofiler compact` and scrape passes (query/compact.h),
// kept as ordinary entries that go tool pprof reads, and never needed for
// an answer, only for its speed.
//
// A window [from, to] is tiled per series (one target's profiles of one
// type): each whole day inside it that has a daily rollup is read from it,
// each other whole hour from an hourly one, and raw snapshots for the rest
// (its edges, and spans without a rollup). A rollup counts only while the
// raw snapshots of its span are no more than it covered: a snapshot that
// arrived after it was written makes it stale, and the raw ones are read
// until compact rewrites it.
//
// Two kinds of tier, one for each way a window is merged:
//   merged     pprof's merge of the span's snapshots. The window's merge
//              is the merge of its tiles and raw edges: the same sums as
//              merging every raw snapshot.
//   intervals  the intervals that end in the span, summed (query/interval.h),
//              with the instantaneous sample types (inuse_*) at the span's
//              end. The window sums its tiles' intervals and the raw
//              edges' and takes the instantaneous types from its last
//              piece only: the same sums as the raw plan, whose intervals
//              telescope (b-a)+(c-b) = c-a, except where a stack went down
//              while no total did (pprof::Interval's reset), which the
//              finer pieces may see and the raw plan not.
//
// Thread-safe: reads files only.
#ifndef CPROF_QUERY_ROLLUP_H_
#define CPROF_QUERY_ROLLUP_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

#include "archive/scan.h"
#include "query/merge_files.h"
#include "query/select.h"

namespace cprof::query {

// Whether profiles of `profile_type` have rollups in `tier`: merged tiers
// for types with a sample type that is not cumulative (profile, heap,
// allocs, goroutine, fgprof), interval tiers for types with one that is
// (heap, allocs, mutex, block, threadcreate); never traces.
bool HasRollups(const archive::RollupTier& tier, std::string_view profile_type);

// The rollups of the tiers of one kind whose spans start in the selection's
// window and that match its sample type and labels. Unreadable ones go to
// `reporter`.
Result<std::vector<archive::Entry>> SelectRollups(const fs::path& root, const Selection& selection,
                                                  bool intervals, archive::Reporter* reporter);

struct TiledWindow {
  int64_t from_ms = 0, to_ms = 0;       // both included
  bool intervals = false;               // the kind: see above
  std::vector<archive::Entry> raw;      // the window's raw snapshots, in time order
  std::vector<archive::Entry> rollups;  // rollups of the kind's tiers, any order
  // max_tile_ms: tiles spanning more are not used (compact builds a day
  //   from hours, never from another day).
  int64_t max_tile_ms = std::numeric_limits<int64_t>::max();
  // max_inputs (0 = no cap): InvalidArgument, before anything is read,
  //   when the merge would read more profiles (tiles, raw snapshots or
  //   intervals) than this.
  size_t max_inputs = 0;
  // check (null): called with every file before it is read; its error
  //   stops the merge (serve: the file lies inside the archive).
  std::function<Status(const fs::path& path)> check;
};

// The window `selection` names, to be merged as its kind merges: its raw
// entries and, with `use_rollups`, the rollups of its kind that start in
// it. What merge, top, diff and serve's merges read alike. Unreadable
// sidecars go to `reporter`.
Result<TiledWindow> SelectTiledWindow(const fs::path& root, const Selection& selection,
                                      bool intervals, bool use_rollups,
                                      archive::Reporter* reporter);

struct TiledStats {
  size_t series = 0;
  size_t tiles = 0;      // rollups read
  size_t raw = 0;        // raw snapshots read or planned on
  size_t covered = 0;    // raw snapshots the window stands for: its tiles' and raw ones
  size_t decoded = 0;    // profiles read
  size_t baselines = 0;  // as in WindowPlan
  size_t resets = 0;     // as in WindowPlan, plus WindowStats' stack resets
};

// The window's profile, merged as its kind merges (see above). For the
// interval kind, the snapshots before raw stretches are looked up in the
// archive at `root`. Unreadable sidecars, and rollups that cannot be read
// or merged, go to `reporter` (may be null); such a rollup is passed over
// for the raw snapshots it stands for, and the answer stays the same.
// NotFound when nothing is left to merge (no term, no tile).
Result<pprof::OwnedProfile> MergeTiled(const fs::path& root, const TiledWindow& window,
                                       archive::Reporter* reporter, TiledStats* stats,
                                       const Progress& progress = nullptr);

}  // namespace cprof::query

#endif  // CPROF_QUERY_ROLLUP_H_
