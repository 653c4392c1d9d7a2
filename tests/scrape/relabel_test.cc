#include <catch2/catch.hpp>

#include <fstream>

#include "scrape/config.h"
#include "scrape/discovery.h"
#include "scrape/kubernetes_sd.h"
#include "scrape/relabel.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::scrape;

namespace {

// The rules of a job whose config has `rules` (YAML) as relabel-configs.
std::vector<RelabelRule> Rules(const std::string& rules) {
  auto config = ParseConfig("scrape-configs:\n  - job: j\n    relabel-configs: " + rules +
                                "\n    target-configs: [{hosts: ['h:1']}]\n",
                            "t.yml");
  REQUIRE(config.ok());
  return config->jobs[0].relabel;
}

}  // namespace

TEST_CASE("Relabeling: replace, keep, drop, labelmap, labeldrop, labelkeep", "[relabel]") {
  const LabelSet in = {
      {"__address__", "10.0.0.1:6060"}, {"__meta_kind", "api"}, {"team", "pay"}, {"env", "prod"}};
  auto out =
      Relabel(in, Rules("[{source-labels: [__meta_kind, env], separator: '-', "
                        "regex: '(.*)-(prod|dev)', target-label: tier, replacement: '${1}_$2'}]"));
  REQUIRE(out);
  CHECK(out->at("tier") == "api_prod");
  // No match: nothing changes. An empty result removes the label.
  CHECK(*Relabel(in, Rules("[{source-labels: [env], regex: dev, target-label: x}]")) == in);
  CHECK(!Relabel(in, Rules("[{source-labels: [env], regex: '(.*)', target-label: team, "
                           "replacement: ''}]"))
             ->count("team"));
  CHECK(Relabel(in, Rules("[{action: keep, source-labels: [env], regex: prod}]")));
  CHECK(!Relabel(in, Rules("[{action: keep, source-labels: [env], regex: dev}]")));
  CHECK(!Relabel(in, Rules("[{action: drop, source-labels: [team], regex: 'p.*'}]")));
  // (anchored: "ro" does not match "prod")
  CHECK(Relabel(in, Rules("[{action: drop, source-labels: [env], regex: ro}]")));
  auto mapped =
      Relabel(in, Rules("[{action: labelmap, regex: '__meta_(.*)', replacement: 'm_$1'}]"));
  CHECK(mapped->at("m_kind") == "api");
  CHECK(mapped->count("__meta_kind"));
  auto dropped = Relabel(in, Rules("[{action: labeldrop, regex: 'team|env'}]"));
  CHECK(*dropped == LabelSet{{"__address__", "10.0.0.1:6060"}, {"__meta_kind", "api"}});
  auto kept = Relabel(in, Rules("[{action: labelkeep, regex: '__address__|env'}]"));
  CHECK(*kept == LabelSet{{"__address__", "10.0.0.1:6060"}, {"env", "prod"}});
  // $$ is a dollar; an unknown group is empty.
  CHECK(Relabel(in, Rules("[{source-labels: [env], target-label: x, replacement: '$$$9a'}]"))
            ->at("x") == "$a");
}

TEST_CASE("hashmod splits targets into stable shards", "[relabel]") {
  auto rules =
      Rules("[{action: hashmod, source-labels: [__address__], modulus: 3, target-label: __shard}]");
  std::map<std::string, int> per_shard;
  for (int i = 0; i < 300; ++i) {
    LabelSet in = {{"__address__", "10.0.0." + std::to_string(i) + ":6060"}};
    auto a = Relabel(in, rules), b = Relabel(in, rules);
    CHECK(a->at("__shard") == b->at("__shard"));
    ++per_shard[a->at("__shard")];
  }
  REQUIRE(per_shard.size() == 3);
  for (const auto& [shard, n] : per_shard) CHECK(n > 60);  // roughly even
  auto one = Rules(
      "[{action: hashmod, source-labels: [__address__], modulus: 2, target-label: __shard},"
      " {action: keep, source-labels: [__shard], regex: '1'}]");
  int kept = 0;
  for (int i = 0; i < 100; ++i)
    kept += Relabel({{"__address__", "h" + std::to_string(i) + ":1"}}, one) ? 1 : 0;
  CHECK(kept > 30);
  CHECK(kept < 70);
}

TEST_CASE("Bad relabel rules and file_sd files are errors naming the place", "[relabel]") {
  auto bad = [](const std::string& rules) {
    auto config = ParseConfig("scrape-configs:\n  - job: j\n    relabel-configs: " + rules +
                                  "\n    target-configs: [{hosts: ['h:1']}]\n",
                              "t.yml");
    REQUIRE(!config.ok());
    return config.status().message();
  };
  CHECK_THAT(bad("[{action: rename}]"),
             Catch::Contains("t.yml:3:") && Catch::Contains("unknown action"));
  CHECK_THAT(bad("[{regex: '(', target-label: x}]"), Catch::Contains("relabel-configs[0].regex"));
  CHECK_THAT(bad("[{action: hashmod, source-labels: [a], target-label: x}]"),
             Catch::Contains("modulus"));
  CHECK_THAT(bad("[{source-labels: [a]}]"), Catch::Contains("target-label"));
  CHECK_THAT(bad("[{action: keep, regex: x, target: y}]"), Catch::Contains("unknown key"));

  CHECK_THAT(
      ParseTargetGroups("[{targets: [a:1], labels: {'bad-name': x}}]", "sd.yml").status().message(),
      Catch::Contains("sd.yml:1:") && Catch::Contains("bad label name"));
  CHECK_THAT(ParseTargetGroups("{\"targets\": []}", "sd.json").status().message(),
             Catch::Contains("must be a list"));
  CHECK_THAT(ParseTargetGroups("[{\"targets\": [\"a:1\"]", "sd.json").status().message(),
             Catch::Contains("sd.json:"));
  auto good =
      ParseTargetGroups(R"([{"targets": ["a:1", "b:2"], "labels": {"app": "shop"}}])", "sd.json");
  REQUIRE(good.ok());
  CHECK(good->at(0).targets == std::vector<std::string>{"a:1", "b:2"});
}

TEST_CASE("Discovery: file_sd targets relabeled, a broken file keeping its last good groups",
          "[relabel]") {
  testing::TempDir dir;
  const std::string file = (dir.path() / "fleet.json").string();
  auto write = [&](const std::string& text) { std::ofstream(file, std::ios::trunc) << text; };
  auto config = ParseConfig(
      "scrape-configs:\n  - job: j\n    file-sd-configs: [{files: ['" +
          (dir.path() / "*.json").string() +
          "']}]\n    relabel-configs: [{action: drop, source-labels: [env], regex: dev}]\n",
      "t.yml");
  REQUIRE(config.ok());
  const JobConfig& job = config->jobs[0];
  write(
      R"([{"targets": ["10.0.0.1:6060", "10.0.0.2:6060"], "labels": {"app": "shop", "env": "prod"}},
            {"targets": ["10.0.0.3:6060"], "labels": {"env": "dev"}}])");
  Discovery discovery;
  CHECK(discovery.Changed(*config));
  auto targets = discovery.TargetsOf(job);
  REQUIRE(targets.size() == 2);
  CHECK(targets[0].app == "shop");
  CHECK(targets[0].host == "10.0.0.1:6060");
  CHECK(targets[0].labels == archive::Labels{{"env", "prod"}});
  CHECK(!discovery.Changed(*config));
  write(R"([{"targets": ["10.0.0.9:6060"]}])");  // (a new size: changed)
  CHECK(discovery.Changed(*config));
  targets = discovery.TargetsOf(job);
  REQUIRE(targets.size() == 1);
  CHECK(targets[0].app == "j");  // no app label: the job's name
  write("[{\"targets\": [");     // broken: the last good list stays
  targets = discovery.TargetsOf(job);
  REQUIRE(targets.size() == 1);
  CHECK(targets[0].host == "10.0.0.9:6060");
}

TEST_CASE("A pod's targets: one a container port, one a portless container, none without an IP",
          "[relabel]") {
  const std::string pod = R"({"metadata": {"name": "shop-1", "namespace": "prod", "uid": "u1",
      "labels": {"app.kubernetes.io/name": "shop"}, "annotations": {"cprofiler.io/port": "6060"},
      "ownerReferences": [{"kind": "ReplicaSet", "name": "shop-7d", "controller": true}]},
    "spec": {"nodeName": "n1", "containers": [
      {"name": "shop", "ports": [{"name": "http", "containerPort": 8080}, {"name": "pprof", "containerPort": 6060, "protocol": "TCP"}]},
      {"name": "sidecar"}]},
    "status": {"phase": "Running", "podIP": "10.1.2.3", "hostIP": "10.0.0.7",
      "conditions": [{"type": "Ready", "status": "False"}]}})";
  auto groups = PodTargets(pod);
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 3);
  CHECK(groups->at(0).targets == std::vector<std::string>{"10.1.2.3:8080"});
  CHECK(groups->at(1).targets == std::vector<std::string>{"10.1.2.3:6060"});
  CHECK(groups->at(2).targets == std::vector<std::string>{"10.1.2.3"});
  const archive::Labels& l = groups->at(1).labels;
  CHECK(l.at("__meta_kubernetes_namespace") == "prod");
  CHECK(l.at("__meta_kubernetes_pod_label_app_kubernetes_io_name") == "shop");
  CHECK(l.at("__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name") == "true");
  CHECK(l.at("__meta_kubernetes_pod_annotation_cprofiler_io_port") == "6060");
  CHECK(l.at("__meta_kubernetes_pod_container_port_name") == "pprof");
  CHECK(l.at("__meta_kubernetes_pod_container_port_protocol") == "TCP");
  CHECK(l.at("__meta_kubernetes_pod_controller_kind") == "ReplicaSet");
  CHECK(l.at("__meta_kubernetes_pod_ready") == "false");
  CHECK(l.at("__meta_kubernetes_pod_node_name") == "n1");
  CHECK(!groups->at(2).labels.count("__meta_kubernetes_pod_container_port_number"));
  auto pending = PodTargets(
      R"({"metadata": {"uid": "u2"}, "spec": {"containers": [{"name": "x"}]}, "status": {"phase": "Pending"}})");
  REQUIRE(pending.ok());
  CHECK(pending->empty());
  CHECK(!PodTargets("[1, 2]").ok());
}
