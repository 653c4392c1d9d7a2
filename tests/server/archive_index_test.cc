#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <limits>
#include <set>
#include <thread>

#include "archive/layout.h"
#include "archive/writer.h"
#include "query/select.h"
#include "server/archive_index.h"
#include "server/index_query.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::server;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-22T23:59:58Z");

archive::Sidecar Meta(std::string app, std::string env, std::string type, int64_t ts) {
  archive::Sidecar s;
  s.profile_type = type;
  s.job = "job";
  s.host = app == "api" ? "h:1" : "h:2";
  s.app = std::move(app);
  s.labels = {{"env", std::move(env)}};
  s.timestamp_ms = ts;
  if (type == "heap") {
    s.sample_types = {{"heap_alloc_space", "alloc_space", "bytes", 10},
                      {"heap_inuse_space", "inuse_space", "bytes", ts % 1000}};
  } else if (type == "goroutine") {
    s.sample_types = {{"goroutine", "goroutine", "count", 7}};
  }
  return s;
}

// `days` days back from kT0, `per_day` heap entries a minute apart each, of
// apps "api" and "db".
void WriteHeapDays(const fs::path& root, int days, int per_day) {
  archive::ArchiveWriter w(root, {.durable = false});
  for (int d = 0; d < days; ++d) {
    for (int i = 0; i < per_day; ++i) {
      int64_t ts = kT0 - int64_t{d} * kMsPerDay - i * 60'000;
      REQUIRE(w.Stage("p" + std::to_string(d * 100'000 + i),
                      Meta(i % 3 ? "api" : "db", "dev", "heap", ts))
                  .ok());
    }
  }
  REQUIRE(w.Commit().failed.empty());
}

std::set<std::string> IndexIds(const ArchiveSnapshot& snap, const query::Selection& sel) {
  auto hits = Select(snap, sel);
  REQUIRE(hits.ok());
  std::set<std::string> ids;
  for (const MetaHit& h : *hits) ids.insert(h.dir->IdOf(*h.entry));
  return ids;
}

std::set<std::string> ScanIds(const fs::path& root, const query::Selection& sel) {
  auto entries = query::Select(root, sel, nullptr);
  REQUIRE(entries.ok());
  std::set<std::string> ids;
  for (const auto& e : *entries) ids.insert(e.sidecar.id);
  return ids;
}

class CountingReporter : public archive::Reporter {
 public:
  void Corrupt(const fs::path&, const Status&) override { ++count; }
  int count = 0;
};

}  // namespace

// What the index selects and finds, from a scan alike:
// tests/query/select_contract_test.cc runs each case on both.
TEST_CASE("The index lists the archive's sample types and label values", "[index]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  // Across a day boundary, two targets, three types.
  for (int i = 0; i < 6; ++i) {
    int64_t ts = kT0 + i * 900;
    REQUIRE(w.Write("h" + std::to_string(i), Meta("api", "dev", "heap", ts)).ok());
    REQUIRE(w.Write("g" + std::to_string(i), Meta("db", "prod", "goroutine", ts)).ok());
    REQUIRE(w.Write("t" + std::to_string(i), Meta("db", "prod", "trace", ts + 1)).ok());
  }
  ArchiveIndex index(dir.path(), nullptr);
  index.Refresh();
  auto snap = index.Snapshot();
  CHECK(snap->entry_count == 18);
  CHECK(snap->sample_types.at("heap") ==
        std::set<std::string>{"heap_alloc_space", "heap_inuse_space"});
  CHECK(snap->sample_types.at("trace") == std::set<std::string>{"trace"});
  CHECK(snap->label_values.at("_app") == std::set<std::string>{"api", "db"});
  CHECK(snap->label_values.at("env") == std::set<std::string>{"dev", "prod"});
  CHECK(snap->label_values.at("_host") == std::set<std::string>{"h:1", "h:2"});
}

TEST_CASE("Refresh follows new, removed and broken entries", "[index]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  CountingReporter reporter;
  ArchiveIndex index(dir.path(), &reporter);
  index.Refresh();
  CHECK(index.Snapshot()->entry_count == 0);

  auto a = w.Write("a", Meta("api", "dev", "heap", kT0));
  REQUIRE(a.ok());
  index.Refresh();
  auto before = index.Snapshot();
  CHECK(before->entry_count == 1);

  // Added to the same (still unsettled) directory within the same moment.
  auto b = w.Write("b", Meta("api", "dev", "heap", kT0 + 1));
  REQUIRE(b.ok());
  auto stats = index.Refresh();
  // The first entry was not read again; the new one came from the index
  // file the writer appended to.
  CHECK(stats.from_index == 1);
  CHECK(stats.sidecars_read == 0);
  CHECK(index.Snapshot()->entry_count == 2);
  CHECK(before->entry_count == 1);  // an old snapshot does not change

  // A new sidecar that does not parse is reported and left out.
  auto key = archive::ParseId(b->id);
  fs::path edir = dir.path() / archive::EntryDir(*key);
  archive::EntryKey junk = *key;
  junk.timestamp_ms += 1;
  junk.content_hash = "0123456789";
  auto write = [](const fs::path& p, const char* text) {
    FILE* f = fopen(p.c_str(), "w");
    REQUIRE(f != nullptr);
    fputs(text, f);
    fclose(f);
  };
  write(edir / archive::ProfileFileName(junk), "profile");
  write(edir / archive::SidecarFileName(junk), "{ not json");
  index.Refresh();
  CHECK(index.Snapshot()->entry_count == 2);
  CHECK(reporter.count == 1);

  // Removed (pruned): gone from the index, and not an error.
  fs::remove(edir / archive::SidecarFileName(junk));
  fs::remove(edir / archive::ProfileFileName(junk));
  for (const std::string& id : {a->id, b->id}) {
    auto k = archive::ParseId(id);
    fs::remove(edir / archive::SidecarFileName(*k));
    fs::remove(edir / archive::ProfileFileName(*k));
  }
  index.Refresh();
  CHECK(index.Snapshot()->entry_count == 0);
  CHECK(reporter.count == 1);
}

TEST_CASE("Refresh ignores symlinked target directories", "[index]") {
  testing::TempDir dir, outside;
  archive::ArchiveWriter w(outside.path());
  auto a = w.Write("a", Meta("api", "dev", "heap", kT0));
  REQUIRE(a.ok());
  auto key = archive::ParseId(a->id);
  fs::create_directories(dir.path() / archive::DayDir(DayOf(kT0)));
  fs::create_directory_symlink(outside.path() / archive::EntryDir(*key),
                               dir.path() / archive::EntryDir(*key));
  ArchiveIndex index(dir.path(), nullptr);
  index.Refresh();
  CHECK(index.Snapshot()->entry_count == 0);
}

TEST_CASE("A sidecar whose target fields do not hash to its directory is left out", "[index]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  auto a = w.Write("a", Meta("api", "dev", "heap", kT0));
  REQUIRE(a.ok());
  REQUIRE(w.Write("b", Meta("api", "dev", "heap", kT0 + 1)).ok());
  auto key = archive::ParseId(a->id);
  fs::path sidecar = dir.path() / archive::EntryDir(*key) / archive::SidecarFileName(*key);
  std::string text = *ReadFile(sidecar, 1 << 20);
  size_t at = text.find("\"env\": \"dev\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 12, "\"env\": \"prd\"");  // edited by hand
  { std::ofstream(sidecar) << text; }
  CountingReporter reporter;
  ArchiveIndex index(dir.path(), &reporter);
  index.Refresh();
  CHECK(index.Snapshot()->entry_count == 1);
  CHECK(reporter.count == 1);
}

// Interval values need each series' snapshot before a window: the index
// (serve) and the archive (query, merge, top) find the same one, across
// days, and so give the same DeltaValues and plans: the contract test
// tests/query/series_contract_test.cc runs each of its cases on both.

// The first read of an archive goes newest day first and publishes as it
// goes: whatever a waiting reader gets for a time range holds all of it.
TEST_CASE("A snapshot for a time range holds all of it while the archive loads", "[index]") {
  testing::TempDir dir;
  const int kDays = 40;
  WriteHeapDays(dir.path(), kDays, 30);
  ArchiveIndex index(dir.path(), nullptr, {.publish_every = std::chrono::milliseconds(0)});
  std::thread loader([&] { index.Refresh(); });
  int64_t last_loaded_from = std::numeric_limits<int64_t>::max();
  for (int d = 0; d < kDays; d += 3) {
    query::Selection sel;
    sel.sample_type = "heap_inuse_space";
    sel.from_ms = kT0 - int64_t{d} * kMsPerDay;
    sel.to_ms = kT0 + kMsPerDay;
    auto snap = index.LoadedSnapshot(std::chrono::seconds(30), sel.from_ms);
    REQUIRE(snap != nullptr);
    CHECK(snap->loaded_from_ms <= sel.from_ms);
    CHECK(snap->loaded_from_ms <= last_loaded_from);
    last_loaded_from = snap->loaded_from_ms;
    CHECK(IndexIds(*snap, sel) == ScanIds(dir.path(), sel));
  }
  loader.join();
  auto all = index.LoadedSnapshot(std::chrono::milliseconds(0));
  REQUIRE(all != nullptr);
  CHECK(all->loaded_from_ms == std::numeric_limits<int64_t>::min());
  CHECK(all->entry_count == kDays * 30);
}

// Over its memory budget, the index holds the newest days that fit, and a
// request over older days reads them for itself: the same answers.
TEST_CASE("The index holds the newest days its budget fits, and extends for older ones",
          "[index]") {
  testing::TempDir dir;
  WriteHeapDays(dir.path(), 10, 200);
  ArchiveIndex unlimited(dir.path(), nullptr);
  unlimited.Refresh();
  const auto whole = unlimited.Snapshot();
  size_t day_bytes = 0;  // the newest day's
  for (const auto& d : whole->dirs) {
    if (d->day == DayOf(kT0)) day_bytes += d->MemoryBytes();
  }
  REQUIRE(day_bytes > 200 * sizeof(IndexedEntry));

  // Room for three days and a half: three are held.
  ArchiveIndex index(dir.path(), nullptr, {.max_bytes = day_bytes * 7 / 2});
  index.Refresh();
  auto held = index.LoadedSnapshot(std::chrono::milliseconds(0), kT0 - 9 * kMsPerDay);
  REQUIRE(held != nullptr);  // the first read is over: what it holds is all it will
  CHECK(held->complete);
  CHECK(held->loaded_from_ms == DayStartMs(DayOf(kT0 - 2 * kMsPerDay)));
  CHECK(held->entry_count == 3 * 200);

  query::Selection sel;
  sel.sample_type = "heap_inuse_space";
  sel.to_ms = kT0;
  for (int back : {0, 2, 5}) {  // 5: three days read for the request
    sel.from_ms = kT0 - int64_t{back} * kMsPerDay - 3'600'000;
    auto extended = index.Extend(held, sel.from_ms);
    REQUIRE(extended.ok());
    CHECK(IndexIds(**extended, sel) == IndexIds(*whole, sel));
    CHECK(IndexIds(**extended, sel) == ScanIds(dir.path(), sel));
  }
  // Older days that alone take more than the budget: refused, not partial.
  sel.from_ms = kT0 - 9 * kMsPerDay;
  CHECK(index.Extend(held, sel.from_ms).status().code() == Status::Code::kResourceExhausted);
  ArchiveIndex small(dir.path(), nullptr, {.max_bytes = day_bytes * 3 / 2});
  small.Refresh();
  auto one_day = small.Snapshot();
  CHECK(one_day->entry_count == 200);
  auto refused = small.Extend(one_day, kT0 - 5 * kMsPerDay);
  CHECK(refused.status().code() == Status::Code::kResourceExhausted);
  auto fits = small.Extend(one_day, kT0 - 1 * kMsPerDay);
  REQUIRE(fits.ok());
  CHECK((*fits)->entry_count == 2 * 200);
}
