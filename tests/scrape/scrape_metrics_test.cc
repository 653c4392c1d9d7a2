#include <catch2/catch.hpp>

#include "pprof/profile_builder.h"
#include "scrape/scrape_metrics.h"

using namespace cprof;
using namespace cprof::scrape;

namespace {

ProfileMetricConfig Rule(std::string name, std::string sample_type, std::string function = "") {
  return {std::move(name), std::move(sample_type), std::move(function)};
}

// The value of the line `series` in `text`, "" when it has none.
std::string ValueOf(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  at += series.size() + 2;
  return text.substr(at, text.find('\n', at) - at);
}

}  // namespace

TEST_CASE("ProfileMetricName: the unit's suffix, or _ratio for a share", "[scrape_metrics]") {
  CHECK(ProfileMetricName(Rule("mutex", "mutex_delay"), "nanoseconds") ==
        "cprofiler_profile_mutex_seconds");
  CHECK(ProfileMetricName(Rule("heap", "heap_inuse_space"), "bytes") ==
        "cprofiler_profile_heap_bytes");
  CHECK(ProfileMetricName(Rule("g", "goroutine"), "count") == "cprofiler_profile_g");
  CHECK(ProfileMetricName(Rule("h", "profile_cpu", "main"), "nanoseconds") ==
        "cprofiler_profile_h_ratio");
}

TEST_CASE("ProfileMetricValues: totals and shares, each sample counted once", "[scrape_metrics]") {
  // cpu: 10 in main.handler (recursive: twice on one stack), 30 under
  // main.handler via main.parse, 60 elsewhere.
  pprof::Profile p = testing::ProfileBuilder({{"samples", "count"}, {"cpu", "nanoseconds"}})
                         .Sample({"main.handler", "main.handler", "main.main"}, {1, 10})
                         .Sample({"main.parse", "main.handler", "main.main"}, {3, 30})
                         .Sample({"runtime.gc"}, {6, 60})
                         .Build();
  const std::vector<ProfileMetricConfig> rules = {
      Rule("cpu", "profile_cpu"),
      Rule("samples", "profile_samples"),
      Rule("handler", "profile_cpu", "main\\.handler"),
      Rule("nothing", "profile_cpu", "^nope$"),
      Rule("heap", "heap_inuse_space"),  // another profile type
      Rule("missing", "profile_wall"),   // a sample type it lacks
  };
  auto values = ProfileMetricValues(p, "profile", rules);
  CHECK(values.size() == 4);
  CHECK(values["cprofiler_profile_cpu_seconds"] == Approx(100e-9));
  CHECK(values["cprofiler_profile_samples"] == 10);
  CHECK(values["cprofiler_profile_handler_ratio"] == Approx(0.4));
  CHECK(values["cprofiler_profile_nothing_ratio"] == 0);
}

TEST_CASE("RenderScrapeMetrics: up, errors, counters and derived series per target",
          "[scrape_metrics]") {
  TargetsState state;
  state.updated_ms = 1'700'000'000'500;
  ActiveTarget good{"shop", "web", "h:1", {}, {}, {}};
  ProfileState heap;
  heap.type = "heap";
  heap.last_attempt_ms = heap.last_success_ms = 1'700'000'000'000;
  heap.scrapes = 3;
  heap.bytes = 4096;
  heap.last_duration_ms = 250;
  heap.metrics = {{"cprofiler_profile_heap_bytes", 1e6}, {"cprofiler_profile_gone", 1}};
  good.profiles.push_back(heap);
  ProfileState leak;  // an older Go's 404: not a failure
  leak.type = "goroutineleak";
  leak.last_attempt_ms = 1'700'000'000'000;
  leak.scrapes = 1;
  leak.not_offered = "0123456789abcdef";
  good.profiles.push_back(leak);
  ActiveTarget bad{"shop", "web", "h:2", {}, {}, {}};
  ProfileState failing;
  failing.type = "heap";
  failing.last_attempt_ms = 1'700'000'000'000;
  failing.scrapes = failing.errors = 2;
  failing.last_error = "HTTP 500";
  bad.profiles.push_back(failing);
  ActiveTarget fresh{"shop", "web", "h:3", {}, {}, {}};
  ProfileState in_flight;
  in_flight.type = "heap";
  in_flight.last_attempt_ms = 1'700'000'000'000;  // dispatched, not finished
  fresh.profiles.push_back(in_flight);
  state.active = {good, bad, fresh};

  std::string text = RenderScrapeMetrics(state, {Rule("heap", "heap_inuse_space")}, "1.0", "abc");
  const std::string g = "job=\"shop\",instance=\"h:1\",app=\"web\"";
  const std::string b = "job=\"shop\",instance=\"h:2\",app=\"web\"";
  CHECK(ValueOf(text, "cprofiler_target_up{" + g + "}") == "1");
  CHECK(ValueOf(text, "cprofiler_target_up{" + b + "}") == "0");
  CHECK(text.find("instance=\"h:3\",app=\"web\"} 1") == std::string::npos);
  CHECK(ValueOf(text, "cprofiler_target_up{job=\"shop\",instance=\"h:3\",app=\"web\"}").empty());
  CHECK(ValueOf(text, "cprofiler_scrape_success{" + g + ",profile_type=\"heap\"}") == "1");
  CHECK(ValueOf(text, "cprofiler_scrape_success{" + b + ",profile_type=\"heap\"}") == "0");
  CHECK(ValueOf(text, "cprofiler_scrape_not_offered{" + g + ",profile_type=\"goroutineleak\"}") ==
        "1");
  CHECK(ValueOf(text, "cprofiler_scrape_success{" + g + ",profile_type=\"goroutineleak\"}") == "");
  CHECK(ValueOf(text, "cprofiler_scrape_not_offered{" + g + ",profile_type=\"heap\"}") == "");
  CHECK(ValueOf(text, "cprofiler_scrape_errors_total{" + b + ",profile_type=\"heap\"}") == "2");
  CHECK(ValueOf(text, "cprofiler_scrapes_total{" + g + ",profile_type=\"heap\"}") == "3");
  CHECK(ValueOf(text, "cprofiler_scrape_bytes_total{" + g + ",profile_type=\"heap\"}") == "4096");
  CHECK(ValueOf(text, "cprofiler_scrape_duration_seconds{" + g + ",profile_type=\"heap\"}") ==
        "0.25");
  CHECK(ValueOf(text, "cprofiler_target_last_success_timestamp_seconds{" + g +
                          ",profile_type=\"heap\"}") == "1700000000");
  CHECK(ValueOf(text, "cprofiler_target_last_success_timestamp_seconds{" + b +
                          ",profile_type=\"heap\"}") == "");
  CHECK(ValueOf(text, "cprofiler_profile_heap_bytes{" + g + ",profile_type=\"heap\"}") ==
        "1000000");
  CHECK(text.find("cprofiler_profile_gone") == std::string::npos);  // its rule is gone
  CHECK(text.find("# TYPE cprofiler_profile_heap_bytes gauge\n") != std::string::npos);
  CHECK(ValueOf(text, "cprofiler_scrape_state_updated_timestamp_seconds") == "1700000000.5");
  CHECK(ValueOf(text, "cprofiler_build_info{version=\"1.0\",revision=\"abc\"}") == "1");
}

TEST_CASE("The targets' state keeps the counters and derived values", "[scrape_metrics]") {
  TargetsState state;
  ActiveTarget t{"j", "a", "h:1", {}, {}, {}};
  ProfileState p;
  p.type = "heap";
  p.scrapes = 7;
  p.errors = 2;
  p.bytes = 12345;
  p.last_duration_ms = 31;
  p.metrics = {{"cprofiler_profile_x_ratio", 0.125}, {"cprofiler_profile_y", 42}};
  t.profiles.push_back(p);
  state.active.push_back(t);
  auto back = ParseTargetsState(SerializeTargetsState(state));
  REQUIRE(back.ok());
  REQUIRE(back->active.size() == 1);
  REQUIRE(back->active[0].profiles.size() == 1);
  const ProfileState& q = back->active[0].profiles[0];
  CHECK(q.scrapes == 7);
  CHECK(q.errors == 2);
  CHECK(q.bytes == 12345);
  CHECK(q.last_duration_ms == 31);
  CHECK(q.metrics == p.metrics);
}
