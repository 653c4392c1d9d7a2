#include "server/report_page.h"

#include <catch2/catch.hpp>

using namespace cprof;
using namespace cprof::server;

TEST_CASE("The report's script is the web UI's modules in one, each once, imports resolved",
          "[report]") {
  auto bundle = BundleModules("report.js");
  REQUIRE(bundle.ok());
  CHECK(bundle->find("\nimport ") == std::string::npos);
  CHECK(bundle->find("\nexport ") == std::string::npos);
  // Dependencies before their users: dom.js before flamegraph.js before
  // profile_view.js before report.js.
  size_t dom = bundle->find("// ---- dom.js");
  size_t flame = bundle->find("// ---- flamegraph.js");
  size_t view = bundle->find("// ---- profile_view.js");
  size_t report = bundle->find("// ---- report.js");
  REQUIRE(dom != std::string::npos);
  CHECK(dom < flame);
  CHECK(flame < view);
  CHECK(view < report);
  CHECK(bundle->find("// ---- dom.js", dom + 1) == std::string::npos);
  CHECK(bundle->find("class FlameGraph") != std::string::npos);
  CHECK(BundleModules("nosuch.js").status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("The report page inlines everything and keeps data from ending its script", "[report]") {
  const std::string hostile = R"({"n":"</script><script>alert(1)</script>"})";
  auto page = RenderReportPage("a <b> & \"c\"", {{"inputs", "x</script>"}}, hostile, "null");
  REQUIRE(page.ok());
  CHECK(page->find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>") != std::string::npos);
  CHECK(page->find("alert(1)</script>") == std::string::npos);
  CHECK(page->find(R"(\u003c/script>\u003cscript>alert(1))") != std::string::npos);
  CHECK(page->find("{{") == std::string::npos);
  CHECK(page->find("src=") == std::string::npos);
  CHECK(page->find("http://") == std::string::npos);
  CHECK(page->find("https://") == std::string::npos);
  // Exactly the page's own two scripts, the data and the bundle.
  size_t scripts = 0;
  for (size_t at = page->find("<script"); at != std::string::npos;
       at = page->find("<script", at + 1)) {
    ++scripts;
  }
  CHECK(scripts == 2);
}
