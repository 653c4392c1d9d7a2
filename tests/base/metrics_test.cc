#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>

#include "base/metrics.h"

using namespace cprof::metrics;

TEST_CASE("FormatValue writes the text format's numbers", "[metrics]") {
  struct Case {
    double v;
    const char* want;
  };
  const Case cases[] = {
      {0, "0"},
      {1, "1"},
      {-2, "-2"},
      {0.25, "0.25"},
      {1e21, "1e+21"},
      {1710000000.5, "1710000000.5"},
      {1.7e9, "1700000000"},
      {1e6, "1000000"},
      {-0.0, "0"},
      {1e-7, "1e-07"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
  };
  for (const Case& c : cases) CHECK(FormatValue(c.v) == c.want);
}

TEST_CASE("EscapeLabelValue escapes backslash, quote and newline only", "[metrics]") {
  CHECK(EscapeLabelValue("plain") == "plain");
  CHECK(EscapeLabelValue("a\\b") == "a\\\\b");
  CHECK(EscapeLabelValue("say \"hi\"") == "say \\\"hi\\\"");
  CHECK(EscapeLabelValue("two\nlines") == "two\\nlines");
  CHECK(EscapeLabelValue("tab\t{}=,") == "tab\t{}=,");
}

TEST_CASE("Metric and label names: valid and rejected", "[metrics]") {
  for (const char* ok : {"a", "cprofiler_x_total", "_x", "a:b", "A9"}) {
    INFO(ok);
    CHECK(ValidMetricName(ok));
  }
  for (const char* bad : {"", "9a", "a-b", "a b", "a.b", "ä"}) {
    INFO(bad);
    CHECK_FALSE(ValidMetricName(bad));
  }
  CHECK(ValidLabelName("job"));
  CHECK(ValidLabelName("_x"));
  CHECK_FALSE(ValidLabelName("a:b"));
  CHECK_FALSE(ValidLabelName("__name__"));
  CHECK_FALSE(ValidLabelName(""));
}

TEST_CASE("Counters and gauges render HELP, TYPE and sorted series", "[metrics]") {
  Registry r;
  Family* requests =
      r.Counter("x_requests_total", "Requests.\nBy code \\ route.", {"route", "code"});
  Family* up = r.Gauge("x_up", "Up.");
  requests->Add({"/b", "200"});
  requests->Add({"/a", "404"}, 2);
  requests->Add({"/b", "200"});
  up->Set({}, 1);
  CHECK(r.Render() ==
        "# HELP x_requests_total Requests.\\nBy code \\\\ route.\n"
        "# TYPE x_requests_total counter\n"
        "x_requests_total{route=\"/a\",code=\"404\"} 2\n"
        "x_requests_total{route=\"/b\",code=\"200\"} 2\n"
        "# HELP x_up Up.\n"
        "# TYPE x_up gauge\n"
        "x_up 1\n");
  CHECK(r.Counter("x_requests_total", "again", {}) == requests);
  up->Clear();
  CHECK(r.Render().find("x_up 1") == std::string::npos);
}

TEST_CASE("Label values are escaped in the output", "[metrics]") {
  Registry r;
  r.Gauge("g", "G.", {"v"})->Set({"a\"b\\c\nd"}, 3);
  CHECK(r.Render().find("g{v=\"a\\\"b\\\\c\\nd\"} 3\n") != std::string::npos);
}

TEST_CASE("Histograms: cumulative buckets, +Inf, _sum and _count", "[metrics]") {
  Registry r;
  Family* h = r.Histogram("d_seconds", "D.", {"route"}, {1, 0.5, 0.125});
  for (double v : {0.0625, 0.125, 0.25, 2.0, std::nan("")}) h->Observe({"/x"}, v);
  CHECK(r.Render() ==
        "# HELP d_seconds D.\n"
        "# TYPE d_seconds histogram\n"
        "d_seconds_bucket{route=\"/x\",le=\"0.125\"} 2\n"
        "d_seconds_bucket{route=\"/x\",le=\"0.5\"} 3\n"
        "d_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
        "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
        "d_seconds_sum{route=\"/x\"} 2.4375\n"
        "d_seconds_count{route=\"/x\"} 4\n");
}

TEST_CASE("Families update from many threads at once", "[metrics]") {
  Registry r;
  Family* c = r.Counter("c_total", "C.", {"t"});
  Family* h = r.Histogram("h", "H.", {}, DurationBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        c->Add({"x"});
        h->Observe({}, 0.001);
        if (i % 100 == 0) (void)r.Render();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string text = r.Render();
  CHECK(text.find("c_total{t=\"x\"} 4000\n") != std::string::npos);
  CHECK(text.find("h_count 4000\n") != std::string::npos);
  CHECK(text.find("h_bucket{le=\"0.005\"} 4000\n") != std::string::npos);
}
