#include "archive/scan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include "archive/index_file.h"
#include "archive/remote.h"
#include "archive/target_dir.h"
#include "base/parallel.h"

namespace cprof::archive {
namespace {

// Numeric directory names of exactly `width` digits within [lo, hi].
std::vector<int> NumberedDirs(const fs::path& dir, size_t width, int lo, int hi) {
  std::vector<int> out;
  auto entries = ListDirEntries(dir);
  if (!entries.ok()) return out;
  for (const DirEntry& entry : *entries) {
    if (entry.kind != FileKind::kDirectory) continue;
    const int v = FixedDigits(entry.name, width);
    if (v >= 0 && v >= lo && v <= hi) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Sidecar> ReadSidecar(const fs::path& path) {
  CPROF_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxSidecarBytes));
  return ParseSidecar(text);
}

Result<Sidecar> ReadEntrySidecar(const fs::path& path, const EntryKey& key) {
  CPROF_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxSidecarBytes));
  return ParseEntrySidecar(text, key);
}

Result<Sidecar> ParseEntrySidecar(std::string_view text, const EntryKey& key) {
  CPROF_ASSIGN_OR_RETURN(Sidecar s, ParseSidecar(text));
  if (s.id != FormatId(key)) {
    return Status::Corruption("sidecar id " + s.id + " does not match its file name");
  }
  if (TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns) != key.target_key) {
    return Status::Corruption(
        "sidecar's job, app, host, labels or expiration do not belong "
        "in target directory " +
        key.target_key);
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
        std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(d.month),
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

void ForEachTargetDir(const fs::path& day_dir,
                      const std::function<void(const std::string& tkey, const fs::path& dir)>& fn,
                      Reporter* links) {
  auto entries = ListDirEntries(day_dir);
  if (!entries.ok()) return;
  std::sort(entries->begin(), entries->end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  for (const DirEntry& entry : *entries) {
    if (!IsHex(entry.name, kTargetKeyLength)) continue;
    if (entry.kind == FileKind::kSymlink) {
      if (links != nullptr) {
        links->Corrupt(day_dir / entry.name,
                       Status::InvalidArgument("a symbolic link, not part of the archive "
                                               "(cprofiler-archive(5))"));
      }
      continue;
    }
    if (entry.kind == FileKind::kDirectory) fn(entry.name, day_dir / entry.name);
  }
}

bool IsArchiveDir(const fs::path& root, const fs::path& relative) {
  fs::path at = root;
  for (const fs::path& part : relative) {
    at /= part;
    if (!IsRealDirectory(at)) return false;
  }
  return true;
}

std::vector<Entry> Scan(const fs::path& root, const ScanOptions& options, Reporter* reporter) {
  TargetDirOptions dir_options;
  static_cast<ScanOptions&>(dir_options) = options;  // how to read a directory: the defaults
  struct Dir {
    CivilDay day;
    fs::path path;
    std::string tkey;
    size_t day_index;
    bool target_known;  // from the day's TARGETS
  };
  std::vector<Dir> dirs;
  struct Day {
    fs::path dir;
    DayTargets read;  // its TARGETS, when there are labels to match
  };
  std::vector<Day> days;
  ForEachDay(TierRoot(root, options.tier), options.from_ms, options.to_ms,
             [&](const CivilDay& day, const fs::path& day_dir) {
    // With labels to match, the day's TARGETS rules most directories out
    // unopened (one app of 1,000 over 10 days: 10 files read, not 10,000).
    Day& this_day = days.emplace_back();
    this_day.dir = day_dir;
    if (options.keep) this_day.read = ReadDayTargets(day_dir);
    const auto& targets = this_day.read.targets;
    ForEachTargetDir(day_dir, [&](const std::string& tkey, const fs::path& dir) {
      auto known = targets.find(tkey);
      if (known != targets.end() && !MayKeep(dir_options, known->second)) return;
      dirs.push_back({day, dir, tkey, days.size() - 1, known != targets.end()});
    });
  });
  // Directories on a few threads: reading an INDEX, stat-ing its entries'
  // sidecars, and the sidecars an INDEX lacks (all 100,000 entries of
  // make_archive's day, sidecars only: 3.9-4.4 s on one thread, 2.5-3.6 s
  // on two; one app's 2,000: 0.25 s, 0.15 s).
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  std::vector<std::vector<Entry>> found(threads);
  // Targets learned from directories their day's TARGETS lacks.
  std::vector<std::optional<Target>> learned(dirs.size());
  SerializedReporter serialized(reporter);
  Reporter* shared = reporter == nullptr ? nullptr : &serialized;
  ParallelFor(dirs.size(), threads, [&](size_t t, size_t i) {
    TargetDay day =
        ReadTargetDir(dirs[i].path, dirs[i].day, dirs[i].tkey, dir_options, shared, nullptr);
    if (!dirs[i].target_known) learned[i] = std::move(day.target);
    for (Sidecar& s : day.entries) found[t].push_back(Entry{std::move(s), dirs[i].path});
  });
  if (options.keep) {
    // What the days' TARGETS lacked, added; a damaged one replaced.
    std::vector<std::vector<const Target*>> missing(days.size());
    for (size_t i = 0; i < dirs.size(); ++i) {
      if (learned[i]) missing[dirs[i].day_index].push_back(&*learned[i]);
    }
    for (size_t d = 0; d < days.size(); ++d) {
      if (!days[d].read.damaged) {
        (void)AppendDayTargets(days[d].dir, missing[d]);
        continue;
      }
      for (const auto& [tkey, target] : days[d].read.targets) missing[d].push_back(&target);
      (void)WriteDayTargets(days[d].dir, missing[d]);
    }
  }
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

std::map<std::string, int64_t> LatestByType(const fs::path& root, std::string_view target_key,
                                            int64_t since_ms) {
  std::map<std::string, int64_t> latest;
  ForEachDay(root, since_ms, std::numeric_limits<int64_t>::max(),
             [&](const CivilDay& day, const fs::path& day_dir) {
    const fs::path dir = day_dir / std::string(target_key);
    if (!IsRealDirectory(dir)) return;
    auto names = ListDir(dir);
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
                              std::string_view before_id, int64_t since_ms, Reporter* reporter) {
  std::vector<std::pair<CivilDay, fs::path>> days;
  ForEachDay(root, since_ms, before_ms, [&](const CivilDay& day, const fs::path& day_dir) {
    fs::path dir = day_dir / std::string(target_key);
    if (IsRealDirectory(dir)) days.emplace_back(day, std::move(dir));
  });
  TargetDirOptions options;
  options.from_ms = since_ms;
  options.to_ms = before_ms;
  options.profile_type = std::string(profile_type);
  const std::string tkey(target_key);
  // Newest day first; most predecessors are in the same day.
  for (auto day = days.rbegin(); day != days.rend(); ++day) {
    TargetDay read = ReadTargetDir(day->second, day->first, tkey, options, reporter, nullptr);
    for (auto it = read.entries.rbegin(); it != read.entries.rend(); ++it) {
      if (it->timestamp_ms == before_ms && it->id >= before_id) continue;
      if (it->sample_types.empty()) continue;
      return Entry{std::move(*it), day->second};
    }
  }
  return std::nullopt;
}

Result<Entry> Lookup(const fs::path& root, std::string_view id) {
  CPROF_ASSIGN_OR_RETURN(EntryKey key, ParseId(id));
  fs::path dir = root / EntryDir(key);
  if (Status fetched = EnsureLocal(dir / SidecarFileName(key)); !fetched.ok()) {
    if (fetched.IsNotFound()) return Status::NotFound("no profile with ID " + std::string(id));
    return fetched;
  }
  if (!IsArchiveDir(root, EntryDir(key))) {
    return Status::NotFound("no profile with ID " + std::string(id));
  }
  auto s = ReadEntrySidecar(dir / SidecarFileName(key), key);
  if (!s.ok()) {
    if (s.status().IsNotFound()) {
      return Status::NotFound("no profile with ID " + std::string(id));
    }
    return s.status().WithContext((dir / SidecarFileName(key)).string());
  }
  if (Status fetched = EnsureLocal(dir / s->file); !fetched.ok() && !fetched.IsNotFound()) {
    return fetched;
  }
  if (!Exists(dir / s->file)) {
    return Status::NotFound("profile " + std::string(id) + " has been removed");
  }
  return Entry{std::move(*s), dir};
}

}  // namespace cprof::archive
