#include "archive/bucket.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>

#include "archive/bucket_store.h"
#include "archive/layout.h"
#include "archive/scan.h"
#include "archive/upload.h"
#include "archive/writer.h"
#include "base/log.h"
#include "base/parallel.h"
#include "base/profile_types.h"
#include "base/time.h"

namespace cprof::archive {

// One object of a day directory: <tier root>/YYYY/MM/DD/<tkey>/<name>.
struct BucketArchive::Listed {
  std::string tier;  // "" for raw entries
  CivilDay day;
  std::string target_key;
  std::string name;
  int64_t size = 0;
  int64_t last_modified_ms = 0;
  bool is_sidecar = false;
  int64_t ms_of_day = 0;
  std::string profile_type;
  // Relative to the archive's root (the key under the prefix).
  fs::path Relative() const { return TierRoot("", tier) / DayDir(day) / target_key / name; }
};

namespace {

constexpr int64_t kMaxSidecarObjectBytes = kMaxSidecarBytes;
// Listed objects a sync takes before it syncs the whole targets among them.
constexpr size_t kSyncBatch = 20'000;

// The number a listed prefix ends with ("2026/12/" -> 12), between the
// last two '/'s; -1 if it is not all digits of `width`.
int PrefixNumber(std::string_view prefix, size_t width) {
  if (!prefix.ends_with('/')) return -1;
  prefix.remove_suffix(1);
  size_t slash = prefix.rfind('/');
  return FixedDigits(slash == std::string_view::npos ? prefix : prefix.substr(slash + 1), width);
}

std::string Key(const fs::path& relative) { return relative.generic_string(); }

// An entry file's key without its suffix (".json", ".pb.gz", ...): a
// sidecar's and its profile's are the same.
std::string StemOf(std::string key) {
  key.resize(key.find('.', key.rfind('/') + 1));
  return key;
}

// The profile type in an entry file's name ("HHMMSSmmm-type-hash.ext"),
// which ParseEntryFileName has accepted.
std::string_view TypeInName(std::string_view name) {
  const size_t first = name.find('-'), last = name.rfind('-');
  return first < last ? name.substr(first + 1, last - first - 1) : std::string_view();
}

// Whether an entry of `day` at `ms_of_day` of `type` is in a sync's scope.
bool InScope(const CivilDay& day, int64_t ms_of_day, std::string_view type, int64_t from_ms,
             int64_t to_ms, std::string_view profile_type) {
  const int64_t t = DayStartMs(day) + ms_of_day;
  return t >= from_ms && t <= to_ms && (profile_type.empty() || type == profile_type);
}

// Sets a file's modification time (to the ms); best effort.
void SetMtimeMs(const fs::path& path, int64_t ms) {
  const struct timespec times[2] = {{ms / 1000, (ms % 1000) * 1'000'000},
                                    {ms / 1000, (ms % 1000) * 1'000'000}};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

// The cache's profile bytes as its last count found them (a walk, plus what
// uploads moved in since), and when that walk was: "<ms> <bytes>" in
// <cache>/.cached-bytes. A process that has not counted the cache (a
// --once pass) takes it rather than walk the whole cache after each upload
// (some 3 stats a cached profile), while it is recent and under the cap.
constexpr std::string_view kCountFile = ".cached-bytes";
// ... and walks at least this often: what other processes fetch into the
// cache is not counted.
constexpr int64_t kRecountMs = 600'000;

struct CacheCount {
  int64_t walked_ms = 0;
  int64_t bytes = 0;
};

std::optional<CacheCount> ReadCacheCount(const fs::path& cache) {
  auto text = ReadFile(cache / std::string(kCountFile), 64);
  CacheCount c;
  if (!text.ok() || std::sscanf(text->c_str(), "%" SCNd64 " %" SCNd64, &c.walked_ms, &c.bytes) != 2)
    return std::nullopt;
  return c;
}

void WriteCacheCount(const fs::path& cache, const CacheCount& c) {
  (void)ReplaceFile(cache, kCountFile,
                    std::to_string(c.walked_ms) + " " + std::to_string(c.bytes) + "\n");
}

// Renames `from` to `to`, making `to`'s directory when it is missing (an
// upload moves two files into a day's directory per entry: one stat each
// saved). NotFound when `from` is not there.
Status MoveFile(const fs::path& from, const fs::path& to) {
  int error = ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  if (error == ENOENT && Exists(from)) {  // (the directory is missing)
    CPROF_RETURN_IF_ERROR(MakeDirs(to.parent_path()));
    error = ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  }
  if (error == 0) return Status::OK();
  const std::string m = "rename " + from.string() + " to " + to.string() + ": " + ErrnoText(error);
  return error == ENOENT && !Exists(from) ? Status::NotFound(m) : Status::IOError(m);
}

}  // namespace

BucketArchive::BucketArchive(S3Client client, BucketOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      cache_(options_.cache_dir / "archive"),
      spool_(options_.cache_dir / "spool") {
  RegisterRemote(cache_, this);
  KeepSpooled(spool_, true);
}

BucketArchive::~BucketArchive() {
  StopFollowing();
  RegisterRemote(cache_, nullptr);
  KeepSpooled(spool_, false);
}

std::string BucketArchive::Describe() const {
  std::string url = client_.Describe("");
  if (url.ends_with('/')) url.pop_back();
  return url;
}

Status BucketArchive::Check() {
  std::vector<S3Object> objects;
  std::vector<std::string> prefixes;
  return client_.List(std::string(kMarkerFile), "/", &objects, &prefixes);
}

Status BucketArchive::ForEachDayPrefix(
    int64_t from_ms, int64_t to_ms,
    const std::function<Status(const std::string& tier, const CivilDay& day,
                               const std::string& prefix)>& fn,
    int64_t* days) {
  const CivilDay first = DayOf(std::max<int64_t>(from_ms, 0));
  const CivilDay last = DayOf(std::max<int64_t>(to_ms, 0));
  // Whether a month (day 0) or a day lies in [first, last].
  auto in_range = [&](int y, int m, int d) {
    auto key = std::make_tuple(y, m, d);
    return key >= std::make_tuple(first.year, static_cast<int>(first.month),
                                  d == 0 ? 0 : static_cast<int>(first.day)) &&
           key <= std::make_tuple(last.year, static_cast<int>(last.month),
                                  d == 0 ? 0 : static_cast<int>(last.day));
  };
  for (const std::string& tier : TierNames()) {
    const std::string base = tier.empty() ? "" : Key(TierRoot("", tier)) + "/";
    std::vector<S3Object> ignored;
    std::vector<std::string> years;
    CPROF_RETURN_IF_ERROR(client_.List(base, "/", &ignored, &years));
    for (const std::string& y : years) {
      int year = PrefixNumber(y, 4);
      if (year < first.year || year > last.year) continue;
      std::vector<std::string> months;
      CPROF_RETURN_IF_ERROR(client_.List(y, "/", &ignored, &months));
      for (const std::string& m : months) {
        int month = PrefixNumber(m, 2);
        if (month < 1 || !in_range(year, month, 0)) continue;
        std::vector<std::string> day_prefixes;
        CPROF_RETURN_IF_ERROR(client_.List(m, "/", &ignored, &day_prefixes));
        for (const std::string& d : day_prefixes) {
          int day = PrefixNumber(d, 2);
          if (day < 1 || !in_range(year, month, day)) continue;
          ++*days;
          CPROF_RETURN_IF_ERROR(fn(
              tier, CivilDay{year, static_cast<unsigned>(month), static_cast<unsigned>(day)}, d));
        }
      }
    }
  }
  return Status::OK();
}

void BucketArchive::AppendListed(const std::string& tier, const CivilDay& day,
                                 const std::string& prefix, std::vector<S3Object>& objects,
                                 std::vector<Listed>* out) {
  for (S3Object& o : objects) {
    if (!o.key.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(o.key).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) continue;  // (TARGETS, strangers)
    Listed l;
    l.tier = tier;
    l.day = day;
    l.target_key = std::string(rest.substr(0, slash));
    l.name = std::string(rest.substr(slash + 1));
    if (!IsHex(l.target_key, kTargetKeyLength) ||
        !ParseEntryFileName(l.name, &l.ms_of_day, &l.is_sidecar)) {
      continue;  // derived files, temporary files, strangers
    }
    l.profile_type = std::string(TypeInName(l.name));
    l.size = o.size;
    l.last_modified_ms = o.last_modified_ms;
    out->push_back(std::move(l));
  }
}

Status BucketArchive::ListDays(int64_t from_ms, int64_t to_ms, std::vector<Listed>* out,
                               int64_t* days) {
  return ForEachDayPrefix(
      from_ms, to_ms,
      [&](const std::string& tier, const CivilDay& day, const std::string& prefix) {
    std::vector<S3Object> objects;
    CPROF_RETURN_IF_ERROR(client_.List(prefix, "", &objects, nullptr));
    AppendListed(tier, day, prefix, objects, out);
    return Status::OK();
      },
      days);
}

// While alive, a sync is running: uploads note what they move in.
class BucketArchive::SyncRunning {
 public:
  explicit SyncRunning(BucketArchive* bucket) : bucket_(bucket) {
    std::lock_guard<std::mutex> lock(bucket_->mu_);
    ++bucket_->syncs_running_;
  }
  ~SyncRunning() {
    std::lock_guard<std::mutex> lock(bucket_->mu_);
    if (--bucket_->syncs_running_ == 0) bucket_->moved_in_.clear();
  }

 private:
  BucketArchive* const bucket_;
};

void BucketArchive::NoteMovedIn(const fs::path& relative) {
  std::lock_guard<std::mutex> lock(mu_);
  if (syncs_running_ > 0) moved_in_.insert(Key(relative));
}

bool BucketArchive::MovedIn(const fs::path& relative) {
  std::lock_guard<std::mutex> lock(mu_);
  return moved_in_.count(Key(relative)) > 0;
}

Result<SyncStats> BucketArchive::Sync(int64_t from_ms, int64_t to_ms,
                                      std::string_view profile_type) {
  SyncRunning running(this);
  CPROF_RETURN_IF_ERROR(InitArchive(cache_));
  SyncStats stats;
  std::set<std::string> days_listed;  // "<tier root>/YYYY/MM/DD"
  // The part of [from_ms, to_ms] in `day`.
  auto day_scope = [&](const CivilDay& day) {
    return std::pair{std::max(from_ms, DayStartMs(day)),
                     std::min(to_ms, DayStartMs(day) + kMsPerDay - 1)};
  };
  // A day's listing comes in key order, so each target's objects in a run:
  // they are synced a batch of whole targets at a time (a sync's memory is
  // a batch's, not its scope's), with as many requests as one listing.
  CPROF_RETURN_IF_ERROR(ForEachDayPrefix(
      from_ms, to_ms,
      [&](const std::string& tier, const CivilDay& day, const std::string& prefix) -> Status {
        // (not a structured binding: clang 14 lets no lambda capture one)
        const std::pair<int64_t, int64_t> scope = day_scope(day);
        const int64_t lo = scope.first, hi = scope.second;
        std::set<std::string> targets;  // listed
        std::vector<Listed> batch;
        // Syncs the batch's whole targets: all, or all but the last.
        auto sync_batch = [&](bool all) -> Status {
          std::vector<Listed> rest;
          if (!all && !batch.empty()) {
            const std::string last = batch.back().target_key;
            auto first_of_last = std::find_if(
                batch.begin(), batch.end(), [&](const Listed& l) { return l.target_key == last; });
            rest.assign(std::make_move_iterator(first_of_last),
                        std::make_move_iterator(batch.end()));
            batch.erase(first_of_last, batch.end());
          }
          std::set<std::string> in_bucket;
          CPROF_RETURN_IF_ERROR(FetchListed(batch, lo, hi, profile_type,
                                            static_cast<size_t>(options_.transfers), &in_bucket,
                                            &stats));
          std::set<std::string> synced;
          for (const Listed& l : batch) synced.insert(l.target_key);
          for (const std::string& tkey : synced) {
            // (a target met again, out of key order, was listed in part:
            // nothing of it is dropped)
            if (!targets.insert(tkey).second) continue;
            DropUnlisted(tier, day, tkey, in_bucket, lo, hi, profile_type, &stats);
          }
          batch = std::move(rest);
          return Status::OK();
        };
        CPROF_RETURN_IF_ERROR(client_.ListPages(
            prefix, "", [&](std::vector<S3Object>& objects, std::vector<std::string>&) {
              AppendListed(tier, day, prefix, objects, &batch);
              // (one target alone, however large, waits for its end)
              const bool due =
                  batch.size() >= kSyncBatch && batch.front().target_key != batch.back().target_key;
              return due ? sync_batch(false) : Status::OK();
            }));
        CPROF_RETURN_IF_ERROR(sync_batch(true));
        // The cached targets of the day the bucket no longer has.
        DropUnlistedTargets(tier, day, targets, {}, lo, hi, profile_type, &stats);
        days_listed.insert(Key(TierRoot("", tier) / DayDir(day)));
        return Status::OK();
      },
      &stats.days));
  // The cached days the bucket no longer has.
  for (const std::string& tier : TierNames()) {
    ForEachDay(TierRoot(cache_, tier), from_ms, to_ms, [&](const CivilDay& day, const fs::path&) {
      if (days_listed.count(Key(TierRoot("", tier) / DayDir(day)))) return;
      const auto [lo, hi] = day_scope(day);
      DropUnlistedTargets(tier, day, {}, {}, lo, hi, profile_type, &stats);
    });
  }
  return stats;
}

void BucketArchive::DropUnlistedTargets(const std::string& tier, const CivilDay& day,
                                        const std::set<std::string>& skip_targets,
                                        const std::set<std::string>& in_bucket, int64_t from_ms,
                                        int64_t to_ms, std::string_view profile_type,
                                        SyncStats* stats) {
  ForEachTargetDir(TierRoot(cache_, tier) / DayDir(day),
                   [&](const std::string& tkey, const fs::path&) {
    if (!skip_targets.count(tkey))
      DropUnlisted(tier, day, tkey, in_bucket, from_ms, to_ms, profile_type, stats);
  });
}

Status BucketArchive::SyncListed(const std::vector<Listed>& listed, int64_t from_ms, int64_t to_ms,
                                 std::string_view profile_type, SyncStats* stats) {
  CPROF_RETURN_IF_ERROR(InitArchive(cache_));
  std::set<std::string> in_bucket;
  CPROF_RETURN_IF_ERROR(FetchListed(listed, from_ms, to_ms, profile_type,
                                    static_cast<size_t>(options_.transfers), &in_bucket, stats));
  // What the cache has of those days that the bucket no longer does.
  for (const std::string& tier : TierNames()) {
    ForEachDay(TierRoot(cache_, tier), from_ms, to_ms, [&](const CivilDay& day, const fs::path&) {
      DropUnlistedTargets(tier, day, {}, in_bucket, from_ms, to_ms, profile_type, stats);
    });
  }
  return Status::OK();
}

Status BucketArchive::FetchListed(const std::vector<Listed>& listed, int64_t from_ms, int64_t to_ms,
                                  std::string_view profile_type, size_t workers,
                                  std::set<std::string>* in_bucket_out, SyncStats* stats_out) {
  SyncStats& stats = *stats_out;
  std::set<std::string>& in_bucket = *in_bucket_out;
  // A sidecar counts only beside its profile, as a scan of a directory
  // takes it (a profile pruned, or copied in after its sidecar).
  std::set<std::string> profiles;  // stems
  for (const Listed& l : listed) {
    if (!l.is_sidecar) profiles.insert(StemOf(Key(l.Relative())));
  }
  std::vector<const Listed*> missing;
  for (const Listed& l : listed) {
    if (!InScope(l.day, l.ms_of_day, l.profile_type, from_ms, to_ms, profile_type)) continue;
    const fs::path relative = l.Relative();
    if (!l.is_sidecar) {
      in_bucket.insert(Key(relative));
      continue;
    }
    if (!profiles.count(StemOf(Key(relative)))) {
      ++stats.without_profile;
      continue;
    }
    in_bucket.insert(Key(relative));
    ++stats.sidecars_listed;
    // (a fetched sidecar's mtime is its object's LastModified; an uploaded
    // one's, the upload's end: a later one was written again, in place)
    auto stamp = StampOf(cache_ / relative);
    if (!stamp.ok() || stamp->size != l.size || stamp->mtime_ns / 1'000'000 < l.last_modified_ms)
      missing.push_back(&l);
  }
  std::vector<Status> errors(missing.size());
  ParallelFor(missing.size(), workers, [&](size_t, size_t i) {
    const fs::path relative = missing[i]->Relative();
    auto body = client_.Get(Key(relative), kMaxSidecarObjectBytes);
    if (!body.ok()) {
      // (pruned since it was listed: left out, as a scan leaves it)
      if (!body.status().IsNotFound()) errors[i] = body.status();
      return;
    }
    const fs::path local = cache_ / relative;
    Status s = MakeDirs(local.parent_path());
    if (s.ok()) s = WriteFileAtomic(local.parent_path(), local.filename().string(), *body, false);
    if (s.ok()) SetMtimeMs(local, missing[i]->last_modified_ms);
    errors[i] = s;
  });
  for (const Status& s : errors) {
    if (!s.ok()) return s;
  }
  stats.sidecars_fetched += static_cast<int64_t>(missing.size());
  return Status::OK();
}

void BucketArchive::DropUnlisted(const std::string& tier, const CivilDay& day,
                                 const std::string& tkey, const std::set<std::string>& in_bucket,
                                 int64_t from_ms, int64_t to_ms, std::string_view profile_type,
                                 SyncStats* stats) {
  const fs::path dir = TierRoot(cache_, tier) / DayDir(day) / tkey;
  auto names = ListDir(dir);
  if (!names.ok()) return;
  // Sidecars first: the cache never shows an entry without its profile.
  std::stable_partition(names->begin(), names->end(),
                        [](const std::string& n) { return n.ends_with(kSidecarSuffix); });
  for (const std::string& name : *names) {
    int64_t ms;
    bool is_sidecar;
    if (!ParseEntryFileName(name, &ms, &is_sidecar) ||
        !InScope(day, ms, TypeInName(name), from_ms, to_ms, profile_type)) {
      continue;
    }
    const fs::path relative = TierRoot("", tier) / DayDir(day) / tkey / name;
    if (in_bucket.count(Key(relative)) || MovedIn(relative)) continue;
    if (RemoveFile(dir / name).ok()) ++stats->files_dropped;
  }
}

Status BucketArchive::UploadSpool(UploadStats* stats) {
  if (!IsDirectory(spool_)) return Status::OK();
  LocalStore spool(spool_), cache(cache_);
  BucketStore bucket(client_);
  UploadOptions options;
  options.transfers = options_.transfers;
  options.moved_to = &cache;
  options.before = [&] {
    CPROF_RETURN_IF_ERROR(InitArchive(cache_));
    // The marker, once: the bucket reads as an archive (aws s3 sync to disk).
    auto marker = ReadFile(spool_ / std::string(kMarkerFile), 4096);
    return marker.ok() ? client_.Put(std::string(kMarkerFile), *marker) : Status::OK();
  };
  // Into the cache, profile first: the cache never shows a sidecar without
  // its profile.
  std::atomic<int64_t> moved_bytes{0};  // profiles moved into the cache
  options.moved_on =
      [&](const std::string& profile_key, const std::string& sidecar_key, int64_t profile_bytes) {
    NoteMovedIn(profile_key);
    NoteMovedIn(sidecar_key);
    // (a profile not in the spool is in the cache already: moved before a
    // crash)
    Status moved = MoveFile(spool_ / profile_key, cache_ / profile_key);
    if (!moved.ok() && !moved.IsNotFound()) return moved;
    CPROF_RETURN_IF_ERROR(MoveFile(spool_ / sidecar_key, cache_ / sidecar_key));
    SetMtimeMs(cache_ / sidecar_key, NowMs());
    if (moved.ok()) moved_bytes += profile_bytes;
    std::lock_guard<std::mutex> lock(mu_);  // (the cache's count, as Fetch keeps it)
    if (cached_bytes_ >= 0 && moved.ok()) cached_bytes_ += profile_bytes;
    return Status::OK();
  };
  Status uploaded = Upload(spool, bucket, options, stats);
  if (stats->entries == 0) return uploaded;
  bool counted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counted = cached_bytes_ >= 0;
  }
  const auto last = counted ? std::nullopt : ReadCacheCount(cache_);
  const int64_t age = last ? NowMs() - last->walked_ms : -1;
  if (age >= 0 && age < kRecountMs && last->bytes + moved_bytes <= options_.cache_max_bytes) {
    WriteCacheCount(cache_, {last->walked_ms, last->bytes + moved_bytes});
  } else {
    Evict();
  }
  return uploaded;
}

Result<PruneStats> BucketArchive::Prune(int64_t now_ms, Reporter* reporter,
                                        const PruneOptions& options) {
  SyncRunning running(this);
  BucketStore store(client_);
  PruneOptions with_cache = options;
  // The cache follows: what the bucket lost, it loses too.
  with_cache.deleted = [&](const std::string& key) {
    (void)RemoveFile(cache_ / fs::path(key));
    if (options.deleted) options.deleted(key);
  };
  PruneStats stats = archive::Prune(store, now_ms, reporter, with_cache);
  if (!stats.error.ok()) return stats.error;
  return stats;
}

Status BucketArchive::SyncForReading(int64_t from_ms, int64_t to_ms,
                                     std::string_view profile_type) {
  const int64_t started = NowMs();
  const ProfileType* known = FindProfileType(profile_type);
  const bool baselines = known == nullptr || known->cumulative != Cumulative::kNone;
  auto stats = Sync(baselines ? from_ms - 2 * kMsPerDay : from_ms, to_ms, profile_type);
  if (!stats.ok()) return stats.status();
  if (stats->without_profile > 0) {
    LogError("skipping " + std::to_string(stats->without_profile) + " entries of " + Describe() +
             " whose sidecar is there without its profile (pruned meanwhile, or copied in "
             "sidecar first; prune removes them after an hour)");
  }
  LogVerbose("synced " + Describe() + ": " + std::to_string(stats->days) + " days, " +
             std::to_string(stats->sidecars_listed) + " entries, " +
             std::to_string(stats->sidecars_fetched) + " sidecars fetched, " +
             std::to_string(stats->files_dropped) + " cached files dropped, in " +
             std::to_string(NowMs() - started) + " ms");
  return Status::OK();
}

Status BucketArchive::SyncForServing(bool all) {
  const int64_t now = NowMs();
  // (a refresh: today and yesterday)
  auto stats = Sync(all ? 0 : now - now % kMsPerDay - kMsPerDay, now + kMsPerDay);
  // (and the scrapers' target states, for the targets page)
  Status states = SyncStates();
  if (!stats.ok()) return stats.status();
  if (!states.ok()) return states;
  if (all || stats->sidecars_fetched > 0 || stats->files_dropped > 0) {
    LogInfo("serve: synced " + Describe() + ": " + std::to_string(stats->sidecars_listed) +
            " entries in " + std::to_string(stats->days) + " days, " +
            std::to_string(stats->sidecars_fetched) + " new, " +
            std::to_string(stats->files_dropped) + " cached files gone" +
            (stats->without_profile > 0 ? ", " + std::to_string(stats->without_profile) +
                                              " sidecars without their profile left out"
                                        : ""));
  }
  return Status::OK();
}

// (the cache exists before serve resolves paths inside it)
Status BucketArchive::PrepareToServe() { return InitArchive(cache_); }

void BucketArchive::StartFollowing(int64_t refresh_ms) {
  auto sync = [this](bool all) {
    if (Status s = SyncForServing(all); !s.ok()) {
      LogError("serve: " + s.message() + " (serving the cache meanwhile)");
    }
  };
  sync(/*all=*/true);
  stop_following_ = false;
  follower_ = std::thread([this, refresh_ms, sync] {
    // (the whole archive now and then, to see what was pruned; in
    // between, today and yesterday, where scrapes land)
    constexpr int64_t kFullSyncMs = 600'000;
    int64_t next_full = NowMs() + kFullSyncMs;
    while (!stop_following_.load()) {
      for (int64_t i = 0; i < refresh_ms / 100 && !stop_following_.load(); ++i) ::usleep(100'000);
      if (stop_following_.load()) break;
      const bool all = NowMs() >= next_full;
      sync(all);
      if (all) next_full = NowMs() + kFullSyncMs;
    }
  });
}

void BucketArchive::StopFollowing() {
  stop_following_ = true;
  if (follower_.joinable()) follower_.join();
}

Status BucketArchive::SyncStates() {
  return MirrorPrefix(std::string(kStateDir) + "/", cache_ / std::string(kStateDir));
}

Status BucketArchive::PublishState(const fs::path& local, std::string_view name) {
  return PutFile(local, std::string(kStateDir) + "/" + std::string(name));
}

Status BucketArchive::PutFile(const fs::path& local, std::string_view key) {
  CPROF_ASSIGN_OR_RETURN(std::string bytes, ReadFile(local, kMaxDerivedFileBytes));
  return client_.Put(key, bytes);
}

Status BucketArchive::MirrorPrefix(std::string_view prefix, const fs::path& dir) {
  std::vector<S3Object> objects;
  CPROF_RETURN_IF_ERROR(client_.List(prefix, "/", &objects, nullptr));
  CPROF_RETURN_IF_ERROR(MakeDirs(dir));
  std::set<std::string> names;
  for (const S3Object& o : objects) {
    if (!o.key.starts_with(prefix)) continue;
    const std::string name = o.key.substr(prefix.size());
    if (name.empty() || name.find('/') != std::string::npos || name.starts_with('.')) continue;
    names.insert(name);
    // (a fetched file's mtime is the object's LastModified)
    auto stamp = StampOf(dir / name);
    if (stamp.ok() && stamp->size == o.size && stamp->mtime_ns / 1'000'000 == o.last_modified_ms)
      continue;
    auto body = client_.Get(o.key, kMaxDerivedFileBytes);
    if (!body.ok() && body.status().IsNotFound()) continue;  // (gone since the listing)
    if (!body.ok()) return body.status();
    CPROF_RETURN_IF_ERROR(WriteFileAtomic(dir, name, *body, false));
    SetMtimeMs(dir / name, o.last_modified_ms);
  }
  auto local = ListDir(dir);
  if (!local.ok()) return local.status();
  for (const std::string& name : *local) {
    if (!names.count(name) && !name.starts_with('.')) (void)RemoveFile(dir / name);
  }
  return Status::OK();
}

Status BucketArchive::RemoveEntry(const EntryKey& key) {
  const fs::path dir = EntryDir(key);
  for (const std::string& name : {SidecarFileName(key), ProfileFileName(key)}) {
    CPROF_RETURN_IF_ERROR(client_.Delete(Key(dir / name)));  // (404 is OK)
    (void)RemoveFile(cache_ / dir / name);
  }
  return Status::OK();
}

Status BucketArchive::Fetch(const fs::path& relative, const fs::path& local) {
  const bool sidecar = relative.filename().string().ends_with(kSidecarSuffix);
  auto body = client_.Get(Key(relative), sidecar ? kMaxSidecarObjectBytes : kMaxProfileObjectBytes);
  if (!body.ok()) return body.status();
  CPROF_RETURN_IF_ERROR(MakeDirs(local.parent_path()));
  CPROF_RETURN_IF_ERROR(
      WriteFileAtomic(local.parent_path(), local.filename().string(), *body, false));
  if (!sidecar) {
    bool over = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_bytes_ >= 0) cached_bytes_ += static_cast<int64_t>(body->size());
      over = cached_bytes_ < 0 || cached_bytes_ > options_.cache_max_bytes;
    }
    if (over) Evict();
  }
  return Status::OK();
}

Status BucketArchive::FetchAll(const std::vector<std::pair<fs::path, fs::path>>& files) {
  std::vector<Status> errors(files.size());
  ParallelFor(files.size(), options_.transfers,
              [&](size_t, size_t i) { errors[i] = Fetch(files[i].first, files[i].second); });
  for (const Status& s : errors) {
    if (!s.ok()) return s;
  }
  return Status::OK();
}

void BucketArchive::Touched(const fs::path& local) {
  if (local.filename().string().ends_with(kSidecarSuffix)) return;
  ::utimensat(AT_FDCWD, local.c_str(), nullptr, 0);  // mtime: when last read
}

void BucketArchive::Evict() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_bytes_ >= 0 && cached_bytes_ <= options_.cache_max_bytes) return;
  struct Cached {
    int64_t mtime_ns, size;
    fs::path path;
  };
  std::vector<Cached> profiles;
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    int64_t ms;
    bool is_sidecar;
    const std::string name = it->path().filename().string();
    if (!ParseEntryFileName(name, &ms, &is_sidecar) || is_sidecar) continue;
    auto stamp = StampOf(it->path());
    if (!stamp.ok()) continue;
    profiles.push_back({stamp->mtime_ns, stamp->size, it->path()});
    total += stamp->size;
  }
  // Down to 90% of the cap, so that every fetch does not walk the cache.
  const int64_t goal = options_.cache_max_bytes / 10 * 9;
  if (total > options_.cache_max_bytes) {
    std::sort(profiles.begin(), profiles.end(),
              [](const Cached& a, const Cached& b) { return a.mtime_ns < b.mtime_ns; });
    for (const Cached& c : profiles) {
      if (total <= goal) break;
      if (RemoveFile(c.path).ok()) total -= c.size;
    }
  }
  cached_bytes_ = total;
  WriteCacheCount(cache_, {NowMs(), total});
}

Result<std::unique_ptr<BucketArchive>> OpenBucket(std::string_view url, const S3Options& s3,
                                                  const BucketOptions& options) {
  CPROF_ASSIGN_OR_RETURN(S3Location location, ParseS3Url(url));
  auto credentials = LoadS3Credentials([](const char* name) { return std::getenv(name); });
  if (!credentials.ok()) return Status::InvalidArgument(credentials.status().message());
  return std::make_unique<BucketArchive>(S3Client(std::move(location), s3, std::move(*credentials)),
                                         options);
}

}  // namespace cprof::archive
