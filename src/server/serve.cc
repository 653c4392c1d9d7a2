#include "server/serve.h"

#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <thread>

#include "archive/reporter.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/time.h"

namespace cprof::server {
namespace {

// Blocks SIGINT/SIGTERM (stop) and SIGHUP (reload) in this thread (and the
// threads it starts, which inherit the mask), so that WaitForSignal() can
// take them synchronously.
sigset_t BlockServeSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

// Waits up to `ms` for one of `set`; the signal, or 0 if none came.
int WaitForSignal(const sigset_t& set, int ms) {
  struct timespec ts {
    ms / 1000, (ms % 1000) * 1'000'000L
  };
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace

Status Serve(archive::Archive& archive, ServeOptions options) {
  const fs::path& root = archive.root();
  sigset_t signals = BlockServeSignals();
  // Large response bodies get their own mappings, returned when freed,
  // instead of raising the heap of one of many per-thread arenas for good.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // A few arenas, not one a thread: each keeps what its threads freed (2M
  // entries and a day of queries: 156 MB RSS with glibc's 8 a core).
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));

  archive::LoggingReporter reporter;
  ArchiveIndex index(root, &reporter, options.index);
  options.api.heavy_concurrency =
      std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options.api.secure_cookies = options.tls != nullptr;  // session cookies only over HTTPS
  metrics::Registry metrics;
  options.api.metrics = &metrics;
  options.http.metrics = &metrics;
  options.http.tls = options.tls;
  Api api(&index, options.api);
  auto http = HttpServer::Start(&api, options.http);
  if (!http.ok()) return http.status();
  // Pushed entries wait in a bucket's spool until published, every second.
  std::atomic<bool> stopping = false;
  std::thread publisher;
  if (options.api.ingester != nullptr && archive.slow()) {
    publisher = std::thread([&] {
      bool failing = false;
      for (int tick = 0; !stopping.load(); tick = (tick + 1) % 10) {
        if (tick == 0) {
          archive::UploadStats stats;
          Status s = archive.Publish(&stats);
          if (!s.ok() && !failing) {
            LogError("serve: pushed entries wait in the spool " + archive.write_root().string() +
                     ": " + s.message());
          }
          failing = !s.ok();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  std::string ports;
  for (int p : (*http)->Ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
  LogInfo("serve: listening on " + options.http.listen + " (port " + ports + ")" +
          (options.tls != nullptr ? "; HTTPS with " + options.tls->Describe() : ""));
  // Listening first: /api/healthz, the UI's files and profiles by ID answer
  // at once; requests that need the index wait for this first read (up to
  // ApiOptions::index_wait, then 503), never answered from part of it.
  auto start = std::chrono::steady_clock::now();
  // The archive's root follows it (a bucket's cache, on a thread of its own).
  archive.StartFollowing(options.bucket_refresh_ms);
  index.Refresh();
  // Reading left freed buffers in every loading thread's arena.
  malloc_trim(0);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[160];
  std::snprintf(line, sizeof line, "serve: indexed %zu profiles of %s in %.2fs",
                index.Snapshot()->entry_count, root.c_str(), secs);
  std::string held;
  if (int64_t from = index.Snapshot()->loaded_from_ms;
      from != std::numeric_limits<int64_t>::min()) {
    held = "; holds the days from " + FormatRfc3339Ms(from) + " (--index-memory " +
           options.index_memory + "): older ones are read per request";
  }
  LogInfo(line + held);
  // The index follows the archive: new scrapes appear, pruned entries go.
  // SIGHUP: the TLS certificate and key are read again (the auth file is
  // read again whenever it changes).
  for (int sig; (sig = WaitForSignal(signals, 1000)) != SIGINT && sig != SIGTERM;) {
    if (sig == SIGHUP && options.tls != nullptr) {
      Status s = options.tls->Reload();
      LogInfo(s.ok() ? "serve: SIGHUP: TLS certificate read again: " + options.tls->Describe()
                     : "serve: SIGHUP: " + s.message() + " (keeping the certificate in use)");
    }
    index.Refresh();
  }
  LogInfo("serve: stopping");
  http->reset();  // (no push is in flight after it)
  stopping = true;
  if (publisher.joinable()) publisher.join();
  if (options.api.ingester != nullptr) {
    archive::UploadStats stats;
    if (Status s = archive.Publish(&stats); !s.ok()) LogError("serve: " + s.message());
  }
  archive.StopFollowing();
  return Status::OK();
}

}  // namespace cprof::server
