#include "archive/index_check.h"

#include <algorithm>
#include <limits>
#include <set>

#include "archive/index_file.h"
#include "archive/target_dir.h"

namespace cprof::archive {
namespace {

// Counts unreadable sidecars on their way to `to`.
class CountingReporter : public Reporter {
 public:
  explicit CountingReporter(Reporter* to) : to_(to) {}
  void Corrupt(const fs::path& path, const Status& status) override {
    ++count;
    if (to_ != nullptr) to_->Corrupt(path, status);
  }
  size_t count = 0;

 private:
  Reporter* const to_;
};

void CheckTargetDir(const fs::path& dir, const CivilDay& day, const std::string& tkey,
                    const IndexCheckOptions& options, Reporter* reporter, IndexCheckStats* stats) {
  ++stats->dirs;
  auto index = ReadIndexFile(dir, tkey);
  if (!index.ok() && !index.status().IsNotFound()) {
    ++stats->damaged_files;
    if (reporter != nullptr) reporter->Corrupt(dir / std::string(kIndexFile), index.status());
  }
  if (index.ok() && !index->damage.empty()) {
    ++stats->damaged_files;
    if (reporter != nullptr) {
      reporter->Corrupt(dir / std::string(kIndexFile), Status::Corruption(index->damage));
    }
  }
  // The truth, from the sidecars alone. Rebuilding, the old file goes
  // first, and the read that finds no INDEX writes a fresh one.
  TargetDirOptions truth_options;
  if (options.rebuild) {
    (void)RemoveFile(dir /
                     std::string(kIndexFile));  // if that fails, it is read as readers read it
  } else {
    truth_options.use_index = false;
    truth_options.update_index = false;
  }
  TargetDirStats read_stats;
  CountingReporter counting(reporter);
  TargetDay truth = ReadTargetDir(dir, day, tkey, truth_options, &counting, &read_stats);
  if (read_stats.index_written) ++stats->rewritten;
  stats->unreadable += counting.count;
  stats->entries += truth.entries.size();
  std::set<std::string> present;
  for (const Sidecar& s : truth.entries) {
    std::string stem = FileStem(*ParseId(s.id));
    present.insert(stem);
    const IndexEntry* record = nullptr;
    if (index.ok()) {
      auto it = index->entries.find(stem);
      if (it != index->entries.end()) record = &it->second;
    }
    if (record == nullptr) {
      ++stats->missing;
      continue;
    }
    fs::path path = dir / (stem + std::string(kSidecarSuffix));
    auto stamp = StampOf(path);
    if (!stamp.ok() || !Matches(*record, *stamp)) {
      ++stats->outdated;
      continue;
    }
    auto from_index = SidecarOf(*record, *index->target, day, tkey);
    if (from_index.ok() && *from_index == s) {
      ++stats->indexed;
      continue;
    }
    ++stats->wrong;
    if (reporter != nullptr) {
      reporter->Corrupt(dir / std::string(kIndexFile),
                        Status::Corruption("its record of " + path.filename().string() +
                                           " disagrees with the sidecar (same size and "
                                           "modification time): run --rebuild"));
    }
  }
  if (index.ok()) {
    for (const auto& [stem, record] : index->entries) {
      if (!present.count(stem) && !Exists(dir / (stem + std::string(kSidecarSuffix)))) {
        ++stats->stale;
      }
    }
  }
}

}  // namespace

IndexCheckStats CheckIndexes(const fs::path& root, const IndexCheckOptions& options,
                             Reporter* reporter) {
  IndexCheckStats stats;
  ForEachDay(root, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
             [&](const CivilDay& day, const fs::path& day_dir) {
    ForEachTargetDir(
        day_dir,
        [&](const std::string& tkey, const fs::path& dir) {
      CheckTargetDir(dir, day, tkey, options, reporter, &stats);
      if (options.progress) options.progress(stats);
        },
        reporter);
  });
  return stats;
}

}  // namespace cprof::archive
