#include <catch2/catch.hpp>

#include "scrape/config.h"

using namespace cprof;
using namespace cprof::scrape;
using namespace std::chrono_literals;

TEST_CASE("The seed's config parses with defaults filled in", "[config]") {
  const char* yaml = R"(
archive: /var/lib/cprofiler
scrape-configs:
  - job: cprofiler
    interval: 60s
    expiration: 168h
    enabled-profiles: [all, trace]
    path-profiles:
      profile: /debug/pprof/profile?seconds=10
      trace: /debug/pprof/trace?seconds=10
    target-configs:
      - application: cprofiler
        hosts:
          - 127.0.0.1:9000
        labels:
          env: dev
  - job: minimal
    target-configs:
      - hosts: [10.0.0.1:6060, "https://api.internal:443"]
)";
  auto c = ParseConfig(yaml, "test.yml");
  REQUIRE(c.ok());
  CHECK(c->archive == "/var/lib/cprofiler");
  REQUIRE(c->jobs.size() == 2);
  const JobConfig& j = c->jobs[0];
  CHECK(j.job == "cprofiler");
  CHECK(j.interval == 60s);
  CHECK(j.expiration == 168h);
  CHECK(j.timeout == 30s);
  CHECK(j.profiles == std::vector<std::string>{"profile", "heap", "allocs", "goroutine", "mutex",
                                               "block", "threadcreate", "trace"});
  CHECK(j.paths.at("heap") == "/debug/pprof/heap");
  CHECK(j.targets.at(0).labels.at("env") == "dev");
  CHECK(RequestTimeout(j, j.paths.at("profile")) == 40s);
  CHECK(RequestTimeout(j, j.paths.at("heap")) == 30s);
  const JobConfig& m = c->jobs[1];
  CHECK(m.targets.at(0).application == "minimal");
  CHECK(m.profiles.size() == 7);  // all: every one but trace and fgprof
  CHECK(m.max_response_bytes == 64 << 20);
  CHECK(TargetUrl(m.targets[0].hosts[0], "/debug/pprof/heap") ==
        "http://10.0.0.1:6060/debug/pprof/heap");
  CHECK(TargetUrl(m.targets[0].hosts[1], "/x") == "https://api.internal:443/x");
}

TEST_CASE("Empty configs have no jobs", "[config]") {
  CHECK(ParseConfig("", "e.yml")->jobs.empty());
  CHECK(ParseConfig("scrape-configs:\n", "e.yml")->jobs.empty());
}

TEST_CASE("The fingerprint: the same text gives the same, any change another", "[config]") {
  const std::string text =
      "scrape-configs:\n  - job: a\n    target-configs:\n"
      "      - application: x\n        hosts: [h:1]\n";
  auto a = ParseConfig(text, "a.yml");
  auto same = ParseConfig(text, "b.yml");
  auto other = ParseConfig(text + "# a comment\n", "a.yml");
  REQUIRE(a.ok());
  REQUIRE(same.ok());
  REQUIRE(other.ok());
  CHECK(a->fingerprint.size() == 16);
  CHECK(a->fingerprint == same->fingerprint);
  CHECK(a->fingerprint != other->fingerprint);
  CHECK(ParseConfig("", "e.yml")->fingerprint.size() == 16);
}

TEST_CASE("max-size: binary units, none by default", "[config]") {
  CHECK(ParseConfig("archive: a\n", "e.yml")->max_size == 0);
  CHECK(ParseConfig("max-size: 50GiB\n", "e.yml")->max_size == int64_t{50} << 30);
  CHECK(ParseConfig("max-size: 2T\n", "e.yml")->max_size == int64_t{2} << 40);
  CHECK(ParseConfig("max-size: 512MiB\n", "e.yml")->max_size == int64_t{512} << 20);
  CHECK(ParseConfig("max-size: 1234567\n", "e.yml")->max_size == 1234567);
}

TEST_CASE("serve: listen, auth-file, cors-allowed-origins, all unset by default", "[config]") {
  auto none = ParseConfig("archive: a\n", "e.yml");
  REQUIRE(none.ok());
  CHECK(none->serve.listen.empty());
  CHECK(none->serve.auth_file.empty());
  CHECK(none->serve.cors_allowed_origins.empty());
  auto c = ParseConfig(
      "serve:\n  listen: 127.0.0.1:9090\n  auth-file: auth\n"
      "  cors-allowed-origins: [https://grafana.example.com, \"http://localhost:3000\", \"*\"]\n",
      "e.yml");
  REQUIRE(c.ok());
  CHECK(c->serve.listen == "127.0.0.1:9090");
  CHECK(c->serve.auth_file == "auth");
  CHECK(c->serve.cors_allowed_origins ==
        std::vector<std::string>{"https://grafana.example.com", "http://localhost:3000", "*"});
  CHECK(ParseConfig("serve:\n", "e.yml").ok());
  CHECK(ParseConfig("serve: {cors-allowed-origins: []}\n", "e.yml")
            ->serve.cors_allowed_origins.empty());
}

TEST_CASE("serve: source-path and trim-path, a list or DIR:DIR", "[config]") {
  auto none = ParseConfig("serve: {listen: :80}\n", "e.yml");
  REQUIRE(none.ok());
  CHECK(none->serve.source_path.empty());
  CHECK(none->serve.trim_path.empty());
  auto c = ParseConfig(
      "serve:\n  source-path: [src, \"/go/pkg/mod:/usr/lib/go/src\"]\n"
      "  trim-path: /build:/home/ci\n",
      "e.yml");
  REQUIRE(c.ok());
  CHECK(c->serve.source_path == std::vector<std::string>{"src", "/go/pkg/mod", "/usr/lib/go/src"});
  CHECK(c->serve.trim_path == std::vector<std::string>{"/build", "/home/ci"});
  for (const char* bad : {"serve: {source-path: \"a::b\"}\n", "serve: {trim-path: [\"\"]}\n",
                          "serve: {source-path: \":a\"}\n"}) {
    INFO(bad);
    auto r = ParseConfig(bad, "e.yml");
    REQUIRE(!r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("an empty path"));
  }
  CHECK_THAT(ParseConfig("serve: {source-path: {a: b}}\n", "e.yml").status().message(),
             Catch::Contains("serve.source-path: must be a list of strings"));
}

TEST_CASE("push: defaults, every key, and what is refused", "[config]") {
  auto none = ParseConfig("archive: a\n", "e.yml");
  REQUIRE(none.ok());
  CHECK(none->push.expiration_ns == 0);
  CHECK(none->push.max_body_bytes == 16 << 20);
  CHECK(none->push.rate_per_second == 100);
  CHECK(none->push.allowed_labels.empty());
  auto c = ParseConfig(
      "push:\n  expiration: 168h\n  max-body: 4MiB\n  allowed-labels: [team, zone]\n"
      "  required-labels: team\n  rate-limit: 2.5\n",
      "e.yml");
  REQUIRE(c.ok());
  CHECK(c->push.expiration_ns == 168 * 3600 * int64_t{1'000'000'000});
  CHECK(c->push.max_body_bytes == 4 << 20);
  CHECK(c->push.allowed_labels == std::vector<std::string>{"team", "zone"});
  CHECK(c->push.required_labels == std::vector<std::string>{"team"});
  CHECK(c->push.rate_per_second == 2.5);
  CHECK(ParseConfig("push: {rate-limit: 0}\n", "e.yml")->push.rate_per_second == 0);
  const std::pair<const char*, const char*> rejects[] = {
      {"push: [a]\n", "push: must be a mapping"},
      {"push: {expire: 1h}\n", "expire"},
      {"push: {expiration: 5x}\n", "push.expiration"},
      {"push: {max-body: lots}\n", "push.max-body"},
      {"push: {allowed-labels: [_job]}\n", "bad label name \"_job\""},
      {"push: {required-labels: [a-b]}\n", "push.required-labels"},
      {"push: {rate-limit: -1}\n", "push.rate-limit"},
      {"push: {rate-limit: fast}\n", "push.rate-limit"},
  };
  for (const auto& [text, why] : rejects) {
    INFO(text);
    auto r = ParseConfig(text, "e.yml");
    REQUIRE(!r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("e.yml:1:") && Catch::Contains(why));
  }
}

TEST_CASE("profile-metrics: rules in order, none by default", "[config]") {
  auto none = ParseConfig("scrape-configs: []\n", "t.yml");
  REQUIRE(none.ok());
  CHECK(none->profile_metrics.empty());
  auto c = ParseConfig(R"(
profile-metrics:
  - name: mutex_delay
    sample-type: mutex_delay
  - name: handler_cpu_share
    sample-type: profile_cpu
    function: 'main\.handler'
)",
                       "t.yml");
  REQUIRE(c.ok());
  REQUIRE(c->profile_metrics.size() == 2);
  CHECK(c->profile_metrics[0].name == "mutex_delay");
  CHECK(c->profile_metrics[0].sample_type == "mutex_delay");
  CHECK(c->profile_metrics[0].function.empty());
  CHECK(c->profile_metrics[1].name == "handler_cpu_share");
  CHECK(c->profile_metrics[1].sample_type == "profile_cpu");
  CHECK(c->profile_metrics[1].function == "main\\.handler");
}

TEST_CASE("Config rejects name the line and key", "[config]") {
  struct Case {
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"scrape-config: []\n", "e.yml:1:1: unknown key \"scrape-config\""},
      {"scrape-configs:\n  - job: a\n    intervl: 5s\n",
       "e.yml:3:5: scrape-configs[0]: unknown key \"intervl\""},
      {"scrape-configs:\n  - job: a\n    interval: 6x\n    target-configs: [{hosts: [h:1]}]\n",
       "e.yml:3:15: scrape-configs[0].interval: bad duration \"6x\""},
      {"scrape-configs:\n  - job: a\n    interval: 0\n    target-configs: [{hosts: [h:1]}]\n",
       "e.yml:3:15: scrape-configs[0].interval: must be greater than 0"},
      {"scrape-configs:\n  - job: a\n    expiration: -1h\n    target-configs: [{hosts: [h:1]}]\n",
       "e.yml:3:17: scrape-configs[0].expiration: bad duration"},
      {"scrape-configs:\n  - job: a\n    target-configs:\n      - hosts: []\n",
       "e.yml:4:16: scrape-configs[0].target-configs[0].hosts: must be a non-empty list"},
      {"scrape-configs:\n  - job: a\n    target-configs:\n      - application: x\n",
       "e.yml:4:9: scrape-configs[0].target-configs[0].hosts: missing"},
      {"scrape-configs:\n  - job: a\n    target-configs: [{hosts: [h:1]}]\n  - job: a\n    "
       "target-configs: [{hosts: [h:2]}]\n",
       "e.yml:4:10: scrape-configs[1].job: duplicate job \"a\""},
      {"scrape-configs:\n  - interval: 5s\n", "e.yml:2:5: scrape-configs[0]: missing key \"job\""},
      {"scrape-configs:\n  - job: a\n    enabled-profiles: [heap, cmdline]\n    target-configs: "
       "[{hosts: [h:1]}]\n",
       "e.yml:3:30: scrape-configs[0].enabled-profiles: unknown profile \"cmdline\""},
      {"scrape-configs:\n  - job: a\n    path-profiles: {heap: debug/heap}\n    target-configs: "
       "[{hosts: [h:1]}]\n",
       "e.yml:3:27: scrape-configs[0].path-profiles.heap: bad path"},
      {"scrape-configs:\n  - job: a\n    target-configs: [{hosts: [h:1], labels: {_job: x}}]\n",
       "e.yml:3:46: scrape-configs[0].target-configs[0].labels: bad label name \"_job\""},
      {"scrape-configs:\n  - job: a\n    target-configs: [{hosts: [h:1, h:1]}]\n",
       "scrape-configs[0].target-configs[0].hosts: host \"h:1\" listed twice"},
      {"scrape-configs:\n  - job: a\n    target-configs: [{hosts: [\"h 1\"]}]\n",
       "e.yml:3:31: scrape-configs[0].target-configs[0].hosts[0]: bad host"},
      {"scrape-configs:\n  - job: a\n    job: b\n",
       "e.yml:3:5: scrape-configs[0]: duplicate key \"job\""},
      {"scrape-configs:\n  - job: a\n    max-response-size: 12XB\n    target-configs: [{hosts: "
       "[h:1]}]\n",
       "e.yml:3:24: scrape-configs[0].max-response-size: bad size"},
      {"scrape-configs:\n  - job: a\n    max-response-size: 17179869185G\n    target-configs: "
       "[{hosts: [h:1]}]\n",
       "max-response-size: must be between 1 byte and 4GiB"},
      {"max-size: 50GB\n", "e.yml:1:11: max-size: bad size \"50GB\""},
      {"max-size: 0\n", "e.yml:1:11: max-size: must be between 1 byte and 1PiB"},
      {"max-size: 2000T\n", "max-size: must be between 1 byte and 1PiB"},
      {"max-size: 1000\n", "e.yml:1:11: max-size: must be at least 1MiB"},
      {"max-size: [1G]\n", "e.yml:1:11: max-size: must be a single value"},
      {"scrape-configs: {job: a}\n", "e.yml:1:17: scrape-configs: must be a list of jobs"},
      {"scrape-configs:\n  - job: [a\n", "e.yml:"},
      {"- a\n- b\n", "e.yml:1:1: the top level must be a mapping"},
      {"serve:\n  listen: :80\n  auth: x\n",
       "e.yml:3:3: serve: unknown key \"auth\" (known: listen, auth-file, cors-allowed-origins, "
       "tls-cert, tls-key, redirect-listen, source-path, trim-path)"},
      {"serve: [a]\n", "e.yml:1:8: serve: must be a mapping"},
      {"serve: {auth-file: \"\"}\n", "serve.auth-file: must not be empty"},
      {"serve: {listen: [a]}\n", "serve.listen: must be a single value"},
      {"serve: {cors-allowed-origins: [https://a.example/]}\n",
       "e.yml:1:32: serve.cors-allowed-origins[0]: bad origin \"https://a.example/\""},
      {"serve: {cors-allowed-origins: [https://a.example, a.example]}\n",
       "serve.cors-allowed-origins[1]: bad origin \"a.example\""},
      {"serve: {cors-allowed-origins: [https://A.example]}\n", "bad origin"},
      {"serve: {cors-allowed-origins: [\"https://a.example/x\"]}\n", "bad origin"},
      {"serve: {cors-allowed-origins: [\"ftp://a.example\"]}\n", "bad origin"},
      {"serve: {cors-allowed-origins: [\"https://\"]}\n", "bad origin"},
      {"profile-metrics: {name: a}\n", "e.yml:1:18: profile-metrics: must be a list of rules"},
      {"profile-metrics:\n  - sample-type: goroutine\n",
       "e.yml:2:5: profile-metrics[0].name: missing"},
      {"profile-metrics:\n  - name: a\n", "e.yml:2:5: profile-metrics[0].sample-type: missing"},
      {"profile-metrics:\n  - name: Mutex-Delay\n    sample-type: mutex_delay\n",
       "e.yml:2:11: profile-metrics[0].name: \"Mutex-Delay\" is no metric name part"},
      {"profile-metrics:\n  - name: 9a\n    sample-type: mutex_delay\n", "is no metric name part"},
      {"profile-metrics:\n  - name: a\n    sample-type: trace\n",
       "e.yml:3:18: profile-metrics[0].sample-type: \"trace\" names no sample type"},
      {"profile-metrics:\n  - name: a\n    sample-type: cmdline\n",
       "\"cmdline\" names no sample type"},
      {"profile-metrics:\n  - name: a\n    sample-type: profile_cpu\n    function: 'main.(('\n",
       "e.yml:4:15: profile-metrics[0].function: bad regular expression: missing )"},
      {"profile-metrics:\n  - name: a\n    sample-type: profile_cpu\n    function: ''\n",
       "profile-metrics[0].function: bad regular expression: empty"},
      {"profile-metrics:\n  - name: a\n    sample-type: profile_cpu\n    regexp: x\n",
       "e.yml:4:5: profile-metrics[0]: unknown key \"regexp\""},
      {"profile-metrics:\n  - {name: a, sample-type: goroutine}\n  - {name: a, sample-type: "
       "profile_cpu}\n",
       "e.yml:3:12: profile-metrics[1].name: duplicate name \"a\""},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    auto r = ParseConfig(c.yaml, "e.yml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(c.want));
  }
}
