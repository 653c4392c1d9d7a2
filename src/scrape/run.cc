#include "scrape/run.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "archive/lock.h"
#include "archive/writer.h"
#include "base/log.h"
#include "base/time.h"
#include "scrape/publisher.h"
#include "scrape/scrape_metrics.h"
#include "scrape/scraper.h"
#include "server/http_server.h"
#include "server/metrics_handler.h"

namespace cprof::scrape {
namespace {

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

RunOutcome Run(archive::Archive& opened, const Config& config, const RunOptions& options) {
  // Scrapes go to the archive's write_root() (a bucket's spool, published
  // from there).
  const bool once = options.once;
  const std::atomic<bool>& stop = *options.stop;
  const fs::path root = opened.write_root();
  // The archive is checked beside a --once pass (an endpoint that does not
  // answer takes its retries' time, which must not hold up scraping), and
  // before the loop starts; a pass scrapes into the spool whatever it
  // says: nothing is lost.
  std::future<Status> check;
  if (once) {
    check = std::async(std::launch::async, [&opened] { return opened.Check(); });
  } else if (Status s = opened.Check(); !s.ok()) {
    if (s.code() != Status::Code::kUnavailable) return {s};
    LogError("scrape: " + s.message() + "; scraping into the spool " + root.string());
  }
  if (Status s = archive::InitArchive(root); !s.ok()) return {s};
  auto lock = archive::ArchiveLock::TryAcquire(root);
  // --once leaves the archive to whoever holds it; the daemon waits its turn
  // (a cron pass in progress when it starts must not stop it for good).
  bool told = false;
  while (!once && !lock.ok() && lock.status().code() == Status::Code::kUnavailable &&
         !stop.load()) {
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
        if (!checked.ok() && checked.code() != Status::Code::kUnavailable) return {checked};
      }
      return {};
    }
    return {Status::IOError(lock.status().message())};
  }
  RaiseFileLimit();
  Scraper scraper(root, options.fetch);
  scraper.set_archive(&opened);
  Publisher publisher(&opened, config.max_size);
  // The metrics, rendered from the targets' state each time it is written.
  std::mutex metrics_mu;
  std::string metrics_text;
  std::vector<ProfileMetricConfig> rules = config.profile_metrics;
  scraper.set_state_listener([&](const TargetsState& state) {
    std::string text = RenderScrapeMetrics(state, rules, options.version, options.revision);
    std::lock_guard<std::mutex> lock(metrics_mu);
    metrics_text = std::move(text);
  });
  if (once) {
    PassStats stats = scraper.RunOnce(config, options.force);
    LogInfo("scrape: " + FormatPass(stats));
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
    if (!options.metrics_file.empty()) {
      if (Status s = WriteMetricsFile(options.metrics_file, metrics_text); !s.ok()) {
        return {Status::IOError(s.WithContext("--metrics-file").message())};
      }
    }
    return {refused, stats.failed > 0 || !published};
  }
  server::MetricsHandler metrics_handler([&] {
    std::lock_guard<std::mutex> lock(metrics_mu);
    return metrics_text;
  });
  std::unique_ptr<server::HttpServer> metrics_server;
  if (!options.metrics_listen.empty()) {
    server::HttpServerOptions http;
    http.listen = options.metrics_listen;
    http.threads = 2;
    auto started = server::HttpServer::Start(&metrics_handler, http);
    if (!started.ok()) return {started.status().WithContext("--metrics-listen")};
    metrics_server = std::move(*started);
    LogInfo("scrape: metrics at http://" + options.metrics_listen + "/metrics (port " +
            std::to_string(metrics_server->Ports().at(0)) + ")");
  }
  std::thread uploader([&] { publisher.Loop(stop); });
  const fs::path& config_path = options.config_path;
  std::string stamp = FileStamp(config_path);
  scraper.RunForever(config, stop, [&]() -> std::optional<Config> {
    std::string now = FileStamp(config_path);
    if (now.empty() || now == stamp) return std::nullopt;
    stamp = now;
    auto fresh = LoadConfig(config_path);
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
  return {};
}

}  // namespace cprof::scrape
