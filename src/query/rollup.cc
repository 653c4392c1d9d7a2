#include "query/rollup.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "archive/layout.h"
#include "base/profile_types.h"
#include "pprof/interval.h"
#include "query/interval.h"

namespace cprof::query {
namespace {

using SeriesKey = std::pair<std::string, std::string>;  // (tkey, profile type)

SeriesKey KeyOf(const archive::Entry& e) {
  return {e.dir.filename().string(), e.sidecar.profile_type};
}

struct Tile {
  const archive::Entry* rollup;
  int64_t start_ms, end_ms;  // its span: [start, end)
};

int64_t SpanOf(const archive::Entry& e) {
  return e.sidecar.rollup->end_ms - e.sidecar.timestamp_ms;
}

// Per series, the window's tiles in time order: coarsest first, whole spans
// inside the window, none overlapping another, none stale; of two rollups
// of one span (one not yet superseded), the one covering more.
std::map<SeriesKey, std::vector<Tile>> ChooseTiles(const TiledWindow& w,
                                                   const std::set<std::string>& passed_over) {
  std::map<SeriesKey, std::vector<int64_t>> times;  // of the raw snapshots, sorted
  for (const archive::Entry& e : w.raw) times[KeyOf(e)].push_back(e.sidecar.timestamp_ms);
  std::vector<const archive::Entry*> candidates;
  for (const archive::Entry& e : w.rollups) {
    if (!e.sidecar.rollup || passed_over.count(e.sidecar.id)) continue;
    if (e.sidecar.timestamp_ms < w.from_ms || e.sidecar.rollup->end_ms - 1 > w.to_ms ||
        SpanOf(e) > w.max_tile_ms) {
      continue;
    }
    candidates.push_back(&e);
  }
  auto order = [](const archive::Entry* e) {
    return std::make_tuple(-SpanOf(*e), e->sidecar.timestamp_ms, -e->sidecar.rollup->entries,
                           std::string_view(e->sidecar.id));
  };
  std::sort(candidates.begin(), candidates.end(),
            [&](const archive::Entry* a, const archive::Entry* b) { return order(a) < order(b); });
  std::map<SeriesKey, std::map<int64_t, Tile>> chosen;  // by start
  for (const archive::Entry* e : candidates) {
    SeriesKey key = KeyOf(*e);
    const int64_t start = e->sidecar.timestamp_ms, end = e->sidecar.rollup->end_ms;
    std::map<int64_t, Tile>& tiles = chosen[key];
    auto next = tiles.lower_bound(start);
    if (next != tiles.end() && next->first < end) continue;
    if (next != tiles.begin() && std::prev(next)->second.end_ms > start) continue;
    const std::vector<int64_t>& t = times[key];
    auto n =
        std::lower_bound(t.begin(), t.end(), end) - std::lower_bound(t.begin(), t.end(), start);
    if (n > e->sidecar.rollup->entries) continue;  // stale: a snapshot came after it
    tiles.emplace(start, Tile{e, start, end});
  }
  std::map<SeriesKey, std::vector<Tile>> out;
  for (auto& [key, tiles] : chosen) {
    for (auto& [start, tile] : tiles) out[key].push_back(tile);
  }
  return out;
}

// Whether `t` falls in one of `tiles` (in time order).
bool Covered(const std::vector<Tile>& tiles, int64_t t) {
  auto it = std::upper_bound(tiles.begin(), tiles.end(), t,
                             [](int64_t v, const Tile& tile) { return v < tile.start_ms; });
  return it != tiles.begin() && t < std::prev(it)->end_ms;
}

const std::vector<Tile>* Find(const std::map<SeriesKey, std::vector<Tile>>& tiles,
                              const SeriesKey& key) {
  auto it = tiles.find(key);
  return it == tiles.end() ? nullptr : &it->second;
}

// InvalidArgument when `inputs` is over the window's cap.
Status CheckInputs(const TiledWindow& w, size_t inputs) {
  if (w.max_inputs == 0 || inputs <= w.max_inputs) return Status::OK();
  return Status::InvalidArgument("the window takes " + std::to_string(inputs) +
                                 " profiles to merge (rollups, raw snapshots or intervals); at "
                                 "most " +
                                 std::to_string(w.max_inputs) +
                                 " are merged per request: narrow the time range or the labels");
}

Result<pprof::OwnedProfile> MergeMerged(const TiledWindow& w,
                                        const std::map<SeriesKey, std::vector<Tile>>& tiles,
                                        TiledStats* stats, const Progress& progress) {
  std::vector<fs::path> paths;
  std::set<SeriesKey> series;
  for (const auto& [key, ts] : tiles) {
    series.insert(key);
    for (const Tile& t : ts) paths.push_back(t.rollup->ProfilePath());
  }
  for (const archive::Entry& e : w.raw) {
    SeriesKey key = KeyOf(e);
    const std::vector<Tile>* ts = Find(tiles, key);
    if (ts != nullptr && Covered(*ts, e.sidecar.timestamp_ms)) continue;
    paths.push_back(e.ProfilePath());
    series.insert(std::move(key));
    ++stats->raw;
  }
  stats->series = series.size();
  stats->covered += stats->raw;
  stats->decoded = paths.size();
  if (paths.empty()) return Status::NotFound("no profile in the window");
  CPROF_RETURN_IF_ERROR(CheckInputs(w, paths.size()));
  if (w.check) {
    for (const fs::path& path : paths) CPROF_RETURN_IF_ERROR(w.check(path));
  }
  return MergeFiles(paths, progress);
}

// One piece of a series' window, in time order: a tile, or a stretch of
// raw snapshots between tiles (an index into the stretches).
struct Piece {
  const Tile* tile = nullptr;
  size_t stretch = 0;
};

// One input of the interval merge: a term of the raw stretches' plan, or a
// tile (its instantaneous types kept when it ends its series).
struct Input {
  std::optional<size_t> term;
  const Tile* tile = nullptr;
  bool keep_instantaneous = true;
};

using Tiles = std::map<SeriesKey, std::vector<Tile>>;

// The window's series by key: each raw snapshot's (in `full`, where
// `positions` places it) and, null, each that only tiles stand for.
std::map<SeriesKey, const Series*> SeriesByKey(
    const TiledWindow& w, const Tiles& tiles, const std::vector<Series>& full,
    const std::vector<std::pair<size_t, size_t>>& positions) {
  std::map<SeriesKey, const Series*> series;
  for (size_t i = 0; i < w.raw.size(); ++i) {
    series.emplace(KeyOf(w.raw[i]), &full[positions[i].first]);
  }
  for (const auto& [key, ts] : tiles) series.emplace(key, nullptr);
  return series;
}

// Each series cut into pieces, in time order: its tiles, and the stretches
// of raw snapshots between them (each a Series of its own, its interval
// starting where the series' did).
struct Pieces {
  std::vector<Series> stretches;
  std::vector<std::pair<std::string_view, std::vector<Piece>>> by_series;  // profile type, cut
};

// Series `s` (null when only tiles stand for it) cut at `ts` (null when it
// has none): appends its stretches to `stretches` and returns its pieces,
// counting its raw snapshots in `stats`.
std::vector<Piece> CutSeries(const Series* s, const std::vector<Tile>* ts,
                             std::vector<Series>& stretches, TiledStats& stats) {
  std::vector<Piece> cut;
  size_t next_tile = 0;
  auto tiles_before = [&](int64_t t) {
    while (ts != nullptr && next_tile < ts->size() && (*ts)[next_tile].end_ms <= t) {
      cut.push_back({&(*ts)[next_tile++], 0});
    }
  };
  for (size_t i = 0; s != nullptr && i < s->points.size(); ++i) {
    const SeriesPoint& point = s->points[i];
    tiles_before(point.timestamp_ms);
    if (ts != nullptr && next_tile < ts->size() &&
        (*ts)[next_tile].start_ms <= point.timestamp_ms) {
      continue;  // the tile stands for it
    }
    if (cut.empty() || cut.back().tile != nullptr) {
      Series& stretch = stretches.emplace_back();
      stretch.profile_type = s->profile_type;
      stretch.cumulative = s->cumulative;
      stretch.served_as_intervals = s->served_as_intervals;
      // The interval of its first snapshot starts where the series' did.
      if (i > 0) {
        stretch.before = s->points[i - 1];
      } else {
        stretch.before = s->before;
      }
      cut.push_back({nullptr, stretches.size() - 1});
    }
    stretches[cut.back().stretch].points.push_back(point);
    ++stats.raw;
  }
  tiles_before(std::numeric_limits<int64_t>::max());
  return cut;
}

// Every series of the window cut into pieces (CutSeries).
Pieces CutIntoPieces(const TiledWindow& w, const Tiles& tiles,
                     const std::map<SeriesKey, const Series*>& series, TiledStats& stats) {
  Pieces pieces;
  // Every stretch holds a snapshot: at most one a raw snapshot, so
  // reserving that many keeps them in place for the plan's pointers.
  pieces.stretches.reserve(w.raw.size());
  for (const auto& [key, s] : series) {
    pieces.by_series.emplace_back(key.second,
                                  CutSeries(s, Find(tiles, key), pieces.stretches, stats));
  }
  return pieces;
}

// The inputs of the interval merge, each with its series' profile type,
// and the plan of the raw stretches' terms.
struct TiledPlan {
  WindowPlan plan;
  std::vector<Input> inputs;
  std::vector<std::string_view> types;  // of each input
};

// PlanWindow over the pieces: each tile an input, each stretch's terms
// (AppendTerms) inputs; only a series' last piece keeps its instantaneous
// sample types.
TiledPlan PlanPieces(const Pieces& pieces) {
  TiledPlan p;
  for (const auto& [type, cut] : pieces.by_series) {
    for (size_t k = 0; k < cut.size(); ++k) {
      const bool ends_series = k + 1 == cut.size();
      if (cut[k].tile != nullptr) {
        p.inputs.push_back({std::nullopt, cut[k].tile, ends_series});
        p.types.push_back(type);
        continue;
      }
      const size_t first = p.plan.terms.size();
      AppendTerms(pieces.stretches[cut[k].stretch], &p.plan);
      for (size_t t = first; t < p.plan.terms.size(); ++t) {
        if (!ends_series) p.plan.terms[t].last = false;
        p.inputs.push_back({t, nullptr, true});
        p.types.push_back(type);
      }
    }
  }
  return p;
}

// A tile's profile, read after the window's check, without its
// instantaneous sample types unless it keeps them (pprof::Interval with
// no base, of the series' profile `type`).
Result<pprof::OwnedProfile> LoadTile(const TiledWindow& w, const Tile& tile, std::string_view type,
                                     bool keep_instantaneous, uint64_t* bytes_read) {
  if (w.check) CPROF_RETURN_IF_ERROR(w.check(tile.rollup->ProfilePath()));
  CPROF_ASSIGN_OR_RETURN(pprof::OwnedProfile profile,
                         ReadProfile(tile.rollup->ProfilePath(), bytes_read));
  if (keep_instantaneous) return profile;
  auto without = pprof::Interval(nullptr, *profile, type, /*keep_instantaneous=*/false);
  if (!without.ok()) return without.status().WithContext(tile.rollup->sidecar.id);
  return std::move(without->profile);
}

Result<pprof::OwnedProfile> MergeIntervals(const fs::path& root, const TiledWindow& w,
                                           const Tiles& tiles, archive::Reporter* reporter,
                                           TiledStats* stats, const Progress& progress) {
  std::vector<std::pair<size_t, size_t>> positions;
  const std::vector<Series> full = SeriesOf(root, w.raw, reporter, &positions);
  const std::map<SeriesKey, const Series*> series = SeriesByKey(w, tiles, full, positions);
  stats->series = series.size();
  const Pieces pieces = CutIntoPieces(w, tiles, series, *stats);
  stats->covered += stats->raw;
  TiledPlan p = PlanPieces(pieces);
  stats->baselines = p.plan.baselines;
  stats->resets = p.plan.resets;
  if (p.inputs.empty()) {
    return Status::NotFound(
        "no interval ends in the window: each snapshot in it is its target's baseline "
        "(the first, or the first after a gap)");
  }
  CPROF_RETURN_IF_ERROR(CheckInputs(w, p.inputs.size()));
  std::atomic<size_t> decoded = 0, stack_resets = 0;
  auto path_of = [&](const SeriesPoint& point) -> Result<fs::path> {
    CPROF_ASSIGN_OR_RETURN(fs::path path, ProfilePathOf(root, point));
    if (w.check) CPROF_RETURN_IF_ERROR(w.check(path));
    return path;
  };
  auto load = [&](size_t i, uint64_t* bytes_read) -> Result<pprof::OwnedProfile> {
    const Input& in = p.inputs[i];
    if (in.term) {
      size_t read = 0;
      bool reset = false;
      auto term = LoadTerm(p.plan.terms[*in.term], path_of, bytes_read, &read, &reset);
      decoded += read;
      if (reset) ++stack_resets;
      return term;
    }
    ++decoded;
    return LoadTile(w, *in.tile, p.types[i], in.keep_instantaneous, bytes_read);
  };
  auto name_of = [&](size_t i) {
    return p.inputs[i].term ? p.plan.terms[*p.inputs[i].term].end->id
                            : p.inputs[i].tile->rollup->sidecar.id;
  };
  auto merged = MergeLoaded(p.inputs.size(), load, name_of, progress);
  stats->decoded = decoded;
  stats->resets += stack_resets;
  return merged;
}

}  // namespace

bool HasRollups(const archive::RollupTier& tier, std::string_view profile_type) {
  const ProfileType* type = FindProfileType(profile_type);
  if (type == nullptr || !type->mergeable) return false;
  // Intervals of the cumulative sample types; merges of the others.
  return tier.intervals ? type->cumulative != Cumulative::kNone
                        : type->cumulative != Cumulative::kAll;
}

Result<std::vector<archive::Entry>> SelectRollups(const fs::path& root, const Selection& selection,
                                                  bool intervals, archive::Reporter* reporter) {
  std::vector<archive::Entry> out;
  for (const archive::RollupTier& tier : archive::kRollupTiers) {
    if (tier.intervals != intervals) continue;
    CPROF_ASSIGN_OR_RETURN(std::vector<archive::Entry> found,
                           Select(root, selection, reporter, tier.name));
    out.insert(out.end(), std::make_move_iterator(found.begin()),
               std::make_move_iterator(found.end()));
  }
  return out;
}

Result<TiledWindow> SelectTiledWindow(const fs::path& root, const Selection& selection,
                                      bool intervals, bool use_rollups,
                                      archive::Reporter* reporter) {
  TiledWindow window;
  window.from_ms = selection.from_ms;
  window.to_ms = selection.to_ms;
  window.intervals = intervals;
  CPROF_ASSIGN_OR_RETURN(window.raw, Select(root, selection, reporter));
  if (use_rollups) {
    CPROF_ASSIGN_OR_RETURN(window.rollups, SelectRollups(root, selection, intervals, reporter));
  }
  return window;
}

Result<pprof::OwnedProfile> MergeTiled(const fs::path& root, const TiledWindow& window,
                                       archive::Reporter* reporter, TiledStats* stats,
                                       const Progress& progress) {
  TiledStats unused;
  if (stats == nullptr) stats = &unused;
  // Rollups are derived: one that cannot be read or merged is reported and
  // passed over for the raw snapshots it stands for.
  std::set<std::string> passed_over;
  for (;;) {
    *stats = {};
    const auto tiles = ChooseTiles(window, passed_over);
    for (const auto& [key, ts] : tiles) {
      stats->tiles += ts.size();
      for (const Tile& t : ts)
        stats->covered += static_cast<size_t>(t.rollup->sidecar.rollup->entries);
    }
    auto merged = window.intervals ? MergeIntervals(root, window, tiles, reporter, stats, progress)
                                   : MergeMerged(window, tiles, stats, progress);
    if (merged.ok()) return merged;
    // Errors name the input: its path, or for an interval merge its ID.
    const std::string& reason = merged.status().message();
    bool named = false;
    for (const auto& [key, ts] : tiles) {
      for (const Tile& t : ts) {
        if (reason.find(t.rollup->ProfilePath().string()) == std::string::npos &&
            reason.find(t.rollup->sidecar.id) == std::string::npos) {
          continue;
        }
        named = true;
        passed_over.insert(t.rollup->sidecar.id);
        if (reporter != nullptr) reporter->Corrupt(t.rollup->ProfilePath(), merged.status());
      }
    }
    if (!named) return merged;
  }
}

}  // namespace cprof::query
