#include "ingest/import.h"

#include "archive/writer.h"

namespace cprof::ingest {
namespace {

// Entries staged before a commit: one file system sync for so many.
constexpr size_t kCommitBatch = 256;
constexpr int64_t kMaxFileBytes = int64_t{1} << 30;

}  // namespace

Result<ImportStats> ImportFiles(const std::vector<fs::path>& files, const Pushed& pushed,
                                const PushOptions& options, const fs::path& write_root) {
  CPROF_RETURN_IF_ERROR(archive::InitArchive(write_root));
  archive::ArchiveWriter writer(write_root);
  PushOptions file_options = options;
  file_options.max_body_bytes = kMaxFileBytes;
  ImportStats stats;
  std::vector<fs::path> staged;  // in the order staged, for the commit's failures
  std::vector<std::string> staged_ids;
  auto commit = [&] {
    archive::ArchiveWriter::CommitResult result = writer.Commit();
    stats.imported += result.committed;
    for (const auto& [id, why] : result.failed) {
      for (size_t i = 0; i < staged_ids.size(); ++i) {
        if (staged_ids[i] == id) stats.failed.emplace_back(staged[i], why);
      }
    }
    staged.clear();
    staged_ids.clear();
  };
  for (const fs::path& file : files) {
    auto bytes = ReadFile(file, static_cast<size_t>(kMaxFileBytes));
    if (!bytes.ok()) {
      stats.failed.emplace_back(file, bytes.status());
      continue;
    }
    Pushed one = pushed;
    one.url = "file://" + fs::absolute(file).lexically_normal().string();
    Made made = MakeEntry(*bytes, std::move(one), file_options);
    if (made.refusal != Refusal::kNone) {
      stats.failed.emplace_back(file, made.status);
      continue;
    }
    const size_t before = writer.staged();
    auto s = writer.Stage(made.entry.bytes, std::move(made.entry.sidecar));
    if (!s.ok()) {
      stats.failed.emplace_back(file, s.status());
      continue;
    }
    if (writer.staged() == before) {
      ++stats.already;
      continue;
    }
    staged.push_back(file);
    staged_ids.push_back(s->id);
    if (writer.staged() >= kCommitBatch) commit();
  }
  commit();
  return stats;
}

}  // namespace cprof::ingest
