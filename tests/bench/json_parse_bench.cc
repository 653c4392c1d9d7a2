// json_parse_bench: the query benchmark's JSON choice, measured. Parses the
// same N sidecars with RapidJSON (what cprofiler uses, via ParseSidecar) and
// with nlohmann::json (DOM parse plus the same field reads), and prints both,
// each with the process's peak RSS so far (the N sidecars it holds, and
// the parse before it, included).
//
//   json_parse_bench [N]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/sidecar.h"
#include "peak_rss.h"

using namespace cprof;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 100000;
  std::vector<std::string> docs;
  docs.reserve(n);
  for (int i = 0; i < n; ++i) {
    archive::Sidecar s;
    s.profile_type = "heap";
    s.job = "bench";
    s.app = "app-" + std::to_string(i % 50);
    s.host = "10.0.0." + std::to_string(i % 50) + ":6060";
    s.labels = {{"env", "prod"}, {"zone", "b"}};
    s.url = "http://" + s.host + "/debug/pprof/heap";
    s.timestamp_ms = 1795342500123 + i;
    s.sha256 = std::string(64, 'a');
    s.sample_types = {{"heap_alloc_objects", "alloc_objects", "count", i},
                      {"heap_alloc_space", "alloc_space", "bytes", i},
                      {"heap_inuse_objects", "inuse_objects", "count", i},
                      {"heap_inuse_space", "inuse_space", "bytes", i}};
    archive::EntryKey key{s.timestamp_ms, std::string(16, 'a'), "heap", std::string(10, 'a')};
    s.id = archive::FormatId(key);
    s.file = archive::ProfileFileName(key);
    docs.push_back(archive::SerializeSidecar(s));
  }
  const double rss_docs = bench::PeakRssMb();
  int64_t check = 0;
  auto t0 = Clock::now();
  for (const std::string& d : docs) {
    auto s = archive::ParseSidecar(d);
    check += s->sample_types[3].total;
  }
  auto t1 = Clock::now();
  const double rss1 = bench::PeakRssMb();
  for (const std::string& d : docs) {
    auto j = nlohmann::json::parse(d);
    archive::Sidecar s;
    s.id = j["id"].get<std::string>();
    s.job = j["job"].get<std::string>();
    s.app = j["app"].get<std::string>();
    s.host = j["host"].get<std::string>();
    for (auto& [k, v] : j["labels"].items()) s.labels[k] = v.get<std::string>();
    s.timestamp_ms = j["timestamp_ms"].get<int64_t>();
    for (auto& t : j["sample_types"]) {
      s.sample_types.push_back({t["name"].get<std::string>(), t["type"].get<std::string>(),
                                t["unit"].get<std::string>(), t["total"].get<int64_t>()});
    }
    check -= s.sample_types[3].total;
  }
  auto t2 = Clock::now();
  const double rss2 = bench::PeakRssMb();
  auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count(); };
  std::printf(
      "sidecar parse, %d sidecars of %zu bytes (checksum %lld; peak RSS %.1f MB with them made):\n",
      n, docs[0].size(), static_cast<long long>(check), rss_docs);
  std::printf(
      "  rapidjson (cprofiler's ParseSidecar, validated): %8.0f ms  %.2f us/sidecar  peak RSS so "
      "far %.1f MB\n",
      us(t1 - t0) / 1000, us(t1 - t0) / n, rss1);
  std::printf(
      "  nlohmann::json (parse + same reads):             %8.0f ms  %.2f us/sidecar  peak RSS so "
      "far %.1f MB\n",
      us(t2 - t1) / 1000, us(t2 - t1) / n, rss2);
  return 0;
}
