// report_bench: times each step of reading one profile: decode, top
// table, flame tree (capped), folded stacks, and the call graph
// /api/analysis?graph=1 adds (go tool pprof -dot's, 80 nodes) with its JSON.
// Beside each time, the process's peak RSS at the end of that step: its
// peak so far, what the steps before it still hold (the decoded profile,
// a second decode, their results) included.
//
//   report_bench PROFILE [MAX_FLAME_NODES]
#include <chrono>
#include <cstdio>
#include <string>

#include <google/protobuf/arena.h>

#include "base/fs.h"
#include "base/json.h"
#include "peak_rss.h"
#include "pprof/analysis_json.h"
#include "pprof/codec.h"
#include "pprof/dot.h"
#include "pprof/report.h"

using namespace cprof;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_bench PROFILE [MAX_FLAME_NODES]\n");
    return 2;
  }
  int max_nodes = argc > 2 ? std::stoi(argv[2]) : 50000;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  auto t0 = Clock::now();
  auto bytes = ReadFile(argv[1], size_t{1} << 31);
  if (!bytes.ok()) return 1;
  google::protobuf::Arena arena;
  auto* profile = google::protobuf::Arena::CreateMessage<pprof::Profile>(&arena);
  if (Status s = pprof::DecodeProfileInto(*bytes, profile); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  auto t1 = Clock::now();
  const double rss1 = bench::PeakRssMb();
  // The decode's parts, timed apart: gunzip, then parse + validate.
  auto raw =
      pprof::IsGzip(*bytes) ? pprof::Gunzip(*bytes, size_t{1} << 31) : Result<std::string>(*bytes);
  auto g1 = Clock::now();
  google::protobuf::Arena arena2;
  auto* parsed = google::protobuf::Arena::CreateMessage<pprof::Profile>(&arena2);
  (void)pprof::DecodeProfileInto(*raw, parsed);
  auto g2 = Clock::now();
  const double rss_g2 = bench::PeakRssMb();
  auto top = pprof::Top(*profile, {});
  auto t2 = Clock::now();
  const double rss2 = bench::PeakRssMb();
  auto flame = pprof::FlameTree(*profile, {}, max_nodes);
  auto t3 = Clock::now();
  const double rss3 = bench::PeakRssMb();
  auto uncapped = pprof::FlameTree(*profile, {}, 0);
  auto t4 = Clock::now();
  const double rss4 = bench::PeakRssMb();
  auto folded = pprof::Folded(*profile, {});
  auto t5 = Clock::now();
  const double rss5 = bench::PeakRssMb();
  auto both = pprof::Analyze(*profile, {}, max_nodes);
  auto t6 = Clock::now();
  const double rss6 = bench::PeakRssMb();
  pprof::ReportOptions dot_options;
  dot_options.node_count = pprof::kDotNodeCount;
  auto dot = pprof::Dot(*profile, dot_options);
  auto t7 = Clock::now();
  JsonWriter w;
  w.StartObject();
  if (dot.ok()) pprof::WriteGraphField(w, *dot, dot_options.node_count);
  w.EndObject();
  const size_t graph_json = w.Take().size();
  auto t8 = Clock::now();
  const double rss8 = bench::PeakRssMb();
  // Ends a step's line with its peak RSS.
  auto peak = [](double mb) { std::printf("  peak RSS so far %.1f MB\n", mb); };
  std::printf("  %d samples, %zu bytes gzipped, %zu bytes raw\n", profile->sample_size(),
              bytes->size(), profile->ByteSizeLong());
  std::printf("  decode (gunzip + parse + validate): %7.0f ms", ms(t0, t1));
  peak(rss1);
  std::printf("    of which gunzip %.0f ms, parse + validate %.0f ms", ms(t1, g1), ms(g1, g2));
  peak(rss_g2);
  std::printf("  top table (%zu rows):               %7.0f ms", top->rows.size(), ms(g2, t2));
  peak(rss2);
  std::printf("  flame tree capped at %d nodes (%d): %7.0f ms", max_nodes,
              pprof::CountNodes(*flame), ms(t2, t3));
  peak(rss3);
  std::printf("  flame tree uncapped (%d nodes):     %7.0f ms", pprof::CountNodes(*uncapped),
              ms(t3, t4));
  peak(rss4);
  std::printf("  folded stacks (%zu bytes):          %7.0f ms", folded->size(), ms(t4, t5));
  peak(rss5);
  std::printf("  top + flame tree together (Analyze): %7.0f ms (%zu rows, %d nodes)", ms(t5, t6),
              both->top.rows.size(), pprof::CountNodes(both->flame));
  peak(rss6);
  std::printf("  read + decode + Analyze:             %7.0f ms (target < 1000 ms)",
              ms(t0, t1) + ms(t5, t6));
  peak(rss6);
  if (dot.ok()) {
    std::printf("  call graph (dot, %zu nodes, %zu edges): %7.0f ms, its JSON (%zu bytes) %.1f ms",
                dot->nodes.size(), dot->edges.size(), ms(t6, t7), graph_json, ms(t7, t8));
    peak(rss8);
  }
  return 0;
}
