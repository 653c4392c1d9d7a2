#include "archive/prune.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

namespace cprof::archive {
namespace {

int64_t FileSize(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// By ctime, which rename and copy set and `cp -a` cannot preserve: a
// profile copied in ahead of its sidecar is never taken for an orphan.
bool IsStale(const fs::path& p, int64_t now_ms) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return false;
  int64_t ctime_ms =
      static_cast<int64_t>(st.st_ctim.tv_sec) * 1000 + st.st_ctim.tv_nsec / 1'000'000;
  return now_ms - ctime_ms > kStaleFileMs;
}

// Prunes one <tkey> directory (of `tier`'s sub-archive).
void PruneTargetDir(const fs::path& dir, const CivilDay& day, std::string_view tier, int64_t now_ms,
                    Reporter* reporter, PruneStats* stats) {
  auto names = ListDir(dir);
  if (!names.ok()) return;
  std::vector<std::pair<EntryKey, std::string>> sidecars;
  std::set<std::string> profiles_with_sidecar;
  const std::string tkey = dir.filename().string();
  for (const std::string& name : *names) {
    if (name.rfind(kTempPrefix, 0) == 0) {
      if (IsStale(dir / name, now_ms) && RemoveFile(dir / name).ok()) {
        ++stats->stale_files_removed;
      }
      continue;
    }
    auto key = ParseSidecarName(name, day, tkey, tier);
    if (key.ok()) {
      profiles_with_sidecar.insert(ProfileFileName(*key));
      sidecars.emplace_back(std::move(*key), name);
    }
  }
  // Every entry of a <tkey> directory is kept as long (its expiration is
  // part of the key; a tier's rollups share their job's retention), so one
  // readable sidecar tells it for all: its expires_ms less its time.
  int64_t retention_ms = -1;
  for (const auto& [key, name] : sidecars) {
    auto s = ReadEntrySidecar(dir / name, key);
    if (s.ok()) {
      retention_ms = s->expires_ms > 0 ? s->expires_ms - s->timestamp_ms : 0;
      break;
    }
    if (reporter != nullptr && !s.status().IsNotFound()) {
      reporter->Corrupt(dir / name, s.status());
    }
  }
  std::set<std::string> present(names->begin(), names->end());
  for (const auto& [key, name] : sidecars) {
    std::string profile = ProfileFileName(key);
    bool expired = retention_ms > 0 && key.timestamp_ms + retention_ms < now_ms;
    if (!expired) {
      // A sidecar whose profile never became durable (power loss on a
      // filesystem without ordered metadata): removed once stale.
      if (!present.count(profile) && IsStale(dir / name, now_ms) && RemoveFile(dir / name).ok()) {
        ++stats->stale_files_removed;
      }
      continue;
    }
    int64_t size = FileSize(dir / profile);
    if (RemoveFile(dir / name).ok() && RemoveFile(dir / profile).ok()) {
      ++stats->entries_removed;
      stats->bytes_freed += size;
    }
  }
  // Profiles without a sidecar: a writer died between the two renames.
  for (const std::string& name : *names) {
    int64_t ms_of_day;
    bool is_sidecar;
    if (!ParseEntryFileName(name, &ms_of_day, &is_sidecar) || is_sidecar ||
        profiles_with_sidecar.count(name)) {
      continue;
    }
    if (IsStale(dir / name, now_ms) && RemoveFile(dir / name).ok()) {
      ++stats->stale_files_removed;
    }
  }
}

// Blocks allocated to `p` (lstat), in bytes; 0 if it is gone.
int64_t DiskBytes(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_blocks) * 512 : 0;
}

// Removes `dir` if it is empty, or holds nothing but derived files (an
// INDEX of no entries, a TARGETS of no directories); returns the bytes that
// freed (0 if it was kept).
int64_t RemoveIfEmpty(const fs::path& dir, PruneStats* stats) {
  auto names = ListDir(dir);
  if (!names.ok()) return 0;
  if (!std::all_of(names->begin(), names->end(), IsDerivedFile)) return 0;
  int64_t bytes = 0;
  for (const std::string& name : *names) {
    bytes += DiskBytes(dir / name);
    if (!RemoveFile(dir / name).ok()) return 0;
  }
  bytes += DiskBytes(dir);
  if (!RemoveDirIfEmpty(dir).ok()) return 0;
  ++stats->dirs_removed;
  return bytes;
}

// Removes file `p`; returns the bytes that freed on disk: its blocks, unless
// another link keeps them (0 when it was not removed).
int64_t RemoveCounted(const fs::path& p, bool* removed) {
  struct stat st;
  bool known = ::lstat(p.c_str(), &st) == 0;
  *removed = RemoveFile(p).ok();
  if (!*removed || !known || st.st_nlink > 1) return 0;
  return static_cast<int64_t>(st.st_blocks) * 512;
}

// One entry a size cap may remove.
struct SizedEntry {
  int64_t timestamp_ms;
  std::string id;
  fs::path sidecar, profile;
};

// Removes the oldest entries of `tier`, a day at a time (oldest day first),
// until `*size` is at most `max_bytes`; then the directories left empty.
void CapSize(const fs::path& root, std::string_view tier, int64_t max_bytes, int64_t* size,
             PruneStats* stats) {
  ForEachDay(TierRoot(root, tier), 0, std::numeric_limits<int64_t>::max(),
             [&](const CivilDay& day, const fs::path& day_dir) {
    if (*size <= max_bytes) return;
    std::vector<SizedEntry> entries;
    std::vector<fs::path> dirs;
    ForEachTargetDir(day_dir, [&](const std::string& tkey, const fs::path& dir) {
      dirs.push_back(dir);
      auto names = ListDir(dir);
      if (!names.ok()) return;
      for (const std::string& name : *names) {
        auto key = ParseSidecarName(name, day, tkey, tier);
        if (!key.ok()) continue;
        entries.push_back(
            {key->timestamp_ms, FormatId(*key), dir / name, dir / ProfileFileName(*key)});
      }
    });
    std::sort(entries.begin(), entries.end(), [](const SizedEntry& a, const SizedEntry& b) {
      return std::tie(a.timestamp_ms, a.id) < std::tie(b.timestamp_ms, b.id);
    });
    for (const SizedEntry& e : entries) {
      if (*size <= max_bytes) break;
      // Sidecar first: a reader never sees a sidecar without its profile.
      bool removed = false;
      int64_t freed = RemoveCounted(e.sidecar, &removed);
      if (!removed) continue;
      freed += RemoveCounted(e.profile, &removed);
      *size -= freed;
      ++stats->entries_over_size;
    }
    for (const fs::path& dir : dirs) *size -= RemoveIfEmpty(dir, stats);
    *size -= RemoveIfEmpty(day_dir, stats);
  });
}

// Bytes in use on the file system holding `path` (all of it, not only the
// archive's); the largest int64 when it cannot be told.
int64_t FileSystemUsed(const fs::path& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(st.f_blocks - st.f_bfree) * static_cast<int64_t>(st.f_frsize);
}

}  // namespace

Result<DiskUsageStats> DiskUsage(const fs::path& root) {
  DiskUsageStats usage;
  usage.total = DiskBytes(root);
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(root, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    int64_t bytes = DiskBytes(it->path());
    usage.total += bytes;
    int64_t ms_of_day;
    bool is_sidecar;
    std::string name = it->path().filename().string();
    if (ParseEntryFileName(name, &ms_of_day, &is_sidecar) || IsDerivedFile(name)) {
      usage.entries += bytes;
    }
  }
  if (ec) return Status::IOError("measuring " + root.string() + ": " + ec.message());
  return usage;
}

Status RemoveEntry(const fs::path& root, const EntryKey& key) {
  fs::path dir = root / EntryDir(key);
  CPROF_RETURN_IF_ERROR(RemoveFile(dir / SidecarFileName(key)));
  return RemoveFile(dir / ProfileFileName(key));
}

PruneStats Prune(const fs::path& root, int64_t now_ms, Reporter* reporter,
                 const PruneOptions& options) {
  PruneStats stats;
  std::set<fs::path> parents;
  const std::vector<std::string> tiers =
      TierNames();  // raw entries first: a size cap takes them first
  for (const std::string& tier : tiers) {
    ForEachDay(TierRoot(root, tier), 0, std::numeric_limits<int64_t>::max(),
               [&](const CivilDay& day, const fs::path& day_dir) {
      ForEachTargetDir(day_dir, [&](const std::string&, const fs::path& dir) {
        PruneTargetDir(dir, day, tier, now_ms, reporter, &stats);
        RemoveIfEmpty(dir, &stats);
      });
      RemoveIfEmpty(day_dir, &stats);
      parents.insert(day_dir.parent_path());
    });
  }
  bool measured = false;
  if (options.max_bytes > 0 && FileSystemUsed(root) > options.max_bytes) {
    // Walks every file: 0.7 s for 100,000 entries; skipped while the whole
    // file system holds less than the cap.
    auto usage = DiskUsage(root);
    if (!usage.ok()) {
      stats.size_error = usage.status().message();
    } else if (usage->total - usage->entries > options.max_bytes) {
      // Removing every entry would not do: leave them all.
      stats.size_error = "only " + std::to_string(usage->entries) + " of the archive's " +
                         std::to_string(usage->total) +
                         " bytes are entries (the rest: directories, temporary, unreadable "
                         "or foreign files): no entry removed for max-size";
    } else {
      measured = true;
      int64_t size = usage->total;
      stats.size_before = size;
      for (const std::string& tier : tiers) {
        if (size > options.max_bytes) CapSize(root, tier, options.max_bytes, &size, &stats);
      }
      stats.size_after = size;
    }
  }
  // Months, then years.
  std::set<fs::path> years;
  int64_t freed = 0;
  for (const fs::path& month : parents) {
    freed += RemoveIfEmpty(month, &stats);
    years.insert(month.parent_path());
  }
  for (const fs::path& year : years) freed += RemoveIfEmpty(year, &stats);
  if (measured) stats.size_after -= freed;
  return stats;
}

}  // namespace cprof::archive
