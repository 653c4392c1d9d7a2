#include "archive/scan.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <optional>
#include <tuple>

#include "archive/target_dir.h"
#include "base/log.h"

namespace cprof::archive {
namespace {

// Numeric directory names of exactly `width` digits within [lo, hi].
std::vector<int> NumberedDirs(const fs::path& dir, size_t width, int lo, int hi) {
  std::vector<int> out;
  auto names = ListDir(dir);
  if (!names.ok()) return out;
  for (const std::string& n : *names) {
    if (n.size() != width) continue;
    if (!std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    int v = std::stoi(n);
    if (v >= lo && v <= hi) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void LoggingReporter::Corrupt(const fs::path& path, const Status& status) {
  ++count_;
  LogError("skipping " + path.string() + ": " + status.message());
}

Result<Sidecar> ReadSidecar(const fs::path& path) {
  CPROF_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxSidecarBytes));
  return ParseSidecar(text);
}

Result<Sidecar> ReadEntrySidecar(const fs::path& path, const EntryKey& key) {
  CPROF_ASSIGN_OR_RETURN(Sidecar s, ReadSidecar(path));
  if (s.id != FormatId(key)) {
    return Status::Corruption("sidecar id " + s.id + " does not match its file name");
  }
  if (TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns) != key.target_key) {
    return Status::Corruption("sidecar's job, app, host, labels or expiration do not belong "
                              "in target directory " + key.target_key);
  }
  return s;
}

void ForEachDay(const fs::path& root, int64_t from_ms, int64_t to_ms,
                const std::function<void(const CivilDay&, const fs::path&)>& fn) {
  // Clamp to years a YYYY directory can name.
  CivilDay first = DayOf(std::max<int64_t>(from_ms, 0));
  CivilDay last = DayOf(std::min<int64_t>(to_ms, DayStartMs({9999, 12, 31})));
  if (to_ms < 0) return;
  for (int year : NumberedDirs(root, 4, first.year, last.year)) {
    fs::path ydir = root / std::to_string(year);
    for (int month : NumberedDirs(ydir, 2, 1, 12)) {
      char mm[4];
      std::snprintf(mm, sizeof mm, "%02d", month);
      fs::path mdir = ydir / mm;
      for (int day : NumberedDirs(mdir, 2, 1, 31)) {
        CivilDay d{year, static_cast<unsigned>(month), static_cast<unsigned>(day)};
        std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(d.month),
                                        std::chrono::day(d.day)};
        if (!ymd.ok()) continue;
        int64_t start = DayStartMs(d);
        if (start + kMsPerDay <= from_ms || start > to_ms) continue;
        char dd[4];
        std::snprintf(dd, sizeof dd, "%02d", day);
        fn(d, mdir / dd);
      }
    }
  }
}

namespace {

// Passes a scan's reports on one at a time (its directories are read on
// several threads).
class SerializedReporter : public Reporter {
 public:
  explicit SerializedReporter(Reporter* to) : to_(to) {}
  void Corrupt(const fs::path& path, const Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    to_->Corrupt(path, status);
  }

 private:
  Reporter* const to_;
  std::mutex mu_;
};

}  // namespace

std::vector<Entry> Scan(const fs::path& root, const ScanOptions& options,
                        Reporter* reporter) {
  struct Dir {
    CivilDay day;
    fs::path path;
    std::string tkey;
  };
  std::vector<Dir> dirs;
  ForEachDay(root, options.from_ms, options.to_ms,
             [&](const CivilDay& day, const fs::path& day_dir) {
    auto targets = ListDir(day_dir);
    if (!targets.ok()) return;
    for (const std::string& tkey : *targets) {
      if (IsHex(tkey, kTargetKeyLength)) dirs.push_back({day, day_dir / tkey, tkey});
    }
  });
  // Directories on a few threads: most of a scan is reading and parsing
  // sidecars, one file each (all 100,000 entries of make_archive's day:
  // 3.9-4.4 s on one thread, 2.5-3.6 s on two; one app's 2,000: 0.25 s,
  // 0.15 s).
  const size_t threads =
      std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, dirs.size()});
  TargetDirOptions dir_options;
  dir_options.from_ms = options.from_ms;
  dir_options.to_ms = options.to_ms;
  dir_options.profile_type = options.profile_type;
  dir_options.keep = options.keep;
  std::vector<std::vector<Entry>> found(std::max<size_t>(threads, 1));
  SerializedReporter serialized(reporter);
  Reporter* shared = reporter == nullptr ? nullptr : &serialized;
  std::atomic<size_t> next = 0;
  auto work = [&](size_t t) {
    for (size_t i = next++; i < dirs.size(); i = next++) {
      TargetDay day = ReadTargetDir(dirs[i].path, dirs[i].day, dirs[i].tkey, dir_options,
                                    shared, nullptr);
      for (Sidecar& s : day.entries) found[t].push_back(Entry{std::move(s), dirs[i].path});
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& th : pool) th.join();
  std::vector<Entry> out;
  for (std::vector<Entry>& part : found) {
    out.insert(out.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    if (a.sidecar.timestamp_ms != b.sidecar.timestamp_ms) {
      return a.sidecar.timestamp_ms < b.sidecar.timestamp_ms;
    }
    return a.sidecar.id < b.sidecar.id;
  });
  return out;
}

std::map<std::string, int64_t> LatestByType(const fs::path& root,
                                            std::string_view target_key,
                                            int64_t since_ms) {
  std::map<std::string, int64_t> latest;
  ForEachDay(root, since_ms, std::numeric_limits<int64_t>::max(),
             [&](const CivilDay& day, const fs::path& day_dir) {
    auto names = ListDir(day_dir / std::string(target_key));
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      auto key = ParseSidecarName(name, day, target_key);
      if (!key.ok()) continue;
      int64_t& t = latest.try_emplace(key->profile_type, key->timestamp_ms).first->second;
      t = std::max(t, key->timestamp_ms);
    }
  });
  return latest;
}

std::optional<Entry> Previous(const fs::path& root, std::string_view target_key,
                              std::string_view profile_type, int64_t before_ms,
                              std::string_view before_id, int64_t since_ms,
                              Reporter* reporter) {
  struct Candidate {
    int64_t timestamp_ms;
    std::string id;
    EntryKey key;
    fs::path path;
  };
  std::vector<Candidate> candidates;
  ForEachDay(root, since_ms, before_ms, [&](const CivilDay& day, const fs::path& day_dir) {
    fs::path dir = day_dir / std::string(target_key);
    auto names = ListDir(dir);
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      auto key = ParseSidecarName(name, day, target_key);
      if (!key.ok() || key->profile_type != profile_type || key->timestamp_ms > before_ms ||
          key->timestamp_ms < since_ms) {
        continue;
      }
      std::string id = FormatId(*key);
      if (key->timestamp_ms == before_ms && id >= before_id) continue;
      candidates.push_back({key->timestamp_ms, std::move(id), std::move(*key), dir / name});
    }
  });
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.timestamp_ms, a.id) > std::tie(b.timestamp_ms, b.id);
  });
  for (const Candidate& c : candidates) {
    auto s = ReadEntrySidecar(c.path, c.key);
    if (!s.ok()) {
      if (reporter != nullptr && !s.status().IsNotFound()) reporter->Corrupt(c.path, s.status());
      continue;
    }
    if (s->sample_types.empty() || !Exists(c.path.parent_path() / s->file)) continue;
    return Entry{std::move(*s), c.path.parent_path()};
  }
  return std::nullopt;
}

Result<Entry> Lookup(const fs::path& root, std::string_view id) {
  CPROF_ASSIGN_OR_RETURN(EntryKey key, ParseId(id));
  fs::path dir = root / EntryDir(key);
  auto s = ReadEntrySidecar(dir / SidecarFileName(key), key);
  if (!s.ok()) {
    if (s.status().IsNotFound()) {
      return Status::NotFound("no profile with ID " + std::string(id));
    }
    return s.status().WithContext((dir / SidecarFileName(key)).string());
  }
  if (!Exists(dir / s->file)) {
    return Status::NotFound("profile " + std::string(id) + " has been removed");
  }
  return Entry{std::move(*s), dir};
}

}  // namespace cprof::archive
