#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "archive/sidecar.h"
#include "base/fs.h"
#include "ingest/entry.h"
#include "ingest/ingester.h"
#include "ingest/pyroscope.h"
#include "pprof/codec.h"
#include "server/rate_limit.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::ingest;

namespace {

Pushed Push(std::string app = "svc", std::string type = "") {
  Pushed p;
  p.job = "profefe";
  p.app = std::move(app);
  p.host = "i1";
  p.profile_type = std::move(type);
  p.timestamp_ms = 1'795'000'000'000;
  return p;
}

}  // namespace

TEST_CASE("MakeEntry: Go profiles as entries, typed from their sample types", "[ingest]") {
  struct Case {
    const char* file;
    const char* type;  // given; "" to find
    const char* want_type;
    std::vector<const char*> names;
  };
  const Case cases[] = {
      {"cpu.pb.gz", "", "profile", {"profile_samples", "profile_cpu"}},
      {"cpu.pb.gz", "profile", "profile", {"profile_samples", "profile_cpu"}},
      {"heap.pb.gz",
       "",
       "heap",
       {"heap_alloc_objects", "heap_alloc_space", "heap_inuse_objects", "heap_inuse_space"}},
      {"heap.pb.gz",
       "allocs",
       "allocs",
       {"allocs_alloc_objects", "allocs_alloc_space", "allocs_inuse_objects",
        "allocs_inuse_space"}},
      {"goroutine.pb.gz", "", "goroutine", {"goroutine"}},
  };
  for (const Case& c : cases) {
    INFO(c.file << " as \"" << c.type << "\"");
    std::string body = testing::ReadTestData(c.file);
    Pushed p = Push("svc", c.type);
    p.labels = {{"team", "a"}};
    PushOptions options;
    options.expiration_ns = 3'600'000'000'000;
    Made m = MakeEntry(body, p, options);
    REQUIRE(m.refusal == Refusal::kNone);
    const archive::Sidecar& s = m.entry.sidecar;
    CHECK(s.profile_type == c.want_type);
    REQUIRE(s.sample_types.size() == c.names.size());
    for (size_t i = 0; i < c.names.size(); ++i) CHECK(s.sample_types[i].name == c.names[i]);
    CHECK(s.app == "svc");
    CHECK(s.job == "profefe");
    CHECK(s.host == "i1");
    CHECK(s.labels == archive::Labels{{"team", "a"}});
    CHECK(s.timestamp_ms == 1'795'000'000'000);
    CHECK(s.expiration_ns == 3'600'000'000'000);
    CHECK(m.entry.bytes == body);  // gzipped already: as sent
  }
  // A plain body is gzipped; no time takes the profile's; no app, its binary's.
  auto plain = pprof::Gunzip(testing::ReadTestData("cpu.pb.gz"), 1 << 20);
  REQUIRE(plain.ok());
  Pushed p = Push("");
  p.timestamp_ms = 0;
  Made m = MakeEntry(*plain, p, {});
  REQUIRE(m.refusal == Refusal::kNone);
  CHECK(pprof::IsGzip(m.entry.bytes));
  CHECK(pprof::Gunzip(m.entry.bytes, 1 << 20).value() == *plain);
  CHECK(m.entry.sidecar.app == "workload");
  CHECK(m.entry.sidecar.timestamp_ms ==
        pprof::DecodeProfile(*plain).value().time_nanos() / 1'000'000);
}

TEST_CASE("MakeEntry: what is refused, and why", "[ingest]") {
  const std::string cpu = testing::ReadTestData("cpu.pb.gz");
  struct Case {
    const char* what;
    std::string body;
    Pushed pushed;
    PushOptions options;
    Refusal want;
    const char* message;
  };
  PushOptions strict;
  strict.allowed_labels = {"team", "zone"};
  strict.required_labels = {"team"};
  PushOptions small;
  small.max_body_bytes = 100;
  auto labelled = [](archive::Labels labels) {
    Pushed p = Push();
    p.labels = std::move(labels);
    return p;
  };
  std::vector<Case> cases;
  cases.push_back({"junk", "not a profile", Push(), {}, Refusal::kNotPprof, "the body: "});
  cases.push_back(
      {"cut short", cpu.substr(0, cpu.size() / 2), Push(), {}, Refusal::kNotPprof, "the body: "});
  cases.push_back({"empty", "", Push(), {}, Refusal::kNotPprof, "the body: "});
  // A profile of nothing (string_table [""] alone).
  cases.push_back({"no sample types",
                   std::string("\x32\x00", 2),
                   Push("svc", "profile"),
                   {},
                   Refusal::kNotPprof,
                   "the body: profile: no sample types"});
  cases.push_back({"not its type",
                   cpu,
                   Push("svc", "heap"),
                   {},
                   Refusal::kUnknownType,
                   "type heap, but the profile is a profile profile"});
  cases.push_back(
      {"a trace", cpu, Push("svc", "trace"), {}, Refusal::kUnknownType, "not a pprof profile"});
  cases.push_back({"a bad label name",
                   cpu,
                   labelled({{"_job", "x"}}),
                   {},
                   Refusal::kLabels,
                   "bad label name \"_job\""});
  cases.push_back({"a label name with a dash",
                   cpu,
                   labelled({{"a-b", "x"}}),
                   {},
                   Refusal::kLabels,
                   "bad label name"});
  cases.push_back({"a label not allowed", cpu, labelled({{"team", "a"}, {"dc", "b"}}), strict,
                   Refusal::kLabels, "\"dc\" is not allowed"});
  cases.push_back({"a required label missing", cpu, labelled({{"zone", "a"}}), strict,
                   Refusal::kLabels, "\"team\" is required"});
  cases.push_back({"over max-body", cpu, Push(), small, Refusal::kTooLarge, "push.max-body"});
  Pushed year = Push();
  year.timestamp_ms = int64_t{253402300800000};
  cases.push_back({"past year 9999", cpu, year, {}, Refusal::kBadRequest, "years"});
  for (const Case& c : cases) {
    INFO(c.what);
    Made m = MakeEntry(c.body, c.pushed, c.options);
    CHECK(m.refusal == c.want);
    CHECK_THAT(m.status.message(), Catch::Contains(c.message));
  }
  CHECK(RefusalName(Refusal::kNotPprof) == "not_pprof");
}

TEST_CASE("Profile types from sample types and names", "[ingest]") {
  using V = std::vector<std::string>;
  CHECK(ProfileTypeOfSampleTypes(V{"samples", "cpu"}).value() == "profile");
  CHECK(ProfileTypeOfSampleTypes(V{"threadcreate"}).value() == "threadcreate");
  CHECK(ProfileTypeOfSampleTypes(V{"samples", "time"}).value() == "fgprof");
  CHECK_THAT(ProfileTypeOfSampleTypes(V{"contentions", "delay"}).status().message(),
             Catch::Contains("block or a mutex"));
  CHECK(!ProfileTypeOfSampleTypes(V{"cpu", "samples"}).ok());  // order matters
  CHECK(!ProfileTypeOfSampleTypes(V{}).ok());
  CHECK(ParseProfileTypeName("cpu").value() == "profile");
  CHECK(ParseProfileTypeName("mutex").value() == "mutex");
  CHECK(!ParseProfileTypeName("memory").ok());
  CHECK(!ParseProfileTypeName("").ok());
}

TEST_CASE("profefe's labels: k=v,k=v", "[ingest]") {
  archive::Labels l;
  REQUIRE(ParseLabelList("region=europe-west3,dc=fra,ip=1.2.3.4,empty=", &l).ok());
  CHECK(l == archive::Labels{
                 {"region", "europe-west3"}, {"dc", "fra"}, {"ip", "1.2.3.4"}, {"empty", ""}});
  REQUIRE(ParseLabelList("", &l).ok());
  for (const char* bad : {"a", "=v", "a=1,,b=2", ",a=1"}) {
    INFO(bad);
    archive::Labels x;
    CHECK(!ParseLabelList(bad, &x).ok());
  }
}

TEST_CASE("Ingester: concurrent pushes group-committed, each answered once archived", "[ingest]") {
  testing::TempDir dir;
  auto ingester = Ingester::Open(dir.path() / "arch", PushOptions(), /*durable=*/false);
  REQUIRE(ingester.ok());
  const std::string cpu = testing::ReadTestData("cpu.pb.gz");
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> failed = 0;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Pushed p = Push();
        p.host = "client" + std::to_string(t);
        p.timestamp_ms += i;
        Made m = (*ingester)->Ingest(i % 10 == 9 ? std::string("junk") : cpu, p);
        if (i % 10 == 9) {
          if (m.refusal != Refusal::kNotPprof) ++failed;
          continue;
        }
        if (m.refusal != Refusal::kNone || !m.status.ok()) {
          ++failed;
          continue;
        }
        // Answered once its sidecar is there.
        if (!Exists(dir.path() / "arch" /
                    archive::EntryDir(archive::ParseId(m.entry.sidecar.id).value()) /
                    (m.entry.sidecar.id.substr(26) + ".json"))) {
          ++failed;
        }
        ids[t].push_back(m.entry.sidecar.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  size_t sidecars = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "arch")) {
    if (e.path().extension() == ".json") ++sidecars;
  }
  CHECK(sidecars == kThreads * (kEach - kEach / 10));
  CHECK(ids[0].front() != ids[1].front());
  // The same push again is the same entry: answered, not written twice.
  Pushed p = Push();
  p.host = "client0";
  Made again = (*ingester)->Ingest(cpu, p);
  REQUIRE(again.status.ok());
  CHECK(again.entry.sidecar.id == ids[0].front());
}

TEST_CASE("Pyroscope names: APP[.TYPE]{k=v,...}", "[ingest][pyroscope]") {
  auto n = ParsePyroscopeName("simple.golang.app.cpu{env=staging, region = eu}");
  REQUIRE(n.ok());
  CHECK(n->app == "simple.golang.app");
  CHECK(n->type == "cpu");
  CHECK(n->labels == archive::Labels{{"env", "staging"}, {"region", "eu"}});
  n = ParsePyroscopeName("simple.golang.app{}");
  REQUIRE(n.ok());
  CHECK(n->app == "simple.golang.app");
  CHECK(n->type.empty());
  CHECK(n->labels.empty());
  n = ParsePyroscopeName("myapp.alloc_space");
  REQUIRE(n.ok());
  CHECK(n->app == "myapp");
  CHECK(ProfileTypeOfPyroscope(n->type) == "heap");
  CHECK(ProfileTypeOfPyroscope("mutex_duration") == "mutex");
  CHECK(ProfileTypeOfPyroscope("block_count") == "block");
  CHECK(ProfileTypeOfPyroscope("goroutines") == "goroutine");
  CHECK(ProfileTypeOfPyroscope("samples").empty());
  for (const char* bad : {"", ".cpu", "app{env=x", "app{=x}", "app{novalue}"}) {
    INFO(bad);
    CHECK(!ParsePyroscopeName(bad).ok());
  }
}

TEST_CASE("multipart/form-data: the Go SDK's form, and what is refused", "[ingest][pyroscope]") {
  const std::string form =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n"
      "PROF\r\nILE\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"sample_type_config\"; "
      "filename=\"sample_type_config.json\"\r\n\r\n"
      "{\"samples\":{\"display-name\":\"cpu\",\"units\":\"samples\",\"sampled\":true}}\r\n"
      "--XyZ--\r\n";
  auto parts = ParseMultipartForm("multipart/form-data; boundary=XyZ", form);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].name == "profile");
  CHECK((*parts)[0].data == "PROF\r\nILE");
  CHECK((*parts)[1].name == "sample_type_config");
  auto config = ParseSampleTypeConfig((*parts)[1].data);
  REQUIRE(config.ok());
  CHECK(config->at("samples").display_name == "cpu");
  CHECK(config->at("samples").sampled);
  CHECK(ProfileTypeOfConfig(*config) == "profile");
  CHECK(ParseMultipartForm("multipart/form-data; boundary=\"XyZ\"", form).ok());
  auto heap = ParseSampleTypeConfig(
      R"({"alloc_objects":{"units":"objects","cumulative":true},"inuse_space":{"units":"bytes","aggregation":"average"}})");
  REQUIRE(heap.ok());
  CHECK(heap->at("alloc_objects").cumulative);
  CHECK(heap->at("inuse_space").aggregation == "average");
  CHECK(ProfileTypeOfConfig(*heap) == "heap");
  CHECK(!ParseSampleTypeConfig("[1]").ok());
  CHECK(!ParseSampleTypeConfig(R"({"samples":1})").ok());
  for (size_t cut = 0; cut < form.size(); ++cut) {  // every truncation: an answer, no crash
    (void)ParseMultipartForm("multipart/form-data; boundary=XyZ", form.substr(0, cut));
  }
  CHECK(!ParseMultipartForm("multipart/form-data", form).ok());
  CHECK(!ParseMultipartForm("text/plain; boundary=XyZ", form).ok());
  CHECK(!ParseMultipartForm("multipart/form-data; boundary=Other", form).ok());
  CHECK(!ParseMultipartForm("multipart/form-data; boundary=XyZ", form.substr(0, 60)).ok());
}

TEST_CASE("Folded lines made a CPU profile: stacks, values, period, times", "[ingest][pyroscope]") {
  auto bytes = FoldedToProfile("main;work;leaf 30\nmain;work 5\r\n\nmain;idle 10\n", "cpu", 100,
                               1'795'000'000, 1'795'000'010);
  REQUIRE(bytes.ok());
  auto p = pprof::DecodeProfile(*bytes);
  REQUIRE(p.ok());
  REQUIRE(p->sample_type_size() == 2);
  CHECK(p->string_table(p->sample_type(0).type()) == "samples");
  CHECK(p->string_table(p->sample_type(1).unit()) == "nanoseconds");
  CHECK(p->period() == 10'000'000);
  CHECK(p->time_nanos() == 1'795'000'000'000'000'000);
  CHECK(p->duration_nanos() == 10'000'000'000);
  REQUIRE(p->sample_size() == 3);
  auto name_of = [&](uint64_t location) {
    return p->string_table(p->function(static_cast<int>(location - 1)).name());
  };
  const auto& first = p->sample(0);
  REQUIRE(first.location_id_size() == 3);
  CHECK(name_of(first.location_id(0)) == "leaf");  // leaf first
  CHECK(name_of(first.location_id(2)) == "main");
  CHECK(first.value(0) == 30);
  CHECK(first.value(1) == 300'000'000);
  CHECK(p->sample(1).location_id(0) == first.location_id(1));  // "work" is one location
  auto goroutines = FoldedToProfile("main;wait 7\n", "goroutines", 0, 0, 0);
  REQUIRE(goroutines.ok());
  CHECK(pprof::DecodeProfile(*goroutines)->sample(0).value(0) == 7);
  for (const char* bad :
       {"main;work\n", "main;work x\n", "main;work -1\n", "main;;work 1\n", " 5\n"}) {
    INFO(bad);
    CHECK(!FoldedToProfile(bad, "cpu", 100, 0, 0).ok());
  }
  CHECK_THAT(FoldedToProfile("a 1", "alloc_space", 100, 0, 0).status().message(),
             Catch::Contains("push other types as pprof"));
}

TEST_CASE("RateLimiter: a burst, then the rate, per address", "[ingest][server]") {
  server::RateLimiter limit(10, 10);
  int allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += limit.Allow("10.0.0.1", 1000);
  CHECK(allowed == 10);
  CHECK(limit.Allow("10.0.0.2", 1000));  // another address: its own bucket
  CHECK(!limit.Allow("10.0.0.1", 1050));
  CHECK(limit.Allow("10.0.0.1", 1100));  // 100 ms: one more
  CHECK(!limit.Allow("10.0.0.1", 1100));
  server::RateLimiter none(0, 0);
  for (int i = 0; i < 1000; ++i) REQUIRE(none.Allow("10.0.0.1", 0));
}
