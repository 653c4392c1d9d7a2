#include "archive/writer.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>

#include "archive/index_file.h"
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

// InvalidArgument when a directory on the way to `relative` (below `root`)
// is a symbolic link: readers pass such a directory over (scan.h), so what
// went into it would be lost to them. Parts not there yet are fine.
Status RefuseLinks(const fs::path& root, const fs::path& relative) {
  fs::path at = root;
  for (const fs::path& part : relative) {
    at /= part;
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(at, ec);
    if (ec || st.type() == fs::file_type::not_found) return Status::OK();
    if (st.type() == fs::file_type::symlink) {
      return Status::InvalidArgument(
          at.string() +
          " is a symbolic link: links below an archive's root are not part of it "
          "(cprofiler-archive(5)); move what it points at into the archive, or remove it");
    }
  }
  return Status::OK();
}

}  // namespace

struct ArchiveWriter::Prepared {
  Sidecar sidecar;
  fs::path dir;
  std::string sidecar_name;
  bool exists = false;  // the entry is archived already
};

Result<ArchiveWriter::Prepared> ArchiveWriter::Prepare(std::string_view bytes, Sidecar s) {
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
  EntryKey key;
  key.tier = options_.tier;
  key.timestamp_ms = s.timestamp_ms;
  key.target_key = TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns);
  key.profile_type = s.profile_type;
  key.content_hash = s.sha256.substr(0, kContentHashLength);
  s.id = FormatId(key);
  s.file = ProfileFileName(key);

  CPROF_RETURN_IF_ERROR(RefuseLinks(root_, EntryDir(key)));
  Prepared p;
  p.dir = root_ / EntryDir(key);
  p.sidecar_name = SidecarFileName(key);
  p.exists = ::access((p.dir / p.sidecar_name).c_str(), F_OK) == 0;
  p.sidecar = std::move(s);
  return p;
}

// Runs `write` (a write into `dir`); if it fails for want of the directory,
// creates the directory, durably, and runs it again. Most writes go to a
// directory that exists: this spares them a stat each.
Status ArchiveWriter::InDir(const fs::path& dir, const std::function<Status()>& write) {
  Status s = write();
  if (s.ok() || !s.IsNotFound() || IsDirectory(dir)) return s;
  CPROF_RETURN_IF_ERROR(MakeDirs(dir));
  // New directories are durable only once their parents are synced.
  for (fs::path d = dir; d != root_ && d.has_parent_path(); d = d.parent_path()) {
    CPROF_RETURN_IF_ERROR(SyncDir(d.parent_path()));
  }
  return write();
}

Result<Sidecar> ArchiveWriter::Write(std::string_view bytes, Sidecar sidecar) {
  CPROF_ASSIGN_OR_RETURN(Prepared p, Prepare(bytes, std::move(sidecar)));
  if (p.exists) return p.sidecar;
  // One directory fsync, after the sidecar's rename, makes both renames
  // durable: journaling filesystems (ext4, xfs) commit metadata in order.
  // Elsewhere a power loss may leave a sidecar without its profile; readers
  // skip and report it and prune removes it (man 5 cprofiler-archive).
  CPROF_RETURN_IF_ERROR(InDir(
      p.dir, [&] { return WriteFileAtomic(p.dir, p.sidecar.file, bytes, /*sync_dir=*/false); }));
  CPROF_RETURN_IF_ERROR(WriteFileAtomic(p.dir, p.sidecar_name, SerializeSidecar(p.sidecar),
                                        /*sync_dir=*/true));
  if (auto stamp = StampOf(p.dir / p.sidecar_name); stamp.ok()) {
    IndexEntry record = IndexEntryOf(p.sidecar, *stamp);
    AddToIndexes(p.dir, TargetOf(p.sidecar), {&record});
  }
  return p.sidecar;
}

Result<Sidecar> ArchiveWriter::Stage(std::string_view bytes, Sidecar sidecar) {
  CPROF_ASSIGN_OR_RETURN(Prepared p, Prepare(bytes, std::move(sidecar)));
  if (p.exists) return p.sidecar;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Pending& q : pending_) {
      if (q.id == p.sidecar.id) return p.sidecar;  // staged already
    }
  }
  Pending e{p.sidecar.id,
            p.dir,
            "",
            p.sidecar.file,
            "",
            p.sidecar_name,
            TargetOf(p.sidecar),
            IndexEntryOf(p.sidecar, {})};
  CPROF_RETURN_IF_ERROR(InDir(p.dir, [&] {
    auto temp = WriteTempFile(p.dir, e.profile_name, bytes, false);
    if (temp.ok()) e.profile_temp = std::move(*temp);
    return temp.status();
  }));
  auto sidecar_temp = WriteTempFile(p.dir, e.sidecar_name, SerializeSidecar(p.sidecar), false);
  if (!sidecar_temp.ok()) {
    ::unlink((p.dir / e.profile_temp).c_str());
    return sidecar_temp.status();
  }
  e.sidecar_temp = std::move(*sidecar_temp);
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(std::move(e));
  return p.sidecar;
}

size_t ArchiveWriter::staged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

ArchiveWriter::CommitResult ArchiveWriter::Commit() {
  std::vector<Pending> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
  }
  CommitResult result;
  if (batch.empty()) return result;
  auto drop = [&](const Pending& e, bool profile_too, Status why) {
    if (profile_too) ::unlink((e.dir / e.profile_temp).c_str());
    ::unlink((e.dir / e.sidecar_temp).c_str());
    result.failed.emplace_back(e.id, std::move(why));
  };
  Status synced = options_.durable ? SyncFileSystem(root_) : Status::OK();
  if (!synced.ok()) {
    for (const Pending& e : batch) drop(e, true, synced);
    return result;
  }
  std::vector<bool> ok(batch.size(), true);
  auto rename = [](const fs::path& dir, const std::string& from, const std::string& to) {
    if (::rename((dir / from).c_str(), (dir / to).c_str()) == 0) return Status::OK();
    return Status::IOError("rename " + (dir / from).string() + ": " + ErrnoText(errno));
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    Status s = rename(batch[i].dir, batch[i].profile_temp, batch[i].profile_name);
    if (!s.ok()) {
      drop(batch[i], true, s);
      ok[i] = false;
    }
  }
  // directory -> its entries committed
  std::map<fs::path, std::vector<Pending*>> committed;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!ok[i]) continue;
    Status s = rename(batch[i].dir, batch[i].sidecar_temp, batch[i].sidecar_name);
    if (!s.ok()) {
      drop(batch[i], false, s);  // the profile is an orphan now: prune's
      continue;
    }
    ++result.committed;
    committed[batch[i].dir].push_back(&batch[i]);
  }
  for (const auto& [dir, entries] : committed) {
    if (!options_.durable) break;
    if (Status s = SyncDir(dir); !s.ok()) result.unsynced_dirs.emplace_back(dir, s);
  }
  // The directories' index files, one append each. Unsynced: a record lost
  // only costs readers a sidecar read.
  for (const auto& [dir, entries] : committed) {
    std::vector<const IndexEntry*> records;
    for (Pending* e : entries) {
      auto stamp = StampOf(dir / e->sidecar_name);
      if (!stamp.ok()) continue;
      e->record.set_sidecar_size(stamp->size);
      e->record.set_sidecar_mtime_ns(stamp->mtime_ns);
      records.push_back(&e->record);
    }
    AddToIndexes(dir, entries.front()->target, records);
  }
  return result;
}

}  // namespace cprof::archive
