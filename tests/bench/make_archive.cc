// make_archive: writes a synthetic archive for tests and benchmarks.
//
//   make_archive DIR ENTRIES APPS DAY [PROFILE_FILE|-] [DAYS] [PROFILE_TYPE] [NAMES] [HOST|-]
//                [APP_PREFIX]
//
// ENTRIES entries spread evenly over DAYS (1) UTC days from DAY
// (YYYY-MM-DD), over APPS applications (app-0 .. app-N, one host each) and
// the 7 default profile types, each entry's profile the bytes of
// PROFILE_FILE (or, without it or for "-", a few bytes) with its number
// appended (a unique ID each, not decodable). With PROFILE_TYPE, every
// entry is of that type and its profile PROFILE_FILE as it is, with the
// sample types and totals a scrape would record: an archive that merge,
// top and compact read. With NAMES, the APPS targets (one host each) are
// named app-0 .. app-NAMES-1 in turn: a fleet of a few apps. With HOST,
// every target's host is HOST (a scraper's config can then name them; "-"
// for the default). With APP_PREFIX, the apps are APP_PREFIX-0 .. instead
// of app-0 .. (a second run adds other apps to an archive).
// Sidecars are complete, as a scrape writes them; entries are written in
// batches, as a scrape pass writes them.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "archive/writer.h"
#include "base/fs.h"
#include "base/time.h"
#include "pprof/codec.h"
#include "pprof/summary.h"

using namespace cprof;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: make_archive DIR ENTRIES APPS DAY [PROFILE_FILE|-] [DAYS] "
                 "[PROFILE_TYPE|-] [NAMES] [HOST|-] [APP_PREFIX]\n");
    return 2;
  }
  fs::path root = argv[1];
  long entries = std::stol(argv[2]);
  int apps = std::stoi(argv[3]);
  auto day = ParseTimeArg(argv[4], 0);
  const long days = argc > 6 ? std::stol(argv[6]) : 1;
  const std::string fixed_type = argc > 7 && std::string(argv[7]) != "-" ? argv[7] : "";
  const int names = argc > 8 ? std::stoi(argv[8]) : apps;
  const std::string host = argc > 9 && std::string(argv[9]) != "-" ? argv[9] : "";
  const std::string app_prefix = argc > 10 ? argv[10] : "app";
  if (!day.ok() || entries <= 0 || apps <= 0 || days <= 0 || names <= 0) {
    std::fprintf(stderr, "make_archive: bad arguments\n");
    return 2;
  }
  std::string bytes = "synthetic";
  if (argc > 5 && std::string(argv[5]) != "-") {
    auto data = ReadFile(argv[5], 1 << 30);
    if (!data.ok()) {
      std::fprintf(stderr, "make_archive: %s\n", data.status().message().c_str());
      return 1;
    }
    bytes = *data;
  }
  std::vector<archive::SampleTypeInfo> fixed_sample_types;
  if (!fixed_type.empty()) {
    auto profile = pprof::DecodeProfile(bytes);
    if (!profile.ok()) {
      std::fprintf(stderr, "make_archive: %s\n", profile.status().message().c_str());
      return 1;
    }
    for (auto& t : pprof::Summarize(*profile, fixed_type).sample_types) {
      fixed_sample_types.push_back({t.name, t.type, t.unit, t.total});
    }
  }
  if (Status s = archive::InitArchive(root); !s.ok()) {
    std::fprintf(stderr, "make_archive: %s\n", s.message().c_str());
    return 1;
  }
  static const char* kTypes[] = {"profile", "heap",  "allocs",      "goroutine",
                                 "mutex",   "block", "threadcreate"};
  // A benchmark's archive needs no durability: no syncs (about half the
  // time of writing it).
  archive::ArchiveWriter writer(root, {.durable = false});
  constexpr size_t kBatch = 256;
  const bool show_progress = ::isatty(STDERR_FILENO);
  for (long i = 0; i < entries; ++i) {
    archive::Sidecar s;
    const int types = fixed_type.empty() ? 7 : 1;
    s.profile_type = fixed_type.empty() ? kTypes[i % 7] : fixed_type;
    s.job = "bench";
    s.app = app_prefix + "-" + std::to_string(i / types % apps % names);
    s.host = !host.empty() ? host
                           : "10.0." + std::to_string(i / types % apps / 250) + "." +
                                 std::to_string(i / types % apps % 250) + ":6060";
    s.labels = {{"env", i % 2 ? "prod" : "dev"}};
    s.url = "http://" + s.host + "/debug/pprof/" + s.profile_type;
    s.timestamp_ms =
        *day + static_cast<int64_t>(static_cast<double>(i) * (days * kMsPerDay - 1) / entries);
    s.expiration_ns = 0;
    if (!fixed_type.empty()) {
      s.sample_types = fixed_sample_types;
    } else {
      s.sample_types = {{s.profile_type + "_a", "a", "count", i},
                        {s.profile_type + "_b", "b", "bytes", 2 * i}};
    }
    // Make every entry's bytes distinct so each gets its own ID (entries
    // of one fixed type have their own times instead).
    auto w = writer.Stage(fixed_type.empty() ? bytes + std::to_string(i) : bytes, std::move(s));
    if (!w.ok()) {
      std::fprintf(stderr, "make_archive: %s\n", w.status().message().c_str());
      return 1;
    }
    // Batches as a scrape pass commits them (100,000 entries took 3.5
    // minutes written one by one, each fsynced).
    if (writer.staged() >= kBatch || i + 1 == entries) {
      auto committed = writer.Commit();
      if (!committed.failed.empty()) {
        std::fprintf(stderr, "make_archive: %s: %s\n", committed.failed[0].first.c_str(),
                     committed.failed[0].second.message().c_str());
        return 1;
      }
    }
    if (show_progress && (i + 1) % 100000 == 0) {
      std::fprintf(stderr, "\rmake_archive: %ld/%ld entries", i + 1, entries);
      if (i + 1 == entries) std::fputc('\n', stderr);
    }
  }
  return 0;
}
