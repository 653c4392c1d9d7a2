#include <catch2/catch.hpp>

#include <rapidjson/document.h>
#include <thread>

#include <cctype>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "archive/layout.h"
#include "archive/writer.h"
#include "base/fs.h"
#include "base/profile_types.h"
#include "pprof/analysis_json.h"
#include "pprof/codec.h"
#include "pprof/dot.h"
#include "pprof/label_nodes.h"
#include "pprof/profile_builder.h"
#include "pprof/report.h"
#include "pprof/summary.h"
#include "query/compact.h"
#include "server/api.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::server;

namespace {

const int64_t kT0 = *ParseRfc3339Ms("2026-11-22T10:00:00Z");
const char* kRange = "start_time=2026-11-22T00:00:00Z&end_time=2026-11-23T00:00:00.000Z";

// An archive of the fixture profiles: two heap and one cpu profile of app
// "shop" on h:1 (env=dev), one heap of app "db" on h:2, one trace.
class ApiFixture {
 public:
  ApiFixture() : index_(dir_.path(), nullptr) {
    archive::ArchiveWriter w(dir_.path());
    heap1_ = Add(w, "heap", "heap.pb.gz", "shop", "h:1", kT0);
    heap2_ = Add(w, "heap", "heap.pb.gz", "shop", "h:1", kT0 + 60'000, /*salt=*/true);
    cpu_ = Add(w, "profile", "cpu.pb.gz", "shop", "h:1", kT0 + 1000);
    db_heap_ = Add(w, "heap", "heap.pb.gz", "db", "h:2", kT0 + 2000);
    archive::Sidecar t = Base("trace", "shop", "h:1", kT0 + 3000);
    trace_ = w.Write("trace bytes", t)->id;
    index_.Refresh();
  }

  Response Get(const std::string& target, const std::string& origin = "") {
    Request req;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    auto params = QueryParams::Parse(q == std::string::npos ? "" : target.substr(q + 1));
    REQUIRE(params.ok());
    req.params = std::move(*params);
    req.origin = origin;
    return api().Handle(req);
  }

  Api& api() {
    if (!api_) api_ = std::make_unique<Api>(&index_, options_);
    return *api_;
  }

  testing::TempDir dir_;
  ArchiveIndex index_;
  ApiOptions options_;
  std::unique_ptr<Api> api_;
  std::string heap1_, heap2_, cpu_, db_heap_, trace_;

 private:
  static archive::Sidecar Base(std::string type, std::string app, std::string host, int64_t ts) {
    archive::Sidecar s;
    s.profile_type = std::move(type);
    s.job = "j";
    s.app = std::move(app);
    s.host = std::move(host);
    s.labels = {{"env", "dev"}};
    s.timestamp_ms = ts;
    return s;
  }

  std::string Add(archive::ArchiveWriter& w, std::string type, const std::string& file,
                  std::string app, std::string host, int64_t ts, bool salt = false) {
    std::string bytes = testing::ReadTestData(file);
    auto profile = pprof::DecodeProfile(bytes);
    REQUIRE(profile.ok());
    if (salt) {  // different content, so a different entry
      profile->add_comment(profile->string_table_size());
      profile->add_string_table("salt");
      bytes = pprof::EncodeProfile(*profile);
    }
    archive::Sidecar s = Base(type, std::move(app), std::move(host), ts);
    for (auto& t : pprof::Summarize(*profile, type).sample_types) {
      s.sample_types.push_back({t.name, t.type, t.unit, t.total});
    }
    auto written = w.Write(bytes, s);
    REQUIRE(written.ok());
    return written->id;
  }
};

rapidjson::Document Json(const Response& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(!d.HasParseError());
  return d;
}

std::string Header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("Seed routes answer in the seed's shapes", "[api]") {
  ApiFixture f;
  Response r = f.Get("/api/group_sample_types");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body ==
        "{\"heap\":[\"heap_alloc_objects\",\"heap_alloc_space\",\"heap_inuse_objects\","
        "\"heap_inuse_space\"],\"profile\":[\"profile_cpu\",\"profile_samples\"],"
        "\"trace\":[\"trace\"]}");
  CHECK(f.Get("/api/sample_types").body ==
        "[\"heap_alloc_objects\",\"heap_alloc_space\",\"heap_inuse_objects\","
        "\"heap_inuse_space\",\"profile_cpu\",\"profile_samples\",\"trace\"]");
  CHECK(f.Get("/api/group_labels").body ==
        "{\"_app\":[{\"Key\":\"_app\",\"Value\":\"db\"},{\"Key\":\"_app\",\"Value\":\"shop\"}],"
        "\"_host\":[{\"Key\":\"_host\",\"Value\":\"h:1\"},{\"Key\":\"_host\",\"Value\":\"h:2\"}],"
        "\"_job\":[{\"Key\":\"_job\",\"Value\":\"j\"}],"
        "\"env\":[{\"Key\":\"env\",\"Value\":\"dev\"}]}");
  // (no scrape has written the targets' state)
  CHECK_THAT(f.Get("/api/targets").body, Catch::Contains("\"ActiveTargets\": []"));
  CHECK(f.Get("/api/healthz").body == "I'm fine");
  auto v = Json(f.Get("/api/version"));
  CHECK(v.HasMember("version"));
  CHECK(v.HasMember("revision"));
}

TEST_CASE("profile_meta groups by target with the seed's fields and numbers", "[api]") {
  ApiFixture f;
  Response r = f.Get(std::string("/api/profile_meta/heap_inuse_space?") + kRange);
  REQUIRE(r.status == 200);
  auto d = Json(r);
  REQUIRE(d.IsArray());
  REQUIRE(d.Size() == 2);
  CHECK(std::string(d[0]["TargetName"].GetString()) == "h:1");
  CHECK(std::string(d[1]["TargetName"].GetString()) == "h:2");
  const auto& metas = d[0]["ProfileMetas"];
  REQUIRE(metas.Size() == 2);
  CHECK(std::string(metas[0]["ProfileID"].GetString()) == f.heap1_);
  CHECK(std::string(metas[1]["ProfileID"].GetString()) == f.heap2_);
  const auto& m = metas[0];
  for (const char* key :
       {"ProfileID", "ProfileType", "SampleType", "JobName", "Host", "App", "SampleTypeUnit"}) {
    INFO(key);
    CHECK(m[key].IsString());
  }
  for (const char* key : {"Value", "Timestamp", "Duration"}) {
    INFO(key);
    CHECK(m[key].IsInt64());
  }
  CHECK(m["Timestamp"].GetInt64() == kT0);
  CHECK(m["Value"].GetInt64() > 0);
  CHECK(std::string(m["SampleTypeUnit"].GetString()) == "bytes");
  CHECK(std::string(m["Labels"][0]["Key"].GetString()) == "env");
  CHECK(std::string(m["Labels"][0]["Value"].GetString()) == "dev");

  auto count = [&](const std::string& query) {
    Response resp = f.Get("/api/profile_meta/heap_inuse_space?" + std::string(kRange) + query);
    REQUIRE(resp.status == 200);
    size_t n = 0;
    auto doc = Json(resp);
    for (const auto& t : doc.GetArray()) n += t["ProfileMetas"].Size();
    return n;
  };
  CHECK(count("") == 3);
  CHECK(count("&lbs[_app]=shop") == 2);
  CHECK(count("&lbs%5B_app%5D=db") == 1);
  CHECK(count("&lbs[_app]=db&lbs[_host]=h:1") == 0);
  CHECK(count("&lbs[_app]=db&lbs[_host]=h:1&condition=OR") == 3);
  CHECK(count("&lbs[_app]=db&lbs[_app]=shop&condition=OR") == 3);
  CHECK(count("&lbs[env]=prod") == 0);
  CHECK(f.Get("/api/profile_meta/trace?" + std::string(kRange)).body.find("\"Value\":11") !=
        std::string::npos);  // a trace's value is its size
  CHECK(f.Get("/api/profile_meta/goroutine?" + std::string(kRange)).body == "[]");
}

TEST_CASE("profile_meta rejects bad parameters with 400 and one line", "[api]") {
  ApiFixture f;
  for (std::string bad : std::vector<std::string>{
           "/api/profile_meta/heap_inuse_space",
           "/api/profile_meta/heap_inuse_space?start_time=2026-11-22T00:00:00Z",
           "/api/profile_meta/heap_inuse_space?end_time=2026-11-22T00:00:00Z",
           "/api/profile_meta/heap_inuse_space?start_time=yesterday&end_time=2026-11-22T00:00:00Z",
           "/api/profile_meta/heap_inuse_space?start_time=2026-11-22&end_time=2026-11-23",
           "/api/profile_meta/"
           "heap_inuse_space?start_time=2026-11-23T00:00:00Z&end_time=2026-11-22T00:00:00Z",
           "/api/profile_meta/"
           "nonsense_type?start_time=2026-11-22T00:00:00Z&end_time=2026-11-23T00:00:00Z",
           "/api/profile_meta/?start_time=2026-11-22T00:00:00Z&end_time=2026-11-23T00:00:00Z",
           std::string("/api/profile_meta/heap_inuse_space?condition=XOR&") + kRange,
           std::string("/api/profile_meta/heap_inuse_space?lbs[bad key]=1&") + kRange,
           std::string("/api/profile_meta/heap_inuse_space?lbs[]=1&") + kRange,
           std::string("/api/profile_meta/heap_inuse_space?lbs[x=1&") + kRange,
       }) {
    INFO(bad);
    Response r = f.Get(bad);
    CHECK(r.status == 400);
    CHECK(r.body.find('\n') == r.body.size() - 1);
  }
}

TEST_CASE("download sends the bytes as archived, bad and unknown IDs are 400 and 404", "[api]") {
  ApiFixture f;
  Response r = f.Get("/api/download/" + f.heap1_);
  REQUIRE(r.status == 200);
  CHECK(r.body == testing::ReadTestData("heap.pb.gz"));
  CHECK(Header(r, "Content-Disposition") == "attachment; filename=\"" + f.heap1_ + ".pb.gz\"");
  CHECK(f.Get("/api/download/" + f.trace_).body == "trace bytes");

  std::string unknown = f.heap1_;
  unknown.back() = unknown.back() == '0' ? '1' : '0';
  CHECK(f.Get("/api/download/" + unknown).status == 404);
  CHECK(f.Get("/api/download/nope").status == 400);
  CHECK(f.Get("/api/download/").status == 400);
}

TEST_CASE("Nothing outside the archive is ever served", "[api][security]") {
  ApiFixture f;
  testing::TempDir outside;
  { std::ofstream(outside.path() / "secret") << "SECRET"; }
  // Paths as the server hands them over (decoded once), so encoded forms
  // arrive here decoded once too.
  for (std::string path : std::vector<std::string>{
           "/api/download/../../../../etc/passwd",
           "/api/download/..%2f..%2fetc%2fpasswd",
           "/api/download/%2e%2e/%2e%2e/etc/passwd",
           "/api/download/%252e%252e%252fetc%252fpasswd",
           "/api/download//etc/passwd",
           "/api/download/" + f.heap1_ + "/../../CPROFILER-ARCHIVE",
           "/api/download/" + f.heap1_ + "%00",
           "/api/download/" + outside.path().string() + "/secret",
           "/api/meta/../CPROFILER-ARCHIVE",
           "/api/0/profiles/../../etc/passwd",
           "/api/0/profiles/" + f.heap1_ + "+../../etc/passwd",
           "/ui/../CPROFILER-ARCHIVE",
           "/ui/..%2fCPROFILER-ARCHIVE",
           "/ui/.lock",
           "/ui/",
           "/ui//etc/passwd",
       }) {
    INFO(path);
    Response r = f.Get(path);
    CHECK((r.status == 400 || r.status == 404));
    CHECK(r.body.find("root:") == std::string::npos);
  }
  CHECK(f.Get("/api/analysis?id=../../etc/passwd").status == 400);

  // A symlink inside the archive pointing out is not followed.
  auto key = archive::ParseId(f.heap1_);
  fs::path profile = f.dir_.path() / archive::EntryDir(*key) / archive::ProfileFileName(*key);
  fs::remove(profile);
  fs::create_symlink(outside.path() / "secret", profile);
  for (std::string path :
       std::vector<std::string>{"/api/download/" + f.heap1_, "/api/analysis?id=" + f.heap1_,
                                "/api/merge?id=" + f.heap1_, "/api/0/profiles/" + f.heap1_}) {
    INFO(path);
    Response r = f.Get(path);
    CHECK(r.status == 404);
    CHECK(r.body.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("analysis gives pprof's top table and a flame tree", "[api]") {
  ApiFixture f;
  Response r = f.Get("/api/analysis?id=" + f.heap1_ + "&si=alloc_space");
  REQUIRE(r.status == 200);
  auto d = Json(r);
  CHECK(std::string(d["profile_type"].GetString()) == "heap");
  CHECK(d["sample_types"].Size() == 4);
  CHECK(std::string(d["sample_index"].GetString()) == "alloc_space");

  auto profile = pprof::DecodeProfile(testing::ReadTestData("heap.pb.gz"));
  pprof::ReportOptions options;
  options.sample_index = "alloc_space";
  auto top = pprof::Top(*profile, options);
  REQUIRE(top.ok());
  REQUIRE(d["top"]["rows"].Size() == top->rows.size());
  REQUIRE(!top->rows.empty());
  CHECK(std::string(d["top"]["rows"][0]["name"].GetString()) == top->rows[0].name);
  CHECK(d["top"]["rows"][0]["flat"].GetInt64() == top->rows[0].flat);
  CHECK(std::string(d["top"]["rows"][0]["flat_formatted"].GetString()) ==
        top->FormatValue(top->rows[0].flat));
  CHECK(d["total"].GetInt64() == top->total);
  CHECK(std::string(d["flame"]["n"].GetString()) == "root");
  CHECK(d["flame"]["v"].GetInt64() == top->total);
  CHECK(d["flame_nodes"].GetInt64() > 1);

  // Filters are applied server-side.
  std::string first = top->rows[0].name;
  Response ignored = f.Get("/api/analysis?id=" + f.heap1_ +
                           "&si=alloc_space&ignore=" + PercentEncode("^" + first + "$"));
  REQUIRE(ignored.status == 200);
  auto di = Json(ignored);
  CHECK(std::string(di["top"]["rows"][0]["name"].GetString()) != first);
  CHECK(di["flame"]["v"].GetInt64() < top->total);

  // Capped flame tree.
  auto capped = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&maxnodes=3"));
  CHECK(capped["flame_nodes"].GetInt64() <= 3);

  // A selection: the two shop heap profiles, merged; si from the sample type.
  auto sel = Json(
      f.Get("/api/analysis?sample_type=heap_inuse_objects&lbs[_app]=shop&" + std::string(kRange)));
  CHECK(sel["count"].GetInt64() == 2);
  CHECK(std::string(sel["sample_index"].GetString()) == "inuse_objects");

  for (std::string bad : std::vector<std::string>{
           "/api/analysis", "/api/analysis?id=" + f.heap1_ + "&si=nonsense",
           "/api/analysis?id=" + f.heap1_ + "&focus=(",
           "/api/analysis?id=" + f.heap1_ + "&maxnodes=0",
           "/api/analysis?id=" + f.heap1_ + "&maxnodes=x",
           "/api/analysis?id=" + f.heap1_ + "&sample_type=heap_inuse_space",
           "/api/analysis?id=" + f.trace_, "/api/analysis?id=" + f.heap1_ + "&id=" + f.cpu_,
           "/api/analysis?sample_type=heap_inuse_space"}) {
    INFO(bad);
    CHECK(f.Get(bad).status == 400);
  }
  CHECK(f.Get("/api/analysis?sample_type=goroutine&" + std::string(kRange)).status == 404);
}

TEST_CASE("analysis gives pprof's tags and a function's sandwich when asked", "[api]") {
  ApiFixture f;
  auto plain = Json(f.Get("/api/analysis?id=" + f.heap1_));
  CHECK(!plain.HasMember("tags"));
  CHECK(!plain.HasMember("sandwich"));

  auto profile = pprof::DecodeProfile(testing::ReadTestData("heap.pb.gz"));
  REQUIRE(profile.ok());
  pprof::ReportOptions options;
  options.sample_index = "alloc_space";
  auto top = pprof::Top(*profile, options);
  REQUIRE(top.ok());
  REQUIRE(top->rows.size() > 1);

  // tags=1: pprof -tags' table, each value as it prints it.
  auto d = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&si=alloc_space&tags=1"));
  auto tags = pprof::Tags(*profile, options);
  REQUIRE(tags.ok());
  REQUIRE(!tags->keys.empty());
  const std::string text = pprof::FormatTagsText(*tags);
  const auto& keys = d["tags"]["keys"];
  REQUIRE(keys.Size() == tags->keys.size());
  CHECK(std::string(d["tags"]["sample_unit"].GetString()) == tags->sample_unit);
  for (rapidjson::SizeType k = 0; k < keys.Size(); ++k) {
    const pprof::TagKey& want = tags->keys[k];
    INFO(want.key);
    CHECK(std::string(keys[k]["key"].GetString()) == want.key);
    CHECK(keys[k]["numeric"].GetBool());  // Go's heap labels are numbers: bytes
    CHECK(keys[k]["total"].GetInt64() == want.total);
    CHECK(text.find(want.key + ": Total " + keys[k]["total_formatted"].GetString() + "\n") !=
          std::string::npos);
    REQUIRE(keys[k]["values"].Size() == want.values.size());
    for (rapidjson::SizeType i = 0; i < want.values.size(); ++i) {
      const auto& v = keys[k]["values"][i];
      CHECK(std::string(v["name"].GetString()) == want.values[i].name);
      CHECK(v["value"].GetInt64() == want.values[i].value);
      // The line pprof prints: "AMOUNT (SHARE): NAME".
      CHECK(text.find(std::string(v["formatted"].GetString()) + " (" + v["share"].GetString() +
                      "): " + want.values[i].name + "\n") != std::string::npos);
    }
  }
  // The same filters as the rest of the analysis.
  const std::string first = top->rows[0].name;
  auto ignored = Json(f.Get("/api/analysis?id=" + f.heap1_ +
                            "&si=alloc_space&tags=1&ignore=" + PercentEncode("^" + first + "$")));
  pprof::ReportOptions ignoring = options;
  ignoring.ignore = "^" + first + "$";
  auto ignored_tags = pprof::Tags(*profile, ignoring);
  REQUIRE(ignored_tags.ok());
  CHECK(ignored["tags"]["keys"][0]["total"].GetInt64() == ignored_tags->keys[0].total);
  CHECK(ignored_tags->keys[0].total < tags->keys[0].total);

  // sandwich=FUNC: its callers and callees, rooted at it, its cum at the join.
  const pprof::TopRow& row = top->rows[1];
  auto s = Json(f.Get("/api/analysis?id=" + f.heap1_ +
                      "&si=alloc_space&sandwich=" + PercentEncode(row.name)));
  const auto& sw = s["sandwich"];
  CHECK(std::string(sw["function"].GetString()) == row.name);
  CHECK(sw["cum"].GetInt64() == row.cum);
  CHECK(sw["flat"].GetInt64() == row.flat);
  CHECK(std::string(sw["cum_formatted"].GetString()) == top->FormatValue(row.cum));
  auto want = pprof::SandwichOf(*profile, options, row.name, pprof::kDefaultFlameNodes);
  REQUIRE(want.ok());
  for (auto [key, tree] :
       {std::pair<const char*, const pprof::FlameNode*>{"callers", &want->callers},
        {"callees", &want->callees}}) {
    INFO(key);
    CHECK(std::string(sw[key]["n"].GetString()) == row.name);
    CHECK(sw[key]["v"].GetInt64() == row.cum);
    CHECK(sw[key]["s"].GetInt64() == tree->self);
    REQUIRE(sw[key].HasMember("c") == !tree->children.empty());
    if (!tree->children.empty()) {
      CHECK(sw[key]["c"].Size() == tree->children.size());
      CHECK(std::string(sw[key]["c"][0]["n"].GetString()) == tree->children[0].name);
      CHECK(sw[key]["c"][0]["v"].GetInt64() == tree->children[0].total);
    }
  }
  CHECK(sw["callers"].HasMember("c"));  // a heap function has callers
  // A function not in the view: an empty sandwich, not an error.
  auto none = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&sandwich=no.such.function"));
  CHECK(none["sandwich"]["cum"].GetInt64() == 0);
  CHECK(!none["sandwich"]["callers"].HasMember("c"));

  for (std::string bad :
       std::vector<std::string>{"&tags=2", "&tags=yes", "&sandwich=" + std::string(2000, 'x')}) {
    INFO(bad);
    CHECK(f.Get("/api/analysis?id=" + f.heap1_ + bad).status == 400);
  }
}

namespace {

const std::vector<std::pair<std::string, std::string>> kCpuTypes = {{"cpu", "nanoseconds"}};

// `profile` archived in `f`'s archive (a cpu profile of app "src"); its ID.
std::string AddBuilt(ApiFixture& f, const pprof::Profile& profile, int64_t ts) {
  archive::ArchiveWriter w(f.dir_.path());
  archive::Sidecar s;
  s.profile_type = "profile";
  s.job = "j";
  s.app = "src";
  s.host = "h:3";
  s.timestamp_ms = ts;
  for (auto& t : pprof::Summarize(profile, "profile").sample_types) {
    s.sample_types.push_back({t.name, t.type, t.unit, t.total});
  }
  auto written = w.Write(pprof::EncodeProfile(profile), s);
  REQUIRE(written.ok());
  f.index_.Refresh();
  return written->id;
}

// A service whose handler's source is under a source path (after the trim
// path /build), whose other functions name files outside it.
pprof::Profile WithSourceFiles() {
  using testing::ProfileBuilder;
  return ProfileBuilder(kCpuTypes)
      .Source("main.handler", "/build/app/handler.go", 3)
      .Source("main.handler2", "/build/app/handler.go", 12)
      .Source("main.passwd", "/etc/passwd", 1)
      .Source("main.dotdot", "../../../../../../../../../etc/passwd", 1)
      .Sample({"main.handler@5", "main.main"}, {400'000'000})
      .Sample({"main.handler@9", "main.main"}, {50'000'000})
      .Sample({"main.handler2@14", "main.handler@7", "main.main"}, {100'000'000})
      .Sample({"main.passwd@1", "main.main"}, {10'000'000})
      .Sample({"main.dotdot@2", "main.main"}, {10'000'000})
      .Build();
}

}  // namespace

TEST_CASE("analysis gives pprof's peek when asked", "[api]") {
  ApiFixture f;
  auto profile = pprof::DecodeProfile(testing::ReadTestData("cpu.pb.gz"));
  REQUIRE(profile.ok());
  auto top = pprof::Top(*profile, {});
  REQUIRE(top.ok());
  REQUIRE(top->rows.size() > 3);
  auto plain = Json(f.Get("/api/analysis?id=" + f.cpu_));
  CHECK(!plain.HasMember("peek"));
  CHECK(!plain.HasMember("list"));

  // Two functions of the top table by an expression: pprof's peek of both,
  // its text what `cprofiler top --peek` (and go tool pprof -peek) prints.
  const std::string re =
      pprof::ExactNameRegex(top->rows[1].name) + "|" + pprof::ExactNameRegex(top->rows[3].name);
  auto d = Json(f.Get("/api/analysis?id=" + f.cpu_ + "&peek=" + PercentEncode(re)));
  auto want = pprof::Peek(*profile, {}, re);
  REQUIRE(want.ok());
  REQUIRE(want->entries.size() == 2);
  const auto& peek = d["peek"];
  CHECK(std::string(peek["regex"].GetString()) == re);
  CHECK(std::string(peek["error"].GetString()).empty());
  CHECK(std::string(peek["text"].GetString()) == pprof::FormatPeekText(*profile, *want));
  CHECK(peek["more_functions"].GetInt64() == 0);
  const std::string text = peek["text"].GetString();
  REQUIRE(peek["entries"].Size() == 2);
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const pprof::PeekEntry& e = want->entries[i];
    const auto& got = peek["entries"][i];
    INFO(e.node.name);
    CHECK(std::string(got["name"].GetString()) == e.node.name);
    CHECK(got["flat"].GetInt64() == e.node.flat);
    CHECK(got["cum"].GetInt64() == e.node.cum);
    CHECK(std::string(got["cum_formatted"].GetString()) == want->top.FormatValue(e.node.cum));
    for (auto [key, edges] : {std::pair{"callers", &e.callers}, {"callees", &e.callees}}) {
      REQUIRE(got[key].Size() == edges->size());
      for (rapidjson::SizeType k = 0; k < edges->size(); ++k) {
        const auto& edge = got[key][k];
        CHECK(std::string(edge["name"].GetString()) == (*edges)[k].name);
        CHECK(edge["weight"].GetInt64() == (*edges)[k].weight);
        // Each edge a line of the text: "VALUE SHARE |   NAME".
        CHECK(text.find(std::string(edge["formatted"].GetString()) + " " +
                        edge["share"].GetString() + " |   " + (*edges)[k].name) !=
              std::string::npos);
      }
    }
  }
  CHECK(peek["entries"][0]["callers"].Size() + peek["entries"][0]["callees"].Size() > 0);

  // The filters of the analysis apply; a name matching none is no error.
  auto ignored = Json(f.Get("/api/analysis?id=" + f.cpu_ + "&peek=" + PercentEncode(re) +
                            "&ignore=" + PercentEncode(top->rows[1].name)));
  pprof::ReportOptions ignoring;
  ignoring.ignore = top->rows[1].name;
  auto want_ignored = pprof::Peek(*profile, ignoring, re);
  CHECK(std::string(ignored["peek"]["text"].GetString()) ==
        (want_ignored.ok() ? pprof::FormatPeekText(*profile, *want_ignored) : ""));
  auto none = Json(f.Get("/api/analysis?id=" + f.cpu_ + "&peek=no.such.function"));
  CHECK(std::string(none["peek"]["error"].GetString()) ==
        "no matches found for regexp: no.such.function");
  CHECK(none["peek"]["entries"].Size() == 0);

  // Bounded: "." matches every function, at most kMaxPeekFunctions shown.
  using testing::ProfileBuilder;
  ProfileBuilder many(kCpuTypes);
  many.Sample({"hub"}, {100000});  // the largest flat: the first entry
  for (int i = 0; i < 120; ++i) many.Sample({"f" + std::to_string(i), "hub"}, {i + 1});
  const std::string many_id = AddBuilt(f, many.Build(), kT0 + 5000);
  auto all = Json(f.Get("/api/analysis?id=" + many_id + "&peek=."));
  CHECK(all["peek"]["entries"].Size() == pprof::kMaxPeekFunctions);
  CHECK(all["peek"]["more_functions"].GetInt64() == 121 - int64_t{pprof::kMaxPeekFunctions});
  const auto& hub = all["peek"]["entries"][0];
  CHECK(std::string(hub["name"].GetString()) == "hub");
  CHECK(hub["callees"].Size() == pprof::kMaxPeekEdges);
  CHECK(hub["more_callees"].GetInt64() == 120 - int64_t{pprof::kMaxPeekEdges});
  CHECK(std::string(hub["callees"][0]["name"].GetString()) == "f119");  // the heaviest first

  for (std::string bad : std::vector<std::string>{"&peek=(", "&peek=" + std::string(2000, 'x'),
                                                  "&list=(", "&source=a&list=a"}) {
    INFO(bad);
    CHECK(f.Get("/api/analysis?id=" + f.cpu_ + bad).status == 400);
  }
}

TEST_CASE("analysis gives pprof's list, reading sources under the source path only", "[api]") {
  ApiFixture f;
  testing::TempDir src;
  std::filesystem::create_directories(src.path() / "app");
  std::string handler;
  for (int i = 1; i <= 20; ++i) handler += "\tline " + std::to_string(i) + "\n";
  std::ofstream(src.path() / "app/handler.go") << handler;
  const pprof::Profile profile = WithSourceFiles();
  const std::string id = AddBuilt(f, profile, kT0 + 4000);
  pprof::SourceOptions cli;  // what cprofiler top --list (go tool pprof -list) reads
  cli.source_path = src.path().string();
  cli.trim_path = "/build";
  f.options_.source.source_path = cli.source_path;
  f.options_.source.trim_path = cli.trim_path;

  // list=RE: the lines of each file as pprof's list has them, its text
  // pprof's text.
  auto d = Json(f.Get("/api/analysis?id=" + id + "&list=handler"));
  auto want = pprof::List(profile, {}, "handler", cli);
  REQUIRE(want.ok());
  const auto& list = d["list"];
  CHECK(std::string(list["text"].GetString()) == pprof::FormatListText(*want));
  CHECK(std::string(list["total_formatted"].GetString()) == "570ms");
  REQUIRE(list["functions"].Size() == 2);
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const pprof::ListFile& file = want->functions[i].files.at(0);
    const auto& got = list["functions"][i]["files"][0];
    CHECK(std::string(list["functions"][i]["name"].GetString()) == want->functions[i].name);
    CHECK(std::string(got["file"].GetString()) == "app/handler.go");
    CHECK(std::string(got["error"].GetString()).empty());
    CHECK(got["cum"].GetInt64() == file.cum);
    REQUIRE(got["lines"].Size() == file.lines.size());
    for (rapidjson::SizeType k = 0; k < file.lines.size(); ++k) {
      const auto& line = got["lines"][k];
      CHECK(line["n"].GetInt() == file.lines[k].number);
      CHECK(line["flat"].GetInt64() == file.lines[k].flat);
      CHECK(line["cum"].GetInt64() == file.lines[k].cum);
      CHECK(std::string(line["text"].GetString()) == file.lines[k].text);
      CHECK(std::string(line["cum_formatted"].GetString()) ==
            (file.lines[k].cum == 0 ? "." : want->FormatValue(file.lines[k].cum)));
    }
  }
  const auto& line5 = list["functions"][0]["files"][0]["lines"][2];  // from line 3
  CHECK(line5["n"].GetInt() == 5);
  CHECK(std::string(line5["flat_formatted"].GetString()) == "400ms");
  CHECK(std::string(line5["text"].GetString()) == "\tline 5");

  // source=FUNC: that function alone, by its exact name.
  auto one = Json(f.Get("/api/analysis?id=" + id + "&source=main.handler"));
  REQUIRE(one["list"]["functions"].Size() == 1);
  CHECK(std::string(one["list"]["functions"][0]["name"].GetString()) == "main.handler");
  CHECK(std::string(one["list"]["regex"].GetString()) == "^main\\.handler$");

  // Files outside the source path are never read: their sampled lines
  // with values, no text, pprof's error; what pprof would read is not in
  // the answer.
  REQUIRE(pprof::List(profile, {}, "passwd|dotdot", cli).ok());
  Response outside = f.Get("/api/analysis?id=" + id + "&list=passwd|dotdot");
  REQUIRE(outside.status == 200);
  CHECK(outside.body.find("root:") == std::string::npos);
  auto o = Json(outside);
  REQUIRE(o["list"]["functions"].Size() == 2);
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& file = o["list"]["functions"][i]["files"][0];
    INFO(file["file"].GetString());
    CHECK_THAT(std::string(file["error"].GetString()),
               Catch::Contains("not found under the source path") ||
                   Catch::StartsWith("could not find file"));
    REQUIRE(file["lines"].Size() == 1);
    CHECK(!file["lines"][0].HasMember("text"));
    CHECK(file["lines"][0]["cum"].GetInt64() == 10'000'000);
    CHECK(std::string(file["lines"][0]["cum_formatted"].GetString()) == "10ms");
  }
  CHECK(o["list"]["functions"][1]["files"][0]["lines"][0]["n"].GetInt() == 1);  // passwd@1
  CHECK(o["list"]["functions"][0]["files"][0]["lines"][0]["n"].GetInt() == 2);  // dotdot@2

  // Without a source path: the same lines without text, for every file.
  ApiFixture bare;
  const std::string bare_id = AddBuilt(bare, profile, kT0 + 4000);
  auto b = Json(bare.Get("/api/analysis?id=" + bare_id + "&source=main.handler"));
  const auto& bfile = b["list"]["functions"][0]["files"][0];
  CHECK(std::string(bfile["error"].GetString()) ==
        "no source path to read /build/app/handler.go from");
  REQUIRE(bfile["lines"].Size() == 3);  // lines 5, 7 and 9
  CHECK(bfile["lines"][0]["n"].GetInt() == 5);
  CHECK(bfile["lines"][1]["n"].GetInt() == 7);
  CHECK(bfile["lines"][1]["cum"].GetInt64() == 100'000'000);
  CHECK(bfile["lines"][2]["flat"].GetInt64() == 50'000'000);
  CHECK(!bfile["lines"][0].HasMember("text"));

  // Bounded: "." lists at most kMaxListFunctions functions.
  using testing::ProfileBuilder;
  ProfileBuilder many(kCpuTypes);
  for (int i = 0; i < 30; ++i) many.Sample({"f" + std::to_string(i), "main.main"}, {i + 1});
  const std::string many_id = AddBuilt(f, many.Build(), kT0 + 6000);
  auto all = Json(f.Get("/api/analysis?id=" + many_id + "&list=."));
  CHECK(all["list"]["functions"].Size() == pprof::kMaxListFunctions);
  CHECK(all["list"]["more_functions"].GetInt64() == 31 - int64_t{pprof::kMaxListFunctions});
  auto none = Json(f.Get("/api/analysis?id=" + id + "&list=no.such"));
  CHECK(std::string(none["list"]["error"].GetString()) == "no matches found for regexp: no.such");
}

TEST_CASE("analysis groups by label values with tagroot, as pprof -tagroot", "[api]") {
  ApiFixture f;
  auto profile = pprof::DecodeProfile(testing::ReadTestData("heap.pb.gz"));
  REQUIRE(profile.ok());
  pprof::ReportOptions options;
  options.sample_index = "alloc_space";
  // Go's heap samples carry a numeric "bytes" label: a root frame per size.
  pprof::Profile grouped = *profile;
  REQUIRE(pprof::AddLabelNodes(grouped, {"bytes"}, {}).root);
  auto want = pprof::Analyze(grouped, options, pprof::kDefaultFlameNodes);
  REQUIRE(want.ok());
  REQUIRE(want->flame.children.size() > 1);

  auto d = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&si=alloc_space&tagroot=bytes"));
  const auto& roots = d["flame"]["c"];
  REQUIRE(roots.Size() == want->flame.children.size());
  for (rapidjson::SizeType i = 0; i < roots.Size(); ++i) {
    INFO(i);
    CHECK(std::string(roots[i]["n"].GetString()) == want->flame.children[i].name);
    CHECK(roots[i]["v"].GetInt64() == want->flame.children[i].total);
  }
  CHECK(d["top"]["rows"].Size() == want->top.rows.size());
  // The frames are the label values, as pprof scales them ("16kB" is 16384).
  for (const pprof::FlameNode& root : want->flame.children) {
    INFO(root.name);
    CHECK((root.name == "<unknown>" || std::isdigit(static_cast<unsigned char>(root.name[0]))));
  }
  // The filters see the label frames, as pprof's (they are added first).
  const std::string first = want->flame.children[0].name;
  auto focused = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&si=alloc_space&tagroot=bytes" +
                            "&focus=" + PercentEncode("^" + first + "$")));
  CHECK(focused["flame"]["c"].Size() == 1);
  CHECK(focused["flame"]["v"].GetInt64() == want->flame.children[0].total);
  // No such key: every sample under one "<unknown>" root, not an error.
  auto none = Json(f.Get("/api/analysis?id=" + f.heap1_ + "&tagroot=no.such.key"));
  REQUIRE(none["flame"]["c"].Size() == 1);
  CHECK(std::string(none["flame"]["c"][0]["n"].GetString()) == "<unknown>");
  for (std::string bad : std::vector<std::string>{"&tagroot=" + std::string(2000, 'x'),
                                                  "&tagleaf=" + std::string(2000, 'x')}) {
    INFO(bad.substr(0, 12));
    CHECK(f.Get("/api/analysis?id=" + f.heap1_ + bad).status == 400);
  }
}

namespace {

// pprof's escapeForDot, as dot.cc writes labels and tooltips.
std::string EscapeForDot(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\l" : std::string(1, c);
  }
  return out;
}

// The nodes, tag boxes and edges of a dot text (FormatDot, which is go tool
// pprof -dot's text), each node and edge as the line's attributes.
struct ParsedDot {
  struct Node {
    int id;
    std::string label, tooltip, color, fillcolor;
    int fontsize;
  };
  struct Edge {
    int from, to;
    std::string weight, color, tooltip;
    bool inlined, dotted;
    int layout_weight, penwidth, minlen;
  };
  std::vector<Node> nodes;
  std::map<int, std::vector<std::string>> tags;  // node id -> its boxes' ids
  std::vector<Edge> edges;
};

ParsedDot ParseDot(const std::string& text) {
  static const std::regex kNode(
      R"re(^N(\d+) \[label="((?:[^"\\]|\\.)*)" id="node\1" fontsize=(\d+) shape=box )re"
      R"re(tooltip="((?:[^"\\]|\\.)*)" )re"
      R"re(color="(#[0-9a-f]{6})" fillcolor="(#[0-9a-f]{6})"\]$)re");
  static const std::regex kTag(R"re(^N?N(\d+)((_\d+)+) \[label = ")re");
  static const std::regex kEdge(
      R"re(^N(\d+) -> N(\d+) \[label=" ([^"\\]*)(\\n \(inline\))?"( weight=(\d+))?)re"
      R"re(( penwidth=(\d+))?( color="(#[0-9a-f]{6})")? tooltip="((?:[^"\\]|\\.)*)")re"
      R"re( labeltooltip="((?:[^"\\]|\\.)*)")re"
      R"re(( style="dotted")?( minlen=(\d+))?\]$)re");
  ParsedDot d;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kNode)) {
      d.nodes.push_back({std::stoi(m[1]), m[2], m[4], m[5], m[6], std::stoi(m[3])});
    } else if (std::regex_match(line, m, kEdge)) {
      d.edges.push_back({std::stoi(m[1]), std::stoi(m[2]), m[3], m[10], m[11], m[4].matched,
                         m[13].matched, m[6].matched ? std::stoi(m[6]) : 1,
                         m[8].matched ? std::stoi(m[8]) : 1, m[15].matched ? std::stoi(m[15]) : 1});
    } else if (std::regex_search(line, m, kTag)) {
      d.tags[std::stoi(m[1])].push_back(line.substr(0, line.find(' ')));
    }
  }
  return d;
}

}  // namespace

TEST_CASE("analysis gives go tool pprof -dot's graph when asked", "[api]") {
  ApiFixture f;
  CHECK(!Json(f.Get("/api/analysis?id=" + f.heap1_)).HasMember("graph"));

  struct Case {
    std::string id, file, query;   // the query's parameters besides id and graph
    pprof::ReportOptions options;  // the same, for pprof::Dot
  };
  auto with = [](std::string si, int node_count, std::string focus = "", std::string hide = "") {
    pprof::ReportOptions o;
    o.sample_index = std::move(si);
    o.node_count = node_count;
    o.focus = std::move(focus);
    o.hide = std::move(hide);
    return o;
  };
  const std::vector<Case> cases = {
      {f.heap1_, "heap.pb.gz", "&si=alloc_space", with("alloc_space", pprof::kDotNodeCount)},
      {f.heap1_, "heap.pb.gz", "&si=inuse_space&nodecount=4", with("inuse_space", 4)},
      {f.heap1_, "heap.pb.gz", "&si=alloc_objects&nodecount=0", with("alloc_objects", 0)},
      {f.cpu_, "cpu.pb.gz", "", with("", pprof::kDotNodeCount)},
      {f.cpu_, "cpu.pb.gz", "&nodecount=3", with("", 3)},
      {f.cpu_, "cpu.pb.gz", "&nodecount=8&focus=sha256", with("", 8, "sha256")},
      {f.cpu_, "cpu.pb.gz", "&hide=runtime", with("", pprof::kDotNodeCount, "", "runtime")},
  };
  int residual = 0, tagged = 0;
  for (const Case& c : cases) {
    INFO(c.file << c.query);
    auto profile = pprof::DecodeProfile(testing::ReadTestData(c.file));
    REQUIRE(profile.ok());
    auto dot = pprof::Dot(*profile, c.options);
    REQUIRE(dot.ok());
    const ParsedDot want = ParseDot(pprof::FormatDot(*dot));
    REQUIRE(!want.nodes.empty());
    // (every line of the text parsed)
    REQUIRE(want.nodes.size() == dot->nodes.size());
    REQUIRE(want.edges.size() == dot->edges.size());

    Response r = f.Get("/api/analysis?id=" + c.id + "&graph=1" + c.query);
    REQUIRE(r.status == 200);
    auto d = Json(r);
    const auto& g = d["graph"];
    CHECK(g["node_count"].GetInt() == c.options.node_count);
    CHECK(g["total"].GetInt64() == dot->total);
    REQUIRE(g["legend"].Size() == dot->legend.size());
    for (rapidjson::SizeType i = 0; i < g["legend"].Size(); ++i) {
      CHECK(std::string(g["legend"][i].GetString()) == dot->legend[i]);
    }
    // The same nodes as the dot text, in its order, drawn alike.
    REQUIRE(g["nodes"].Size() == want.nodes.size());
    for (rapidjson::SizeType i = 0; i < g["nodes"].Size(); ++i) {
      const auto& n = g["nodes"][i];
      const ParsedDot::Node& w = want.nodes[i];
      INFO(w.tooltip);
      CHECK(n["id"].GetInt() == w.id);
      std::string label;
      for (const auto& line : n["lines"].GetArray())
        label += EscapeForDot(line.GetString()) + "\\n";
      for (rapidjson::SizeType k = 0; k < n["values"].Size(); ++k) {
        label += (k > 0 ? "\\n" : "") + std::string(n["values"][k].GetString());
      }
      CHECK(label == w.label);
      CHECK(EscapeForDot(n["tooltip"].GetString()) == w.tooltip);
      CHECK(EscapeForDot(n["name"].GetString()) + " (" + n["cum_formatted"].GetString() + ")" ==
            w.tooltip);
      CHECK(n["fontsize"].GetInt() == w.fontsize);
      CHECK(std::string(n["color"].GetString()) == w.color);
      CHECK(std::string(n["fillcolor"].GetString()) == w.fillcolor);
      std::vector<std::string> tags;
      for (const auto& t : n["tags"].GetArray()) tags.push_back(t["id"].GetString());
      const auto boxes = want.tags.find(w.id);
      CHECK(tags == (boxes == want.tags.end() ? std::vector<std::string>{} : boxes->second));
      tagged += !tags.empty();
    }
    // The same edges, in its order.
    REQUIRE(g["edges"].Size() == want.edges.size());
    for (rapidjson::SizeType i = 0; i < g["edges"].Size(); ++i) {
      const auto& e = g["edges"][i];
      const ParsedDot::Edge& w = want.edges[i];
      INFO(w.tooltip);
      CHECK(e["from"].GetInt() == w.from);
      CHECK(e["to"].GetInt() == w.to);
      CHECK(std::string(e["formatted"].GetString()) == w.weight);
      CHECK(e["inline"].GetBool() == w.inlined);
      CHECK(e["residual"].GetBool() == w.dotted);
      CHECK(e["layout_weight"].GetInt() == w.layout_weight);
      CHECK(e["penwidth"].GetInt() == w.penwidth);
      CHECK(e["minlen"].GetInt() == w.minlen);
      CHECK(std::string(e["color"].GetString()) == w.color);
      CHECK(EscapeForDot(e["tooltip"].GetString()) == w.tooltip);
      residual += w.dotted;
    }
  }
  // The cases hold residual edges and tag boxes.
  CHECK(residual > 0);
  CHECK(tagged > 0);

  for (std::string bad : std::vector<std::string>{"&graph=2", "&graph=yes", "&graph=1&nodecount=x",
                                                  "&graph=1&nodecount=-1", "&graph=1&focus=("}) {
    INFO(bad);
    CHECK(f.Get("/api/analysis?id=" + f.heap1_ + bad).status == 400);
  }
}

TEST_CASE("merge format=pgo: Go's PGO form, or a 400 saying why not", "[api]") {
  ApiFixture f;
  // The fixture is Go 1.19's: no start lines, which the compiler refuses.
  Response old_go = f.Get("/api/merge?id=" + f.cpu_ + "&format=pgo");
  CHECK(old_go.status == 400);
  CHECK_THAT(old_go.body, Catch::Contains("start line"));
  CHECK(f.Get("/api/merge?id=" + f.heap1_ + "&format=pgo").status == 400);  // not CPU
  for (std::string bad :
       std::vector<std::string>{"&format=folded", "&format=pprof&pgo_keep=5",
                                "&format=pgo&pgo_keep=1", "&format=pgo&pgo_keep=x"}) {
    INFO(bad);
    CHECK(f.Get("/api/merge?id=" + f.cpu_ + bad).status == 400);
  }
  Response pprof = f.Get("/api/merge?id=" + f.cpu_ + "&format=pprof");
  CHECK(pprof.body == testing::ReadTestData("cpu.pb.gz"));
}

TEST_CASE("merge and meta", "[api]") {
  ApiFixture f;
  Response one = f.Get("/api/merge?id=" + f.heap1_);
  CHECK(one.body == testing::ReadTestData("heap.pb.gz"));
  Response two = f.Get("/api/merge?id=" + f.heap1_ + "&id=" + f.heap2_);
  REQUIRE(two.status == 200);
  auto merged = pprof::DecodeProfile(two.body);
  REQUIRE(merged.ok());
  auto single = pprof::DecodeProfile(one.body);
  pprof::ReportOptions o;
  CHECK(pprof::Top(*merged, o)->total == 2 * pprof::Top(*single, o)->total);

  auto meta = Json(f.Get("/api/meta/" + f.cpu_));
  CHECK(std::string(meta["profile_type"].GetString()) == "profile");
  CHECK(std::string(meta["sample_types"][1]["name"].GetString()) == "profile_cpu");
  CHECK(std::string(meta["labels"]["env"].GetString()) == "dev");
  auto trace = Json(f.Get("/api/meta/" + f.trace_));
  CHECK(std::string(trace["sample_types"][0]["name"].GetString()) == "trace");
  CHECK(trace["sample_types"][0]["total"].GetInt64() == 11);
}

TEST_CASE("profile_types serves the profile-type table: a trace the one not mergeable", "[api]") {
  ApiFixture f;
  Response r = f.Get("/api/profile_types");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  auto types = Json(r);
  REQUIRE(types.IsArray());
  REQUIRE(types.Size() == kProfileTypes.size());
  std::map<std::string, const rapidjson::Value*> by_name;
  for (size_t i = 0; i < types.Size(); ++i) {
    const rapidjson::Value& row = types[i];
    const ProfileType& want = kProfileTypes[i];
    INFO(want.name);
    CHECK(row["name"].GetString() == want.name);  // the table's order
    CHECK(row["suffix"].GetString() == want.suffix);
    CHECK(row["default_path"].GetString() == want.default_path);
    CHECK(row["in_all"].GetBool() == want.in_all);
    CHECK(row["mergeable"].GetBool() == want.mergeable);
    CHECK(row["optional"].GetBool() == want.optional);
    by_name[row["name"].GetString()] = &row;
  }
  CHECK_FALSE((*by_name.at("trace"))["mergeable"].GetBool());
  for (const char* name : {"profile", "heap", "allocs", "goroutine", "mutex", "block",
                           "threadcreate", "fgprof", "goroutineleak"}) {
    INFO(name);
    CHECK((*by_name.at(name))["mergeable"].GetBool());
  }
  CHECK(std::string((*by_name.at("profile"))["cumulative"].GetString()) == "none");
  CHECK(std::string((*by_name.at("heap"))["cumulative"].GetString()) == "allocs");
  CHECK(std::string((*by_name.at("mutex"))["cumulative"].GetString()) == "all");
  // What the column says is what the analysis routes do.
  CHECK(f.Get("/api/analysis?id=" + f.trace_).status == 400);
  CHECK(f.Get("/api/analysis?id=" + f.heap1_).status == 200);
}

TEST_CASE("profefe routes", "[api][profefe]") {
  ApiFixture f;
  auto list =
      Json(f.Get("/api/0/profiles?service=shop&type=heap&from=2026-11-22T00:00:00"
                 "&to=2026-11-23T00:00:00"));
  CHECK(list["code"].GetInt() == 200);
  REQUIRE(list["body"].Size() == 2);
  CHECK(std::string(list["body"][0]["id"].GetString()) == f.heap1_);
  CHECK(std::string(list["body"][0]["type"].GetString()) == "heap");
  CHECK(std::string(list["body"][0]["service"].GetString()) == "shop");
  CHECK(std::string(list["body"][0]["labels"][0]["key"].GetString()) == "env");
  CHECK(std::string(list["body"][0]["created_at"].GetString()) == "2026-11-22T10:00:00Z");
  auto cpu = Json(f.Get(
      "/api/0/profiles?service=shop&type=cpu&from=2026-11-22T00:00:00&to=2026-11-23T00:00:00"));
  REQUIRE(cpu["body"].Size() == 1);
  CHECK(std::string(cpu["body"][0]["type"].GetString()) == "cpu");
  auto all = Json(f.Get(
      "/api/0/profiles?service=shop&from=2026-11-22T00:00:00&to=2026-11-23T00:00:00&limit=2"));
  CHECK(all["body"].Size() == 2);

  Response merged = f.Get(
      "/api/0/profiles/merge?service=shop&type=heap"
      "&from=2026-11-22T00:00:00&to=2026-11-23T00:00:00&labels=env=dev");
  REQUIRE(merged.status == 200);
  CHECK(pprof::DecodeProfile(merged.body).ok());
  CHECK(f.Get("/api/0/profiles/" + f.heap1_).body == testing::ReadTestData("heap.pb.gz"));
  Response plus = f.Get("/api/0/profiles/" + f.heap1_ + "+" + f.heap2_);
  REQUIRE(plus.status == 200);
  CHECK(pprof::DecodeProfile(plus.body).ok());
  CHECK(Json(f.Get("/api/0/services")).GetObject()["body"].Size() == 2);

  for (std::string bad : std::vector<std::string>{
           "/api/0/profiles?type=heap&from=2026-11-22T00:00:00",
           "/api/0/profiles?service=shop&type=nope&from=2026-11-22T00:00:00",
           "/api/0/profiles?service=shop&from=yesterday", "/api/0/profiles?service=shop",
           "/api/0/profiles?service=shop&from=2026-11-22T00:00:00&limit=-1",
           "/api/0/profiles?service=shop&from=2026-11-22T00:00:00&labels=x",
           "/api/0/profiles/merge?service=shop&from=2026-11-22T00:00:00"}) {
    INFO(bad);
    Response r = f.Get(bad);
    CHECK(r.status == 400);
    CHECK(Json(r)["code"].GetInt() == 400);
  }
  CHECK(f.Get("/api/0/profiles/merge?service=nobody&type=heap&from=2026-11-22T00:00:00"
              "&to=2026-11-23T00:00:00")
            .status == 404);
}

TEST_CASE("Pages, assets, CORS and methods", "[api]") {
  ApiFixture f;
  testing::TempDir web;
  { std::ofstream(web.path() / "index.html") << "<!doctype html>overview"; }
  { std::ofstream(web.path() / "analysis.html") << "<!doctype html>analysis"; }
  { std::ofstream(web.path() / "app.js") << "export {}"; }
  f.options_.web_dir = web.path();
  Response index = f.Get("/");
  CHECK(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(index.body.find("overview") != std::string::npos);
  CHECK(!Header(index, "Content-Security-Policy").empty());
  CHECK(f.Get("/ui/app.js").content_type == "text/javascript; charset=utf-8");
  CHECK(f.Get("/api/pprof/ui/" + f.heap1_ + "/").body.find("analysis") != std::string::npos);
  CHECK(f.Get("/api/pprof/ui/" + f.heap1_ + "/?si=inuse_space").status == 200);
  CHECK(f.Get("/api/pprof/ui/not-an-id/").status == 200);  // the page says so
  CHECK(f.Get("/analysis").status == 200);
  CHECK(f.Get("/ui/missing.js").status == 404);
  CHECK(f.Get("/no/such/route").status == 404);

  // No allowed origins (the default): no CORS headers for another origin
  // (server/cors_test.cc has the rules with a list).
  Response cors = f.Get("/api/targets", "http://example.test");
  CHECK(cors.status == 200);
  CHECK(Header(cors, "Access-Control-Allow-Origin").empty());
  CHECK(Header(cors, "Access-Control-Allow-Credentials").empty());
  CHECK(Header(f.Get("/api/targets"), "Access-Control-Allow-Origin").empty());

  Request options;
  options.method = "OPTIONS";
  options.path = "/api/targets";
  CHECK(f.api().Handle(options).status == 204);
  Request post;
  post.method = "POST";
  post.path = "/api/targets";
  CHECK(f.api().Handle(post).status == 405);
}

TEST_CASE("New entries appear after a refresh, pruned ones disappear", "[api]") {
  ApiFixture f;
  auto count = [&] {
    auto d = Json(f.Get(std::string("/api/profile_meta/profile_cpu?") + kRange));
    return d.Size() == 0 ? 0u : d[0]["ProfileMetas"].Size();
  };
  CHECK(count() == 1);
  archive::ArchiveWriter w(f.dir_.path());
  archive::Sidecar s;
  s.profile_type = "profile";
  s.job = "j";
  s.app = "shop";
  s.host = "h:1";
  s.labels = {{"env", "dev"}};
  s.timestamp_ms = kT0 + 5000;
  s.sample_types = {{"profile_cpu", "cpu", "nanoseconds", 5}};
  auto written = w.Write(testing::ReadTestData("cpu.pb.gz") + "", s);
  // Same bytes as the first cpu entry, different time: a new entry.
  REQUIRE(written.ok());
  f.index_.Refresh();
  CHECK(count() == 2);
  // Pruned between the index and the request: 404, not 500.
  auto key = archive::ParseId(written->id);
  fs::path dir = f.dir_.path() / archive::EntryDir(*key);
  fs::remove(dir / archive::SidecarFileName(*key));
  fs::remove(dir / archive::ProfileFileName(*key));
  CHECK(f.Get("/api/download/" + written->id).status == 404);
  CHECK(f.Get("/api/analysis?sample_type=profile_cpu&" + std::string(kRange)).status == 404);
  f.index_.Refresh();
  CHECK(count() == 1);
}

// serve listens before it has read the archive: what needs the index waits
// for that read (503 past index_wait), the rest answers at once.
TEST_CASE("Before the archive is read: healthz answers, index routes wait, then 503", "[api]") {
  testing::TempDir dir;
  ArchiveIndex index(dir.path(), nullptr);
  ApiOptions options;
  options.index_wait = std::chrono::milliseconds(50);
  Api api(&index, options);
  auto get = [&](const std::string& path, const std::string& query = "") {
    Request req;
    req.path = path;
    req.params = *QueryParams::Parse(query);
    return api.Handle(req);
  };
  CHECK(get("/api/healthz").status == 200);
  CHECK(get("/").status == 200);
  // (/api/targets is the scraper's state file: it needs no index)
  CHECK(get("/api/targets").status == 200);
  for (const char* path : {"/api/sample_types", "/api/group_labels", "/api/0/services"}) {
    INFO(path);
    Response r = get(path);
    CHECK(r.status == 503);
    CHECK_THAT(r.body, Catch::Contains("still being read"));
  }
  CHECK(get("/api/profile_meta/goroutine", kRange).status == 503);
  // A profile by ID needs no index (it names its file).
  archive::Sidecar s;
  s.profile_type = "goroutine";
  s.job = "j";
  s.app = "a";
  s.host = "h:1";
  s.timestamp_ms = kT0;
  s.sample_types = {{"goroutine", "goroutine", "count", 1}};
  auto written =
      archive::ArchiveWriter(dir.path()).Write(testing::ReadTestData("goroutine.pb.gz"), s);
  REQUIRE(written.ok());
  CHECK(get("/api/download/" + written->id).status == 200);
  CHECK(get("/api/meta/" + written->id).status == 200);
  CHECK(get("/api/analysis", "id=" + written->id).status == 200);
  CHECK(get("/api/analysis", "id=" + written->id + "&interval=1").status == 503);
  CHECK(get("/api/analysis", std::string("sample_type=goroutine&") + kRange).status == 503);
  // A bad request is a 400 at once, not a 503 after a wait.
  CHECK(get("/api/analysis", "sample_type=goroutine&start_time=x&end_time=y").status == 400);
  CHECK(get("/api/analysis", std::string("sample_type=goroutine&maxnodes=0&") + kRange).status ==
        400);
  CHECK(get("/api/profile_meta/goroutine", "start_time=x&end_time=y").status == 400);
  CHECK(get("/api/readyz").status == 503);
  // A request waiting for the read is answered when it ends.
  options.index_wait = std::chrono::seconds(20);
  Api patient(&index, options);
  Response waited;
  std::thread waiter([&] {
    Request req;
    req.path = "/api/profile_meta/goroutine";
    req.params = *QueryParams::Parse(kRange);
    waited = patient.Handle(req);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  index.Refresh();
  waiter.join();
  CHECK(waited.status == 200);
  CHECK_THAT(waited.body, Catch::Contains(written->id));
  CHECK(get("/api/sample_types").status == 200);
  CHECK(get("/api/readyz").status == 200);
}

// Interval values need each series' snapshot before the range: the days of
// the range are read first, the two days before only for series whose
// predecessor may lie there. Either way the answer is the whole index's.
TEST_CASE("Cumulative profile_meta reads the days before the range only when needed", "[api]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path(), {.durable = false});
  const int64_t day = *ParseRfc3339Ms("2026-11-22T00:00:00Z");
  auto add = [&](const std::string& host, int64_t ts, int64_t total) {
    archive::Sidecar s;
    s.profile_type = "mutex";
    s.job = "j";
    s.app = "a";
    s.host = host;
    s.url = "http://" + host + "/debug/pprof/mutex";
    s.timestamp_ms = ts;
    s.sample_types = {{"mutex_contentions", "contentions", "count", total},
                      {"mutex_delay", "delay", "nanoseconds", total * 1000}};
    REQUIRE(w.Write("mutex " + host + std::to_string(ts), s).ok());
  };
  for (int i = 0; i < 144; ++i) add("busy:1", day + i * 600'000, 10 + i);  // every 10 min
  add("rare:1", day - 3'600'000, 5);                                       // the day before
  add("rare:1", day + 23 * 3'600'000 + 1'800'000, 9);                      // 23:30
  ArchiveIndex whole(dir.path(), nullptr);
  whole.Refresh();
  size_t newest_day_bytes = 0;
  for (const auto& d : whole.Snapshot()->dirs) {
    if (d->day_start_ms == day) newest_day_bytes += d->MemoryBytes();
  }
  // Holds the newest day only; the day before fits when read for a request.
  ArchiveIndex newest(dir.path(), nullptr, {.max_bytes = newest_day_bytes + 1});
  newest.Refresh();
  REQUIRE(newest.Snapshot()->loaded_from_ms == day);
  Api whole_api(&whole, {});
  Api newest_api(&newest, {});
  auto get = [](Api& api, const std::string& query) {
    Request req;
    req.path = "/api/profile_meta/mutex_delay";
    req.params = *QueryParams::Parse(query);
    return api.Handle(req);
  };
  for (std::string q : {"start_time=2026-11-22T23:00:00Z&end_time=2026-11-22T23:59:59Z",
                        "start_time=2026-11-22T23:00:00Z&end_time=2026-11-22T23:59:59Z"
                        "&lbs%5B_host%5D=busy:1"}) {
    INFO(q);
    Response a = get(whole_api, q), b = get(newest_api, q);
    REQUIRE(a.status == 200);
    CHECK(a.body == b.body);
  }
  // rare:1's 23:30 snapshot: its interval starts the day before.
  CHECK_THAT(get(newest_api, "start_time=2026-11-22T23:00:00Z&end_time=2026-11-22T23:59:59Z").body,
             Catch::Contains("\"Value\":9000,\"Timestamp\":1795390200000,\"Duration\":0,"
                             "\"Cumulative\":true,\"DeltaValue\":4000"));
}

// /api/series: per group and bucket, the aggregate of the values
// profile_meta lists (its DeltaValues for a cumulative type), from the
// index alone.
TEST_CASE("series aggregates profile_meta's values by group and bucket", "[api]") {
  testing::TempDir dir;
  archive::ArchiveWriter w(dir.path(), {.durable = false});
  const int64_t t0 = *ParseRfc3339Ms("2026-11-22T10:00:00Z");
  for (int app = 0; app < 3; ++app) {
    for (int host = 0; host < 2; ++host) {
      for (int i = 0; i < 24; ++i) {  // every 5 minutes, two hours
        archive::Sidecar s;
        s.job = "j";
        s.app = "app-" + std::to_string(app);
        s.host = "10.0.0." + std::to_string(host) + ":6060";
        s.labels = {{"zone", host == 0 ? "a" : "b"}};
        s.timestamp_ms = t0 + i * 300'000 + host * 1000;
        s.profile_type = "heap";
        s.url = "http://" + s.host + "/debug/pprof/heap";
        const int64_t v = 100 * (app + 1) + 7 * ((i * (host + 3)) % 11);
        s.sample_types = {{"heap_inuse_space", "inuse_space", "bytes", v}};
        REQUIRE(w.Stage("heap" + std::to_string(app * 1000 + host * 100 + i), s).ok());
        s.profile_type = "mutex";
        s.url = "http://" + s.host + "/debug/pprof/mutex";
        const int64_t total = (i < 15 ? i : i - 15) * (app + 2) * 10 + host;  // a restart at 15
        s.sample_types = {{"mutex_delay", "delay", "nanoseconds", total}};
        REQUIRE(w.Stage("mutex" + std::to_string(app * 1000 + host * 100 + i), s).ok());
      }
    }
  }
  REQUIRE(w.Commit().failed.empty());
  ArchiveIndex index(dir.path(), nullptr);
  index.Refresh();
  Api api(&index, {});
  auto get = [&](const std::string& path, const std::string& query) {
    Request req;
    req.path = path;
    req.params = *QueryParams::Parse(query);
    return api.Handle(req);
  };
  const std::string range = "start_time=2026-11-22T10:10:00Z&end_time=2026-11-22T11:49:59.999Z";
  const int64_t from = t0 + 600'000, step = 900'000;
  for (const std::string type : {"heap_inuse_space", "mutex_delay"}) {
    for (const std::string group_by : {"_app", "zone", "_host"}) {
      INFO(type << " by " << group_by);
      // The expected sums, from profile_meta.
      Response meta = get("/api/profile_meta/" + type, range);
      REQUIRE(meta.status == 200);
      rapidjson::Document doc;
      doc.Parse(meta.body.c_str());
      std::map<std::string, std::map<int64_t, std::vector<int64_t>>> want;
      for (const auto& target : doc.GetArray()) {
        for (const auto& m : target["ProfileMetas"].GetArray()) {
          if (type == "mutex_delay" && !m.HasMember("DeltaValue")) continue;  // a baseline
          int64_t value =
              type == "mutex_delay" ? m["DeltaValue"].GetInt64() : m["Value"].GetInt64();
          std::string group;
          if (group_by == "_app") group = m["App"].GetString();
          if (group_by == "_host") group = m["Host"].GetString();
          for (const auto& l : m["Labels"].GetArray()) {
            if (group_by == l["Key"].GetString()) group = l["Value"].GetString();
          }
          int64_t ts = m["Timestamp"].GetInt64();
          want[group][from + (ts - from) / step * step].push_back(value);
        }
      }
      for (const std::string agg : {"sum", "avg", "max", "p95"}) {
        INFO(agg);
        Response r =
            get("/api/series/" + type, range + "&step=15m&group_by=" + group_by + "&agg=" + agg);
        REQUIRE(r.status == 200);
        rapidjson::Document series;
        series.Parse(r.body.c_str());
        REQUIRE(series.IsArray());
        CHECK(series.Size() == want.size());
        double last_total = 1e300;
        for (const auto& g : series.GetArray()) {
          const auto& buckets = want[g["Group"].GetString()];
          CHECK(g["Total"].GetDouble() <= last_total);  // largest first
          last_total = g["Total"].GetDouble();
          REQUIRE(g["Points"].Size() == buckets.size());
          size_t k = 0;
          for (const auto& [bucket, values] : buckets) {
            const auto& point = g["Points"][static_cast<rapidjson::SizeType>(k++)];
            CHECK(point[0].GetInt64() == bucket);
            std::vector<int64_t> sorted = values;
            std::sort(sorted.begin(), sorted.end());
            double sum = 0;
            for (int64_t v : values) sum += static_cast<double>(v);
            double expected =
                agg == "sum"   ? sum
                : agg == "avg" ? sum / static_cast<double>(values.size())
                : agg == "max"
                    ? static_cast<double>(sorted.back())
                    : static_cast<double>(sorted[static_cast<size_t>(std::ceil(
                                                     0.95 * static_cast<double>(sorted.size()))) -
                                                 1]);
            CHECK(point[1].GetDouble() == Approx(expected));
          }
        }
      }
    }
  }
  // Label filters as profile_meta's; bad parameters are 400s naming them.
  Response one = get("/api/series/heap_inuse_space", range + "&lbs%5B_app%5D=app-1");
  REQUIRE(one.status == 200);
  rapidjson::Document doc;
  doc.Parse(one.body.c_str());
  REQUIRE(doc.Size() == 1);
  CHECK(std::string(doc[0]["Group"].GetString()) == "app-1");
  CHECK(get("/api/series/heap_inuse_space", range + "&agg=median").status == 400);
  CHECK(get("/api/series/heap_inuse_space", range + "&step=1ms").status == 400);
  CHECK(get("/api/series/heap_inuse_space", range + "&step=5x").status == 400);
  CHECK(get("/api/series/heap_inuse_space", "start_time=x").status == 400);
  CHECK(get("/api/series/", range).status == 400);
}

TEST_CASE("Auth files: tokens by hash, errors naming the line, throttling by address", "[api]") {
  auto [token, line] = NewTokenLine("read");
  auto creds = ParseAuthFile("# readers\n\n" + line + "  # ci\n", "auth");
  REQUIRE(creds.ok());
  REQUIRE(creds->size() == 1);
  CHECK(creds->at(0).role == "read");
  CHECK(line.find(token) == std::string::npos);  // only the hash
  CHECK_THAT(ParseAuthFile("read token abc\n", "auth").status().message(),
             Catch::Contains("auth:1:") && Catch::Contains("SHA-256"));
  CHECK_THAT(
      ParseAuthFile("\nowner token " + std::string(64, 'a') + "\n", "auth").status().message(),
      Catch::Contains("auth:2:") && Catch::Contains("role"));
  testing::TempDir dir;
  std::ofstream(dir.path() / "auth") << line << "\n";
  auto auth = Authenticator::Open(dir.path() / "auth");
  REQUIRE(auth.ok());
  using V = Authenticator::Verdict;
  CHECK((*auth)->Check({"Bearer " + token, ""}, "10.0.0.1", 0) == V::kAllowed);
  CHECK((*auth)->Check({"", ""}, "10.0.0.1", 0) == V::kDenied);
  for (int i = 0; i < kMaxFailures; ++i)
    CHECK((*auth)->Check({"Bearer nope", ""}, "10.0.0.2", 1000) == V::kDenied);
  CHECK((*auth)->Check({"Bearer " + token, ""}, "10.0.0.2", 2000) == V::kThrottled);
  CHECK((*auth)->Check({"Bearer " + token, ""}, "10.0.0.1", 2000) ==
        V::kAllowed);  // another address
  CHECK((*auth)->Check({"Bearer " + token, ""}, "10.0.0.2", 1000 + kFailureWindowMs) ==
        V::kAllowed);
}

TEST_CASE("Auth through the API: the login form, sessions, healthz open, CORS", "[api]") {
  ApiFixture f;
  testing::TempDir web;
  { std::ofstream(web.path() / "index.html") << "<!doctype html>overview"; }
  f.options_.web_dir = web.path();
  testing::TempDir dir;
  auto line = NewUserLine("read", "alice", "wonderland", 4);
  REQUIRE(line.ok());
  std::ofstream(dir.path() / "auth") << *line << "\n";
  auto auth = Authenticator::Open(dir.path() / "auth");
  REQUIRE(auth.ok());
  f.options_.auth = auth->get();
  f.options_.cors_allowed_origins = {"https://grafana.example"};
  auto request = [](std::string method, std::string path) {
    Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.client = "10.0.0.1";
    return req;
  };

  Request browser = request("GET", "/");
  browser.accept = "text/html,*/*;q=0.8";
  Response form = f.api().Handle(browser);
  CHECK(form.status == 401);
  CHECK(Header(form, "WWW-Authenticate").empty());
  CHECK(form.body.find("action=\"/login\"") != std::string::npos);
  Response challenge = f.api().Handle(request("GET", "/api/targets"));
  CHECK(challenge.status == 401);
  CHECK(Header(challenge, "WWW-Authenticate").starts_with("Basic "));
  CHECK(f.api().Handle(request("GET", "/api/healthz")).status == 200);

  Request login = request("POST", "/login");
  login.content_type = "application/x-www-form-urlencoded";
  login.body = "user=alice&password=wonderland&next=%2F";
  Response signed_in = f.api().Handle(login);
  REQUIRE(signed_in.status == 303);
  const std::string set_cookie = Header(signed_in, "Set-Cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  for (const char* path : {"/", "/api/targets"}) {
    INFO(path);
    Request with_cookie = request("GET", path);
    with_cookie.cookie = "theme=dark; " + cookie;
    CHECK(f.api().Handle(with_cookie).status == 200);
  }
  Request cross = request("GET", "/api/targets");
  cross.cookie = cookie;
  cross.origin = "https://grafana.example";
  Response listed = f.api().Handle(cross);
  CHECK(Header(listed, "Access-Control-Allow-Origin") == "https://grafana.example");
  CHECK(Header(listed, "Access-Control-Allow-Credentials") == "true");
  cross.origin = "https://evil.example";
  CHECK(Header(f.api().Handle(cross), "Access-Control-Allow-Origin").empty());

  Request logout = request("POST", "/logout");
  logout.cookie = cookie;
  CHECK(f.api().Handle(logout).status == 303);
  Request after = request("GET", "/api/targets");
  after.cookie = cookie;
  CHECK(f.api().Handle(after).status == 401);
}

TEST_CASE("A heavy request that throws gives its slot back", "[api]") {
  // Each request runs on a thread of its own, awaited for a while: a leaked
  // slot hangs the next request. The fixture is leaked then, as the hung
  // thread still uses it.
  auto* f = new ApiFixture;
  f->options_.heavy_concurrency = 1;
  // The request's status, or 0 when it threw std::bad_alloc; -1 for a hang.
  auto status_of = [f](const std::string& route, bool failing_allocations) {
    auto answered = std::make_shared<std::promise<int>>();
    std::future<int> status = answered->get_future();
    std::thread([f, route, failing_allocations, answered, waiter = std::this_thread::get_id()] {
      // The guarded work runs on a thread of its own (RunOnOwnStack), where
      // every allocation fails while `failing` lives.
      std::optional<testing::FailAllocationsOnOtherThreads> failing;
      if (failing_allocations) failing.emplace(waiter);
      try {
        answered->set_value(f->Get(route).status);
      } catch (const std::bad_alloc&) {
        failing.reset();
        answered->set_value(0);
      }
    }).detach();
    if (status.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return -1;
    return status.get();
  };
  const std::string routes[] = {"/api/analysis?id=" + f->heap1_,
                                "/api/merge?id=" + f->heap1_ + "&id=" + f->heap2_};
  for (int i = 0; i < 3; ++i) {  // more failures than there are slots
    for (const std::string& route : routes) {
      int status = status_of(route, true);
      if (status == -1) FAIL(route << " hangs: a throw kept the heavy-request slot");
      CHECK(status == 0);
    }
  }
  for (const std::string& route : routes) {
    int status = status_of(route, false);
    if (status == -1) FAIL(route << " hangs: a throw kept the heavy-request slot");
    CHECK(status == 200);
  }
  delete f;
}

TEST_CASE("Every response names its route pattern, never the raw path", "[api][metrics]") {
  ApiFixture f;
  struct Case {
    std::string target;
    const char* route;
  };
  const Case cases[] = {
      {"/", "/"},
      {"/ui/app.js", "/ui/{file}"},
      {"/api/version", "/api/version"},
      {"/api/download/" + f.heap1_, "/api/download/{id}"},
      {"/api/download/nonsense", "/api/download/{id}"},
      {"/api/meta/" + f.cpu_, "/api/meta/{id}"},
      {"/api/profile_meta/heap_inuse_space?" + std::string(kRange),
       "/api/profile_meta/{sample_type}"},
      {"/api/0/profiles/" + f.heap1_ + "+" + f.heap2_, "/api/0/profiles/{ids}"},
      {"/api/pprof/ui/" + f.cpu_, "/api/pprof/ui/{id}"},
      {"/metrics", "/metrics"},
      {"/no/such/path", "other"},
  };
  for (const Case& c : cases) {
    INFO(c.target);
    CHECK(f.Get(c.target).route == std::string_view(c.route));
  }
}

TEST_CASE("/metrics: the archive's series per job, the index, the build", "[api][metrics]") {
  ApiFixture f;
  metrics::Registry registry;
  f.options_.metrics = &registry;
  f.options_.version = "1.2.3";
  f.options_.revision = "abc";
  query::MarkCompacted(f.dir_.path(), kT0);
  Response r = f.Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == metrics::kContentType);
  auto line = [&](const std::string& series) {
    size_t at = r.body.find("\n" + series + " ");
    if (at == std::string::npos) return std::string();
    at += series.size() + 2;
    return r.body.substr(at, r.body.find('\n', at) - at);
  };
  CHECK(line("cprofiler_archive_entries{job=\"j\"}") == "5");
  int64_t bytes = 0;
  for (const auto& dir : f.index_.Snapshot()->dirs) {
    for (const IndexedEntry& e : dir->entries) {
      const archive::EntryKey key = dir->KeyOf(e);
      auto size = StampOf(f.dir_.path() / archive::EntryDir(key) / archive::ProfileFileName(key));
      if (size.ok()) bytes += size->size;
    }
  }
  CHECK(bytes > 0);
  CHECK(line("cprofiler_archive_bytes{job=\"j\"}") == std::to_string(bytes));
  CHECK(line("cprofiler_archive_oldest_entry_timestamp_seconds{job=\"j\"}") ==
        metrics::FormatValue(kT0 / 1000.0));
  CHECK(line("cprofiler_archive_newest_entry_timestamp_seconds{job=\"j\"}") ==
        metrics::FormatValue((kT0 + 60'000) / 1000.0));
  CHECK(line("cprofiler_rollups_lag_seconds") == "60");
  CHECK(line("cprofiler_index_ready") == "1");
  CHECK_FALSE(line("cprofiler_index_load_seconds").empty());
  CHECK(line("cprofiler_build_info{version=\"1.2.3\",revision=\"abc\"}") == "1");

  ApiFixture without;
  CHECK(without.Get("/metrics").status == 404);
}

TEST_CASE("The querier's Connect routes: POST, both encodings, Connect errors", "[api][querier]") {
  ApiFixture f;
  auto post = [&](const std::string& method, const std::string& content_type, std::string body) {
    Request req;
    req.method = "POST";
    req.path = "/querier.v1.QuerierService/" + method;
    req.content_type = content_type;
    req.body = std::move(body);
    return f.api().Handle(req);
  };
  const std::string range = R"("start":")" + std::to_string(kT0 - 3'600'000) + R"(","end":")" +
                            std::to_string(kT0 + 3'600'000) + R"(")";

  Response types = post("ProfileTypes", "application/json", "{}");
  REQUIRE(types.status == 200);
  CHECK(types.route == "/querier.v1.QuerierService/{method}");
  CHECK(types.content_type == "application/json");
  CHECK(types.body.find(R"("ID":"memory:inuse_space:bytes:space:bytes")") != std::string::npos);
  CHECK(types.body.find(R"("ID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds")") !=
        std::string::npos);
  CHECK(types.body.find("trace") == std::string::npos);  // no samples, no ID

  // The flame graph of shop's cpu profile: top's total; in proto too.
  querier::v1::SelectMergeStacktracesRequest req;
  req.set_profile_typeid("process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  req.set_label_selector(R"({service_name="shop", env=~"d.v"})");
  req.set_start(kT0 - 3'600'000);
  req.set_end(kT0 + 3'600'000);
  Response flame = post("SelectMergeStacktraces", "application/proto", req.SerializeAsString());
  REQUIRE(flame.status == 200);
  CHECK(flame.content_type == "application/proto");
  querier::v1::SelectMergeStacktracesResponse resp;
  REQUIRE(resp.ParseFromString(flame.body));
  auto cpu = pprof::DecodeProfile(testing::ReadTestData("cpu.pb.gz"));
  REQUIRE(cpu.ok());
  pprof::ReportOptions o;
  o.sample_index = "cpu";
  CHECK(resp.flamegraph().total() == pprof::Top(*cpu, o)->total);
  CHECK(resp.flamegraph().names(0) == "total");

  // One profile selected: SelectMergeProfile is the archived file, gunzipped.
  querier::v1::SelectMergeProfileRequest merge;
  merge.set_profile_typeid("process_cpu:cpu:nanoseconds:cpu:nanoseconds");
  merge.set_label_selector(R"({service_name="shop"})");
  merge.set_start(kT0 - 3'600'000);
  merge.set_end(kT0 + 3'600'000);
  Response profile = post("SelectMergeProfile", "application/proto", merge.SerializeAsString());
  REQUIRE(profile.status == 200);
  CHECK(profile.body == *pprof::Gunzip(testing::ReadTestData("cpu.pb.gz"), size_t{1} << 30));

  // Nothing selected: an empty flame graph, not an error.
  Response none =
      post("SelectMergeStacktraces", "application/json",
           R"({"profileTypeID":"block:delay:nanoseconds:contentions:count",)" + range + "}");
  REQUIRE(none.status == 200);
  CHECK(none.body ==
        R"({"flamegraph":{"names":["total"],"levels":[{"values":["0","0","0","0"]}]}})");

  struct Bad {
    std::string method, content_type, body;
    int status;
    std::string code;
  };
  for (const Bad& b : std::vector<Bad>{
           {"SelectMergeStacktraces", "application/json",
            R"({"profileTypeID":"nonesuch:cpu:nanoseconds:cpu:nanoseconds",)" + range + "}", 400,
            "invalid_argument"},
           {"SelectMergeStacktraces", "application/json",
            R"({"profileTypeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds",)"
            R"("labelSelector":"{service_name=shop}",)" +
                range + "}",
            400, "invalid_argument"},
           {"SelectMergeStacktraces", "application/json",
            R"({"profileTypeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds","maxNodes":-1,)" +
                range + "}",
            400, "invalid_argument"},
           {"SelectSeries", "application/json",
            R"({"profileTypeID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds","step":0.0001,)" +
                range + "}",
            400, "invalid_argument"},
           {"LabelValues", "application/json", "{}", 400, "invalid_argument"},
           {"ProfileTypes", "application/proto", "\xff", 400, "invalid_argument"},
           {"Diff", "application/json", "{}", 501, "unimplemented"},
           {"ProfileTypes", "text/plain", "{}", 415, "invalid_argument"},
       }) {
    INFO(b.method << " " << b.body);
    Response r = post(b.method, b.content_type, b.body);
    CHECK(r.status == b.status);
    CHECK(r.content_type == "application/json");
    auto doc = Json(r);
    CHECK(std::string(doc["code"].GetString()) == b.code);
  }
  Response get = f.Get("/querier.v1.QuerierService/ProfileTypes");
  CHECK(get.status == 405);
  CHECK(Header(get, "Allow") == "POST, OPTIONS");
  Request post_elsewhere;
  post_elsewhere.method = "POST";
  post_elsewhere.path = "/api/sample_types";
  CHECK(f.api().Handle(post_elsewhere).status == 405);
}
