// Interval values over time for cumulative profile types (pprof/interval.h):
// which snapshot each interval starts from, and the profile of a window.
//
// A series is one target's snapshots of one profile type: the entries of
// one <tkey> directory (same job, app, host, labels and expiration) across
// days, in time order. In a series, each snapshot's interval starts at the
// one before it, unless
//   - there is none within kMaxIntervalMs: the snapshot is a baseline (the
//     target's first, or the first after a long gap) and has no interval;
//   - a cumulative total went down (read from the sidecars): the process
//     restarted, and the interval is the snapshot itself.
//
// A window's profile is the sum over its series of the intervals that end
// inside it. Per series that is last - first (the snapshot before the
// window, or the window's own first when that is a baseline), plus the last
// snapshot of every stretch after a reset: two decodes per series without
// a reset, however many snapshots the window holds.
//
// Thread-safe: pure functions, and MergeWindow reads files only.
#ifndef CPROF_QUERY_INTERVAL_H_
#define CPROF_QUERY_INTERVAL_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "archive/scan.h"
#include "base/fs.h"
#include "pprof/codec.h"
#include "query/merge_files.h"

namespace cprof::query {

// An interval spans at most this long: a snapshot whose predecessor is
// older is a baseline.
inline constexpr int64_t kMaxIntervalMs = 48LL * 3600 * 1000;

// The oldest time a window from `from_ms` on may take a predecessor from.
inline constexpr int64_t LookbackFrom(int64_t from_ms) {
  return from_ms < std::numeric_limits<int64_t>::min() + kMaxIntervalMs
             ? std::numeric_limits<int64_t>::min()
             : from_ms - kMaxIntervalMs;
}

// One snapshot, as much as planning needs.
struct SeriesPoint {
  std::string id;  // names the profile file too (ProfilePathOf)
  int64_t timestamp_ms = 0;
  std::vector<int64_t> totals;  // its sidecar's totals, in sample type order
};

// One series' snapshots in a window, and the one before the window.
struct Series {
  std::string profile_type;
  std::vector<bool> cumulative;  // by sample type, as pprof::IsCumulative
  // Each snapshot is an interval already (pprof::ServesIntervals): its own
  // interval value, never differenced.
  bool served_as_intervals = false;
  std::optional<SeriesPoint> before;
  std::vector<SeriesPoint> points;  // oldest first
};

// Whether `series` has intervals to compute: a cumulative sample type, not
// served as intervals. (Its snapshot before the window is looked up only
// then.)
bool NeedsIntervals(const Series& series);

// A snapshot of an archived entry.
SeriesPoint PointOf(const archive::Entry& entry);

// A selection's entries, in time order, as series planning reads them,
// however a reader holds them: the CLI's scan of the archive (SeriesOf
// below) or serve's in-memory index (server/archive_index.h). Both answer
// tests/query/series_contract_test.cc's cases alike.
class SeriesEntries {
 public:
  virtual ~SeriesEntries() = default;
  virtual size_t size() const = 0;
  // Entry i's series: its <tkey> directory's name and its profile type.
  virtual std::pair<std::string_view, std::string_view> SeriesKeyOf(size_t i) const = 0;
  // The series entry i is the first of: its profile type, cumulative and
  // served_as_intervals; no points, no `before`.
  virtual Series SeriesStartedBy(size_t i) const = 0;
  virtual SeriesPoint PointOf(size_t i) const = 0;
  // The snapshot before entry i in its series (same <tkey> directory and
  // profile type, with sample types), no more than kMaxIntervalMs older;
  // nullopt if none.
  virtual std::optional<SeriesPoint> Previous(size_t i) const = 0;
};

// The series of `entries`, in order of their first snapshot, each with
// the snapshot before its first when it NeedsIntervals. `positions`, when
// given, gets where each entry went: (series, point).
std::vector<Series> SeriesOf(const SeriesEntries& entries,
                             std::vector<std::pair<size_t, size_t>>* positions = nullptr);

// SeriesOf over archived `entries` (a selection's, in time order), each
// series' snapshot before the window looked up in the archive at `root`.
// Unreadable sidecars go to `reporter` (may be null).
std::vector<Series> SeriesOf(const fs::path& root, const std::vector<archive::Entry>& entries,
                             archive::Reporter* reporter,
                             std::vector<std::pair<size_t, size_t>>* positions = nullptr);

// How a snapshot relates to the one before it.
enum class Link {
  kBaseline,  // none within kMaxIntervalMs: no interval ends here
  kReset,     // a cumulative total went down: the interval is the snapshot
  kDelta,     // the interval is this one minus `previous`
};
Link LinkOf(const SeriesPoint* previous, const SeriesPoint& point,
            const std::vector<bool>& cumulative);

// The interval value of points[i] for sample type `index`: its total minus
// the previous one's, its total after a reset, nullopt for a baseline.
std::optional<int64_t> DeltaValue(const Series& series, size_t i, size_t index);

// One term of a window: the interval from `base` to `end`, or `end` whole
// when `base` is null (the stretch began with a reset).
struct IntervalTerm {
  const SeriesPoint* base = nullptr;
  const SeriesPoint* end = nullptr;
  std::string_view profile_type;  // the series'
  // The series' last term: it alone carries the instantaneous sample types
  // (inuse_*), so that a window counts each target's once, at its end.
  bool last = true;
};

struct WindowPlan {
  std::vector<IntervalTerm> terms;  // pointers into the planned series
  size_t baselines = 0;             // snapshots in the window that have no interval
  size_t resets = 0;                // snapshots in the window that follow a restart
  // The time the terms span (ms): from the earliest base (or end, after a
  // restart) to the latest end; 0 when there is no term.
  int64_t start_ms = 0, end_ms = 0;
};

// The terms whose sum is the window's profile; `series` must outlive it.
WindowPlan PlanWindow(const std::vector<Series>& series);

// Appends the terms of one series to `plan` (as PlanWindow does, less the
// plan's start and end); `series` must outlive the plan.
void AppendTerms(const Series& series, WindowPlan* plan);

struct WindowStats {
  size_t decoded = 0;  // profiles read
  // Terms whose stacks went down though no total did: a restart the
  // sidecars did not show; each counts as its end whole.
  size_t stack_resets = 0;
};

// The profile file of `point` in the archive at `root`. InvalidArgument for
// an id that does not parse.
Result<fs::path> ProfilePathOf(const fs::path& root, const SeriesPoint& point);

// Where to read a point's profile: ProfilePathOf, or that checked further.
using PathOf = std::function<Result<fs::path>(const SeriesPoint& point)>;

// One term computed (pprof::Interval) from the files `path_of` names. Adds
// the profiles it read to *decoded; sets *stack_reset (see WindowStats).
Result<pprof::OwnedProfile> LoadTerm(const IntervalTerm& term, const PathOf& path_of,
                                     uint64_t* bytes_read, size_t* decoded, bool* stack_reset);

// The plan's terms computed (LoadTerm) and merged as pprof merges. NotFound when the plan has no
// term (every snapshot a baseline).
Result<pprof::OwnedProfile> MergeWindow(const WindowPlan& plan, const PathOf& path_of,
                                        WindowStats* stats, const Progress& progress = nullptr);

}  // namespace cprof::query

#endif  // CPROF_QUERY_INTERVAL_H_
