#include "archive/writer.h"

#include <cstdlib>
#include <map>

#include "archive/index_file.h"
#include "archive/upload.h"
#include "base/hash.h"

namespace cprof::archive {

Status InitArchive(const fs::path& root) {
  CPROF_RETURN_IF_ERROR(MakeDirs(root));
  fs::path marker = root / std::string(kMarkerFile);
  auto text = ReadFile(marker, 4096);
  if (text.ok()) {
    size_t at = text->find("format_version ");
    if (at != std::string::npos) {
      int version = std::atoi(text->c_str() + at + 15);
      if (version > kFormatVersion) {
        return Status::InvalidArgument(root.string() + " holds a format_version " +
                                       std::to_string(version) +
                                       " archive; this cprofiler writes " +
                                       std::to_string(kFormatVersion) + ": upgrade cprofiler");
      }
    }
    return Status::OK();
  }
  if (!text.status().IsNotFound()) return text.status();
  std::string content = "cprofiler archive\nformat_version " + std::to_string(kFormatVersion) +
                        "\nsee man 5 cprofiler-archive\n";
  return WriteFileAtomic(root, kMarkerFile, content, /*sync_dir=*/true);
}

namespace {

// Adds `records` to `dir`'s INDEX, and `target` to its day's TARGETS when
// the INDEX is new. Derived data: a failure only costs readers time.
void AddToIndexes(const fs::path& dir, const Target& target,
                  const std::vector<const IndexEntry*>& records) {
  auto created = AppendIndex(dir, target, records);
  if (created.ok() && *created) (void)AppendDayTargets(dir.parent_path(), {&target});
}

}  // namespace

struct ArchiveWriter::Pending {
  EntryKey key;
  Sidecar sidecar;  // completed
  std::string bytes;
  bool exists = false;  // archived already (then without its bytes)
};

ArchiveWriter::ArchiveWriter(fs::path root, ArchiveWriterOptions options)
    : owned_(std::make_unique<LocalStore>(std::move(root))),
      store_(owned_.get()),
      options_(std::move(options)) {}

ArchiveWriter::ArchiveWriter(Store* store, ArchiveWriterOptions options)
    : store_(store), options_(std::move(options)) {}

ArchiveWriter::~ArchiveWriter() = default;

Result<ArchiveWriter::Pending> ArchiveWriter::Prepare(std::string_view bytes, Sidecar s) {
  if (!IsProfileType(s.profile_type)) {
    return Status::InvalidArgument("unknown profile type \"" + s.profile_type + "\"");
  }
  s.format_version = kFormatVersion;
  s.sha256 = Sha256Hex(bytes);
  s.size = static_cast<int64_t>(bytes.size());
  if (s.rollup.has_value() != !options_.tier.empty()) {
    return Status::InvalidArgument("a rollup goes to a rollup tier, a raw entry to none");
  }
  if (!s.rollup) {
    s.expires_ms = s.expiration_ns > 0 ? s.timestamp_ms + s.expiration_ns / 1'000'000 : 0;
  }
  Pending p;
  p.key.tier = options_.tier;
  p.key.timestamp_ms = s.timestamp_ms;
  p.key.target_key = TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns);
  p.key.profile_type = s.profile_type;
  p.key.content_hash = s.sha256.substr(0, kContentHashLength);
  s.id = FormatId(p.key);
  s.file = ProfileFileName(p.key);
  p.sidecar = std::move(s);
  p.exists = store_->Stat(SidecarKey(p.key)).ok();
  if (!p.exists) p.bytes = std::string(bytes);
  return p;
}

Result<Sidecar> ArchiveWriter::Write(std::string_view bytes, Sidecar sidecar) {
  CPROF_ASSIGN_OR_RETURN(Pending p, Prepare(bytes, std::move(sidecar)));
  if (p.exists) return p.sidecar;
  Sidecar written = p.sidecar;
  std::vector<Pending> one;
  one.push_back(std::move(p));
  CommitResult result = Put(std::move(one));
  if (!result.failed.empty()) return result.failed.front().second;
  return written;
}

Result<Sidecar> ArchiveWriter::Stage(std::string_view bytes, Sidecar sidecar) {
  CPROF_ASSIGN_OR_RETURN(Pending p, Prepare(bytes, std::move(sidecar)));
  if (p.exists) return p.sidecar;
  Sidecar staged = p.sidecar;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Pending& q : pending_) {
    if (q.sidecar.id == staged.id) return staged;  // staged already
  }
  pending_bytes_ += p.bytes.size();
  pending_.push_back(std::move(p));
  return staged;
}

size_t ArchiveWriter::staged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

size_t ArchiveWriter::staged_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_bytes_;
}

ArchiveWriter::CommitResult ArchiveWriter::Commit() {
  std::vector<Pending> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
    pending_bytes_ = 0;
  }
  return Put(std::move(batch));
}

ArchiveWriter::CommitResult ArchiveWriter::Put(std::vector<Pending> batch) {
  CommitResult result;
  if (batch.empty()) return result;
  // The profiles, then the sidecars, each after its profile.
  const size_t n = batch.size();
  std::vector<std::string> sidecars(n);
  std::vector<PutRequest> requests(2 * n);
  for (size_t i = 0; i < n; ++i) {
    sidecars[i] = SerializeSidecar(batch[i].sidecar);
    requests[i] = {ProfileKey(batch[i].key), batch[i].bytes};
    requests[n + i] = {SidecarKey(batch[i].key), sidecars[i], static_cast<int>(i)};
  }
  PutBatchResult put = store_->PutBatch(requests, options_.durable);
  const fs::path* local = store_->local_root();
  // directory -> its entries committed, for the index files
  std::map<fs::path, std::vector<size_t>> committed;
  for (size_t i = 0; i < n; ++i) {
    // (a profile without its sidecar is an orphan: prune's)
    const Status& s = put.status[i].ok() ? put.status[n + i] : put.status[i];
    if (!s.ok()) {
      result.failed.emplace_back(batch[i].sidecar.id, s);
      continue;
    }
    ++result.committed;
    if (local != nullptr) committed[*local / EntryDir(batch[i].key)].push_back(i);
  }
  for (auto& [where, why] : put.unsynced) {
    result.unsynced_dirs.emplace_back(store_->Describe() + "/" + where, std::move(why));
  }
  // The directories' index files, one append each. Unsynced: a record lost
  // only costs readers a sidecar read.
  for (const auto& [dir, entries] : committed) {
    std::vector<IndexEntry> records;
    records.reserve(entries.size());
    for (size_t i : entries) {
      auto stamp = StampOf(dir / SidecarFileName(batch[i].key));
      if (stamp.ok()) records.push_back(IndexEntryOf(batch[i].sidecar, *stamp));
    }
    std::vector<const IndexEntry*> pointers;
    for (const IndexEntry& r : records) pointers.push_back(&r);
    AddToIndexes(dir, TargetOf(batch[entries.front()].sidecar), pointers);
  }
  // (a bucket's spool keeps them for their upload: no copy, they are done
  // with here)
  for (const auto& [dir, entries] : committed) {
    for (size_t i : entries) {
      Spooled(*local, requests[i].key, std::move(batch[i].bytes));
      Spooled(*local, requests[n + i].key, std::move(sidecars[i]));
    }
  }
  return result;
}

}  // namespace cprof::archive
