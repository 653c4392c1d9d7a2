// `cprofiler compact`: writes the hourly and daily rollups that are due
// (query/compact.h), for the jobs whose config keeps them.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "archive/archive.h"
#include "archive/lock.h"
#include "base/log.h"
#include "cli/commands.h"
#include "scrape/scraper.h"

namespace cprof::cli {

void CompactCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("compact",
                             "Write the hourly and daily rollups that are due, for long windows");
  cmd_->footer(
      "A rollup merges one target's profiles of one type over an hour or a day; merge and "
      "top over a long window read the rollups that tile it and raw profiles at its edges, "
      "with the same result as merging every raw profile (see ROLLUPS in man 5 "
      "cprofiler-archive). A job keeps rollups when its config says how long:\n"
      "  rollups: {hourly: 720h, daily: 8760h}\n"
      "scrape passes write the rollups of the last two days, once an hour; compact writes "
      "every one that is due (after an upgrade, or a config change), and replaces the ones "
      "that profiles scraped late made stale. Rollups are derived: deleting "
      "<archive>/rollups changes no answer, only its speed.\n"
      "On an archive in a bucket (s3://BUCKET/PREFIX), compact syncs the window's sidecars "
      "into the cache, merges there, uploads the new rollups and deletes from the bucket the "
      "stale ones they replace; a scrape on a bucket compacts the targets it scrapes.\n"
      "Examples:\n"
      "  cprofiler compact -c /etc/cprofiler/cprofiler.yml\n"
      "  cprofiler compact --from -7d\n"
      "Exit status: 0 ok (also when a running scrape holds the archive: it compacts it "
      "itself), 1 some spans could not be merged or written (named on stderr), 2 bad flags "
      "or config, or no job keeps rollups.");
  cmd_->add_option("--from", from_,
                   "Only spans from this time on (RFC3339, -7d, ...); default: all");
}

int CompactCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/true);
  if (!resolved.ok()) return Fail("compact", resolved.status(), kExitUsage);
  const scrape::Config& config = *resolved->config;
  if (!scrape::KeepsRollups(config)) {
    return Fail(
        "compact",
        Status::InvalidArgument(config.source + ": no job keeps rollups (add e.g. "
                                                "rollups: {hourly: 720h, daily: 8760h} to a job)"),
        kExitUsage);
  }
  const int64_t now = NowMs();
  query::CompactOptions options;
  options.now_ms = now;
  if (!from_.empty()) {
    auto from = ParseTimeArg(from_, now);
    if (!from.ok()) return Fail("compact", from.status().WithContext("--from"), kExitUsage);
    options.from_ms = *from;
  }
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) options.written_by = host;
  // Rollups are merged from what readers read (a bucket's cache, synced
  // first), written where writers write (its spool), then published (for a
  // bucket, uploaded); the stale ones are removed from the archive.
  archive::Archive& opened = *resolved->opened;
  const fs::path& root = resolved->archive;
  Status synced = SyncForReading(*resolved, std::max<int64_t>(options.from_ms, 2 * kMsPerDay), now);
  if (synced.ok() && opened.write_root() != root) {
    synced = archive::InitArchive(opened.write_root());
  }
  if (!synced.ok()) return Fail("compact", synced, ExitCodeFor(synced));
  options.write_root = opened.write_root();
  options.remove = [&opened](const archive::EntryKey& key) { return opened.RemoveEntry(key); };
  if (Status s = RequireArchive(root); !s.ok()) return Fail("compact", s, kExitUsage);
  // The writers' lock (a scrape on the same cache of a bucket compacts the
  // targets it scrapes itself).
  auto lock = archive::ArchiveLock::TryAcquire(opened.write_root());
  if (!lock.ok()) {
    if (lock.status().code() == Status::Code::kUnavailable) {
      LogInfo("compact: " + lock.status().message() +
              (opened.write_root() != root
                   ? "; it compacts the targets it scrapes: for the others, give "
                     "compact a --cache-dir of its own"
                   : "; it compacts the archive itself"));
      return kExitOk;
    }
    return Fail("compact", lock.status(), kExitPartial);
  }
  archive::LoggingReporter reporter;
  auto start = std::chrono::steady_clock::now();
  query::CompactStats s =
      query::Compact(root, scrape::RollupRetentionOf(config), options, &reporter);
  bool uploaded = true;
  archive::UploadStats up;
  if (Status status = opened.Publish(&up); !status.ok()) {
    uploaded = false;
    LogError("compact: " + status.message() + "; " + std::to_string(up.pending) +
             " entries wait in the spool " + opened.write_root().string() +
             " and are uploaded by the next compact or scrape pass on this cache");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "written      %zu  rollups\n"
      "up to date   %zu  spans\n"
      "replaced     %zu  stale rollups\n"
      "failed       %zu  spans\n",
      s.written, s.up_to_date, s.replaced, s.failed);
  std::fflush(stdout);
  char took[32];
  std::snprintf(took, sizeof took, "%.1fs", seconds);
  LogInfo("compact: done in " + std::string(took));
  return s.failed > 0 || !uploaded ? kExitPartial : kExitOk;
}

}  // namespace cprof::cli
