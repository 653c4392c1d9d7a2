// `cprofiler scrape`: one pass (--once, for cron) or the foreground loop.
#include <signal.h>

#include <atomic>

#include "base/log.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "scrape/run.h"

namespace cprof::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace

void ScrapeCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand(
      "scrape", "Pull profiles from the config's targets into the archive; prune expired ones");
  cmd_->footer(
      R"(With --once: scrape what is due (each job's interval since its last profile) and exit; meant for cron: * * * * * cprofiler scrape --once
Without: run in the foreground, each job on its interval, reloading the config when it changes, until SIGINT/SIGTERM.
Exit status: 0 all scraped, 1 some targets failed (the rest is kept), 2 bad flags or config.)");
  cmd_->add_flag("--once", once_, "One pass, then exit");
  cmd_->add_flag("--force", force_, "With --once: scrape everything now, due or not");
  cmd_->add_option("--max-concurrency", max_in_flight_, "Requests in flight at once")
      ->default_val(256)
      ->check(CLI::Range(1, 4096));
  cmd_->add_option("--cacert", ca_file_,
                   "CA certificates (PEM) for https targets (default: $SSL_CERT_FILE, "
                   "else the system's)")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--metrics-listen", metrics_listen_,
                   "Without --once: serve Prometheus metrics at http://ADDR/metrics "
                   "(ADDR as serve's --listen; no authentication)");
  cmd_->add_option("--metrics-file", metrics_file_,
                   "With --once: write the same metrics to this file (atomically), "
                   "for node_exporter's textfile collector (name it *.prom)");
}

int ScrapeCommand::Run(const GlobalOptions& global) {
  if (force_ && !once_) {
    return FailUsage("scrape", "--force goes with --once");
  }
  if (!metrics_listen_.empty() && once_) {
    return FailUsage("scrape",
                     "--metrics-listen goes without --once "
                     "(--once writes --metrics-file)");
  }
  if (!metrics_file_.empty() && !once_) {
    return FailUsage("scrape",
                     "--metrics-file goes with --once "
                     "(the loop serves --metrics-listen)");
  }
  auto resolved = Resolve(global, /*config_required=*/true);
  if (!resolved.ok()) return Fail("scrape", resolved.status(), kExitUsage);
  const scrape::Config& config = *resolved->config;
  if (config.jobs.empty()) {
    return FailUsage("scrape", config.source + ": no scrape-configs: nothing to scrape");
  }
  if (resolved->builtin_config) {
    LogInfo(
        "scrape: no config file found (-c, $CPROFILER_CONFIG, ../conf/cprofiler.yml, "
        "/etc/cprofiler/cprofiler.yml): using the built-in default, which scrapes "
        "127.0.0.1:6060 into " +
        resolved->opened->write_root().string());
  }
  if (!once_) InstallSignalHandlers();
  scrape::RunOptions options;
  options.once = once_;
  options.force = force_;
  options.fetch.max_in_flight = max_in_flight_;
  options.fetch.ca_file = ca_file_;
  options.metrics_file = metrics_file_;
  options.metrics_listen = metrics_listen_;
  options.config_path = resolved->config_path;
  options.version = CPROFILER_VERSION;
  options.revision = kBuildRevision;
  options.stop = &g_stop;
  scrape::RunOutcome outcome = scrape::Run(*resolved->opened, config, options);
  if (!outcome.error.ok()) return Fail("scrape", outcome.error, ExitCodeFor(outcome.error));
  return outcome.partial ? kExitPartial : kExitOk;
}

}  // namespace cprof::cli
