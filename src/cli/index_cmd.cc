// `cprofiler index --check|--rebuild`: the archive's index files against
// its sidecars, like fsck.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "archive/index_check.h"
#include "base/log.h"
#include "cli/commands.h"

namespace cprof::cli {

void IndexCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand(
      "index", "Check the archive's index files against its sidecars, or rebuild them");
  cmd_->footer(
      R"(Every <tkey> directory of the archive holds an INDEX file: its sidecars in one file, which query, merge, top and serve read instead of each sidecar. Scrape writes it; readers add what it lacks and replace it when damaged. It is derived: deleting it changes no answer (man 5 cprofiler-archive).
Examples:
  cprofiler index --check --archive /var/lib/cprofiler
  cprofiler index --rebuild --archive /var/lib/cprofiler
Exit status: 0 every record readers use agrees with its sidecar (missing, stale and damaged records only cost time); 1 some do not (rebuild), or sidecars are unreadable (named on stderr); 2 bad flags.)");
  auto* mode = cmd_->add_option_group("mode");
  mode->add_flag("--check", check_,
                 "Read every sidecar and compare it with its record; change nothing");
  mode->add_flag("--rebuild", rebuild_,
                 "Replace every index file by one made from the sidecars (safe while "
                 "scrape and serve run)");
  mode->require_option(1);
}

int IndexCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("index", resolved.status(), kExitUsage);
  if (Status s = RequireArchive(resolved->archive); !s.ok()) return Fail("index", s, kExitUsage);
  archive::LoggingReporter reporter;
  archive::IndexCheckOptions options;
  options.rebuild = rebuild_;
  const bool tty = ::isatty(STDERR_FILENO);
  auto last = std::chrono::steady_clock::now();
  options.progress = [&](const archive::IndexCheckStats& s) {
    auto now = std::chrono::steady_clock::now();
    if (!tty || now - last < std::chrono::milliseconds(500)) return;
    last = now;
    std::fprintf(stderr, "\rcprofiler: index: %zu directories, %zu entries", s.dirs, s.entries);
    std::fflush(stderr);
  };
  archive::IndexCheckStats s = archive::CheckIndexes(resolved->archive, options, &reporter);
  if (tty) std::fputc('\n', stderr);
  std::printf(
      "directories  %zu\n"
      "entries      %zu\n"
      "indexed      %zu  (read from the index)\n"
      "missing      %zu  (no record: read from the sidecar)\n"
      "outdated     %zu  (sidecar changed since indexed: read from the sidecar)\n"
      "stale        %zu  (records of removed entries: ignored)\n"
      "wrong        %zu  (record disagrees with its sidecar: readers answer wrongly)\n"
      "damaged      %zu  index files (read up to the damage)\n"
      "unreadable   %zu  sidecars\n",
      s.dirs, s.entries, s.indexed, s.missing, s.outdated, s.stale, s.wrong, s.damaged_files,
      s.unreadable);
  if (rebuild_) std::printf("rebuilt      %zu  index files\n", s.rewritten);
  std::fflush(stdout);
  if (s.Wrong() && !rebuild_) {
    LogError("index: " + std::to_string(s.wrong) +
             " records disagree with their sidecars: run cprofiler index --rebuild");
    return kExitPartial;
  }
  return s.unreadable > 0 ? kExitPartial : kExitOk;
}

}  // namespace cprof::cli
