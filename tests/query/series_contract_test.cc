// The contract of query::SeriesEntries: every case runs on both readers of
// an archive, the CLI's scan (query::SeriesOf over query::Select) and
// serve's in-memory index (server::SeriesOf over server::Select), and
// checks the answer itself, not only that the two agree.
#include <catch2/catch.hpp>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "archive/layout.h"
#include "archive/writer.h"
#include "query/interval.h"
#include "query/select.h"
#include "server/archive_index.h"
#include "server/index_query.h"
#include "test_util.h"

using namespace cprof;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-22T23:59:58Z");
const int64_t kStep = 15 * 60'000;

enum class Reader { kScan, kIndex };

const char* NameOf(Reader r) { return r == Reader::kScan ? "scan" : "index"; }

archive::Sidecar Mutex(const std::string& app, int64_t ts, int64_t total,
                       const std::string& path = "/debug/pprof/mutex") {
  archive::Sidecar s;
  s.profile_type = "mutex";
  s.job = "job";
  s.app = app;
  s.host = app == "api" ? "h:1" : "h:2";
  s.labels = {{"env", "dev"}};
  s.timestamp_ms = ts;
  s.url = "http://" + s.host + path;
  s.sample_types = {{"mutex_contentions", "contentions", "count", total},
                    {"mutex_delay", "delay", "nanoseconds", total * 100}};
  return s;
}

archive::Sidecar Goroutine(const std::string& app, int64_t ts, int64_t total) {
  archive::Sidecar s = Mutex(app, ts, 0, "/debug/pprof/goroutine");
  s.profile_type = "goroutine";
  s.sample_types = {{"goroutine", "goroutine", "count", total}};
  return s;
}

query::Selection Select(std::string sample_type, int64_t from, int64_t to,
                        std::vector<std::string> matchers = {}) {
  query::Selection sel{std::move(sample_type), from, to, {}, false};
  for (const std::string& m : matchers) sel.matchers.push_back(*query::Matcher::Parse(m));
  return sel;
}

// The series of `sel` on `root`, as `reader` plans them.
std::vector<query::Series> SeriesFrom(Reader reader, const fs::path& root,
                                      const query::Selection& sel) {
  if (reader == Reader::kScan) {
    auto entries = query::Select(root, sel, nullptr);
    REQUIRE(entries.ok());
    std::vector<std::pair<size_t, size_t>> positions;
    auto series = query::SeriesOf(root, *entries, nullptr, &positions);
    REQUIRE(positions.size() == entries->size());
    return series;
  }
  server::ArchiveIndex index(root, nullptr);
  index.Refresh();
  auto snapshot = index.Snapshot();
  auto hits = server::Select(*snapshot, sel);
  REQUIRE(hits.ok());
  server::RefSeries out = server::SeriesOf(*snapshot, server::RefsOf(*hits));
  REQUIRE(out.position.size() == hits->size());
  return out.series;
}

std::vector<std::string> IdsOf(const query::Series& s) {
  std::vector<std::string> ids;
  for (const query::SeriesPoint& p : s.points) ids.push_back(p.id);
  return ids;
}

std::vector<std::optional<int64_t>> Deltas(const query::Series& s, size_t index) {
  std::vector<std::optional<int64_t>> out;
  for (size_t i = 0; i < s.points.size(); ++i) out.push_back(query::DeltaValue(s, i, index));
  return out;
}

}  // namespace

TEST_CASE("Series: predecessors, restarts and gaps, from the scan and from the index", "[series]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  // Snapshots every 15 minutes around midnight, a restart at i == 5,
  // another target's in between, and one snapshot after a 3-day gap.
  const int64_t totals[] = {10, 20, 35, 35, 50, 3, 9, 12};
  std::vector<std::string> api;
  for (int i = 0; i < 8; ++i) {
    auto s = w.Write("m" + std::to_string(i), Mutex("api", kT0 - 3 * kStep + i * kStep, totals[i]));
    REQUIRE(s.ok());
    api.push_back(s->id);
    REQUIRE(w.Write("o" + std::to_string(i), Mutex("db", kT0 - 3 * kStep + i * kStep + 1, i)).ok());
  }
  auto late = w.Write("late", Mutex("api", kT0 + 3 * kMsPerDay, 99));
  REQUIRE(late.ok());

  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    for (int first = 0; first < 8; ++first) {
      INFO("window from snapshot " << first);
      auto series = SeriesFrom(reader, dir.path(),
                               Select("mutex_delay", kT0 - 3 * kStep + first * kStep,
                                      kT0 + 4 * kMsPerDay, {"_app=api"}));
      REQUIRE(series.size() == 1);
      const query::Series& s = series[0];
      CHECK(s.profile_type == "mutex");
      CHECK(s.cumulative == std::vector<bool>{true, true});
      CHECK_FALSE(s.served_as_intervals);
      REQUIRE(s.before.has_value() == (first > 0));
      if (first > 0) {
        CHECK(s.before->id == api[first - 1]);
        CHECK(s.before->totals == std::vector<int64_t>{totals[first - 1], totals[first - 1] * 100});
      }
      std::vector<std::string> want(api.begin() + first, api.end());
      want.push_back(late->id);
      CHECK(IdsOf(s) == want);
      // The late snapshot is a baseline: more than 48 hours after the one before.
      CHECK_FALSE(query::DeltaValue(s, s.points.size() - 1, 0).has_value());
      auto plan = query::PlanWindow(series);
      CHECK(plan.resets == (first <= 5 ? 1u : 0u));
      CHECK(plan.baselines == (first == 0 ? 2u : 1u));
      // Terms: from the snapshot before the window (or the first, a
      // baseline) to the last before the restart, then the stretch after
      // it; the late baseline ends none.
      std::vector<std::pair<std::string, std::string>> terms, want_terms;
      for (const query::IntervalTerm& t : plan.terms) {
        terms.emplace_back(t.base ? t.base->id : "", t.end->id);
      }
      if (first <= 4) want_terms.emplace_back(api[std::max(first - 1, 0)], api[4]);
      if (first <= 5) {
        want_terms.emplace_back("", api[7]);
      } else {
        want_terms.emplace_back(api[first - 1], api[7]);
      }
      CHECK(terms == want_terms);
    }
    auto all = SeriesFrom(reader, dir.path(),
                          Select("mutex_contentions", 0, kT0 + kMsPerDay, {"_app=api"}));
    REQUIRE(all.size() == 1);
    CHECK(Deltas(all[0], 0) ==
          std::vector<std::optional<int64_t>>{std::nullopt, 10, 15, 0, 15, 3, 6, 3});
  }
}

TEST_CASE("Series: one per target and profile type, in order of their first snapshot", "[series]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  REQUIRE(w.Write("g1", Goroutine("db", kT0, 5)).ok());
  REQUIRE(w.Write("m1", Mutex("api", kT0 + 1, 1)).ok());
  REQUIRE(w.Write("g2", Goroutine("api", kT0 + 2, 6)).ok());
  REQUIRE(w.Write("m2", Mutex("db", kT0 + 3, 2)).ok());
  REQUIRE(w.Write("m3", Mutex("api", kT0 + 4, 3)).ok());
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    auto series = SeriesFrom(reader, dir.path(), Select("", 0, kT0 + kMsPerDay));
    REQUIRE(series.size() == 4);
    CHECK(series[0].profile_type == "goroutine");
    CHECK(series[0].cumulative == std::vector<bool>{false});
    CHECK(series[1].profile_type == "mutex");
    CHECK(series[1].points.size() == 2);  // api's m1 and m3
    CHECK(series[1].points[1].timestamp_ms == kT0 + 4);
    CHECK(series[2].profile_type == "goroutine");
    CHECK(series[3].profile_type == "mutex");
    CHECK_FALSE(series[3].before.has_value());
    // No interval to plan for goroutines: their predecessor is not looked up.
    CHECK_FALSE(query::NeedsIntervals(series[0]));
  }
}

TEST_CASE("Series: snapshots of one millisecond follow each other by ID", "[series]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  auto first = w.Write("first", Mutex("api", kT0 - 60'000, 1));
  auto a = w.Write("tie-a", Mutex("api", kT0, 2));
  auto b = w.Write("tie-b", Mutex("api", kT0, 3));
  REQUIRE((first.ok() && a.ok() && b.ok()));
  const std::string low = std::min(a->id, b->id), high = std::max(a->id, b->id);
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    auto series = SeriesFrom(reader, dir.path(), Select("mutex_delay", kT0, kT0));
    REQUIRE(series.size() == 1);
    REQUIRE(series[0].before.has_value());
    CHECK(series[0].before->id == first->id);
    CHECK(IdsOf(series[0]) == std::vector<std::string>{low, high});
    // (a, 2, before b, 3: one each; b before a: b's 2, then a restart.)
    const int64_t each = low == a->id ? 1 : 2;
    CHECK(Deltas(series[0], 0) == std::vector<std::optional<int64_t>>{each, each});
  }
}

TEST_CASE("Series: a profile served as intervals is its own interval, with no predecessor",
          "[series]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(w.Write("d" + std::to_string(i),
                    Mutex("api", kT0 + i * kStep, 10 - i, "/debug/pprof/delta_mutex"))
                .ok());
  }
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    auto series =
        SeriesFrom(reader, dir.path(), Select("mutex_contentions", kT0 + kStep, kT0 + kMsPerDay));
    REQUIRE(series.size() == 1);
    CHECK(series[0].served_as_intervals);
    CHECK_FALSE(series[0].before.has_value());
    CHECK(Deltas(series[0], 0) == std::vector<std::optional<int64_t>>{9, 8});
  }
}

TEST_CASE("Series: a damaged predecessor is passed over for the one before it", "[series]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  auto oldest = w.Write("a", Mutex("api", kT0 - 2 * kStep, 1));
  auto damaged = w.Write("b", Mutex("api", kT0 - kStep, 2));
  auto in_window = w.Write("c", Mutex("api", kT0, 4));
  REQUIRE((oldest.ok() && damaged.ok() && in_window.ok()));
  auto key = archive::ParseId(damaged->id);
  { std::ofstream(dir.path() / archive::EntryDir(*key) / archive::SidecarFileName(*key)) << "{"; }
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    auto series = SeriesFrom(reader, dir.path(), Select("mutex_contentions", kT0, kT0));
    REQUIRE(series.size() == 1);
    REQUIRE(series[0].before.has_value());
    CHECK(series[0].before->id == oldest->id);
    CHECK(Deltas(series[0], 0) == std::vector<std::optional<int64_t>>{3});
  }
}

TEST_CASE("Series: a predecessor behind a symbolic link is not part of the archive", "[series]") {
  testing::TempDir dir, outside;
  archive::ArchiveWriter w(dir.path());
  // The day before's directory of the same target, moved out and linked back.
  auto yesterday = w.Write("y", Mutex("api", kT0 - kMsPerDay + 60'000, 1));
  auto today = w.Write("t", Mutex("api", kT0 + 60'000, 5));
  REQUIRE((yesterday.ok() && today.ok()));
  const fs::path linked = dir.path() / archive::EntryDir(*archive::ParseId(yesterday->id));
  fs::rename(linked, outside.path() / "moved");
  fs::create_directory_symlink(outside.path() / "moved", linked);
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    auto series = SeriesFrom(reader, dir.path(), Select("mutex_contentions", kT0, kT0 + kMsPerDay));
    REQUIRE(series.size() == 1);
    CHECK_FALSE(series[0].before.has_value());
    CHECK(Deltas(series[0], 0) == std::vector<std::optional<int64_t>>{std::nullopt});
  }
}
