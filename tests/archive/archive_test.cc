#include <catch2/catch.hpp>
#include <fstream>

#include "archive/lock.h"
#include "archive/prune.h"
#include "archive/scan.h"
#include "archive/writer.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::archive;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-20T23:59:00Z");

Sidecar Meta(std::string app, std::string type, int64_t ts, int64_t expiration_ns = 0,
             Labels labels = {{"env", "dev"}}) {
  Sidecar s;
  s.profile_type = std::move(type);
  s.job = "job";
  s.app = std::move(app);
  s.host = "127.0.0.1:6060";
  s.labels = std::move(labels);
  s.timestamp_ms = ts;
  s.expiration_ns = expiration_ns;
  s.sample_types = {{s.profile_type, s.profile_type, "count", 1}};
  return s;
}

class CountingReporter : public Reporter {
 public:
  void Corrupt(const fs::path& path, const Status& status) override { paths.push_back(path); }
  std::vector<fs::path> paths;
};

}  // namespace

TEST_CASE("Write, scan, lookup", "[archive]") {
  testing::TempDir dir;
  REQUIRE(InitArchive(dir.path()).ok());
  ArchiveWriter writer(dir.path());
  std::string heap = testing::ReadTestData("heap.pb.gz");
  auto a = writer.Write(heap, Meta("api", "heap", kT0));
  auto b = writer.Write("other bytes", Meta("api", "goroutine", kT0 + 120'000));  // next day
  auto c = writer.Write("third", Meta("db", "heap", kT0 + 30'000, 0, {{"env", "prod"}}));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->sha256.substr(0, 10) == a->id.substr(a->id.size() - 10));
  CHECK(a->size == static_cast<int64_t>(heap.size()));

  // Writing the same scrape again is a no-op with the same ID.
  auto again = writer.Write(heap, Meta("api", "heap", kT0));
  REQUIRE(again.ok());
  CHECK(again->id == a->id);

  CountingReporter reporter;
  auto all = Scan(dir.path(), {}, &reporter);
  REQUIRE(all.size() == 3);
  CHECK(all[0].sidecar.id == a->id);
  CHECK(all[1].sidecar.id == c->id);
  CHECK(all[2].sidecar.id == b->id);
  CHECK(reporter.paths.empty());

  ScanOptions by_type;
  by_type.profile_type = "heap";
  CHECK(Scan(dir.path(), by_type, nullptr).size() == 2);

  ScanOptions by_time;
  by_time.from_ms = kT0 + 1;
  by_time.to_ms = kT0 + 30'000;
  auto in_range = Scan(dir.path(), by_time, nullptr);
  REQUIRE(in_range.size() == 1);
  CHECK(in_range[0].sidecar.app == "db");

  ScanOptions by_label;
  by_label.keep = [](const Sidecar& s) { return s.labels.at("env") == "prod"; };
  auto prod = Scan(dir.path(), by_label, nullptr);
  REQUIRE(prod.size() == 1);
  CHECK(prod[0].sidecar.id == c->id);

  auto found = Lookup(dir.path(), a->id);
  REQUIRE(found.ok());
  CHECK(found->sidecar == *a);
  CHECK(*ReadFile(found->ProfilePath(), 1 << 20) == heap);
  auto missing = Lookup(dir.path(), "20261122-0123456789abcdef-101500123-heap-0123456789");
  CHECK(missing.status().IsNotFound());
  CHECK(Lookup(dir.path(), "../etc").status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("Scans skip and report what they cannot read", "[archive]") {
  testing::TempDir dir;
  ArchiveWriter writer(dir.path());
  auto a = writer.Write("a", Meta("api", "heap", kT0));
  auto b = writer.Write("b", Meta("api", "heap", kT0 + 1000));
  auto c = writer.Write("c", Meta("api", "heap", kT0 + 2000));
  REQUIRE((a.ok() && b.ok() && c.ok()));
  // a: a corrupt sidecar; b: its profile removed by hand; c: fine.
  {
    std::ofstream(Lookup(dir.path(), a->id)->dir / (a->file.substr(0, 25) + ".json")) << "{\"trunc";
  }
  REQUIRE(RemoveFile(Lookup(dir.path(), b->id)->ProfilePath()).ok());
  // Temporary files and strangers are ignored.
  { std::ofstream(Lookup(dir.path(), c->id)->dir / ".tmp-x.json.1-2-3") << "{"; }
  { std::ofstream(Lookup(dir.path(), c->id)->dir / "notes.txt") << "hi"; }

  CountingReporter reporter;
  ScanOptions keep_all;
  keep_all.keep = [](const Sidecar&) { return true; };
  auto entries = Scan(dir.path(), keep_all, &reporter);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].sidecar.id == c->id);
  CHECK(reporter.paths.size() == 2);
}

TEST_CASE("Prune removes expired entries, stale files and empty directories", "[archive]") {
  testing::TempDir dir;
  REQUIRE(InitArchive(dir.path()).ok());
  ArchiveWriter writer(dir.path());
  const int64_t hour_ns = 3'600'000'000'000;
  const int64_t now = NowMs();
  auto old = writer.Write("old", Meta("api", "heap", kT0, hour_ns));                    // expired
  auto fresh = writer.Write("new", Meta("api", "heap", now - 60'000, 1000 * hour_ns));  // kept
  auto forever = writer.Write("keep", Meta("db", "heap", kT0, 0));                      // 0 = never
  REQUIRE((old.ok() && fresh.ok() && forever.ok()));
  fs::path fresh_dir = Lookup(dir.path(), fresh->id)->dir;
  // A temporary file and an orphan profile: kept while young (by ctime).
  { std::ofstream(fresh_dir / ".tmp-x") << "x"; }
  { std::ofstream(fresh_dir / "000000000-heap-0123456789.pb.gz") << "x"; }

  PruneStats stats = Prune(dir.path(), now, nullptr);
  CHECK(stats.entries_removed == 1);
  CHECK(stats.bytes_freed == 3);
  CHECK(stats.stale_files_removed == 0);
  CHECK(Lookup(dir.path(), old->id).status().IsNotFound());
  CHECK(Lookup(dir.path(), fresh->id).ok());
  CHECK(Lookup(dir.path(), forever->id).ok());
  CHECK(fs::exists(fresh_dir / ".tmp-x"));

  // A sidecar that lost its profile (power loss): kept while young.
  auto lost = writer.Write("lost", Meta("api", "goroutine", now - 1000, 1000 * hour_ns));
  REQUIRE(lost.ok());
  REQUIRE(RemoveFile(fresh_dir / lost->file).ok());
  CHECK(Prune(dir.path(), now, nullptr).stale_files_removed == 0);

  // An hour later they are stale; the live entries stay.
  stats = Prune(dir.path(), now + 2 * 3'600'000, nullptr);
  CHECK(stats.stale_files_removed == 3);
  CHECK(Lookup(dir.path(), lost->id).status().IsNotFound());
  CHECK(stats.entries_removed == 0);
  CHECK_FALSE(fs::exists(fresh_dir / ".tmp-x"));
  CHECK(Scan(dir.path(), {}, nullptr).size() == 2);

  // When nothing is left, no dated directory is left either.
  for (const auto& s : {*fresh, *forever}) {
    fs::path d = Lookup(dir.path(), s.id)->dir;
    REQUIRE(RemoveFile(d / s.file).ok());
    REQUIRE(RemoveFile(d / (s.file.substr(0, 25) + ".json")).ok());
  }
  Prune(dir.path(), now, nullptr);
  CHECK_FALSE(fs::exists(dir.path() / "2026"));
  CHECK(fs::exists(dir.path() / std::string(kMarkerFile)));
}

TEST_CASE("LatestByType reads names only", "[archive]") {
  testing::TempDir dir;
  ArchiveWriter writer(dir.path());
  REQUIRE(writer.Write("1", Meta("api", "heap", kT0)).ok());
  REQUIRE(writer.Write("2", Meta("api", "heap", kT0 + 5000)).ok());
  REQUIRE(writer.Write("3", Meta("api", "mutex", kT0 + 200'000)).ok());
  auto latest = LatestByType(
      dir.path(), TargetKey("job", "api", "127.0.0.1:6060", {{"env", "dev"}}, 0), kT0 - kMsPerDay);
  CHECK(latest.at("heap") == kT0 + 5000);
  CHECK(latest.at("mutex") == kT0 + 200'000);
  CHECK(latest.count("goroutine") == 0);
}

TEST_CASE("One writer lock per archive", "[archive]") {
  testing::TempDir dir;
  auto first = ArchiveLock::TryAcquire(dir.path());
  REQUIRE(first.ok());
  auto second = ArchiveLock::TryAcquire(dir.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Status::Code::kUnavailable);
  CHECK(second.status().message().find(std::to_string(::getpid())) != std::string::npos);
  { ArchiveLock released = std::move(*first); }
  CHECK(ArchiveLock::TryAcquire(dir.path()).ok());
}

TEST_CASE("A newer archive format is refused", "[archive]") {
  testing::TempDir dir;
  REQUIRE(InitArchive(dir.path()).ok());
  REQUIRE(InitArchive(dir.path()).ok());
  {
    std::ofstream(dir.path() / std::string(kMarkerFile)) << "cprofiler archive\nformat_version 9\n";
  }
  auto s = InitArchive(dir.path());
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("upgrade") != std::string::npos);
}

TEST_CASE("Staged entries appear together on Commit, as Write would write them", "[archive]") {
  // Durable or not (a benchmark's archive), the same files in the same order.
  const bool durable = GENERATE(true, false);
  INFO("durable " << durable);
  testing::TempDir dir, other;
  REQUIRE(InitArchive(dir.path()).ok());
  ArchiveWriter writer(dir.path(), {.durable = durable});
  auto a = writer.Stage("profile a", Meta("api", "heap", kT0));
  auto b = writer.Stage("profile b", Meta("db", "goroutine", kT0 + 120'000));
  auto dup = writer.Stage("profile a", Meta("api", "heap", kT0));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(dup.ok());
  CHECK(dup->id == a->id);
  CHECK(writer.staged() == 2);
  // Nothing is visible before the commit: only temporary files exist.
  CHECK(Scan(dir.path(), {}, nullptr).empty());
  CHECK(Lookup(dir.path(), a->id).status().IsNotFound());

  ArchiveWriter::CommitResult r = writer.Commit();
  CHECK(r.committed == 2);
  CHECK(r.failed.empty());
  CHECK(writer.staged() == 0);
  auto entries = Scan(dir.path(), {}, nullptr);
  REQUIRE(entries.size() == 2);
  auto found = Lookup(dir.path(), a->id);
  REQUIRE(found.ok());
  CHECK(found->sidecar == *a);
  CHECK(*ReadFile(found->ProfilePath(), 1 << 20) == "profile a");
  // No temporary file is left, and the files are those Write makes.
  ArchiveWriter(other.path()).Write("profile a", Meta("api", "heap", kT0)).value();
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    CHECK(e.path().filename().string().rfind(std::string(kTempPrefix), 0) != 0);
  }
  auto key = ParseId(a->id);
  CHECK(*ReadFile(dir.path() / EntryDir(*key) / SidecarFileName(*key), 1 << 20) ==
        *ReadFile(other.path() / EntryDir(*key) / SidecarFileName(*key), 1 << 20));

  // Staging an archived entry is a no-op; an empty commit does nothing.
  auto again = writer.Stage("profile a", Meta("api", "heap", kT0));
  REQUIRE(again.ok());
  CHECK(writer.staged() == 0);
  CHECK(writer.Commit().committed == 0);
}

TEST_CASE(
    "A writer that dies before Commit leaves nothing, and prune removes stale temporary files",
    "[archive]") {
  testing::TempDir dir;
  REQUIRE(InitArchive(dir.path()).ok());
  auto count_temps = [&] {
    size_t temps = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      if (e.path().filename().string().rfind(std::string(kTempPrefix), 0) == 0) ++temps;
    }
    return temps;
  };
  fs::path entry_dir;
  {
    ArchiveWriter writer(dir.path());
    auto staged = writer.Stage("lost", Meta("api", "heap", kT0));
    REQUIRE(staged.ok());
    entry_dir = dir.path() / EntryDir(*ParseId(staged->id));
  }  // no Commit: the staged entry was only in memory
  CountingReporter reporter;
  CHECK(Scan(dir.path(), {}, &reporter).empty());
  CHECK(reporter.paths.empty());
  CHECK_FALSE(fs::exists(entry_dir));
  CHECK(count_temps() == 0);
  // What a crash inside a commit leaves (temporary files not yet renamed),
  // prune removes once stale.
  REQUIRE(MakeDirs(entry_dir).ok());
  REQUIRE(WriteTempFile(entry_dir, "x.pb.gz", "lost", false).ok());
  REQUIRE(WriteTempFile(entry_dir, "x.json", "{}", false).ok());
  CHECK(count_temps() == 2);
  Prune(dir.path(), NowMs() + 2 * kStaleFileMs, nullptr);
  CHECK(count_temps() == 0);
}

TEST_CASE("A target directory that is a symbolic link is not part of the archive", "[archive]") {
  testing::TempDir dir, outside;
  ArchiveWriter writer(dir.path());
  auto kept = writer.Write("kept", Meta("api", "heap", kT0));
  auto linked = writer.Write("linked", Meta("db", "heap", kT0, 1));  // expires at once
  REQUIRE(kept.ok());
  REQUIRE(linked.ok());
  auto key = ParseId(linked->id);
  REQUIRE(key.ok());
  const fs::path entry_dir = dir.path() / EntryDir(*key);
  fs::rename(entry_dir, outside.path() / "moved");
  fs::create_directory_symlink(outside.path() / "moved", entry_dir);

  CountingReporter links;
  std::vector<std::string> seen;
  ForEachTargetDir(
      entry_dir.parent_path(),
      [&](const std::string& tkey, const fs::path&) { seen.push_back(tkey); }, &links);
  CHECK(seen == std::vector<std::string>{ParseId(kept->id)->target_key});
  REQUIRE(links.paths.size() == 1);
  CHECK(links.paths[0] == entry_dir);
  CHECK_FALSE(IsArchiveDir(dir.path(), EntryDir(*key)));
  CHECK(IsArchiveDir(dir.path(), EntryDir(*ParseId(kept->id))));

  CountingReporter reporter;
  auto all = Scan(dir.path(), {}, &reporter);
  REQUIRE(all.size() == 1);
  CHECK(all[0].sidecar.id == kept->id);
  CHECK(reporter.paths.empty());  // passed over, not damage
  CHECK(Lookup(dir.path(), linked->id).status().IsNotFound());
  CHECK(Lookup(dir.path(), kept->id).ok());
  CHECK(LatestByType(dir.path(), key->target_key, 0).empty());

  // Prune does not delete through it, though its entry has expired.
  Prune(dir.path(), kT0 + 3'600'000, nullptr);
  CHECK(fs::exists(outside.path() / "moved" / SidecarFileName(*key)));

  // The writer refuses to write through it, naming it.
  auto again = writer.Write("linked, again", Meta("db", "heap", kT0 + 1, 1));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find(entry_dir.string() + " is a symbolic link") !=
        std::string::npos);
}
