#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "pprof/pgo.h"
#include "pprof/profile_builder.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

const std::vector<std::pair<std::string, std::string>> kCpu = {{"samples", "count"},
                                                               {"cpu", "nanoseconds"}};

// (caller, call site's line less the caller's start line, callee).
using Edge = std::tuple<std::string, int64_t, std::string>;

struct EdgeMap {
  std::map<Edge, int64_t> weight;
  int64_t total = 0;
};

// The edges Go's compiler weighs, as Go 1.23's internal/profile NewGraph and
// cmd/internal/pgo createNamedEdgeMap compute them: per sample, the nodes
// (name, address, start line, line) of its two leaf-most locations, outer
// frames first; an edge between consecutive different nodes, once a sample.
EdgeMap CompilerEdges(const Profile& p) {
  int value_index = -1;
  for (int i = 0; i < p.sample_type_size() && value_index < 0; ++i) {
    const std::string& type = p.string_table(p.sample_type(i).type());
    if (type == "samples" || type == "cpu") value_index = i;
  }
  REQUIRE(value_index >= 0);
  std::map<uint64_t, const perftools::profiles::Location*> locations;
  std::map<uint64_t, const perftools::profiles::Function*> functions;
  for (const auto& l : p.location()) locations[l.id()] = &l;
  for (const auto& f : p.function()) functions[f.id()] = &f;
  using Node = std::tuple<std::string, uint64_t, int64_t, int64_t>;
  EdgeMap edges;
  for (const auto& s : p.sample()) {
    const int64_t w = s.value(value_index);
    if (w == 0) continue;
    std::set<std::pair<Node, Node>> seen;
    std::optional<Node> parent;
    for (int i = std::min(1, s.location_id_size() - 1); i >= 0; --i) {
      const auto* loc = locations.at(s.location_id(i));
      for (int ln = loc->line_size() - 1; ln >= 0; --ln) {
        const auto* f = functions.at(loc->line(ln).function_id());
        Node n{p.string_table(f->name()), loc->address(), f->start_line(), loc->line(ln).line()};
        if (parent && n != *parent && seen.insert({*parent, n}).second) {
          const auto& [name, address, start, line] = *parent;
          edges.weight[{name, line - start, std::get<0>(n)}] += w;
          edges.total += w;
        }
        parent = n;
      }
    }
  }
  return edges;
}

// A CPU profile of a small service: deep stacks through a handler, an
// inlined helper, recursion, labels, and functions with start lines.
Profile Service() {
  ProfileBuilder b(kCpu);
  b.Sample({"sha@31", "hash@12", "handle@40", "serve@7", "main"}, {5, 50}, {{"endpoint", "a"}})
      .Sample({"sha@32", "hash@12", "handle@40", "serve@7", "main"}, {3, 30}, {{"endpoint", "b"}})
      .Sample({"sha@31", "hash@12", "handle@44", "serve@7", "main"}, {2, 20})
      .Sample({"copy@3", "encode@20+quote@51", "handle@46", "serve@7", "main"}, {4, 40})
      .Sample({"walk@9", "walk@11", "walk@11", "handle@48", "serve@7", "main"}, {6, 60})
      .Sample({"idle"}, {1, 10})
      // Recursion through an inlined frame, the leaf the caller's location.
      .Sample({"parse+next@5", "parse+next@5", "handle@52", "serve@7", "main"}, {7, 70})
      .Sample({"cold@2", "handle@50", "serve@7", "main"}, {0, 0})
      .Header(1000, 10'000'000'000, 10'000'000);
  for (const char* f : {"sha", "hash", "handle", "serve", "main", "copy", "encode", "quote", "walk",
                        "idle", "cold", "parse", "next"}) {
    b.Source(f, std::string("/src/") + f + ".go", 5);
  }
  return b.Build();
}

}  // namespace

TEST_CASE("PGO export keeps what the compiler reads, and nothing else", "[pgo]") {
  const Profile in = Service();
  auto out = PgoProfile(in);
  REQUIRE(out.ok());
  const Profile& p = **out;
  REQUIRE(ValidateProfile(p).ok());
  // One sample type, Go's first choice; the header's period, time, duration.
  REQUIRE(p.sample_type_size() == 1);
  CHECK(p.string_table(p.sample_type(0).type()) == "samples");
  CHECK(p.string_table(p.sample_type(0).unit()) == "count");
  CHECK(p.period() == in.period());
  CHECK(p.time_nanos() == 1000);
  CHECK(p.duration_nanos() == in.duration_nanos());
  // No labels, mappings, file names or comments; start lines kept.
  CHECK(p.mapping_size() == 0);
  CHECK(p.comment_size() == 0);
  for (const auto& s : p.sample()) CHECK(s.label_size() == 0);
  for (const auto& f : p.function()) {
    CHECK(f.filename() == 0);
    CHECK(f.start_line() == 5);
  }
  // The inlined frame is still inlined (two lines on one location).
  bool inlined = false;
  for (const auto& l : p.location()) inlined = inlined || l.line_size() == 2;
  CHECK(inlined);
  // Whole stacks: the zero sample gone, the rest one each (labels dropped,
  // nothing merged that differed).
  CHECK(p.sample_size() == 7);
  // The compiler's edges and total are the input's.
  EdgeMap want = CompilerEdges(in), got = CompilerEdges(p);
  CHECK(got.weight == want.weight);
  CHECK(got.total == want.total);
  CHECK(want.weight.at({"hash", 12 - 5, "sha"}) == 10);
  CHECK(want.weight.at({"encode", 20 - 5, "quote"}) == 4);
  CHECK(want.weight.at({"walk", 11 - 5, "walk"}) == 6);
  CHECK(want.weight.at({"next", 5 - 5, "parse"}) == 7);
  // Written and read back.
  auto decoded = DecodeProfile(EncodeProfile(p));
  REQUIRE(decoded.ok());
  CHECK(CompilerEdges(*decoded).weight == want.weight);
}

TEST_CASE("PGO export: a few locations a stack, callees aggregated, same edges", "[pgo]") {
  const Profile in = Service();
  const EdgeMap want = CompilerEdges(in);
  auto whole = PgoProfile(in);
  REQUIRE(whole.ok());
  for (int keep : {2, 3, 5}) {
    INFO("keep " << keep);
    auto out = PgoProfile(in, {.keep_locations = keep});
    REQUIRE(out.ok());
    const Profile& p = **out;
    REQUIRE(ValidateProfile(p).ok());
    for (const auto& s : p.sample()) CHECK(s.location_id_size() <= keep);
    EdgeMap got = CompilerEdges(p);
    CHECK(got.weight == want.weight);
    CHECK(got.total == want.total);
    CHECK(p.sample_size() < (*whole)->sample_size());
  }
  // Two locations: every sha under hash@12 (lines 31 and 32, from handle@40
  // and @44) is one sample; callers keep their lines.
  auto two = PgoProfile(in, {.keep_locations = 2});
  REQUIRE(two.ok());
  const Profile& p = **two;
  CHECK(p.sample_size() == 5);
  std::map<uint64_t, const perftools::profiles::Location*> locations;
  for (const auto& l : p.location()) locations[l.id()] = &l;
  int64_t sha_weight = 0;
  for (const auto& s : p.sample()) {
    const auto* leaf = locations.at(s.location_id(0));
    CHECK(leaf->address() == 0);
    // Its line is gone, unless the leaf recurs (parse+next: a caller too).
    const bool recurs = s.location_id_size() == 2 && s.location_id(1) == s.location_id(0);
    CHECK((leaf->line(0).line() == 0) != recurs);
    if (s.location_id_size() == 2 && !recurs) {
      CHECK(locations.at(s.location_id(1))->address() == 1);
    }
    if (s.location_id_size() == 2 && locations.at(s.location_id(1))->line(0).line() == 12) {
      sha_weight += s.value(0);
      CHECK(s.value(0) == 10);
    }
  }
  CHECK(sha_weight == 10);
}

TEST_CASE("PGO export refuses what the compiler cannot use", "[pgo]") {
  struct Case {
    const char* what;
    Profile profile;
    int keep;
    const char* error;
  };
  ProfileBuilder heap({{"alloc_objects", "count"}, {"alloc_space", "bytes"}});
  heap.Sample({"f", "main"}, {1, 2});
  ProfileBuilder old_go(kCpu);  // no start lines: Go 1.19's
  old_go.Sample({"f", "main"}, {1, 10});
  ProfileBuilder cpu_only(std::vector<std::pair<std::string, std::string>>{{"cpu", "nanoseconds"}});
  cpu_only.Sample({"f", "main"}, {10}).Source("f", "/f.go", 3);
  const Case cases[] = {
      {"a heap profile", heap.Build(), 0, "not a CPU profile"},
      {"no start lines", old_go.Build(), 0, "no function has a start line"},
      {"one location a stack", Service(), 1, "loses the call edges"},
      {"negative keep", Service(), -3, "loses the call edges"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto out = PgoProfile(c.profile, {.keep_locations = c.keep});
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().code() == Status::Code::kInvalidArgument);
    CHECK_THAT(out.status().message(), Catch::Contains(c.error));
  }
  // cpu/nanoseconds alone is enough; an empty profile has nothing to refuse.
  auto cpu = PgoProfile(cpu_only.Build());
  REQUIRE(cpu.ok());
  CHECK((*cpu)->string_table((*cpu)->sample_type(0).type()) == "cpu");
  CHECK(PgoProfile(ProfileBuilder(kCpu).Build()).ok());
}
