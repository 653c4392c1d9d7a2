#include "query/interval.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "archive/layout.h"
#include "pprof/interval.h"

namespace cprof::query {

SeriesPoint PointOf(const archive::Entry& entry) {
  SeriesPoint point{entry.sidecar.id, entry.sidecar.timestamp_ms, {}};
  point.totals.reserve(entry.sidecar.sample_types.size());
  for (const archive::SampleTypeInfo& t : entry.sidecar.sample_types) {
    point.totals.push_back(t.total);
  }
  return point;
}

bool NeedsIntervals(const Series& series) {
  return !series.served_as_intervals &&
         std::find(series.cumulative.begin(), series.cumulative.end(), true) !=
             series.cumulative.end();
}

std::vector<Series> SeriesOf(const SeriesEntries& entries,
                             std::vector<std::pair<size_t, size_t>>* positions) {
  std::vector<Series> series;
  // (tkey, type) -> series
  std::map<std::pair<std::string_view, std::string_view>, size_t> index;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto [it, added] = index.try_emplace(entries.SeriesKeyOf(i), series.size());
    if (added) {
      Series& fresh = series.emplace_back(entries.SeriesStartedBy(i));
      if (NeedsIntervals(fresh)) fresh.before = entries.Previous(i);
    }
    Series& in = series[it->second];
    if (positions != nullptr) positions->emplace_back(it->second, in.points.size());
    in.points.push_back(entries.PointOf(i));
  }
  return series;
}

namespace {

// Archived entries, their predecessors read from the archive.
class ArchivedEntries : public SeriesEntries {
 public:
  ArchivedEntries(const fs::path& root, const std::vector<archive::Entry>& entries,
                  archive::Reporter* reporter)
      : root_(root), entries_(entries), reporter_(reporter) {
    tkeys_.reserve(entries.size());
    for (const archive::Entry& e : entries) tkeys_.push_back(e.dir.filename().string());
  }
  size_t size() const override { return entries_.size(); }
  std::pair<std::string_view, std::string_view> SeriesKeyOf(size_t i) const override {
    return {tkeys_[i], entries_[i].sidecar.profile_type};
  }
  Series SeriesStartedBy(size_t i) const override {
    const archive::Sidecar& s = entries_[i].sidecar;
    Series fresh;
    fresh.profile_type = s.profile_type;
    for (const archive::SampleTypeInfo& t : s.sample_types) {
      fresh.cumulative.push_back(pprof::IsCumulative(s.profile_type, t.type));
    }
    fresh.served_as_intervals = pprof::ServesIntervals(s.url);
    return fresh;
  }
  SeriesPoint PointOf(size_t i) const override { return query::PointOf(entries_[i]); }
  std::optional<SeriesPoint> Previous(size_t i) const override {
    const archive::Sidecar& s = entries_[i].sidecar;
    auto before = archive::Previous(root_, tkeys_[i], s.profile_type, s.timestamp_ms, s.id,
                                    s.timestamp_ms - kMaxIntervalMs, reporter_);
    if (!before) return std::nullopt;
    return query::PointOf(*before);
  }

 private:
  const fs::path& root_;
  const std::vector<archive::Entry>& entries_;
  archive::Reporter* const reporter_;
  std::vector<std::string> tkeys_;
};

}  // namespace

std::vector<Series> SeriesOf(const fs::path& root, const std::vector<archive::Entry>& entries,
                             archive::Reporter* reporter,
                             std::vector<std::pair<size_t, size_t>>* positions) {
  return SeriesOf(ArchivedEntries(root, entries, reporter), positions);
}

Link LinkOf(const SeriesPoint* previous, const SeriesPoint& point,
            const std::vector<bool>& cumulative) {
  if (previous == nullptr || point.timestamp_ms - previous->timestamp_ms > kMaxIntervalMs) {
    return Link::kBaseline;
  }
  return pprof::TotalsReset(previous->totals, point.totals, cumulative) ? Link::kReset
                                                                        : Link::kDelta;
}

std::optional<int64_t> DeltaValue(const Series& series, size_t i, size_t index) {
  const SeriesPoint& point = series.points[i];
  const SeriesPoint* previous = i > 0           ? &series.points[i - 1]
                                : series.before ? &*series.before
                                                : nullptr;
  if (index >= point.totals.size()) return std::nullopt;
  if (series.served_as_intervals) return point.totals[index];
  switch (LinkOf(previous, point, series.cumulative)) {
    case Link::kBaseline:
      return std::nullopt;
    case Link::kReset:
      return point.totals[index];
    case Link::kDelta:
      break;
  }
  if (index >= previous->totals.size()) return std::nullopt;
  return point.totals[index] - previous->totals[index];
}

namespace {

// Appends the terms of one series of cumulative snapshots.
void PlanSeries(const Series& s, WindowPlan* plan) {
  const SeriesPoint* previous = s.before ? &*s.before : nullptr;
  // The open stretch of consecutive intervals: from `base` (null after a
  // reset: its first snapshot counts whole) to `end`.
  std::optional<IntervalTerm> open;
  auto close = [&] {
    if (open) plan->terms.push_back(*open);
    open.reset();
  };
  for (const SeriesPoint& point : s.points) {
    switch (LinkOf(previous, point, s.cumulative)) {
      case Link::kDelta:
        if (!open) open = IntervalTerm{previous, &point, s.profile_type};
        open->end = &point;
        break;
      case Link::kReset:
        close();
        ++plan->resets;
        open = IntervalTerm{nullptr, &point, s.profile_type};
        break;
      case Link::kBaseline:
        close();
        ++plan->baselines;
        break;
    }
    previous = &point;
  }
  close();
}

}  // namespace

void AppendTerms(const Series& s, WindowPlan* plan) {
  const size_t first_term = plan->terms.size();
  if (s.served_as_intervals) {
    for (const SeriesPoint& point : s.points) {
      plan->terms.push_back(IntervalTerm{nullptr, &point, s.profile_type});
    }
  } else {
    PlanSeries(s, plan);
  }
  for (size_t i = first_term; i + 1 < plan->terms.size(); ++i) plan->terms[i].last = false;
}

WindowPlan PlanWindow(const std::vector<Series>& series) {
  WindowPlan plan;
  for (const Series& s : series) AppendTerms(s, &plan);
  for (size_t i = 0; i < plan.terms.size(); ++i) {
    const IntervalTerm& t = plan.terms[i];
    int64_t start = (t.base != nullptr ? t.base : t.end)->timestamp_ms;
    plan.start_ms = i == 0 ? start : std::min(plan.start_ms, start);
    plan.end_ms = i == 0 ? t.end->timestamp_ms : std::max(plan.end_ms, t.end->timestamp_ms);
  }
  return plan;
}

Result<fs::path> ProfilePathOf(const fs::path& root, const SeriesPoint& point) {
  CPROF_ASSIGN_OR_RETURN(archive::EntryKey key, archive::ParseId(point.id));
  return root / archive::EntryDir(key) / archive::ProfileFileName(key);
}

Result<pprof::OwnedProfile> LoadTerm(const IntervalTerm& term, const PathOf& path_of,
                                     uint64_t* bytes_read, size_t* decoded, bool* stack_reset) {
  auto read = [&](const SeriesPoint& point) -> Result<pprof::OwnedProfile> {
    CPROF_ASSIGN_OR_RETURN(fs::path path, path_of(point));
    ++*decoded;
    return ReadProfile(path, bytes_read);
  };
  CPROF_ASSIGN_OR_RETURN(pprof::OwnedProfile end, read(*term.end));
  if (term.base == nullptr && term.last) return end;  // as it is
  std::optional<pprof::OwnedProfile> base;
  if (term.base != nullptr) {
    CPROF_ASSIGN_OR_RETURN(base, read(*term.base));
  }
  auto interval = pprof::Interval(base ? &**base : nullptr, *end, term.profile_type, term.last);
  if (!interval.ok()) return interval.status().WithContext(term.end->id);
  *stack_reset = interval->reset;
  return std::move(interval->profile);
}

Result<pprof::OwnedProfile> MergeWindow(const WindowPlan& plan, const PathOf& path_of,
                                        WindowStats* stats, const Progress& progress) {
  if (plan.terms.empty()) {
    return Status::NotFound(
        "no interval ends in the window: each snapshot in it is its target's baseline "
        "(the first, or the first after a gap)");
  }
  std::atomic<size_t> decoded = 0, stack_resets = 0;
  auto load = [&](size_t i, uint64_t* bytes_read) -> Result<pprof::OwnedProfile> {
    size_t read = 0;
    bool reset = false;
    auto term = LoadTerm(plan.terms[i], path_of, bytes_read, &read, &reset);
    decoded += read;
    if (reset) ++stack_resets;
    return term;
  };
  auto name_of = [&](size_t i) { return plan.terms[i].end->id; };
  auto merged = MergeLoaded(plan.terms.size(), load, name_of, progress);
  if (stats != nullptr) {
    stats->decoded = decoded;
    stats->stack_resets = stack_resets;
  }
  return merged;
}

}  // namespace cprof::query
