// The index files of <tkey> directories: derived data that changes no
// answer, whatever happens to it or to the sidecars it was made from.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "archive/index_file.h"
#include "archive/prune.h"
#include "archive/scan.h"
#include "archive/target_dir.h"
#include "archive/writer.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::archive;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-20T23:59:00Z");

Sidecar Meta(std::string app, std::string type, int64_t ts) {
  Sidecar s;
  s.profile_type = std::move(type);
  s.job = "job";
  s.app = std::move(app);
  s.host = "127.0.0.1:6060";
  s.labels = {{"env", "dev"}, {"zone", "a"}};
  s.url = "http://127.0.0.1:6060/debug/pprof/" + s.profile_type;
  s.timestamp_ms = ts;
  s.duration_ns = 7;
  s.expiration_ns = int64_t{86'400} * 1'000'000'000 * 30;
  s.sample_types = {{s.profile_type + "_count", "count", "count", ts % 1000},
                    {s.profile_type + "_bytes", "bytes", "bytes", ts % 777}};
  s.default_sample_type = "bytes";
  s.scraped_by = "tester";
  return s;
}

class CountingReporter : public Reporter {
 public:
  void Corrupt(const fs::path& path, const Status&) override { paths.push_back(path); }
  std::vector<fs::path> paths;
};

// Two targets over two days, several types.
std::vector<Sidecar> Populate(const fs::path& root) {
  REQUIRE(InitArchive(root).ok());
  ArchiveWriter writer(root);
  std::vector<Sidecar> written;
  const char* types[] = {"heap", "mutex", "trace"};
  for (int i = 0; i < 24; ++i) {
    auto s = writer.Write("bytes " + std::to_string(i),
                          Meta(i % 2 ? "api" : "db", types[i % 3], kT0 + i * 10'000));
    REQUIRE(s.ok());
    written.push_back(*s);
  }
  return written;
}

std::vector<Sidecar> Sidecars(const fs::path& root, Reporter* reporter = nullptr) {
  std::vector<Sidecar> out;
  for (Entry& e : Scan(root, {}, reporter)) out.push_back(std::move(e.sidecar));
  return out;
}

std::vector<fs::path> IndexFiles(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& f : fs::recursive_directory_iterator(root)) {
    if (f.path().filename() == kIndexFile) out.push_back(f.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The directory's read, with its stats.
TargetDirStats ReadStats(const fs::path& dir, TargetDirOptions options = {}) {
  TargetDirStats stats;
  // The day is the directory's: YYYY/MM/DD/<tkey>.
  fs::path d = dir.parent_path();
  CivilDay day{std::stoi(d.parent_path().parent_path().filename().string()),
               static_cast<unsigned>(std::stoi(d.parent_path().filename().string())),
               static_cast<unsigned>(std::stoi(d.filename().string()))};
  ReadTargetDir(dir, day, dir.filename().string(), options, nullptr, &stats);
  return stats;
}

}  // namespace

TEST_CASE("Index records give back their sidecars exactly", "[index]") {
  testing::TempDir dir;
  auto written = Populate(dir.path());
  auto files = IndexFiles(dir.path());
  REQUIRE(files.size() == 4);  // the writer made one a directory
  size_t records = 0;
  for (const fs::path& file : files) {
    std::string tkey = file.parent_path().filename().string();
    auto index = ReadIndexFile(file.parent_path(), tkey);
    REQUIRE(index.ok());
    CHECK(index->damage.empty());
    REQUIRE(index->target.has_value());
    CHECK(TargetKeyOf(*index->target) == tkey);
    for (const auto& [stem, record] : index->entries) {
      ++records;
      fs::path sidecar_path = file.parent_path() / (stem + ".json");
      auto truth = ReadSidecar(sidecar_path);
      REQUIRE(truth.ok());
      auto key = ParseId(truth->id);
      auto from_index = SidecarOf(record, *index->target, DayOf(key->timestamp_ms), tkey);
      REQUIRE(from_index.ok());
      CHECK(*from_index == *truth);
      CHECK(Matches(record, *StampOf(sidecar_path)));
    }
  }
  CHECK(records == written.size());

  // A SHA-256 not in lowercase hex survives the trip too.
  Sidecar odd = written[0];
  odd.sha256 = "ABC";
  auto key = ParseId(odd.id);
  auto back =
      SidecarOf(IndexEntryOf(odd, {}), TargetOf(odd), DayOf(key->timestamp_ms), key->target_key);
  REQUIRE(back.ok());
  CHECK(*back == odd);
}

TEST_CASE("Reads use the index and heal it", "[index]") {
  testing::TempDir dir;
  Populate(dir.path());
  const auto truth = Sidecars(dir.path());
  REQUIRE(truth.size() == 24);
  fs::path one = IndexFiles(dir.path())[0].parent_path();
  auto stats = ReadStats(one);
  CHECK(stats.sidecars_read == 0);
  CHECK(stats.from_index > 0);
  CHECK_FALSE(stats.index_written);

  // Every index deleted: the same answer, and the indexes are back.
  for (const fs::path& f : IndexFiles(dir.path())) fs::remove(f);
  CHECK(Sidecars(dir.path()) == truth);
  CHECK(IndexFiles(dir.path()).size() == 4);
  stats = ReadStats(one);
  CHECK(stats.sidecars_read == 0);

  // Not updated when told not to.
  fs::remove(one / kIndexFile);
  TargetDirOptions read_only;
  read_only.update_index = false;
  stats = ReadStats(one, read_only);
  CHECK(stats.from_index == 0);
  CHECK(stats.sidecars_read > 0);
  CHECK_FALSE(fs::exists(one / kIndexFile));
}

TEST_CASE("A damaged index changes no answer", "[index]") {
  testing::TempDir dir;
  Populate(dir.path());
  const auto truth = Sidecars(dir.path());
  const fs::path file = IndexFiles(dir.path())[1];
  const std::string good = *ReadFile(file, 1 << 20);
  const std::string other = *ReadFile(IndexFiles(dir.path())[0], 1 << 20);
  auto put = [&](const std::string& bytes) { std::ofstream(file, std::ios::binary) << bytes; };

  std::vector<std::pair<std::string, std::string>> damaged = {
      {"empty", ""},
      {"garbage", "not an index at all"},
      {"another directory's", other},
      {"header only", std::string(kIndexHeader)},
  };
  for (size_t cut : {kIndexHeader.size() + 3, good.size() / 3, good.size() / 2, good.size() - 1}) {
    damaged.emplace_back("cut at " + std::to_string(cut), good.substr(0, cut));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    std::string flipped = good;
    size_t at = rng() % flipped.size();
    flipped[at] = static_cast<char>(flipped[at] ^ (1 + rng() % 255));
    damaged.emplace_back("byte " + std::to_string(at) + " flipped", flipped);
  }
  // Records repeated and appended after a torn one.
  damaged.emplace_back("repeated", good + good.substr(kIndexHeader.size()));
  damaged.emplace_back("torn, then appended",
                       good.substr(0, good.size() - 5) + good.substr(kIndexHeader.size()));
  for (const auto& [what, bytes] : damaged) {
    INFO(what);
    put(bytes);
    CountingReporter reporter;
    CHECK(Sidecars(dir.path(), &reporter) == truth);
    CHECK(reporter.paths.empty());
    // Healed by that read: whole, and used for every entry.
    auto index = ReadIndexFile(file.parent_path(), file.parent_path().filename().string());
    REQUIRE(index.ok());
    CHECK(index->damage.empty());
    auto stats = ReadStats(file.parent_path());
    CHECK(stats.sidecars_read == 0);
  }
}

TEST_CASE("A sidecar changed after it was indexed is read again", "[index]") {
  testing::TempDir dir;
  auto written = Populate(dir.path());
  auto key = ParseId(written[3].id);
  fs::path entry_dir = dir.path() / EntryDir(*key);
  fs::path path = entry_dir / SidecarFileName(*key);
  // Edited by hand to the same length: "tester" becomes "hacker".
  std::string text = *ReadFile(path, 1 << 20);
  text.replace(text.find("\"tester\""), 8, "\"hacker\"");
  std::ofstream(path) << text;
  auto with_index = Sidecars(dir.path());
  for (const fs::path& f : IndexFiles(dir.path())) fs::remove(f);
  CHECK(Sidecars(dir.path()) == with_index);
  bool seen = false;
  for (const Sidecar& s : with_index) {
    if (s.id == written[3].id) {
      CHECK(s.scraped_by == "hacker");
      seen = true;
    }
  }
  CHECK(seen);

  // Broken after indexing: reported and left out, as without an index.
  std::ofstream(path) << "{";
  CountingReporter reporter;
  auto broken = Sidecars(dir.path(), &reporter);
  CHECK(broken.size() == written.size() - 1);
  CHECK(reporter.paths == std::vector<fs::path>{path});
}

TEST_CASE("Records of removed entries are ignored, then dropped", "[index]") {
  testing::TempDir dir;
  auto written = Populate(dir.path());
  fs::path file = IndexFiles(dir.path()).back();  // 9 entries
  fs::path tdir = file.parent_path();
  std::string tkey = tdir.filename().string();
  auto before = ReadIndexFile(tdir, tkey);
  REQUIRE(before.ok());
  const size_t records = before->entries.size();
  REQUIRE(records >= 4);
  // Remove all but one entry by hand, sidecar first as prune does.
  size_t removed = 0;
  for (const auto& [stem, record] : before->entries) {
    if (++removed == records) break;
    fs::remove(tdir / (stem + ".json"));
  }
  auto after = Sidecars(dir.path());
  CHECK(after.size() == written.size() - (records - 1));
  auto index = ReadIndexFile(tdir, tkey);
  REQUIRE(index.ok());
  CHECK(index->entries.size() == 1);  // more stale than live: replaced

  // Prune takes the index with the directory's last entry.
  for (const auto& f : fs::directory_iterator(tdir)) {
    if (f.path().filename() != kIndexFile) fs::remove(f.path());
  }
  Prune(dir.path(), kT0, nullptr);
  CHECK_FALSE(fs::exists(tdir));
}

TEST_CASE("A day's TARGETS rules directories out, and changes no answer", "[index]") {
  testing::TempDir dir;
  Populate(dir.path());
  ScanOptions api;
  api.keep = [](const Sidecar& s) { return s.app == "api"; };
  auto scan = [&] {
    std::vector<std::string> ids;
    for (const Entry& e : Scan(dir.path(), api, nullptr)) ids.push_back(e.sidecar.id);
    return ids;
  };
  const auto truth = scan();
  REQUIRE(truth.size() == 12);
  std::vector<fs::path> files;
  for (const auto& f : fs::recursive_directory_iterator(dir.path())) {
    if (f.path().filename() == kTargetsFile) files.push_back(f.path());
  }
  REQUIRE(files.size() == 2);  // the writer made one a day
  for (const fs::path& f : files) {
    auto targets = ReadDayTargets(f.parent_path()).targets;
    CHECK(targets.size() == 2);
    for (const auto& [tkey, target] : targets) {
      CHECK(TargetKeyOf(target) == tkey);
      CHECK(fs::is_directory(f.parent_path() / tkey));
    }
  }
  // Deleted: the same answer, and the scan writes it back.
  fs::remove(files[0]);
  CHECK(scan() == truth);
  CHECK(ReadDayTargets(files[0].parent_path()).targets.size() == 2);
  // Damaged, or holding another day's targets and garbage: the same answer.
  std::string good = *ReadFile(files[1], 1 << 20);
  std::ofstream(files[1], std::ios::binary) << good.substr(0, good.size() - 3);
  CHECK(scan() == truth);
  std::ofstream(files[1], std::ios::binary) << "junk";
  CHECK(scan() == truth);
  // Replaced by that scan, whole.
  auto healed = ReadDayTargets(files[1].parent_path());
  CHECK_FALSE(healed.damaged);
  CHECK(healed.targets.size() == 2);
}
