#include "scrape/scraper.h"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <google/protobuf/arena.h>

#include "base/log.h"
#include "base/profile_types.h"
#include "pprof/codec.h"
#include "pprof/summary.h"
#include "pprof/units.h"
#include "scrape/scrape_metrics.h"

namespace cprof::scrape {
namespace {

// A size in a log line, as pprof shows it ("1.50MB").
std::string Bytes(int64_t n) { return pprof::ScaledLabel(n, "bytes", "auto"); }

Nanos Slack(Nanos interval) { return std::min<Nanos>(interval / 10, std::chrono::seconds(30)); }

// A running scrape writes its targets' state this often.
constexpr int64_t kStateEveryMs = 5000;

int64_t ToMs(Nanos d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// When a scrape last archived at `last_ms` (0: never) is due again.
int64_t DueAtMs(Nanos interval, int64_t last_ms) {
  return last_ms == 0 ? 0 : last_ms + ToMs(interval - Slack(interval));
}

// A Go execution trace starts with "go 1.NN trace\0\0...".
bool LooksLikeTrace(std::string_view body) {
  return body.size() >= 16 && body.substr(0, 5) == "go 1." &&
         body.substr(0, 16).find(" trace") != std::string_view::npos;
}

}  // namespace

std::string FormatPass(const PassStats& s) {
  const std::string took =
      pprof::ScaledLabel(static_cast<int64_t>(s.seconds * 1e9), "nanoseconds", "auto");
  std::string line = "pass: " + std::to_string(s.archived) + " archived (" + Bytes(s.bytes) +
                     "), " + std::to_string(s.failed) + " failed, " + std::to_string(s.not_due) +
                     " not due, " + std::to_string(s.not_offered) + " not offered, in " + took +
                     "; pruned " + std::to_string(s.prune.entries_removed) + " expired (" +
                     Bytes(s.prune.bytes_freed) + ")";
  if (s.prune.stale_files_removed > 0) {
    line += ", " + std::to_string(s.prune.stale_files_removed) + " stale files";
  }
  if (s.prune.entries_over_size > 0) {
    line += ", " + std::to_string(s.prune.entries_over_size) + " oldest over max-size (" +
            Bytes(s.prune.size_before) + " -> " + Bytes(s.prune.size_after) + ")";
  }
  if (s.compact.written > 0 || s.compact.failed > 0) {
    line += "; " + std::to_string(s.compact.written) + " rollups written";
    if (s.compact.failed > 0) line += ", " + std::to_string(s.compact.failed) + " failed";
  }
  return line;
}

Scraper::Scraper(fs::path archive_root, const FetcherOptions& options)
    : root_(archive_root),
      writer_(archive_root),
      fetcher_(options),
      discovery_(archive_root / std::string(kStateDir)) {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) == 0) hostname_ = name;
}

Scraper::~Scraper() {
  stopping_ = true;
  if (compactor_.joinable()) compactor_.join();
}

std::vector<Scraper::Work> Scraper::Expand(const Config& config) {
  std::vector<Work> out;
  for (const JobConfig& job : config.jobs) {
    for (const DiscoveredTarget& target : discovery_.TargetsOf(job)) {
      for (const std::string& type : job.profiles) {
        Work w;
        w.job = job.job;
        w.app = target.app;
        w.host = target.host;
        w.profile_type = type;
        w.labels = target.labels;
        w.discovered = target.discovered;
        const std::string& path = job.paths.at(type);
        w.url = TargetUrl(w.host, path);
        w.interval = job.interval;
        w.timeout = RequestTimeout(job, path);
        w.expiration = job.expiration;
        w.max_bytes = job.max_response_bytes;
        w.target_key = archive::TargetKey(w.job, w.app, w.host, w.labels, w.expiration.count());
        out.push_back(std::move(w));
      }
    }
  }
  for (const Work& w : out) compact_keys_.insert(w.target_key);
  return out;
}

std::map<std::string, int64_t> Scraper::LastScraped(const std::vector<Work>& work,
                                                    int64_t now_ms) const {
  std::map<std::string, std::map<std::string, int64_t>> by_target;
  std::map<std::string, int64_t> out;
  for (const Work& w : work) {
    auto it = by_target.find(w.target_key);
    if (it == by_target.end()) {
      int64_t since = now_ms - ToMs(w.interval) - kMsPerDay;
      it = by_target.emplace(w.target_key, archive::LatestByType(root_, w.target_key, since)).first;
      if (archive_ != nullptr && archive_->root() != root_) {
        for (const auto& [type, ms] :
             archive::LatestByType(archive_->root(), w.target_key, since)) {
          int64_t& latest = it->second[type];
          latest = std::max(latest, ms);
        }
      }
    }
    auto t = it->second.find(w.profile_type);
    out[w.Key()] = t == it->second.end() ? 0 : t->second;
  }
  return out;
}

bool Scraper::NotOffered(const Work& work) const {
  auto it = attempts_.find(work.Key());
  return it != attempts_.end() && !it->second.not_offered.empty() &&
         it->second.not_offered == config_fingerprint_;
}

void Scraper::Dispatch(const Work& work, int64_t now_ms) {
  uint64_t tag = next_tag_++;
  in_flight_[tag] = InFlight{work, now_ms};
  attempts_[work.Key()].last_attempt_ms = now_ms;
  LogVerbose("scrape: GET " + work.url);
  FetchRequest request;
  request.url = work.url;
  request.timeout = work.timeout;
  request.max_bytes = work.max_bytes;
  request.tag = tag;
  fetcher_.Add(std::move(request));
}

void Scraper::Complete(FetchResult r, PassStats* stats) {
  auto it = in_flight_.find(r.tag);
  if (it == in_flight_.end()) return;
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  const Work& w = f.work;
  {
    ProfileState& attempt = attempts_[w.Key()];
    ++attempt.scrapes;
    attempt.last_duration_ms = static_cast<int64_t>(r.seconds * 1000);
  }
  auto fail = [&](const Status& s) {
    ++stats->failed;
    ProfileState& attempt = attempts_[w.Key()];
    attempt.last_error = s.message();
    ++attempt.errors;
    LogError("scrape failed: job=" + w.job + " host=" + w.host + " profile=" + w.profile_type +
             " url=" + w.url + ": " + s.message());
  };
  if (!r.status.ok()) {
    const ProfileType* type = FindProfileType(w.profile_type);
    if (r.http_status != 404 || type == nullptr || !type->optional) return fail(r.status);
    ProfileState& attempt = attempts_[w.Key()];
    attempt.last_error.clear();
    attempt.not_offered = config_fingerprint_;
    ++stats->not_offered;
    LogInfo("scrape: job=" + w.job + " host=" + w.host + " profile=" + w.profile_type + " url=" +
            w.url + ": not offered by this target (404); not asked again until the config changes");
    return;
  }

  archive::Sidecar s = archive::ProbeOf(
      archive::Target{w.job, w.app, w.host, w.labels, w.expiration.count()}, w.profile_type);
  s.url = w.url;
  s.timestamp_ms = f.started_ms;
  s.scraped_by = hostname_;
  std::map<std::string, double> derived;
  if (!HasSamples(w.profile_type)) {
    if (!LooksLikeTrace(r.body)) {
      return fail(Status::Corruption("not a Go execution trace"));
    }
    s.duration_ns = static_cast<int64_t>(r.seconds * 1e9);
  } else {
    // Inflated, a real profile is rarely 10x its gzip; a bomb is 1000x.
    pprof::DecodeOptions decode;
    decode.max_decompressed =
        std::min<size_t>(64 * r.body.size() + (size_t{1} << 20), size_t{512} << 20);
    // On an arena: one allocation a block, not one a message.
    google::protobuf::Arena arena;
    auto* profile = google::protobuf::Arena::CreateMessage<pprof::Profile>(&arena);
    if (Status decoded = pprof::DecodeProfileInto(r.body, profile, decode); !decoded.ok()) {
      return fail(decoded.WithContext("not a valid profile"));
    }
    pprof::ProfileSummary summary = pprof::Summarize(*profile, w.profile_type);
    s.duration_ns = summary.duration_nanos;
    s.default_sample_type = summary.default_sample_type;
    for (auto& t : summary.sample_types) {
      s.sample_types.push_back(archive::SampleTypeInfo{std::move(t.name), std::move(t.type),
                                                       std::move(t.unit), t.total});
    }
    derived = ProfileMetricValues(*profile, w.profile_type, profile_metrics_);
  }
  auto written = writer_.Stage(r.body, std::move(s));
  if (!written.ok()) return fail(written.status().WithContext("archive write"));
  if (first_staged_ms_ == 0) first_staged_ms_ = NowMs();
  ProfileState& attempt = attempts_[w.Key()];
  attempt.last_error.clear();
  attempt.not_offered.clear();
  attempt.last_success_ms = f.started_ms;
  attempt.bytes += static_cast<int64_t>(r.body.size());
  attempt.metrics = std::move(derived);
  ++stats->archived;
  stats->bytes += static_cast<int64_t>(r.body.size());
  LogVerbose("scrape: archived " + written->id + " (" + Bytes(written->size) + ")");
}

void Scraper::Commit(PassStats* stats, bool now) {
  size_t staged = writer_.staged();
  if (staged == 0) return;
  if (!now && staged < kCommitBatch && writer_.staged_bytes() < kCommitBytes &&
      NowMs() - first_staged_ms_ < kCommitDelayMs) {
    return;
  }
  archive::ArchiveWriter::CommitResult result = writer_.Commit();
  first_staged_ms_ = 0;
  for (const auto& [id, why] : result.failed) {
    --stats->archived;
    ++stats->failed;
    LogError("scrape: archive write of " + id + ": " + why.message());
  }
  for (const auto& [dir, why] : result.unsynced_dirs) {
    LogError("scrape: archive directory " + dir + " not synced: " + why.message());
  }
}

query::RetentionOf RollupRetentionOf(const Config& config) {
  std::map<std::string, query::RollupRetention> by_job;
  for (const JobConfig& job : config.jobs) {
    query::RollupRetention& r = by_job[job.job];
    if (job.rollups_hourly) r.hourly_ms = ToMs(*job.rollups_hourly);
    if (job.rollups_daily) r.daily_ms = ToMs(*job.rollups_daily);
  }
  return [by_job = std::move(by_job)](const archive::Target& target) {
    auto it = by_job.find(target.job);
    return it == by_job.end() ? query::RollupRetention{} : it->second;
  };
}

bool KeepsRollups(const Config& config) {
  return std::any_of(config.jobs.begin(), config.jobs.end(),
                     [](const JobConfig& job) { return job.rollups_hourly || job.rollups_daily; });
}

PassStats Scraper::Maintain(int64_t now_ms, const Config& config, PassStats stats,
                            bool background) {
  const int64_t max_size = config.max_size;
  archive::LoggingReporter reporter;
  stats.prune = archive::Prune(root_, now_ms, &reporter, {.max_bytes = max_size});
  if (!stats.prune.error.ok()) LogError("scrape: prune: " + stats.prune.error.message());
  if (!stats.prune.size_error.empty()) {
    LogError("scrape: max-size: " + stats.prune.size_error);
  } else if (max_size > 0 && stats.prune.size_after > max_size) {
    LogError("scrape: the archive is " + Bytes(stats.prune.size_after) + ", over max-size " +
             Bytes(max_size) +
             ", with no more entries to remove (temporary, unreadable or "
             "foreign files in it?)");
  }
  if (!KeepsRollups(config)) return stats;
  if (archive_ == nullptr || !archive_->slow()) {
    if (query::CompactionDue(root_, now_ms)) {
      stats.compact =
          query::Compact(root_, RollupRetentionOf(config), CompactOptionsAt(now_ms), &reporter);
      query::MarkCompacted(root_, now_ms);
    }
    return stats;
  }
  if (compacting_.load() || !query::CompactionDue(archive_->root(), now_ms)) return stats;
  // (an attempt: one that fails waits for the next hour, as the next
  // compaction covers the last two days)
  query::MarkCompacted(archive_->root(), now_ms);
  if (compactor_.joinable()) compactor_.join();
  if (!background) {
    stats.compact = CompactSlow(RollupRetentionOf(config), compact_keys_, now_ms);
    return stats;
  }
  compacting_ = true;
  compactor_ =
      std::thread([this, retention = RollupRetentionOf(config), keys = compact_keys_, now_ms] {
        query::CompactStats s = CompactSlow(retention, keys, now_ms);
        if (s.written > 0 || s.failed > 0) {
          LogInfo("scrape: " + std::to_string(s.written) + " rollups written to " +
                  archive_->Describe() + ", " + std::to_string(s.replaced) + " replaced" +
                  (s.failed > 0 ? ", " + std::to_string(s.failed) + " failed" : ""));
        }
        compacting_ = false;
      });
  return stats;
}

query::CompactOptions Scraper::CompactOptionsAt(int64_t now_ms) const {
  query::CompactOptions options;
  options.now_ms = now_ms;
  options.from_ms = now_ms - kCompactLookbackMs;
  options.written_by = hostname_;
  return options;
}

query::CompactStats Scraper::CompactSlow(const query::RetentionOf& retention,
                                         const std::set<std::string>& keys, int64_t now_ms) {
  // The readers' side first learns what the archive has of the span (other
  // hosts' rollups, entries from before the cache was made), and of the
  // days before it, where its intervals start.
  Status synced = archive_->SyncForReading(now_ms - kCompactLookbackMs, now_ms, "");
  if (!synced.ok()) {
    LogError("scrape: rollups not written this hour: " + synced.message());
    return {};
  }
  query::CompactOptions options = CompactOptionsAt(now_ms);
  options.write_root = root_;
  options.remove = [this](const archive::EntryKey& key) { return archive_->RemoveEntry(key); };
  options.include_target = [&keys](std::string_view tkey) {
    return keys.count(std::string(tkey)) > 0;
  };
  options.stopped = [this] { return stopping_.load(); };
  archive::LoggingReporter reporter;
  return query::Compact(archive_->root(), retention, options, &reporter);
}

void Scraper::SaveState(const Config& config, const std::vector<Work>& work,
                        const std::function<int64_t(const Work&)>& next_due) {
  TargetsState state;
  state.updated_ms = NowMs();
  state.scraper = hostname_;
  std::map<std::tuple<std::string, std::string, archive::Labels>, size_t> index;
  for (const Work& w : work) {
    auto [it, added] = index.try_emplace({w.job, w.host, w.labels}, state.active.size());
    if (added) state.active.push_back({w.job, w.app, w.host, w.labels, w.discovered, {}});
    ProfileState p = attempts_[w.Key()];
    p.type = w.profile_type;
    p.url = w.url;
    p.next_due_ms = next_due(w);
    state.active[it->second].profiles.push_back(std::move(p));
  }
  for (const JobConfig& job : config.jobs) {
    for (const LabelSet& labels : discovery_.DroppedOf(job.job))
      state.dropped.push_back({job.job, labels});
  }
  SortFailingFirst(&state.active);
  if (Status s = WriteTargetsState(root_, state); !s.ok()) {
    LogError("scrape: the targets' state: " + s.message());
  }
  if (state_listener_) state_listener_(state);
}

void Scraper::LoadPreviousState() {
  auto previous = ReadTargetsState(root_);
  if (!previous.ok()) return;
  for (const ActiveTarget& t : previous->active) {
    for (const ProfileState& p : t.profiles) {
      attempts_.try_emplace(Work::KeyOf(t.job, t.host, p.type), p);
    }
  }
}

PassStats Scraper::RunOnce(const Config& config, bool force) {
  auto start = std::chrono::steady_clock::now();
  PassStats stats;
  profile_metrics_ = config.profile_metrics;
  config_fingerprint_ = config.fingerprint;
  std::vector<Work> work = Expand(config);
  int64_t now = NowMs();
  // The last pass's attempts and errors, for the targets this one leaves.
  LoadPreviousState();
  std::map<std::string, int64_t> last = LastScraped(work, now);
  for (const Work& w : work) {
    if (NotOffered(w)) {
      ++stats.not_offered;
      continue;
    }
    if (!force && now < DueAtMs(w.interval, last[w.Key()])) {
      ++stats.not_due;
      continue;
    }
    Dispatch(w, NowMs());
  }
  while (fetcher_.pending() > 0) {
    for (FetchResult& r : fetcher_.Poll(std::chrono::milliseconds(500))) {
      Complete(std::move(r), &stats);
    }
    Commit(&stats, /*now=*/false);
  }
  Commit(&stats, /*now=*/true);
  for (const Work& w : work) {
    int64_t& success = attempts_[w.Key()].last_success_ms;
    success = std::max(success, last[w.Key()]);
  }
  SaveState(config, work,
            [&](const Work& w) { return DueAtMs(w.interval, attempts_[w.Key()].last_success_ms); });
  stats = Maintain(NowMs(), config, stats, /*background=*/false);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

void Scraper::RunForever(Config config, const std::atomic<bool>& stop,
                         const std::function<std::optional<Config>()>& reload) {
  discovery_.set_watch(true);
  profile_metrics_ = config.profile_metrics;
  config_fingerprint_ = config.fingerprint;
  LoadPreviousState();
  std::vector<Work> work = Expand(config);
  std::map<std::string, int64_t> next_due;
  auto schedule_from_archive = [&](const std::vector<Work>& items) {
    std::map<std::string, int64_t> last = LastScraped(items, NowMs());
    for (const Work& w : items) {
      if (!next_due.count(w.Key())) next_due[w.Key()] = DueAtMs(w.interval, last[w.Key()]);
      int64_t& success = attempts_[w.Key()].last_success_ms;
      success = std::max(success, last[w.Key()]);
    }
  };
  auto save_state = [&] {
    SaveState(config, work, [&](const Work& w) { return next_due[w.Key()]; });
  };
  schedule_from_archive(work);
  LogInfo("scrape: running " + std::to_string(work.size()) + " profile scrapes from " +
          config.source + " into " + root_.string());
  PassStats stats;
  int64_t last_prune = 0, last_reload = NowMs(), last_report = NowMs(), last_save = 0;
  while (!stop.load()) {
    int64_t now = NowMs();
    std::set<std::string> busy;
    for (const auto& [tag, f] : in_flight_) busy.insert(f.work.Key());
    for (const Work& w : work) {
      int64_t& due = next_due[w.Key()];
      if (now >= due && !busy.count(w.Key()) && !NotOffered(w)) {
        Dispatch(w, now);
        due = now + ToMs(w.interval);
      }
    }
    for (FetchResult& r : fetcher_.Poll(std::chrono::milliseconds(250))) {
      Complete(std::move(r), &stats);
    }
    Commit(&stats, /*now=*/false);
    now = NowMs();
    if (now - last_reload >= 1000) {
      last_reload = now;
      if (std::optional<Config> fresh = reload()) {
        config = std::move(*fresh);
        profile_metrics_ = config.profile_metrics;
        config_fingerprint_ = config.fingerprint;
        work = Expand(config);
        // Intervals may have changed: every due time anew from the archive.
        next_due.clear();
        schedule_from_archive(work);
        LogInfo("scrape: config reloaded: " + std::to_string(work.size()) + " profile scrapes");
      } else if (discovery_.Changed(config)) {
        work = Expand(config);
        schedule_from_archive(work);  // new targets; the others keep their times
        LogInfo("scrape: discovered targets changed: " + std::to_string(work.size()) +
                " profile scrapes");
      }
    }
    if (now - last_prune >= 60'000) {
      last_prune = now;
      stats = Maintain(now, config, stats, /*background=*/true);
    }
    if (now - last_save >= kStateEveryMs) {
      last_save = now;
      save_state();
    }
    if (now - last_report >= 60'000 && (stats.archived || stats.failed)) {
      stats.seconds = (now - last_report) / 1000.0;
      LogInfo("scrape: " + FormatPass(stats));
      stats = PassStats{};
      last_report = now;
    }
  }
  fetcher_.AbortAll();
  for (FetchResult& r : fetcher_.Poll(std::chrono::milliseconds(0))) {
    in_flight_.erase(r.tag);
  }
  Commit(&stats, /*now=*/true);
  save_state();
  LogInfo("scrape: stopped");
}

}  // namespace cprof::scrape
