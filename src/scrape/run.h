// The scrape command's work, over an opened archive: one pass (cron's
// `cprofiler scrape --once`) or the loop (the daemon), with their archive
// check, lock, uploads and Prometheus metrics.
//
// Thread-safe: one run per archive at a time (it takes the ArchiveLock).
#ifndef CPROF_SCRAPE_RUN_H_
#define CPROF_SCRAPE_RUN_H_

#include <atomic>
#include <string>

#include "archive/archive.h"
#include "base/fetcher.h"
#include "base/fs.h"
#include "base/status.h"
#include "scrape/config.h"

namespace cprof::scrape {

struct RunOptions {
  // once (false): one pass of what is due (every profile with `force`),
  //   its uploads, then return; else the loop, until `stop`.
  bool once = false;
  bool force = false;
  FetcherOptions fetch;
  // metrics_file (--metrics-file, a pass's): the scrape metrics written
  //   there once the pass is over, for node_exporter's textfile collector.
  std::string metrics_file;
  // metrics_listen (--metrics-listen, the loop's): /metrics served there.
  std::string metrics_listen;
  // config_path (the loop's): read again whenever it changes; a config
  //   that does not load (or has no jobs) is said and the previous kept.
  fs::path config_path;
  // The build, for the metrics' cprofiler_build_info.
  std::string version, revision;
  // stop (the loop's; required): set by a signal handler.
  const std::atomic<bool>* stop = nullptr;
};

// How a run ended: `error` what stopped it or what the archive refused
// (InvalidArgument: the caller's to fix, as credentials or a bad
// --metrics-listen), else OK; `partial`, that some scrapes failed or some
// entries wait unpublished in the spool.
struct RunOutcome {
  Status error;
  bool partial = false;
};

// Scrapes `config`'s targets into `opened` (its write_root()), which it
// makes an archive if it is not one yet. A pass leaves an archive that
// another process holds to it (OK, nothing done); the loop waits for it.
// The archive is checked beside a pass (an endpoint that does not answer
// must not hold scraping up) and before the loop: whatever it says, the
// scrapes go to the spool, nothing is lost.
RunOutcome Run(archive::Archive& opened, const Config& config, const RunOptions& options);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_RUN_H_
