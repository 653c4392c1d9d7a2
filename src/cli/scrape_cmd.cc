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

// A bucket's prune lists every object in it (S3 bills per thousand
// listings): passes prune it every 10 minutes, not every minute, as
// <spool>/.state/PRUNED records (derived: deleting it prunes at the next
// pass).
constexpr int64_t kBucketPruneEveryMs = 10 * 60'000;
constexpr std::string_view kPrunedFile = "PRUNED";

// Uploads the spool of an archive in a bucket, and prunes the bucket: at
// the end of a --once pass, or beside the scrape loop (uploads every
// second); prunes at most every kBucketPruneEveryMs. An unreachable bucket
// is told once per outage; the spool keeps everything until it is back.
class BucketSide {
 public:
  BucketSide(archive::BucketArchive* bucket, int64_t max_size)
      : bucket_(bucket), max_size_(max_size) {
    char host[256] = {0};
    (void)::gethostname(host, sizeof host - 1);
    state_key_ = std::string(scrape::kStateDir) + "/" +
                 scrape::SharedStateFile(host, fs::absolute(bucket->spool()).string());
  }

  // Uploads what waits, then the targets' state when it changed (at most
  // every kStateUploadMs, unless `final`); false, having logged why, if
  // some is left.
  bool Upload(bool final = false) {
    archive::UploadStats stats;
    const int64_t started = NowMs();
    Status s = bucket_->UploadSpool(&stats);
    if (s.ok()) UploadState(final);
    if (stats.entries > 0) {
      LogInfo("scrape: uploaded " + std::to_string(stats.entries) + " entries (" +
              pprof::ScaledLabel(stats.bytes, "bytes", "auto") + ") to " + bucket_->Describe() +
              " in " + pprof::ScaledLabel((NowMs() - started) * 1'000'000, "nanoseconds", "auto"));
    }
    if (s.ok()) {
      if (failing_) LogInfo("scrape: " + bucket_->Describe() + " is reachable again");
      failing_ = false;
      return true;
    }
    if (!failing_) {
      LogError("scrape: " + s.message() + "; " + std::to_string(stats.pending) +
               " entries wait in the spool " + bucket_->spool().string() +
               " and are uploaded when the bucket answers");
    }
    failing_ = true;
    return false;
  }

  // The scraper's targets state, for `cprofiler targets` and serve's
  // targets page on any host (scrape/target_state.h). A failure is told
  // once, and tried again with the next change.
  void UploadState(bool final) {
    const fs::path state = bucket_->spool() / std::string(scrape::kStateDir) / "targets.json";
    const std::string stamp = FileStamp(state);
    if (stamp.empty() || stamp == state_stamp_) return;
    if (!final && NowMs() - state_uploaded_ms_ < kStateUploadMs) return;
    state_uploaded_ms_ = NowMs();
    Status s = bucket_->PutFile(state, state_key_);
    if (!s.ok() && !state_failing_) {
      LogError(
          "scrape: the targets' state is not in the bucket (cprofiler targets and serve's "
          "targets page elsewhere miss this scraper's): " +
          s.message());
    }
    state_failing_ = !s.ok();
    if (s.ok()) state_stamp_ = stamp;
  }

  // Prunes the bucket when kBucketPruneEveryMs have passed since the last
  // time; false, having logged why, if it failed.
  bool Prune(int64_t now_ms) {
    const fs::path dir = bucket_->spool() / std::string(scrape::kStateDir);
    const int64_t last = ReadNumberFile(dir / std::string(kPrunedFile)).value_or(0);
    if (last <= now_ms && now_ms - last < kBucketPruneEveryMs) return true;
    archive::LoggingReporter reporter;
    auto stats = bucket_->Prune(now_ms, &reporter, {.max_bytes = max_size_});
    if (!stats.ok()) {
      LogError("scrape: pruning " + bucket_->Describe() + ": " + stats.status().message());
      return false;
    }
    if (MakeDirs(dir).ok()) (void)ReplaceFile(dir, kPrunedFile, std::to_string(now_ms));
    if (stats->entries_removed + stats->entries_over_size + stats->stale_files_removed > 0) {
      LogInfo("scrape: pruned " + bucket_->Describe() + ": " +
              std::to_string(stats->entries_removed) + " expired entries, " +
              std::to_string(stats->entries_over_size) + " over max-size, " +
              std::to_string(stats->stale_files_removed) + " half-written entries");
    }
    return true;
  }

  // Uploads every second, and prunes when due, until `stop`; then uploads
  // once more.
  void Loop(const std::atomic<bool>& stop) {
    int64_t next_prune = NowMs() + 10'000;
    while (!stop.load()) {
      for (int i = 0; i < 10 && !stop.load(); ++i) ::usleep(100'000);
      bool ok = Upload();
      if (ok && NowMs() >= next_prune) {
        Prune(NowMs());
        next_prune = NowMs() + 60'000;
      }
    }
    Upload(/*final=*/true);
  }

 private:
  static constexpr int64_t kStateUploadMs = 10'000;

  archive::BucketArchive* const bucket_;
  const int64_t max_size_;
  bool failing_ = false;
  std::string state_key_, state_stamp_;
  int64_t state_uploaded_ms_ = 0;
  bool state_failing_ = false;
};

}  // namespace

void ScrapeCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand(
      "scrape", "Pull profiles from the config's targets into the archive; prune expired ones");
  cmd_->footer(
      "With --once: scrape what is due (each job's interval since its last "
      "profile) and exit; meant for cron: * * * * * cprofiler scrape --once\n"
      "Without: run in the foreground, each job on its interval, reloading "
      "the config when it changes, until SIGINT/SIGTERM.\n"
      "Exit status: 0 all scraped, 1 some targets failed (the rest is kept), "
      "2 bad flags or config.");
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
    return Fail("scrape", Status::InvalidArgument("--force goes with --once"), kExitUsage);
  }
  if (!metrics_listen_.empty() && once_) {
    return Fail("scrape",
                Status::InvalidArgument("--metrics-listen goes without --once "
                                        "(--once writes --metrics-file)"),
                kExitUsage);
  }
  if (!metrics_file_.empty() && !once_) {
    return Fail("scrape",
                Status::InvalidArgument("--metrics-file goes with --once "
                                        "(the loop serves --metrics-listen)"),
                kExitUsage);
  }
  auto resolved = Resolve(global, /*config_required=*/true);
  if (!resolved.ok()) return Fail("scrape", resolved.status(), kExitUsage);
  const scrape::Config& config = *resolved->config;
  if (config.jobs.empty()) {
    return Fail("scrape",
                Status::InvalidArgument(config.source + ": no scrape-configs: nothing to scrape"),
                kExitUsage);
  }
  // An archive in a bucket is written to its spool, then uploaded.
  archive::BucketArchive* bucket = resolved->bucket.get();
  const fs::path root = bucket != nullptr ? bucket->spool() : resolved->archive;
  // The bucket is checked beside a --once pass (an endpoint that does not
  // answer takes its retries' time, which must not hold up scraping), and
  // before the loop starts; a pass scrapes into the spool whatever it
  // says: nothing is lost.
  std::future<Status> bucket_check;
  if (bucket != nullptr && once_) {
    bucket_check = std::async(std::launch::async, [bucket] { return bucket->Check(); });
  } else if (bucket != nullptr) {
    if (Status s = bucket->Check(); !s.ok()) {
      if (s.code() != Status::Code::kUnavailable) return Fail("scrape", s, ExitCodeFor(s));
      LogError("scrape: " + s.message() + "; scraping into the spool " + root.string());
    }
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
      // (a bucket refused is still said)
      if (bucket_check.valid()) {
        Status checked = bucket_check.get();
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
  std::optional<BucketSide> bucket_side;
  if (bucket != nullptr) {
    scraper.set_bucket(bucket);
    bucket_side.emplace(bucket, config.max_size);
  }
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
    bool bucket_ok = true;
    Status refused;  // the bucket's answer, when it is no (credentials, no such bucket)
    if (bucket_side) {
      Status checked = bucket_check.get();
      if (!checked.ok() && checked.code() != Status::Code::kUnavailable) {
        LogError("scrape: the pass's entries wait in the spool " + root.string());
        refused = checked;
      } else if (!checked.ok()) {
        LogError("scrape: " + checked.message() + "; the entries wait in the spool " +
                 root.string() + " and are uploaded when the bucket answers");
        bucket_ok = false;
      } else {
        bucket_ok = bucket_side->Upload(/*final=*/true) && bucket_side->Prune(NowMs());
      }
    }
    if (!metrics_file_.empty()) {
      if (Status s = WriteMetricsFile(metrics_file_, metrics_text); !s.ok()) {
        return Fail("scrape", s.WithContext("--metrics-file"), kExitPartial);
      }
    }
    if (!refused.ok()) return Fail("scrape", refused, ExitCodeFor(refused));
    return stats.failed > 0 || !bucket_ok ? kExitPartial : kExitOk;
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
  std::thread uploader;
  if (bucket_side) uploader = std::thread([&] { bucket_side->Loop(g_stop); });
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
