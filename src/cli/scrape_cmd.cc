// `cprofiler scrape`: one pass (--once, for cron) or the foreground loop.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/lock.h"
#include "archive/writer.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/time.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "pprof/units.h"
#include "scrape/publisher.h"
#include "scrape/scrape_metrics.h"
#include "scrape/scraper.h"
#include "server/http_server.h"
#include "server/metrics_handler.h"

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

// Many targets at once need many sockets.
void RaiseFileLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// Identifies a version of the config file.
std::string FileStamp(const fs::path& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return "";
  return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" +
         std::to_string(st.st_size) + "/" + std::to_string(st.st_ino);
}

// `text` as the file `path`, atomically (a temporary file in its directory,
// renamed over it): node_exporter never reads half of it.
Status WriteMetricsFile(const fs::path& path, std::string_view text) {
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  return WriteFileAtomic(dir, path.filename().string(), text, /*sync_dir=*/false);
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
  // Scrapes go to the archive's write_root() (a bucket's spool, published
  // from there).
  archive::Archive& opened = *resolved->opened;
  const fs::path root = opened.write_root();
  // The archive is checked beside a --once pass (an endpoint that does not
  // answer takes its retries' time, which must not hold up scraping), and
  // before the loop starts; a pass scrapes into the spool whatever it
  // says: nothing is lost.
  std::future<Status> check;
  if (once_) {
    check = std::async(std::launch::async, [&opened] { return opened.Check(); });
  } else if (Status s = opened.Check(); !s.ok()) {
    if (s.code() != Status::Code::kUnavailable) return Fail("scrape", s, ExitCodeFor(s));
    LogError("scrape: " + s.message() + "; scraping into the spool " + root.string());
  }
  if (resolved->builtin_config) {
    LogInfo(
        "scrape: no config file found (-c, $CPROFILER_CONFIG, ../conf/cprofiler.yml, "
        "/etc/cprofiler/cprofiler.yml): using the built-in default, which scrapes "
        "127.0.0.1:6060 into " +
        root.string());
  }
  if (Status s = archive::InitArchive(root); !s.ok()) {
    return Fail("scrape", s, ExitCodeFor(s));
  }
  if (!once_) InstallSignalHandlers();
  auto lock = archive::ArchiveLock::TryAcquire(root);
  // --once leaves the archive to whoever holds it; the daemon waits its turn
  // (a cron pass in progress when it starts must not stop it for good).
  bool told = false;
  while (!once_ && !lock.ok() && lock.status().code() == Status::Code::kUnavailable &&
         !g_stop.load()) {
    if (!told) LogInfo("scrape: " + lock.status().message() + "; waiting for it");
    told = true;
    ::usleep(500'000);
    lock = archive::ArchiveLock::TryAcquire(root);
  }
  if (!lock.ok()) {
    if (lock.status().code() == Status::Code::kUnavailable) {
      LogInfo("scrape: " + lock.status().message() + "; nothing to do");
      // (an archive that refused is still said)
      if (check.valid()) {
        Status checked = check.get();
        if (!checked.ok() && checked.code() != Status::Code::kUnavailable)
          return Fail("scrape", checked, ExitCodeFor(checked));
      }
      return kExitOk;
    }
    return Fail("scrape", lock.status(), kExitPartial);
  }
  RaiseFileLimit();
  FetcherOptions fetch;
  fetch.max_in_flight = max_in_flight_;
  fetch.ca_file = ca_file_;
  scrape::Scraper scraper(root, fetch);
  scraper.set_archive(&opened);
  scrape::Publisher publisher(&opened, config.max_size);
  // The metrics, rendered from the targets' state each time it is written.
  std::mutex metrics_mu;
  std::string metrics_text;
  std::vector<scrape::ProfileMetricConfig> rules = config.profile_metrics;
  scraper.set_state_listener([&](const scrape::TargetsState& state) {
    std::string text = scrape::RenderScrapeMetrics(state, rules, CPROFILER_VERSION, kBuildRevision);
    std::lock_guard<std::mutex> lock(metrics_mu);
    metrics_text = std::move(text);
  });
  if (once_) {
    scrape::PassStats stats = scraper.RunOnce(config, force_);
    LogInfo("scrape: " + scrape::FormatPass(stats));
    bool published = true;
    Status refused;  // the archive's answer, when it is no (credentials, no such bucket)
    Status checked = check.get();
    if (!checked.ok() && checked.code() != Status::Code::kUnavailable) {
      LogError("scrape: the pass's entries wait in the spool " + root.string());
      refused = checked;
    } else if (!checked.ok()) {
      LogError("scrape: " + checked.message() + "; the entries wait in the spool " + root.string() +
               " and are uploaded when the bucket answers");
      published = false;
    } else {
      published = publisher.Upload(/*final=*/true) && publisher.Prune(NowMs());
    }
    if (!metrics_file_.empty()) {
      if (Status s = WriteMetricsFile(metrics_file_, metrics_text); !s.ok()) {
        return Fail("scrape", s.WithContext("--metrics-file"), kExitPartial);
      }
    }
    if (!refused.ok()) return Fail("scrape", refused, ExitCodeFor(refused));
    return stats.failed > 0 || !published ? kExitPartial : kExitOk;
  }
  server::MetricsHandler metrics_handler([&] {
    std::lock_guard<std::mutex> lock(metrics_mu);
    return metrics_text;
  });
  std::unique_ptr<server::HttpServer> metrics_server;
  if (!metrics_listen_.empty()) {
    server::HttpServerOptions http;
    http.listen = metrics_listen_;
    http.threads = 2;
    auto started = server::HttpServer::Start(&metrics_handler, http);
    if (!started.ok()) {
      return Fail(
          "scrape", started.status().WithContext("--metrics-listen"),
          started.status().code() == Status::Code::kInvalidArgument ? kExitUsage : kExitPartial);
    }
    metrics_server = std::move(*started);
    LogInfo("scrape: metrics at http://" + metrics_listen_ + "/metrics (port " +
            std::to_string(metrics_server->Ports().at(0)) + ")");
  }
  std::thread uploader([&] { publisher.Loop(g_stop); });
  fs::path config_path = resolved->config_path;
  std::string stamp = FileStamp(config_path);
  scraper.RunForever(config, g_stop, [&]() -> std::optional<scrape::Config> {
    std::string now = FileStamp(config_path);
    if (now.empty() || now == stamp) return std::nullopt;
    stamp = now;
    auto fresh = scrape::LoadConfig(config_path);
    if (!fresh.ok()) {
      LogError("scrape: config not reloaded, keeping the previous one: " +
               fresh.status().message());
      return std::nullopt;
    }
    if (fresh->jobs.empty()) {
      LogError("scrape: config not reloaded: it has no scrape-configs");
      return std::nullopt;
    }
    rules = fresh->profile_metrics;  // (the listener runs on this thread too)
    return std::move(*fresh);
  });
  if (uploader.joinable()) uploader.join();
  return kExitOk;
}

}  // namespace cprof::cli
