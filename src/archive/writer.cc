#include "archive/writer.h"

#include <unistd.h>

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
        return Status::InvalidArgument(
            root.string() + " holds a format_version " +
            std::to_string(version) + " archive; this cprofiler writes " +
            std::to_string(kFormatVersion) + ": upgrade cprofiler");
      }
    }
    return Status::OK();
  }
  if (!text.status().IsNotFound()) return text.status();
  std::string content = "cprofiler archive\nformat_version " +
                        std::to_string(kFormatVersion) +
                        "\nsee man 5 cprofiler-archive\n";
  return WriteFileAtomic(root, kMarkerFile, content, /*sync_dir=*/true);
}

Result<Sidecar> ArchiveWriter::Write(std::string_view bytes, Sidecar s) {
  if (!IsProfileType(s.profile_type)) {
    return Status::InvalidArgument("unknown profile type \"" + s.profile_type + "\"");
  }
  s.format_version = kFormatVersion;
  s.sha256 = Sha256Hex(bytes);
  s.size = static_cast<int64_t>(bytes.size());
  s.expires_ms = s.expiration_ns > 0
                     ? s.timestamp_ms + s.expiration_ns / 1'000'000
                     : 0;
  EntryKey key;
  key.timestamp_ms = s.timestamp_ms;
  key.target_key = TargetKey(s.job, s.app, s.host, s.labels, s.expiration_ns);
  key.profile_type = s.profile_type;
  key.content_hash = s.sha256.substr(0, kContentHashLength);
  s.id = FormatId(key);
  s.file = ProfileFileName(key);

  fs::path dir = root_ / EntryDir(key);
  std::string sidecar_name = SidecarFileName(key);
  if (::access((dir / sidecar_name).c_str(), F_OK) == 0) return s;
  if (!IsDirectory(dir)) {
    CPROF_RETURN_IF_ERROR(MakeDirs(dir));
    // New directories are durable only once their parents are synced.
    for (fs::path p = dir; p != root_ && p.has_parent_path(); p = p.parent_path()) {
      CPROF_RETURN_IF_ERROR(SyncDir(p.parent_path()));
    }
  }
  // One directory fsync, after the sidecar's rename, makes both renames
  // durable: journaling filesystems (ext4, xfs) commit metadata in order.
  // Elsewhere a power loss may leave a sidecar without its profile; readers
  // skip and report it and prune removes it (man 5 cprofiler-archive).
  CPROF_RETURN_IF_ERROR(WriteFileAtomic(dir, s.file, bytes, /*sync_dir=*/false));
  CPROF_RETURN_IF_ERROR(WriteFileAtomic(dir, sidecar_name, SerializeSidecar(s),
                                        /*sync_dir=*/true));
  return s;
}

}  // namespace cprof::archive
