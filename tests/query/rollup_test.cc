#include <catch2/catch.hpp>

#include <fstream>

#include "archive/prune.h"
#include "archive/scan.h"
#include "archive/writer.h"
#include "pprof/profile_builder.h"
#include "pprof/summary.h"
#include "query/compact.h"
#include "query/rollup.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::query;
using cprof::testing::ProfileBuilder;
using cprof::testing::TempDir;

namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
const int64_t kDay0 = *ParseTimeArg("2026-11-02T00:00:00Z", 0);

// Snapshot i of a target's profile of `type` (one every 10 minutes):
// cumulative values that grow (from zero again after a restart at
// `restart_at`), instantaneous ones that come and go, CPU profiles of
// their own 10 s.
pprof::Profile Snapshot(const std::string& type, int64_t i, int64_t restart_at) {
  const int64_t n = i >= restart_at ? i - restart_at + 1 : i + 1;
  const int64_t time_ns = (kDay0 + i * 10 * kMin) * 1'000'000;
  if (type == "profile") {
    return ProfileBuilder({{"samples", "count"}, {"cpu", "nanoseconds"}})
        .Header(time_ns, 10'000'000'000, 10'000'000)
        .Sample({"work", "main"}, {i % 4 + 1, (i % 4 + 1) * 10'000'000})
        .Sample({"f" + std::to_string(i % 3), "main"}, {2, 20'000'000},
                {{"route", i % 2 ? "/a" : "/b"}})
        .Build();
  }
  if (type == "mutex") {
    ProfileBuilder b({{"contentions", "count"}, {"delay", "nanoseconds"}});
    b.Header(time_ns, 0, 1).Sample({"lock", "main"}, {n * 3, n * 3000});
    if (n > 5) b.Sample({"lock2", "serve"}, {n - 5, (n - 5) * 70});
    return b.Build();
  }
  ProfileBuilder b({{"alloc_objects", "count"},
                    {"alloc_space", "bytes"},
                    {"inuse_objects", "count"},
                    {"inuse_space", "bytes"}});
  b.Header(time_ns, 0, 524288).Sample({"alloc", "main"}, {n * 2, n * 2048, i % 5, i % 5 * 1024});
  b.Sample({"buffer", "main"}, {n, n * 64, i % 7 == 3 ? 0 : 1, i % 7 == 3 ? 0 : 64});
  return b.Build();
}

// Writes `count` snapshots of each type for one target, from kDay0.
void WriteSeries(const fs::path& root, const std::string& app, int64_t count, int64_t restart_at) {
  archive::ArchiveWriter writer(root, {.durable = false});
  for (const std::string type : {"profile", "mutex", "heap"}) {
    for (int64_t i = 0; i < count; ++i) {
      pprof::Profile p = Snapshot(type, i, restart_at);
      archive::Sidecar s;
      s.profile_type = type;
      s.job = "j";
      s.app = app;
      s.host = "10.0.0.1:6060";
      s.url = "http://10.0.0.1:6060/debug/pprof/" + type;
      s.timestamp_ms = kDay0 + i * 10 * kMin;
      s.duration_ns = p.duration_nanos();
      for (auto& t : pprof::Summarize(p, type).sample_types) {
        s.sample_types.push_back({t.name, t.type, t.unit, t.total});
      }
      REQUIRE(writer.Stage(pprof::EncodeProfile(p), s).ok());
    }
  }
  REQUIRE(writer.Commit().failed.empty());
}

// A profile as comparable values: each sample's stack (function names) and
// labels to its values, zero samples left out; and the header.
std::map<std::string, std::vector<int64_t>> Canonical(const pprof::Profile& p) {
  std::map<uint64_t, std::string> function_names, locations;
  for (const auto& f : p.function()) function_names[f.id()] = p.string_table(f.name());
  for (const auto& l : p.location()) {
    std::string& name = locations[l.id()];
    for (const auto& line : l.line()) name += function_names[line.function_id()] + "+";
  }
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& s : p.sample()) {
    if (std::all_of(s.value().begin(), s.value().end(), [](int64_t v) { return v == 0; })) continue;
    std::string key;
    for (uint64_t id : s.location_id()) key += locations[id] + ";";
    for (const auto& l : s.label())
      key += " " + p.string_table(l.key()) + "=" + p.string_table(l.str());
    std::vector<int64_t>& values = out[key];
    values.resize(s.value_size());
    for (int i = 0; i < s.value_size(); ++i) values[i] += s.value(i);
  }
  out["(header)"] = {p.time_nanos(), p.duration_nanos(), p.period()};
  return out;
}

struct Merged {
  std::map<std::string, std::vector<int64_t>> values;
  TiledStats stats;
};

Merged MergeOf(const fs::path& root, const std::string& sample_type, int64_t from, int64_t to,
               bool intervals, bool use_rollups) {
  Selection sel{sample_type, from, to, {}, false};
  TiledWindow w;
  w.from_ms = from;
  w.to_ms = to;
  w.intervals = intervals;
  w.raw = *Select(root, sel, nullptr);
  if (use_rollups) w.rollups = *SelectRollups(root, sel, intervals, nullptr);
  Merged out;
  auto merged = MergeTiled(root, w, nullptr, &out.stats);
  REQUIRE(merged.ok());
  out.values = Canonical(**merged);
  return out;
}

CompactStats CompactAll(const fs::path& root, int64_t now_ms) {
  CompactOptions options;
  options.now_ms = now_ms;
  options.durable = false;
  archive::LoggingReporter reporter;
  return Compact(
      root,
      [](const archive::Target&) {
    return RollupRetention{0, 0};
      },
      options, &reporter);
}

}  // namespace

TEST_CASE("A window from rollups equals the window from raw snapshots", "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  // Two days and five hours, every 10 minutes; the process restarts on
  // the third day, at 00:20.
  WriteSeries(dir.path(), "a", (2 * kDay + 5 * kHour) / (10 * kMin), 290);
  CompactStats compacted = CompactAll(dir.path(), kDay0 + 3 * kDay);
  // 53 hours of 3 types: merged hourly for profile and heap, intervals for
  // mutex and heap; days likewise, for the two whole days.
  CHECK(compacted.written == 53 * 4 + 2 * 4);
  CHECK(compacted.failed == 0);

  struct Case {
    std::string sample_type;
    bool intervals;
  };
  for (const Case& c : {Case{"profile_cpu", false}, Case{"heap_inuse_space", false},
                        Case{"mutex_delay", true}, Case{"heap_alloc_space", true}}) {
    // Hours with raw edges on both sides; two whole days and hours of the
    // next, across the restart.
    for (auto [from, to] : {std::pair{kDay0 + 35 * kMin, kDay0 + kDay + 17 * kHour + 25 * kMin},
                            std::pair{kDay0, kDay0 + 2 * kDay + 5 * kHour}}) {
      INFO(c.sample_type << " from " << from << " to " << to);
      Merged raw = MergeOf(dir.path(), c.sample_type, from, to, c.intervals, false);
      Merged tiled = MergeOf(dir.path(), c.sample_type, from, to, c.intervals, true);
      if (c.intervals && to > kDay0 + 2 * kDay) {
        // After a restart the raw plan knows no start, and takes the last
        // snapshot's own duration (0); tiles add their intervals' lengths.
        raw.values["(header)"][1] = tiled.values["(header)"][1] = 0;
      }
      CHECK(raw.stats.tiles == 0);
      CHECK(tiled.stats.tiles > 0);
      CHECK(tiled.stats.decoded < raw.stats.raw);
      CHECK(tiled.stats.covered == raw.stats.covered);
      CHECK(tiled.values == raw.values);
    }
  }
}

TEST_CASE("A day's rollup is read where it fits, hours where it does not", "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  WriteSeries(dir.path(), "a", 2 * kDay / (10 * kMin), 1'000'000);
  CompactAll(dir.path(), kDay0 + 3 * kDay);
  // Day one whole (1 tile) and the first 4 hours of day two, plus the 2 raw
  // snapshots at 04:00 and 04:10.
  Merged m = MergeOf(dir.path(), "profile_cpu", kDay0 - kHour + 40 * kMin,
                     kDay0 + kDay + 4 * kHour + 10 * kMin, false, true);
  CHECK(m.stats.tiles == 1 + 4);
  CHECK(m.stats.raw == 2);
  CHECK(m.stats.covered == 144 + 24 + 2);
}

TEST_CASE("A snapshot that lands after its hour's rollup makes the rollup stale", "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  WriteSeries(dir.path(), "a", 12, 1'000'000);                           // two hours
  CHECK(CompactAll(dir.path(), kDay0 + 3 * kDay).written == 2 * 4 + 4);  // hours, the day
  // A late snapshot at 00:05.
  archive::ArchiveWriter writer(dir.path(), {.durable = false});
  pprof::Profile late = Snapshot("profile", 0, 1'000'000);
  archive::Sidecar s;
  s.profile_type = "profile";
  s.job = "j";
  s.app = "a";
  s.host = "10.0.0.1:6060";
  s.timestamp_ms = kDay0 + 5 * kMin;
  for (auto& t : pprof::Summarize(late, "profile").sample_types) {
    s.sample_types.push_back({t.name, t.type, t.unit, t.total});
  }
  REQUIRE(writer.Write(pprof::EncodeProfile(late), s).ok());

  const int64_t from = kDay0, to = kDay0 + 2 * kHour - 1;
  Merged raw = MergeOf(dir.path(), "profile_cpu", from, to, false, false);
  Merged stale = MergeOf(dir.path(), "profile_cpu", from, to, false, true);
  CHECK(stale.stats.tiles == 1);  // the second hour's only
  CHECK(stale.values == raw.values);
  CompactStats again = CompactAll(dir.path(), kDay0 + 3 * kDay);
  CHECK(again.written == 2);  // the hour and the day
  CHECK(again.replaced == 2);
  Merged fresh = MergeOf(dir.path(), "profile_cpu", from, to, false, true);
  CHECK(fresh.stats.tiles == 2);
  CHECK(fresh.stats.covered == 13);
  CHECK(fresh.values == raw.values);
}

TEST_CASE("Compaction keeps rollups only as long as the job says, and writes none for others",
          "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  WriteSeries(dir.path(), "a", 2 * kDay / (10 * kMin), 1'000'000);
  CompactOptions options;
  options.now_ms = kDay0 + 2 * kDay + kHour;
  options.durable = false;
  // Hourly rollups for a day, no daily ones.
  CompactStats s = Compact(
      dir.path(),
      [](const archive::Target&) {
    return RollupRetention{kDay, -1};
      },
      options, nullptr);
  CHECK(s.written == 23 * 4);  // day one's hours and day two's first have expired
  CompactStats none = Compact(
      dir.path(), [](const archive::Target&) { return RollupRetention{}; }, options, nullptr);
  CHECK(none.written == 0);
  auto found = archive::Scan(dir.path(), {.tier = "1h.merged"}, nullptr);
  REQUIRE(found.size() == 23 * 2);  // profile and heap
  CHECK(found[0].sidecar.expires_ms == found[0].sidecar.timestamp_ms + kDay);
  CHECK(found[0].sidecar.rollup->entries == 6);
  // A rollup resolves by its ID, as any entry.
  auto looked_up = archive::Lookup(dir.path(), found[0].sidecar.id);
  REQUIRE(looked_up.ok());
  CHECK(looked_up->sidecar == found[0].sidecar);
  CHECK(found[0].sidecar.id.rfind("1h.merged.", 0) == 0);
}

TEST_CASE("A rollup that cannot be read is passed over for its raw snapshots", "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  WriteSeries(dir.path(), "a", 24, 1'000'000);  // four hours
  CompactAll(dir.path(), kDay0 + 3 * kDay);
  auto hours =
      archive::Scan(dir.path(), {.tier = "1h.intervals", .profile_type = "mutex"}, nullptr);
  REQUIRE(hours.size() == 4);
  const int64_t from = kDay0 + 30 * kMin, to = kDay0 + 4 * kHour - 1;
  Merged raw = MergeOf(dir.path(), "mutex_delay", from, to, true, false);
  {
    std::ofstream cut(hours[2].ProfilePath(), std::ios::trunc);
    cut << "\x1f\x8b not a profile";
  }
  struct Counting : archive::Reporter {
    int count = 0;
    void Corrupt(const fs::path&, const Status&) override { ++count; }
  } reporter;
  Selection sel{"mutex_delay", from, to, {}, false};
  TiledWindow w{from, to, true, *Select(dir.path(), sel, nullptr),
                *SelectRollups(dir.path(), sel, true, nullptr)};
  TiledStats stats;
  auto merged = MergeTiled(dir.path(), w, &reporter, &stats);
  REQUIRE(merged.ok());
  CHECK(reporter.count == 1);
  CHECK(stats.tiles == 2);  // hours 1 and 3; hour 2 from its raw snapshots
  CHECK(Canonical(**merged) == raw.values);
}

TEST_CASE("Prune removes rollups by their own expiry, raw entries by theirs", "[rollup]") {
  TempDir dir;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  WriteSeries(dir.path(), "a", 12, 1'000'000);  // raw entries kept forever
  CompactOptions options;
  options.now_ms = kDay0 + 3 * kHour;
  options.durable = false;
  Compact(
      dir.path(),
      [](const archive::Target&) {
    return RollupRetention{kDay, 0};
      },
      options, nullptr);
  REQUIRE(archive::Scan(dir.path(), {.tier = "1h.merged"}, nullptr).size() == 2 * 2);
  archive::PruneStats pruned = archive::Prune(dir.path(), kDay0 + 2 * kDay, nullptr);
  CHECK(pruned.entries_removed == 2 * 4);  // the hours of both kinds
  CHECK(archive::Scan(dir.path(), {.tier = "1h.merged"}, nullptr).empty());
  CHECK(archive::Scan(dir.path(), {}, nullptr).size() == 3 * 12);
  CHECK(!fs::exists(dir.path() / "rollups/1h.merged/2026"));
}

TEST_CASE("Scrape passes compact once an hour has come due", "[rollup]") {
  TempDir dir;
  const int64_t t = kDay0 + 10 * kHour + 7 * kMin;  // 10:07: 09:00-10:00 due since 10:05
  CHECK(CompactionDue(dir.path(), t));              // never compacted
  MarkCompacted(dir.path(), t);
  CHECK(!CompactionDue(dir.path(), t + 50 * kMin));  // 10:57
  CHECK(CompactionDue(dir.path(), t + 58 * kMin));   // 11:05: 10:00-11:00 is due
  CHECK(CompactionDue(dir.path(), t - kMin));        // the clock went back
  std::ofstream(dir.path() / "rollups/COMPACTED") << "garbage";
  CHECK(CompactionDue(dir.path(), t));
}

TEST_CASE("Written elsewhere (a bucket's spool), a day is built from the hours written there",
          "[rollup]") {
  TempDir dir, spool;
  REQUIRE(archive::InitArchive(dir.path()).ok());
  REQUIRE(archive::InitArchive(spool.path()).ok());
  WriteSeries(dir.path(), "a", kDay / (10 * kMin), 1'000'000);
  CompactOptions options;
  options.now_ms = kDay0 + kDay + kHour;
  options.durable = false;
  options.write_root = spool.path();
  auto compact = [&](RollupRetention keep) {
    return Compact(
        dir.path(), [keep](const archive::Target&) { return keep; }, options, nullptr);
  };
  CompactStats hours = compact({0, -1});
  CHECK(hours.written == 24 * 4);
  CHECK(archive::Scan(dir.path(), {.tier = "1h.merged"}, nullptr).empty());
  CHECK(archive::Scan(spool.path(), {.tier = "1h.merged"}, nullptr).size() == 24 * 2);
  // The raw profiles unreadable: only the spool's hours can make the day.
  for (const archive::Entry& e : archive::Scan(dir.path(), {}, nullptr)) {
    REQUIRE(WriteFileAtomic(e.dir, e.sidecar.file, "not a profile", false).ok());
  }
  CompactStats days = compact({-1, 0});
  CHECK(days.failed == 0);
  CHECK(days.written == 4);  // profile, heap merged; mutex, heap intervals
  auto daily = archive::Scan(spool.path(), {.tier = "1d.merged"}, nullptr);
  REQUIRE(daily.size() == 2);
  CHECK(daily[0].sidecar.rollup->entries == 144);
}
