// The dot and list reports against what go tool pprof (Go 1.19) prints for
// the same profiles: each expected text below is `go tool pprof -dot` (under
// TZ=UTC) or `-list` of the profile the case builds, written out with
// EncodeProfile; -list ran with the files SourceTree writes in place, with
// -source_path naming their directory, in a directory without them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pprof/dot.h"
#include "pprof/profile_builder.h"
#include "pprof/report.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

// A service's CPU profile: labelled handlers (whose own time gives the
// handler node flat label tags above its callees), an inlined call, a chain
// that a small node count cuts (residual edges), and names of every
// language ShortenFunctionName knows (C++ names without templates or
// "(anonymous namespace)", which pprof's demangler rewrites first).
Profile Service() {
  return ProfileBuilder(Types{{"samples", "count"}, {"cpu", "nanoseconds"}})
      .Sample({"main.handler", "main.main"}, {40, 400'000'000}, {{"endpoint", "/api/users"}})
      .Sample({"main.handler", "main.main"}, {20, 200'000'000},
              {{"endpoint", "/api/orders"}, {"tenant", "a\"b"}})
      .Sample({"crypto/sha256.block", "main.handler", "main.main"}, {30, 300'000'000},
              {{"endpoint", "/api/users"}})
      .Sample({"main.encode+encoding/json.(*encodeState).marshal", "main.handler", "main.main"},
              {25, 250'000'000})
      .Sample({"github.com/acme/lib/v2.(*Client).Do", "github.com/acme/lib/v2.retry",
               "github.com/acme/lib/v2.call", "main.main"},
              {12, 120'000'000})
      .Sample({"ns::Foo::bar", "app::Baz::run", "main.main"}, {6, 60'000'000})
      .Sample({"com.example.Worker.process", "main.main"}, {3, 30'000'000})
      .Sample({"runtime.gcBgMarkWorker"}, {2, 20'000'000})
      .Header(1'700'000'000'000'000'000, 2'000'000'000, 10'000'000)
      .Build();
}

// A heap profile with more "bytes" values at one node than pprof draws
// (they collapse into ranges), some under a label.
Profile Heap() {
  ProfileBuilder b(Types{{"alloc_space", "bytes"}, {"inuse_space", "bytes"}});
  const int64_t sizes[] = {16, 32, 48, 512, 1024, 4096, 16384, 65536};
  for (size_t i = 0; i < std::size(sizes); ++i) {
    b.Sample({"main.alloc", "main.work", "main.main"},
             {sizes[i] * int64_t(100 - 10 * i), sizes[i] * int64_t(i + 1)})
        .NumLabel("bytes", sizes[i]);
  }
  b.Sample({"main.alloc", "main.serve", "main.main"}, {8192 * 30, 8192},
           {{"endpoint", "/api/users"}})
      .NumLabel("bytes", 8192);
  b.Sample({"main.alloc", "main.serve", "main.main"}, {24 * 30, 24}, {{"endpoint", "/api/users"}})
      .NumLabel("bytes", 24);
  b.Sample({"main.small", "main.main"}, {100, 10}).NumLabel("bytes", 10);
  return b.Build();
}

// A service whose functions' sources are files SourceTree writes: found
// relative to the source path, after a trim path, through the source
// path's last element, absolute and missing, and none at all.
Profile WithSources() {
  return ProfileBuilder(Types{{"cpu", "nanoseconds"}})
      .Source("main.handler", "app/handler.go", 3)
      .Source("main.helper", "app/handler.go", 0)
      .Source("main.crlf", "/build/app/crlf.go", 2)
      .Source("main.remote", "/remote/app/handler.go", 0)
      .Source("main.gone", "/nonexistent/src/gone.go", 1)
      .Source("main.nofile", "", 0)
      .Sample({"main.handler@5", "main.main"}, {400'000'000})
      .Sample({"main.helper@14+main.handler@9", "main.main"}, {100'000'000})
      .Sample({"main.handler@9", "main.main"}, {50'000'000})
      .Sample({"main.crlf@4", "main.main"}, {30'000'000})
      .Sample({"main.remote@2", "main.main"}, {20'000'000})
      .Sample({"main.gone@3", "main.main"}, {10'000'000})
      .Sample({"main.nofile", "main.main"}, {5'000'000})
      .Build();
}

// The directory WithSources' files are in: app/handler.go (16 lines) and
// app/crlf.go (CRLF line ends).
std::filesystem::path SourceTree() {
  const auto dir = std::filesystem::temp_directory_path() / "cprof-dot-list-test";
  std::filesystem::create_directories(dir / "app");
  std::string handler;
  for (int i = 1; i <= 16; ++i) {
    handler += (i == 3    ? "func handler() {"
                : i == 12 ? "func helper() {"
                          : "\tline " + std::to_string(i)) +
               std::string("\n");
  }
  // A fixed path (the expected texts name it), written by test cases that
  // ctest runs at once: each file renamed into place whole.
  auto put = [&](const std::string& name, const std::string& text) {
    const auto temp = dir / ("app/." + name + "." + std::to_string(::getpid()));
    std::ofstream(temp) << text;
    std::filesystem::rename(temp, dir / "app" / name);
  };
  put("handler.go", handler);
  put("crlf.go", "package app\r\nfunc crlf() {\r\n\tx := 1\r\n\ty(x)\r\n}");
  return dir;
}

struct Case {
  const char* what;  // the go tool pprof command the text is from
  Profile profile;
  ReportOptions options;
  std::string want;
};

}  // namespace

TEST_CASE("Dot: go tool pprof -dot, byte for byte", "[report]") {
  ReportOptions eight;
  eight.node_count = 8;
  ReportOptions edges;
  edges.edge_fraction = 0.1;
  ReportOptions alloc;
  alloc.sample_index = "alloc_space";
  alloc.node_fraction = 0;
  alloc.node_count = kDotNodeCount;
  const std::vector<Case> cases = {
      {"-dot -nodecount=8 service (TZ=UTC): a rebuilt graph, residual edges dotted; label "
       "boxes, and minlen=2 on the edges of a node that has them",
       Service(), eight,
       R"dot(digraph "app" {
node [style=filled fillcolor="#f8f8f8"]
subgraph cluster_L { "File: app" [shape=box fontsize=16 label="File: app\lType: cpu\lTime: Nov 14, 2023 at 10:13pm (UTC)\lDuration: 2s, Total samples = 1380ms (69.00%)\lShowing nodes accounting for 1270ms, 92.03% of 1380ms total\lShowing top 5 nodes out of 12\l\lSee https://git.io/JfYMW for how to read the graph\l" tooltip="app"] }
N1 [label="main\nhandler\n600ms (43.48%)\nof 1150ms (83.33%)" id="node1" fontsize=24 shape=box tooltip="main.handler (1150ms)" color="#b20900" fillcolor="#edd6d5"]
N1_0 [label = "endpoint:/api/users" id="N1_0" fontsize=8 shape=box3d tooltip="400ms"]
N1 -> N1_0 [label=" 400ms" weight=100 tooltip="400ms" labeltooltip="400ms"]
N1_1 [label = "endpoint:/api/orders\ntenant:a"b" id="N1_1" fontsize=8 shape=box3d tooltip="200ms"]
N1 -> N1_1 [label=" 200ms" weight=100 tooltip="200ms" labeltooltip="200ms"]
N2 [label="main\nmain\n0 of 1360ms (98.55%)" id="node2" fontsize=8 shape=box tooltip="main.main (1360ms)" color="#b20000" fillcolor="#edd5d5"]
N3 [label="sha256\nblock\n300ms (21.74%)" id="node3" fontsize=20 shape=box tooltip="crypto/sha256.block (300ms)" color="#b24100" fillcolor="#edded5"]
N3_0 [label = "endpoint:/api/users" id="N3_0" fontsize=8 shape=box3d tooltip="300ms"]
N3 -> N3_0 [label=" 300ms" weight=100 tooltip="300ms" labeltooltip="300ms"]
N4 [label="json\n(*encodeState)\nmarshal\n250ms (18.12%)" id="node4" fontsize=19 shape=box tooltip="encoding/json.(*encodeState).marshal (250ms)" color="#b25110" fillcolor="#ede0d7"]
N5 [label="lib\n(*Client)\nDo\n120ms (8.70%)" id="node5" fontsize=16 shape=box tooltip="github.com/acme/lib/v2.(*Client).Do (120ms)" color="#b28d64" fillcolor="#ede8e2"]
N2 -> N1 [label=" 1150ms" weight=84 penwidth=5 color="#b20900" tooltip="main.main -> main.handler (1150ms)" labeltooltip="main.main -> main.handler (1150ms)"]
N1 -> N3 [label=" 300ms" weight=22 penwidth=2 color="#b24100" tooltip="main.handler -> crypto/sha256.block (300ms)" labeltooltip="main.handler -> crypto/sha256.block (300ms)" minlen=2]
N1 -> N4 [label=" 250ms\n (inline)" weight=19 color="#b25110" tooltip="main.handler ... encoding/json.(*encodeState).marshal (250ms)" labeltooltip="main.handler ... encoding/json.(*encodeState).marshal (250ms)" style="dotted" minlen=2]
N2 -> N5 [label=" 120ms" weight=9 color="#b28d64" tooltip="main.main ... github.com/acme/lib/v2.(*Client).Do (120ms)" labeltooltip="main.main ... github.com/acme/lib/v2.(*Client).Do (120ms)" style="dotted"]
}
)dot"},
      {"-dot -edgefraction=0.1 -nodecount=0 service (TZ=UTC): every node, edges dropped and "
       "counted; an inlined call; a label with a quote",
       Service(), edges,
       R"dot(digraph "app" {
node [style=filled fillcolor="#f8f8f8"]
subgraph cluster_L { "File: app" [shape=box fontsize=16 label="File: app\lType: cpu\lTime: Nov 14, 2023 at 10:13pm (UTC)\lDuration: 2s, Total samples = 1380ms (69.00%)\lShowing nodes accounting for 1380ms, 100% of 1380ms total\lDropped 6 edges (freq <= 138ms)\l\lSee https://git.io/JfYMW for how to read the graph\l" tooltip="app"] }
N1 [label="main\nmain\n0 of 1360ms (98.55%)" id="node1" fontsize=8 shape=box tooltip="main.main (1360ms)" color="#b20000" fillcolor="#edd5d5"]
N2 [label="main\nhandler\n600ms (43.48%)\nof 1150ms (83.33%)" id="node2" fontsize=24 shape=box tooltip="main.handler (1150ms)" color="#b20900" fillcolor="#edd6d5"]
N2_0 [label = "endpoint:/api/users" id="N2_0" fontsize=8 shape=box3d tooltip="400ms"]
N2 -> N2_0 [label=" 400ms" weight=100 tooltip="400ms" labeltooltip="400ms"]
N2_1 [label = "endpoint:/api/orders\ntenant:a"b" id="N2_1" fontsize=8 shape=box3d tooltip="200ms"]
N2 -> N2_1 [label=" 200ms" weight=100 tooltip="200ms" labeltooltip="200ms"]
N3 [label="sha256\nblock\n300ms (21.74%)" id="node3" fontsize=20 shape=box tooltip="crypto/sha256.block (300ms)" color="#b24100" fillcolor="#edded5"]
N3_0 [label = "endpoint:/api/users" id="N3_0" fontsize=8 shape=box3d tooltip="300ms"]
N3 -> N3_0 [label=" 300ms" weight=100 tooltip="300ms" labeltooltip="300ms"]
N4 [label="json\n(*encodeState)\nmarshal\n250ms (18.12%)" id="node4" fontsize=19 shape=box tooltip="encoding/json.(*encodeState).marshal (250ms)" color="#b25110" fillcolor="#ede0d7"]
N5 [label="lib\n(*Client)\nDo\n120ms (8.70%)" id="node5" fontsize=16 shape=box tooltip="github.com/acme/lib/v2.(*Client).Do (120ms)" color="#b28d64" fillcolor="#ede8e2"]
N6 [label="Foo\nbar\n60ms (4.35%)" id="node6" fontsize=14 shape=box tooltip="ns::Foo::bar (60ms)" color="#b2a38b" fillcolor="#edebe7"]
N7 [label="Worker\nprocess\n30ms (2.17%)" id="node7" fontsize=12 shape=box tooltip="com.example.Worker.process (30ms)" color="#b2ac9f" fillcolor="#edecea"]
N8 [label="runtime\ngcBgMarkWorker\n20ms (1.45%)" id="node8" fontsize=11 shape=box tooltip="runtime.gcBgMarkWorker (20ms)" color="#b2aea5" fillcolor="#edeceb"]
N9 [label="Baz\nrun\n0 of 60ms (4.35%)" id="node9" fontsize=8 shape=box tooltip="app::Baz::run (60ms)" color="#b2a38b" fillcolor="#edebe7"]
N10 [label="lib\ncall\n0 of 120ms (8.70%)" id="node10" fontsize=8 shape=box tooltip="github.com/acme/lib/v2.call (120ms)" color="#b28d64" fillcolor="#ede8e2"]
N11 [label="lib\nretry\n0 of 120ms (8.70%)" id="node11" fontsize=8 shape=box tooltip="github.com/acme/lib/v2.retry (120ms)" color="#b28d64" fillcolor="#ede8e2"]
N12 [label="main\nencode\n0 of 250ms (18.12%)" id="node12" fontsize=8 shape=box tooltip="main.encode (250ms)" color="#b25110" fillcolor="#ede0d7"]
N1 -> N2 [label=" 1150ms" weight=84 penwidth=5 color="#b20900" tooltip="main.main -> main.handler (1150ms)" labeltooltip="main.main -> main.handler (1150ms)"]
N2 -> N3 [label=" 300ms" weight=22 penwidth=2 color="#b24100" tooltip="main.handler -> crypto/sha256.block (300ms)" labeltooltip="main.handler -> crypto/sha256.block (300ms)" minlen=2]
N12 -> N4 [label=" 250ms\n (inline)" weight=19 color="#b25110" tooltip="main.encode -> encoding/json.(*encodeState).marshal (250ms)" labeltooltip="main.encode -> encoding/json.(*encodeState).marshal (250ms)"]
N2 -> N12 [label=" 250ms" weight=19 color="#b25110" tooltip="main.handler -> main.encode (250ms)" labeltooltip="main.handler -> main.encode (250ms)" minlen=2]
}
)dot"},
      {"-dot -nodefraction=0 -sample_index=alloc_space heap: more sizes than boxes, collapsed "
       "into ranges; the sizes of labelled samples under their label's box",
       Heap(), alloc,
       R"dot(digraph "app" {
node [style=filled fillcolor="#f8f8f8"]
subgraph cluster_L { "File: app" [shape=box fontsize=16 label="File: app\lType: alloc_space\lShowing nodes accounting for 3103.93kB, 100% of 3103.93kB total\l\lSee https://git.io/JfYMW for how to read the graph\l" tooltip="app"] }
N1 [label="main\nalloc\n3103.83kB (100%)" id="node1" fontsize=24 shape=box tooltip="main.alloc (3103.83kB)" color="#b20000" fillcolor="#edd5d5"]
N1_0 [label = "endpoint:/api/users" id="N1_0" fontsize=8 shape=box3d tooltip="240.70kB"]
N1 -> N1_0 [label=" 240.70kB" weight=100 tooltip="240.70kB" labeltooltip="240.70kB"]
NN1_0_0 [label = "8kB" id="NN1_0_0" fontsize=8 shape=box3d tooltip="240kB"]
N1_0 -> NN1_0_0 [label=" 240kB" weight=100 tooltip="240kB" labeltooltip="240kB"]
NN1_0_1 [label = "24B" id="NN1_0_1" fontsize=8 shape=box3d tooltip="0.70kB"]
N1_0 -> NN1_0_1 [label=" 0.70kB" weight=100 tooltip="0.70kB" labeltooltip="0.70kB"]
NN1_0 [label = "64kB" id="NN1_0" fontsize=8 shape=box3d tooltip="1920kB"]
N1 -> NN1_0 [label=" 1920kB" weight=100 tooltip="1920kB" labeltooltip="1920kB"]
NN1_1 [label = "16kB" id="NN1_1" fontsize=8 shape=box3d tooltip="640kB"]
N1 -> NN1_1 [label=" 640kB" weight=100 tooltip="640kB" labeltooltip="640kB"]
NN1_2 [label = "4kB" id="NN1_2" fontsize=8 shape=box3d tooltip="200kB"]
N1 -> NN1_2 [label=" 200kB" weight=100 tooltip="200kB" labeltooltip="200kB"]
NN1_3 [label = "16B..1kB" id="NN1_3" fontsize=8 shape=box3d tooltip="103.12kB"]
N1 -> NN1_3 [label=" 103.12kB" weight=100 tooltip="103.12kB" labeltooltip="103.12kB"]
N2 [label="main\nmain\n0 of 3103.93kB (100%)" id="node2" fontsize=8 shape=box tooltip="main.main (3103.93kB)" color="#b20000" fillcolor="#edd5d5"]
N3 [label="main\nsmall\n0.10kB (0.0031%)" id="node3" fontsize=9 shape=box tooltip="main.small (0.10kB)" color="#b2b2b2" fillcolor="#ededed"]
NN3_0 [label = "10B" id="NN3_0" fontsize=8 shape=box3d tooltip="0.10kB"]
N3 -> NN3_0 [label=" 0.10kB" weight=100 tooltip="0.10kB" labeltooltip="0.10kB"]
N4 [label="main\nserve\n0 of 240.70kB (7.75%)" id="node4" fontsize=8 shape=box tooltip="main.serve (240.70kB)" color="#b2926d" fillcolor="#ede8e3"]
N5 [label="main\nwork\n0 of 2863.12kB (92.24%)" id="node5" fontsize=8 shape=box tooltip="main.work (2863.12kB)" color="#b20400" fillcolor="#edd6d5"]
N2 -> N5 [label=" 2863.12kB" weight=93 penwidth=5 color="#b20400" tooltip="main.main -> main.work (2863.12kB)" labeltooltip="main.main -> main.work (2863.12kB)"]
N5 -> N1 [label=" 2863.12kB" weight=93 penwidth=5 color="#b20400" tooltip="main.work -> main.alloc (2863.12kB)" labeltooltip="main.work -> main.alloc (2863.12kB)"]
N2 -> N4 [label=" 240.70kB" weight=8 color="#b2926d" tooltip="main.main -> main.serve (240.70kB)" labeltooltip="main.main -> main.serve (240.70kB)"]
N4 -> N1 [label=" 240.70kB" weight=8 color="#b2926d" tooltip="main.serve -> main.alloc (240.70kB)" labeltooltip="main.serve -> main.alloc (240.70kB)"]
}
)dot"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto dot = Dot(c.profile, c.options);
    REQUIRE(dot.ok());
    CHECK(FormatDot(*dot) == c.want);
  }
}

TEST_CASE("Dot: the graph under the text", "[report]") {
  ReportOptions options;
  options.node_count = kDotNodeCount;
  auto dot = Dot(Service(), options);
  REQUIRE(dot.ok());
  CHECK(dot->title == "app");
  REQUIRE(dot->nodes.size() == 12);
  CHECK(dot->nodes[0].name == "main.main");
  CHECK(dot->nodes[1].name == "main.handler");
  CHECK(dot->nodes[1].flat == 600'000'000);
  REQUIRE(dot->nodes[1].tags.size() == 2);
  CHECK(dot->nodes[1].tags[0].label == "endpoint:/api/users");
  CHECK(dot->nodes[1].tags[0].parent == "N2");
  REQUIRE(!dot->edges.empty());
  CHECK(dot->edges[0].from == 1);
  CHECK(dot->edges[0].to == 2);
  CHECK(dot->edges[0].weight == 1'150'000'000);
  CHECK(dot->output_unit == "ms");

  ReportOptions bad;
  bad.sample_index = "nosuch";
  CHECK(Dot(Service(), bad).status().code() == Status::Code::kInvalidArgument);
  bad = {};
  bad.focus = "(";
  CHECK(Dot(Service(), bad).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("ShortenFunctionName: pprof's short names", "[report]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"crypto/sha256.block", "sha256.block"},
      {"main.main", "main.main"},
      {"net/http.(*conn).serve", "http.(*conn).serve"},
      {"github.com/acme/lib/v2.(*Client).Do", "lib.(*Client).Do"},
      {"github.com/acme/lib/v10/sub.F", "sub.F"},
      {"gopkg.in/yaml.v3.Unmarshal", "yaml.v3.Unmarshal"},
      {"ns::Foo::bar", "Foo::bar"},
      {"(anonymous namespace)::Baz::run", "Baz::run"},
      {"std::vector<int>::push_back", "std::vector<int>::push_back"},
      {"com.example.Worker.process", "Worker.process"},
      {"com.example.Worker.<init>", "Worker.<init>"},
      {"", ""},
  };
  for (const auto& [name, want] : cases) {
    INFO(name);
    CHECK(ShortenFunctionName(name) == want);
  }
}

TEST_CASE("List: go tool pprof -list, byte for byte", "[report]") {
  const std::string dir = SourceTree().string();
  struct ListCase {
    const char* what;
    std::string regex;
    SourceOptions source;
    std::string want;
  };
  const std::vector<ListCase> cases = {
      {"-list=. -source_path=DIR: relative names found; absolute ones missing; a function "
       "without a file; a function's start line, or 5 lines before",
       ".",
       {dir, ""},
       R"list(Total: 615ms
ROUTINE ======================== main.crlf in /build/app/crlf.go
      30ms       30ms (flat, cum)  4.88% of Total
 Error: open /build/app/crlf.go: no such file or directory
ROUTINE ======================== main.gone in /nonexistent/src/gone.go
      10ms       10ms (flat, cum)  1.63% of Total
 Error: open /nonexistent/src/gone.go: no such file or directory
ROUTINE ======================== main.handler in app/handler.go
     550ms      550ms (flat, cum) 89.43% of Total
         .          .      3:func handler() {
         .          .      4:	line 4
     400ms      400ms      5:	line 5
         .          .      6:	line 6
         .          .      7:	line 7
         .          .      8:	line 8
     150ms      150ms      9:	line 9
         .          .     10:	line 10
         .          .     11:	line 11
         .          .     12:func helper() {
         .          .     13:	line 13
         .          .     14:	line 14
ROUTINE ======================== main.helper in app/handler.go
         0      100ms (flat, cum) 16.26% of Total
         .          .      9:	line 9
         .          .     10:	line 10
         .          .     11:	line 11
         .          .     12:func helper() {
         .          .     13:	line 13
         .      100ms     14:	line 14
         .          .     15:	line 15
         .          .     16:	line 16
ROUTINE ======================== main.main in /src/main.main.go
         0      615ms (flat, cum)   100% of Total
 Error: open /src/main.main.go: no such file or directory
No source information for main.nofile
ROUTINE ======================== main.remote in /remote/app/handler.go
      20ms       20ms (flat, cum)  3.25% of Total
 Error: open /remote/app/handler.go: no such file or directory
)list"},
      {"-list=. -source_path=DIR -trim_path=/build: a trimmed name found; CRLF line ends",
       ".",
       {dir, "/build"},
       R"list(Total: 615ms
ROUTINE ======================== main.crlf in app/crlf.go
      30ms       30ms (flat, cum)  4.88% of Total
         .          .      2:func crlf() {
         .          .      3:	x := 1
      30ms       30ms      4:	y(x)
         .          .      5:}
ROUTINE ======================== main.gone in /nonexistent/src/gone.go
      10ms       10ms (flat, cum)  1.63% of Total
 Error: open /nonexistent/src/gone.go: no such file or directory
ROUTINE ======================== main.handler in app/handler.go
     550ms      550ms (flat, cum) 89.43% of Total
         .          .      3:func handler() {
         .          .      4:	line 4
     400ms      400ms      5:	line 5
         .          .      6:	line 6
         .          .      7:	line 7
         .          .      8:	line 8
     150ms      150ms      9:	line 9
         .          .     10:	line 10
         .          .     11:	line 11
         .          .     12:func helper() {
         .          .     13:	line 13
         .          .     14:	line 14
ROUTINE ======================== main.helper in app/handler.go
         0      100ms (flat, cum) 16.26% of Total
         .          .      9:	line 9
         .          .     10:	line 10
         .          .     11:	line 11
         .          .     12:func helper() {
         .          .     13:	line 13
         .      100ms     14:	line 14
         .          .     15:	line 15
         .          .     16:	line 16
ROUTINE ======================== main.main in /src/main.main.go
         0      615ms (flat, cum)   100% of Total
 Error: open /src/main.main.go: no such file or directory
No source information for main.nofile
ROUTINE ======================== main.remote in /remote/app/handler.go
      20ms       20ms (flat, cum)  3.25% of Total
 Error: open /remote/app/handler.go: no such file or directory
)list"},
      {"-list=remote -source_path=/nowhere:DIR/app: /app/ cut from the name (the source "
       "path's last element), then found",
       "remote",
       {"/nowhere:" + dir + "/app", ""},
       R"list(Total: 615ms
ROUTINE ======================== main.remote in handler.go
      20ms       20ms (flat, cum)  3.25% of Total
         .          .      1:	line 1
      20ms       20ms      2:	line 2
         .          .      3:func handler() {
         .          .      4:	line 4
         .          .      5:	line 5
         .          .      6:	line 6
         .          .      7:	line 7
)list"},
  };
  for (const ListCase& c : cases) {
    INFO(c.what);
    auto list = List(WithSources(), {}, c.regex, c.source);
    REQUIRE(list.ok());
    CHECK(FormatListText(*list) == c.want);
  }

  auto none = List(WithSources(), {}, "nosuch", {dir, ""});
  CHECK(none.status().code() == Status::Code::kNotFound);
  CHECK(none.status().message() == "no matches found for regexp: nosuch");
  CHECK(List(WithSources(), {}, "(", {}).status().code() == Status::Code::kInvalidArgument);
  CHECK(List(WithSources(), {}, "", {}).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("ReadSourceLines: pprof's search, bounded", "[report]") {
  const std::string dir = SourceTree().string();
  auto lines = ReadSourceLines("app/crlf.go", dir + "/app/sub:/nowhere", "", 1 << 20);
  REQUIRE(lines.ok());  // found in a parent of the first directory
  CHECK(*lines ==
        std::vector<std::string>{"package app", "func crlf() {", "\tx := 1", "\ty(x)", "}"});
  CHECK(ReadSourceLines("/elsewhere/app/crlf.go", dir, "/elsewhere", 1 << 20).ok());
  auto big = ReadSourceLines(dir + "/app/handler.go", "", "", 16);
  CHECK(big.status().code() == Status::Code::kResourceExhausted);
  auto missing = ReadSourceLines("app/missing.go", dir, "", 1 << 20);
  CHECK(missing.status().message() == "could not find file app/missing.go on path " + dir);
  auto absolute = ReadSourceLines("/nonexistent/x.go", "", "", 1 << 20);
  CHECK(absolute.status().message() == "open /nonexistent/x.go: no such file or directory");
}
