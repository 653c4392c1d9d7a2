// GET /metrics of `cprofiler serve`: the request series the HTTP server
// keeps (http_server.h), and the archive's, computed from the index at each
// request: per job its entries, bytes, oldest and newest entry; the index's
// load times; the rollups' last compaction and lag; the build.
#include <algorithm>
#include <limits>
#include <map>

#include "base/time.h"
#include "query/compact.h"
#include "server/api.h"

namespace cprof::server {
namespace {

struct JobTotals {
  double entries = 0, bytes = 0;
  int64_t oldest_ms = std::numeric_limits<int64_t>::max();
  int64_t newest_ms = std::numeric_limits<int64_t>::min();
};

std::map<std::string, JobTotals> TotalsByJob(const ArchiveSnapshot& snapshot) {
  std::map<std::string, JobTotals> out;
  for (const auto& dir : snapshot.dirs) {
    JobTotals& t = out[dir->target.job];
    t.entries += static_cast<double>(dir->entries.size());
    t.bytes += static_cast<double>(dir->bytes);
    t.oldest_ms = std::min(t.oldest_ms, dir->entries.front().timestamp_ms);
    t.newest_ms = std::max(t.newest_ms, dir->entries.back().timestamp_ms);
  }
  return out;
}

}  // namespace

Response Api::Metrics() {
  if (options_.metrics == nullptr) return Response::Text(404, "no such route: /metrics");
  metrics::Registry& r = *options_.metrics;
  // Per job, of the days the index holds (all, without --index-memory).
  metrics::Family* entries =
      r.Gauge("cprofiler_archive_entries",
              "Profiles in the archive (days the index holds), by job.", {"job"});
  metrics::Family* bytes = r.Gauge("cprofiler_archive_bytes",
                                   "Bytes of the profiles in the archive (days the index holds), "
                                   "by job.",
                                   {"job"});
  metrics::Family* oldest = r.Gauge("cprofiler_archive_oldest_entry_timestamp_seconds",
                                    "Time of the oldest profile the index holds, by job.", {"job"});
  metrics::Family* newest = r.Gauge("cprofiler_archive_newest_entry_timestamp_seconds",
                                    "Time of the newest profile in the archive, by job.", {"job"});
  metrics::Family* ready =
      r.Gauge("cprofiler_index_ready", "1 once serve's first read of the archive is over, else 0.");
  metrics::Family* load =
      r.Gauge("cprofiler_index_load_seconds",
              "How long serve's first read of the archive took (0 until it is over).");
  metrics::Family* refresh =
      r.Gauge("cprofiler_index_refresh_seconds",
              "How long the index's latest refresh (about every second) took.");
  metrics::Family* compacted =
      r.Gauge("cprofiler_rollups_last_compaction_timestamp_seconds",
              "When a scrape pass or cprofiler compact last wrote rollups (absent: never).");
  metrics::Family* lag = r.Gauge(
      "cprofiler_rollups_lag_seconds",
      "The newest profile's time less the last compaction's (0 when the compaction is newer; "
      "absent: never compacted).");
  metrics::Family* build =
      r.Gauge("cprofiler_build_info", "Always 1: the version and revision of this binary.",
              {"version", "revision"});

  auto snapshot = index_->Snapshot();
  std::lock_guard<std::mutex> lock(metrics_mu_);  // one recomputation at a time
  for (metrics::Family* f : {entries, bytes, oldest, newest, compacted, lag}) f->Clear();
  int64_t newest_ms = std::numeric_limits<int64_t>::min();
  for (const auto& [job, t] : TotalsByJob(*snapshot)) {
    entries->Set({job}, t.entries);
    bytes->Set({job}, t.bytes);
    oldest->Set({job}, static_cast<double>(t.oldest_ms) / 1000);
    newest->Set({job}, static_cast<double>(t.newest_ms) / 1000);
    newest_ms = std::max(newest_ms, t.newest_ms);
  }
  ready->Set({}, index_->LoadedSnapshot(std::chrono::milliseconds(0)) != nullptr ? 1 : 0);
  IndexTimes times = index_->Times();
  load->Set({}, times.first_load_seconds);
  refresh->Set({}, times.last_refresh_seconds);
  if (std::optional<int64_t> last = query::LastCompactedMs(index_->root())) {
    compacted->Set({}, static_cast<double>(*last) / 1000);
    if (newest_ms != std::numeric_limits<int64_t>::min()) {
      lag->Set({}, static_cast<double>(std::max<int64_t>(0, newest_ms - *last)) / 1000);
    }
  }
  build->Set({options_.version, options_.revision}, 1);
  Response resp;
  resp.content_type = std::string(metrics::kContentType);
  resp.body = r.Render();
  return resp;
}

}  // namespace cprof::server
