// interval_bench: what a cumulative type's window costs (query/interval.h),
// against how many snapshots it holds.
//
//   interval_bench DIR [SNAPSHOTS] [COPIES] [PROFILE]
//
// Writes one target's SNAPSHOTS (1,440) heap snapshots, one a minute of one
// UTC day, into a new archive at DIR: each PROFILE (a real heap profile,
// tests/data/heap.pb.gz: 7 KB, 198 samples) with every function, location
// and sample repeated COPIES times under new names (1: as it is; 50 makes
// a production service's size, ~300 KB), and its alloc_* values grown by
// the minute, as a live process's grow. Then times, best of 7,
// heap_alloc_space windows:
//   - one two-snapshot difference: a window holding the last snapshot,
//     whose base is the one before it;
//   - the whole day: every snapshot in the window;
// each as `cprofiler top/merge` computes it (sidecars read from the
// archive) and as `serve` does (from its in-memory index), and prints the
// ratios. Target: the day costs at most twice the single difference.
// Each line ends with the process's peak RSS so far (the writing, and the
// windows before it, included).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "archive/writer.h"
#include "base/fs.h"
#include "base/time.h"
#include "peak_rss.h"
#include "pprof/interval.h"
#include "pprof/summary.h"
#include "query/interval.h"
#include "query/select.h"
#include "server/archive_index.h"
#include "server/index_query.h"

using namespace cprof;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRuns = 7;

double BestMs(const std::function<void()>& fn) {
  double best = 1e18;
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return best;
}

// `p` with COPIES - 1 more copies of its functions, locations and samples,
// the functions renamed: as many distinct stacks, COPIES times over.
void Widen(pprof::Profile* p, int copies) {
  const int functions = p->function_size(), locations = p->location_size(),
            samples = p->sample_size();
  const uint64_t max_function = functions, max_location = locations;  // Go numbers them 1..n
  for (int c = 1; c < copies; ++c) {
    for (int i = 0; i < functions; ++i) {
      perftools::profiles::Function f = p->function(i);  // a copy: add_function may move it
      p->add_string_table(p->string_table(f.name()) + "#" + std::to_string(c));
      f.set_name(p->string_table_size() - 1);
      f.set_id(f.id() + c * max_function);
      *p->add_function() = f;
    }
    for (int i = 0; i < locations; ++i) {
      auto l = p->location(i);
      l.set_id(l.id() + c * max_location);
      for (auto& line : *l.mutable_line())
        line.set_function_id(line.function_id() + c * max_function);
      *p->add_location() = l;
    }
    for (int i = 0; i < samples; ++i) {
      auto s = p->sample(i);
      for (auto& id : *s.mutable_location_id()) id += c * max_location;
      *p->add_sample() = s;
    }
  }
}

void Die(const Status& s) {
  std::fprintf(stderr, "interval_bench: %s\n", s.message().c_str());
  std::exit(1);
}

// The window's profile as the CLI computes it; returns the profiles read.
size_t CliWindow(const fs::path& root, const query::Selection& sel) {
  auto entries = query::Select(root, sel, nullptr);
  if (!entries.ok()) Die(entries.status());
  std::vector<query::Series> series = query::SeriesOf(root, *entries, nullptr);
  query::WindowPlan plan = query::PlanWindow(series);
  query::WindowStats stats;
  auto merged = query::MergeWindow(
      plan, [&](const query::SeriesPoint& p) { return query::ProfilePathOf(root, p); }, &stats);
  if (!merged.ok()) Die(merged.status());
  return stats.decoded;
}

// The same from serve's index.
size_t ServeWindow(const fs::path& root, const server::ArchiveSnapshot& snapshot,
                   const query::Selection& sel) {
  auto hits = server::Select(snapshot, sel);
  if (!hits.ok()) Die(hits.status());
  server::RefSeries series = server::SeriesOf(snapshot, server::RefsOf(*hits));
  query::WindowPlan plan = query::PlanWindow(series.series);
  query::WindowStats stats;
  auto merged = query::MergeWindow(
      plan, [&](const query::SeriesPoint& p) { return query::ProfilePathOf(root, p); }, &stats);
  if (!merged.ok()) Die(merged.status());
  return stats.decoded;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: interval_bench DIR [SNAPSHOTS] [COPIES] [PROFILE]\n");
    return 2;
  }
  const fs::path root = argv[1];
  const int snapshots = argc > 2 ? std::stoi(argv[2]) : 1440;
  const int copies = argc > 3 ? std::stoi(argv[3]) : 1;
  const fs::path profile_file = argc > 4 ? argv[4] : CPROF_TEST_DATA_DIR "/heap.pb.gz";
  if (Exists(root)) Die(Status::InvalidArgument(root.string() + " exists: give a new directory"));
  auto bytes = ReadFile(profile_file, size_t{1} << 30);
  if (!bytes.ok()) Die(bytes.status());
  auto base = pprof::DecodeProfile(*bytes);
  if (!base.ok()) Die(base.status());
  Widen(&*base, copies);
  if (Status s = pprof::ValidateProfile(*base); !s.ok()) Die(s);
  if (Status s = archive::InitArchive(root); !s.ok()) Die(s);

  const int64_t day = DayStartMs({2026, 11, 20});
  std::vector<bool> grow = pprof::CumulativeMask(*base, "heap");
  archive::ArchiveWriter writer(root);
  auto t0 = Clock::now();
  std::string encoded;
  for (int k = 0; k < snapshots; ++k) {
    pprof::Profile p = *base;
    for (auto& s : *p.mutable_sample()) {
      for (int i = 0; i < s.value_size(); ++i) {
        if (grow[i]) s.set_value(i, s.value(i) * (100 + k) / 100);
      }
    }
    p.set_time_nanos((day + k * 60'000) * 1'000'000);
    encoded = pprof::EncodeProfile(p);
    pprof::ProfileSummary summary = pprof::Summarize(p, "heap");
    archive::Sidecar sc;
    sc.profile_type = "heap";
    sc.job = "bench";
    sc.app = "app";
    sc.host = "10.0.0.1:6060";
    sc.url = "http://10.0.0.1:6060/debug/pprof/heap";
    sc.timestamp_ms = day + k * 60'000;
    for (const auto& t : summary.sample_types)
      sc.sample_types.push_back({t.name, t.type, t.unit, t.total});
    auto staged = writer.Stage(encoded, std::move(sc));
    if (!staged.ok()) Die(staged.status());
    if (writer.staged() >= 256 || k + 1 == snapshots) {
      auto committed = writer.Commit();
      if (!committed.failed.empty()) Die(committed.failed[0].second);
    }
  }
  std::printf(
      "  wrote %d heap snapshots of one target (%d samples, %zu bytes each) in %.1f s; peak RSS "
      "so far %.1f MB\n",
      snapshots, base->sample_size(), encoded.size(),
      std::chrono::duration<double>(Clock::now() - t0).count(), bench::PeakRssMb());

  query::Selection one{"heap_alloc_space",
                       day + (snapshots - 1) * 60'000,
                       day + (snapshots - 1) * 60'000,
                       {},
                       false};
  query::Selection all{"heap_alloc_space", day, day + kMsPerDay - 1, {}, false};
  server::ArchiveIndex index(root, nullptr);
  index.Refresh();
  auto snapshot = index.Snapshot();

  size_t read_one = 0, read_all = 0;
  double cli_one = BestMs([&] { read_one = CliWindow(root, one); });
  double cli_all = BestMs([&] { read_all = CliWindow(root, all); });
  std::printf(
      "  CLI (sidecars read from disk): one interval %.2f ms (%zu profiles read); "
      "the day, %d snapshots, %.2f ms (%zu read): %.2fx; peak RSS so far %.1f MB\n",
      cli_one, read_one, snapshots, cli_all, read_all, cli_all / cli_one, bench::PeakRssMb());
  double serve_one = BestMs([&] { read_one = ServeWindow(root, *snapshot, one); });
  double serve_all = BestMs([&] { read_all = ServeWindow(root, *snapshot, all); });
  std::printf(
      "  serve (in-memory index): one interval %.2f ms (%zu profiles read); "
      "the day %.2f ms (%zu read): %.2fx (target <= 2x); peak RSS so far %.1f MB\n",
      serve_one, read_one, serve_all, read_all, serve_all / serve_one, bench::PeakRssMb());
  return 0;
}
