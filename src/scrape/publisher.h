// What a scraper does beside its passes for an archive whose readers read
// elsewhere (Archive::slow(): a bucket, written through its spool): it
// publishes the spool (Archive::Publish) and this scraper's targets state
// (PublishState, as <kStateDir>/SharedStateFile), and prunes the archive at
// most every archive::kSlowPruneEveryMs (a prune lists every object),
// recorded in <write_root>/<kStateDir>/PRUNED (derived: deleting it prunes
// at the next pass). A directory needs none of it (its passes prune it):
// every call is then nothing, and true. An archive that does not answer is
// told once per outage; the spool keeps everything until it does.
//
// Not thread-safe: one thread runs it (the end of a --once pass, or Loop).
#ifndef CPROF_SCRAPE_PUBLISHER_H_
#define CPROF_SCRAPE_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "archive/archive.h"

namespace cprof::scrape {

class Publisher {
 public:
  // `archive` must outlive it; `max_size` is the config's max-size.
  Publisher(archive::Archive* archive, int64_t max_size);

  // Publishes what waits, then the targets' state when it changed (at
  // most every 10 s, unless `final`); false, having logged why, if some
  // is left.
  bool Upload(bool final = false);

  // Prunes when kSlowPruneEveryMs have passed since the last time; false,
  // having logged why, if it failed.
  bool Prune(int64_t now_ms);

  // Uploads every second, and prunes when due, until `stop`; then uploads
  // once more.
  void Loop(const std::atomic<bool>& stop);

 private:
  static constexpr int64_t kStateUploadMs = 10'000;

  // The scraper's targets state, for `cprofiler targets` and serve's
  // targets page on any host (target_state.h). A failure is told once,
  // and tried again with the next change.
  void UploadState(bool final);

  archive::Archive* const archive_;
  const int64_t max_size_;
  bool failing_ = false;
  std::string state_name_, state_stamp_;
  int64_t state_uploaded_ms_ = 0;
  bool state_failing_ = false;
};

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_PUBLISHER_H_
