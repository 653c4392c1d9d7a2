// The list report's reading of sources as a server does it (SourceOptions'
// confined and go_modules): nothing outside the source path is ever read,
// whatever a profile names; a Go module cache's and GOROOT's layouts are
// found; without sources, the sampled lines still come with their values.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pprof/profile_builder.h"
#include "pprof/report.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::pprof;
using cprof::testing::ProfileBuilder;

namespace {

using Types = std::vector<std::pair<std::string, std::string>>;

void Put(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

SourceOptions Confined(const std::string& source_path) {
  SourceOptions o;
  o.source_path = source_path;
  o.confined = true;
  o.go_modules = true;
  return o;
}

}  // namespace

TEST_CASE("ReadSourceLines confined: nothing outside the source path is read", "[report]") {
  testing::TempDir tmp;
  const std::string dir = tmp.path().string();
  Put(tmp.path() / "src/app/main.go", "package main\nfunc main() {}\n");
  Put(tmp.path() / "secret.go", "outside\n");
  std::filesystem::create_symlink("/etc/passwd", tmp.path() / "src/app/passwd.go");
  std::filesystem::create_symlink(tmp.path() / "secret.go", tmp.path() / "src/app/link.go");
  std::filesystem::create_symlink(tmp.path() / "src/app/main.go", tmp.path() / "src/app/in.go");
  REQUIRE(::mkfifo((tmp.path() / "src/app/fifo.go").c_str(), 0600) == 0);
  const std::string src = dir + "/src";

  // What the source path holds is read, by a relative name or an absolute
  // one, through a symbolic link that stays inside too.
  auto found = ReadSourceLines("app/main.go", Confined(src));
  REQUIRE(found.ok());
  CHECK(*found == std::vector<std::string>{"package main", "func main() {}"});
  CHECK(ReadSourceLines(src + "/app/main.go", Confined(src)).ok());
  CHECK(ReadSourceLines("app/in.go", Confined(src)).ok());

  // Rejects, each NotFound, and each read by the unconfined search (pprof's)
  // where it is a file. Absolute names through the source path are cut
  // after its last element (pprof's heuristic) unless a trim path is set.
  struct Reject {
    std::string file;
    std::string trim_path;
    std::string message;
    bool pprof_reads;
  };
  const std::string outside = ": not found under the source path";
  const std::vector<Reject> rejects = {
      {"/etc/passwd", "", "open /etc/passwd" + outside, true},
      {"/etc/no-such-file", "", "open /etc/no-such-file" + outside, false},
      {"../../../../../../../../etc/passwd", "",
       "could not find file ../../../../../../../../etc/passwd", true},
      {"etc/passwd", "", "could not find file etc/passwd", true},  // in the root's parents
      {"secret.go", "", "could not find file secret.go", true},    // in the source dir's parent
      {src + "/../secret.go", "", "could not find file ../secret.go", true},
      {src + "/../secret.go", "/x", "open " + src + "/../secret.go" + outside, true},
      {"app/passwd.go", "", "could not find file app/passwd.go", true},  // a link out
      {"app/link.go", "", "could not find file app/link.go", true},
      {src + "/app/link.go", "/x", "open " + src + "/app/link.go" + outside, true},
      {"app/fifo.go", "", "could not find file app/fifo.go", false},
      {src + "/app/fifo.go", "/x", "open " + src + "/app/fifo.go: not a regular file", false},
      {"/proc/self/cwd/../../etc/passwd", "", "could not find file ../../etc/passwd", true},
  };
  for (const Reject& r : rejects) {
    INFO(r.file);
    SourceOptions o = Confined(src);
    o.trim_path = r.trim_path;
    auto lines = ReadSourceLines(r.file, o);
    REQUIRE(!lines.ok());
    CHECK(lines.status().code() == Status::Code::kNotFound);
    CHECK_THAT(lines.status().message(), Catch::StartsWith(r.message));
    if (r.pprof_reads) CHECK(ReadSourceLines(r.file, src, r.trim_path, 1 << 20).ok());
  }

  // No source path: nothing at all (not the working directory).
  auto none = ReadSourceLines(src + "/app/main.go", Confined(""));
  CHECK(none.status().message() == "no source path to read " + src + "/app/main.go from");
  // A missing directory of the path is no root.
  CHECK(!ReadSourceLines("/etc/passwd", Confined(dir + "/nowhere")).ok());
  // The cap holds.
  SourceOptions small = Confined(src);
  small.max_file_bytes = 4;
  CHECK(ReadSourceLines("app/main.go", small).status().code() == Status::Code::kResourceExhausted);
}

TEST_CASE("ReadSourceLines go_modules: a module cache's and GOROOT's layouts", "[report]") {
  testing::TempDir tmp;
  const std::string dir = tmp.path().string();
  Put(tmp.path() / "gomodcache/github.com/acme/lib@v1.2.3/client.go", "package lib\n");
  Put(tmp.path() / "goroot/runtime/proc.go", "package runtime\n");
  const std::string path = dir + "/app:" + dir + "/gomodcache:" + dir + "/goroot";
  std::filesystem::create_directories(tmp.path() / "app");

  // As a -trimpath build names them: found by pprof's own search.
  CHECK(ReadSourceLines("github.com/acme/lib@v1.2.3/client.go", Confined(path)).ok());
  CHECK(ReadSourceLines("runtime/proc.go", Confined(path)).ok());
  // As the build machine named them: found only with go_modules.
  for (const std::string file : {"/home/ci/go/pkg/mod/github.com/acme/lib@v1.2.3/client.go",
                                 "/usr/local/go/src/runtime/proc.go"}) {
    INFO(file);
    auto lines = ReadSourceLines(file, Confined(path));
    REQUIRE(lines.ok());
    CHECK(lines->size() == 1);
    SourceOptions plain = Confined(path);
    plain.go_modules = false;
    CHECK(!ReadSourceLines(file, plain).ok());
  }
  // Not a standard package (a dot in its first element), or no such file.
  CHECK(!ReadSourceLines("/home/me/src/github.com/acme/lib@v1.2.3/x.go", Confined(path)).ok());
  CHECK(!ReadSourceLines("/home/ci/go/pkg/mod/github.com/acme/lib@v1.2.4/client.go", Confined(path))
             .ok());
}

TEST_CASE("List without sources: the sampled lines with their values", "[report]") {
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Source("main.handler", "/build/app/handler.go", 3)
                  .Source("main.helper", "/build/app/handler.go", 12)
                  .Sample({"main.handler@5", "main.main"}, {400'000'000})
                  .Sample({"main.helper@14+main.handler@9", "main.main"}, {100'000'000})
                  .Sample({"main.handler@9", "main.main"}, {50'000'000})
                  .Build();
  testing::TempDir tmp;
  auto list = List(p, {}, "handler|helper", Confined(tmp.path().string()));
  REQUIRE(list.ok());
  REQUIRE(list->functions.size() == 2);
  const ListFile& handler = list->functions[0].files.at(0);
  CHECK(handler.file == "/build/app/handler.go");
  CHECK(handler.error == "open /build/app/handler.go: not found under the source path");
  REQUIRE(handler.lines.size() == 2);
  CHECK(handler.lines[0].number == 5);
  CHECK(handler.lines[0].flat == 400'000'000);
  CHECK(handler.lines[0].cum == 400'000'000);
  CHECK(handler.lines[1].number == 9);
  CHECK(handler.lines[1].flat == 150'000'000);  // handler@9 inlined into helper@14
  CHECK(handler.lines[1].cum == 150'000'000);
  CHECK(handler.lines[1].text.empty());
  const ListFile& helper = list->functions[1].files.at(0);
  REQUIRE(helper.lines.size() == 1);
  CHECK(helper.lines[0].number == 14);
  CHECK(helper.lines[0].flat == 0);
  CHECK(helper.lines[0].cum == 100'000'000);
  // The text is pprof's still: the error, no lines.
  CHECK(FormatListText(*list) ==
        "Total: 550ms\n"
        "ROUTINE ======================== main.handler in /build/app/handler.go\n"
        "     550ms      550ms (flat, cum)   100% of Total\n"
        " Error: open /build/app/handler.go: not found under the source path\n"
        "ROUTINE ======================== main.helper in /build/app/handler.go\n"
        "         0      100ms (flat, cum) 18.18% of Total\n"
        " Error: open /build/app/handler.go: not found under the source path\n");

  // At most max_functions, the others counted.
  auto one = List(p, {}, "handler|helper", Confined(tmp.path().string()), 1);
  REQUIRE(one.ok());
  CHECK(one->functions.size() == 1);
  CHECK(one->functions[0].name == "main.handler");
  CHECK(one->more_functions == 1);
}

TEST_CASE("ExactNameRegex matches one name", "[report]") {
  Profile p = ProfileBuilder(Types{{"cpu", "nanoseconds"}})
                  .Sample({"main.(*T).f", "main.main"}, {1})
                  .Sample({"main.(*T).f2", "main.main"}, {1})
                  .Sample({"mainx(*T)yf", "main.main"}, {1})
                  .Build();
  auto peek = Peek(p, {}, ExactNameRegex("main.(*T).f"));
  REQUIRE(peek.ok());
  REQUIRE(peek->entries.size() == 1);
  CHECK(peek->entries[0].node.name == "main.(*T).f");
}
