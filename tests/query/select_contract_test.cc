// The contract of selecting and finding entries: every case runs on both
// readers of an archive, the CLI's scan (query::Select, archive::Lookup)
// and serve's in-memory index (server::Select, server::FindEntry), and
// checks the answer itself against what was written, not only that the
// two agree. (Series and predecessors: series_contract_test.cc.)
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "archive/layout.h"
#include "archive/writer.h"
#include "query/select.h"
#include "server/archive_index.h"
#include "server/index_query.h"
#include "test_util.h"

using namespace cprof;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-22T23:59:58Z");

enum class Reader { kScan, kIndex };

const char* NameOf(Reader r) { return r == Reader::kScan ? "scan" : "index"; }

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

class CountingReporter : public archive::Reporter {
 public:
  void Corrupt(const fs::path&, const Status&) override { ++count; }
  int count = 0;
};

// The IDs `sel` selects on `root`, as `reader` reads them; the error's
// Status when the selection is refused.
Result<std::set<std::string>> SelectIds(Reader reader, const fs::path& root,
                                        const query::Selection& sel,
                                        archive::Reporter* reporter = nullptr) {
  std::set<std::string> ids;
  if (reader == Reader::kScan) {
    CPROF_ASSIGN_OR_RETURN(std::vector<archive::Entry> entries, query::Select(root, sel, reporter));
    for (const archive::Entry& e : entries) ids.insert(e.sidecar.id);
    return ids;
  }
  server::ArchiveIndex index(root, reporter);
  index.Refresh();
  auto snapshot = index.Snapshot();
  CPROF_ASSIGN_OR_RETURN(std::vector<server::MetaHit> hits, server::Select(*snapshot, sel));
  for (const server::MetaHit& h : hits) ids.insert(h.dir->IdOf(*h.entry));
  return ids;
}

// Whether `reader` finds the entry `id`.
bool Finds(Reader reader, const fs::path& root, const std::string& id) {
  if (reader == Reader::kScan) return archive::Lookup(root, id).ok();
  server::ArchiveIndex index(root, nullptr);
  index.Refresh();
  return server::FindEntry(*index.Snapshot(), id).has_value();
}

}  // namespace

TEST_CASE("Select: by sample type, time and labels, from the scan and from the index",
          "[select][contract]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  // Across a day boundary, two targets, three types.
  std::vector<archive::Sidecar> written;
  for (int i = 0; i < 6; ++i) {
    int64_t ts = kT0 + i * 900;
    for (auto s : {w.Write("h" + std::to_string(i), Meta("api", "dev", "heap", ts)),
                   w.Write("g" + std::to_string(i), Meta("db", "prod", "goroutine", ts)),
                   w.Write("t" + std::to_string(i), Meta("db", "prod", "trace", ts + 1))}) {
      REQUIRE(s.ok());
      written.push_back(*s);
    }
  }
  // The IDs of what was written that `keep` keeps.
  auto ids_of = [&](const std::function<bool(const archive::Sidecar&)>& keep) {
    std::set<std::string> ids;
    for (const archive::Sidecar& s : written) {
      if (keep(s)) ids.insert(s.id);
    }
    return ids;
  };
  auto in = [](int64_t from, int64_t to) {
    return
        [=](const archive::Sidecar& s) { return s.timestamp_ms >= from && s.timestamp_ms <= to; };
  };
  auto type_is = [](const std::string& type) {
    return [=](const archive::Sidecar& s) { return s.profile_type == type; };
  };
  const auto all = [](const archive::Sidecar&) { return true; };

  struct Case {
    std::string type;
    std::vector<std::string> matchers;
    bool any;
    int64_t from, to;
    std::set<std::string> want;
  };
  const std::vector<Case> cases = {
      {"", {}, false, kT0, kT0 + 10'000, ids_of(in(kT0, kT0 + 10'000))},
      {"heap_inuse_space", {}, false, kT0, kT0 + 10'000, ids_of(type_is("heap"))},
      {"heap_inuse_space", {}, false, kT0 + 900, kT0 + 2700, ids_of([&](const archive::Sidecar& s) {
         return type_is("heap")(s) && in(kT0 + 900, kT0 + 2700)(s);
       })},
      {"goroutine", {"env=prod"}, false, 0, kT0 * 2, ids_of(type_is("goroutine"))},
      {"trace", {}, false, kT0 + 2701, kT0 + 2701, ids_of([&](const archive::Sidecar& s) {
         return type_is("trace")(s) && s.timestamp_ms == kT0 + 2701;
       })},
      {"", {"env=prod", "_app=api"}, false, 0, kT0 * 2, {}},
      {"", {"env=prod", "_app=api"}, true, 0, kT0 * 2, ids_of(all)},
      {"", {"_type=trace"}, false, 0, kT0 * 2, ids_of(type_is("trace"))},
      {"",
       {"_type!=trace", "_host=~h:.*"},
       false,
       0,
       kT0 * 2,
       ids_of([&](const archive::Sidecar& s) { return !type_is("trace")(s); })},
      {"heap_alloc_space", {"missing="}, false, 0, kT0 * 2, ids_of(type_is("heap"))},
      {"heap_nonsense", {}, false, 0, kT0 * 2, {}},
  };
  REQUIRE(cases[0].want.size() == 18);
  REQUIRE(cases[4].want.size() == 1);
  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    for (const Case& c : cases) {
      query::Selection sel;
      sel.sample_type = c.type;
      sel.from_ms = c.from;
      sel.to_ms = c.to;
      sel.any_of = c.any;
      for (const auto& m : c.matchers) sel.matchers.push_back(*query::Matcher::Parse(m));
      INFO(c.type << " " << c.matchers.size() << " matchers, any=" << c.any);
      auto ids = SelectIds(reader, dir.path(), sel);
      REQUIRE(ids.ok());
      CHECK(*ids == c.want);
    }
    query::Selection bad;
    bad.sample_type = "nonsense";
    bad.to_ms = kT0;
    CHECK(SelectIds(reader, dir.path(), bad).status().code() == Status::Code::kInvalidArgument);
    query::Selection reversed{"", kT0, kT0 - 1, {}, false};
    CHECK(SelectIds(reader, dir.path(), reversed).status().code() ==
          Status::Code::kInvalidArgument);
    for (const archive::Sidecar& s : written) CHECK(Finds(reader, dir.path(), s.id));
    CHECK_FALSE(Finds(reader, dir.path(), "20261122-0123456789abcdef-101500123-heap-9b2e41c07d"));
    CHECK_FALSE(Finds(reader, dir.path(), "not an id"));
  }
}

// One damaged archive: both readers keep the same entries, report the same
// files, and find none of the damaged ones.
TEST_CASE("Select: a damaged archive, from the scan and from the index", "[select][contract]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path());
  std::vector<archive::Sidecar> written;
  for (int i = 0; i < 8; ++i) {
    auto s = w.Write("p" + std::to_string(i), Meta(i % 2 ? "api" : "db", "dev", "heap", kT0 + i));
    REQUIRE(s.ok());
    written.push_back(*s);
  }
  auto sidecar_path = [&](int i) {
    auto key = archive::ParseId(written[i].id);
    return dir.path() / archive::EntryDir(*key) / archive::SidecarFileName(*key);
  };
  auto rewrite = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  // 0: truncated JSON; 1: edited by hand to another app (it no longer
  // hashes to its directory); 2: its profile lost; 3: another entry's
  // sidecar copied over it (the id is not its name's); 4: a profile
  // without a sidecar; and a temporary file. 5, 6 and 7 are whole.
  std::string text = *ReadFile(sidecar_path(0), 1 << 20);
  rewrite(sidecar_path(0), text.substr(0, text.size() / 2));
  text = *ReadFile(sidecar_path(1), 1 << 20);
  text.replace(text.find("\"api\""), 5, "\"web\"");
  rewrite(sidecar_path(1), text);
  fs::remove(sidecar_path(2).parent_path() / written[2].file);
  fs::copy_file(sidecar_path(5), sidecar_path(3), fs::copy_options::overwrite_existing);
  fs::remove(sidecar_path(4));
  rewrite(sidecar_path(6).parent_path() / ".tmp-123-x.json", "{");

  for (Reader reader : {Reader::kScan, Reader::kIndex}) {
    INFO(NameOf(reader));
    CountingReporter reporter;
    auto ids = SelectIds(reader, dir.path(), {"", 0, kT0 * 2, {}, false}, &reporter);
    REQUIRE(ids.ok());
    CHECK(*ids == std::set<std::string>{written[5].id, written[6].id, written[7].id});
    // The three unreadable sidecars (0, 1, 3) and the lost profile (2).
    CHECK(reporter.count == 4);
    for (int i : {0, 1, 2, 3, 4}) CHECK_FALSE(Finds(reader, dir.path(), written[i].id));
  }
}
