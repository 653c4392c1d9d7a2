#include "scrape/publisher.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/time.h"
#include "pprof/units.h"
#include "scrape/target_state.h"

namespace cprof::scrape {
namespace {

constexpr std::string_view kPrunedFile = "PRUNED";

// Identifies a version of a file ("" when there is none).
std::string FileVersion(const fs::path& p) {
  auto stamp = StampOf(p);
  if (!stamp.ok()) return "";
  return std::to_string(stamp->mtime_ns) + "/" + std::to_string(stamp->size);
}

}  // namespace

Publisher::Publisher(archive::Archive* archive, int64_t max_size)
    : archive_(archive), max_size_(max_size) {
  char host[256] = {0};
  (void)::gethostname(host, sizeof host - 1);
  state_name_ = SharedStateFile(host, fs::absolute(archive->write_root()).string());
}

bool Publisher::Upload(bool final) {
  if (!archive_->slow()) return true;
  archive::UploadStats stats;
  const int64_t started = NowMs();
  Status s = archive_->Publish(&stats);
  if (s.ok()) UploadState(final);
  if (stats.entries > 0) {
    LogInfo("scrape: uploaded " + std::to_string(stats.entries) + " entries (" +
            pprof::ScaledLabel(stats.bytes, "bytes", "auto") + ") to " + archive_->Describe() +
            " in " + pprof::ScaledLabel((NowMs() - started) * 1'000'000, "nanoseconds", "auto"));
  }
  if (s.ok()) {
    if (failing_) LogInfo("scrape: " + archive_->Describe() + " is reachable again");
    failing_ = false;
    return true;
  }
  if (!failing_) {
    LogError("scrape: " + s.message() + "; " + std::to_string(stats.pending) +
             " entries wait in the spool " + archive_->write_root().string() +
             " and are uploaded when the bucket answers");
  }
  failing_ = true;
  return false;
}

void Publisher::UploadState(bool final) {
  const fs::path state = archive_->write_root() / std::string(kStateDir) / "targets.json";
  const std::string version = FileVersion(state);
  if (version.empty() || version == state_stamp_) return;
  if (!final && NowMs() - state_uploaded_ms_ < kStateUploadMs) return;
  state_uploaded_ms_ = NowMs();
  Status s = archive_->PublishState(state, state_name_);
  if (!s.ok() && !state_failing_) {
    LogError(
        "scrape: the targets' state is not in the bucket (cprofiler targets and serve's "
        "targets page elsewhere miss this scraper's): " +
        s.message());
  }
  state_failing_ = !s.ok();
  if (s.ok()) state_stamp_ = version;
}

bool Publisher::Prune(int64_t now_ms) {
  if (!archive_->slow()) return true;
  const fs::path dir = archive_->write_root() / std::string(kStateDir);
  const int64_t last = ReadNumberFile(dir / std::string(kPrunedFile)).value_or(0);
  if (last <= now_ms && now_ms - last < archive::kSlowPruneEveryMs) return true;
  archive::LoggingReporter reporter;
  auto stats = archive_->Prune(now_ms, &reporter, {.max_bytes = max_size_});
  if (!stats.ok()) {
    LogError("scrape: pruning " + archive_->Describe() + ": " + stats.status().message());
    return false;
  }
  if (MakeDirs(dir).ok()) (void)ReplaceFile(dir, kPrunedFile, std::to_string(now_ms));
  if (stats->entries_removed + stats->entries_over_size + stats->stale_files_removed > 0) {
    LogInfo("scrape: pruned " + archive_->Describe() + ": " +
            std::to_string(stats->entries_removed) + " expired entries, " +
            std::to_string(stats->entries_over_size) + " over max-size, " +
            std::to_string(stats->stale_files_removed) + " half-written entries");
  }
  return true;
}

void Publisher::Loop(const std::atomic<bool>& stop) {
  if (!archive_->slow()) return;
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

}  // namespace cprof::scrape
