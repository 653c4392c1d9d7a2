#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <set>

#include "archive/scan.h"
#include "archive/store.h"

namespace cprof::archive {
namespace {

// A listing's page, as a bucket's is.
constexpr size_t kPageSize = 1000;

// The largest PutBatch whose files are synced one by one.
constexpr size_t kSyncEachMax = 4;

int64_t CtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_ctim.tv_sec) * 1000 + st.st_ctim.tv_nsec / 1'000'000;
}

int64_t Blocks(const struct stat& st) { return static_cast<int64_t>(st.st_blocks) * 512; }

Status ErrnoError(std::string_view what, const fs::path& path, int err) {
  std::string m = std::string(what) + " " + path.string() + ": " + ErrnoText(err);
  return err == ENOENT ? Status::NotFound(std::move(m)) : Status::IOError(std::move(m));
}

// Appends the regular files below `dir` (key prefix `prefix`) to *out:
// symbolic links are not followed, nor listed (scan.h).
void Walk(const fs::path& dir, const std::string& prefix, std::vector<StoredObject>* out) {
  auto entries = ListDirEntries(dir);
  if (!entries.ok()) return;
  for (const DirEntry& e : *entries) {
    if (e.kind == FileKind::kDirectory) {
      Walk(dir / e.name, prefix + e.name + "/", out);
    } else if (e.kind == FileKind::kFile) {
      out->push_back(StoredObject{prefix + e.name});
    }
  }
}

// InvalidArgument when a directory on the way to `relative` (below `root`)
// is a symbolic link. Parts not there yet are fine.
Status RefuseLinks(const fs::path& root, const fs::path& relative) {
  fs::path at = root;
  for (const fs::path& part : relative) {
    at /= part;
    struct stat st;
    if (::lstat(at.c_str(), &st) != 0) return Status::OK();
    if (S_ISLNK(st.st_mode)) {
      return Status::InvalidArgument(
          at.string() +
          " is a symbolic link: links below an archive's root are not part of it "
          "(cprofiler-archive(5)); move what it points at into the archive, or remove it");
    }
  }
  return Status::OK();
}

}  // namespace

fs::path LocalStore::PathOf(std::string_view key) const { return root_ / fs::path(key); }

Status LocalStore::InDir(const fs::path& dir, const std::function<Status()>& write) {
  Status s = write();
  if (!s.IsNotFound() || IsDirectory(dir)) return s;
  CPROF_RETURN_IF_ERROR(MakeDirs(dir));
  // New directories are durable only once their parents are synced.
  for (fs::path d = dir; d != root_ && d.has_parent_path() && d != d.parent_path();
       d = d.parent_path()) {
    CPROF_RETURN_IF_ERROR(SyncDir(d.parent_path()));
  }
  return write();
}

Status LocalStore::Put(std::string_view key, std::string_view data) {
  const fs::path path = PathOf(key);
  const fs::path dir = path.parent_path();
  const std::string name = path.filename().string();
  CPROF_RETURN_IF_ERROR(RefuseLinks(root_, fs::path(key).parent_path()));
  return InDir(dir, [&] { return WriteFileAtomic(dir, name, data, /*sync_dir=*/true); });
}

PutBatchResult LocalStore::PutBatch(std::span<const PutRequest> objects, bool durable) {
  PutBatchResult result;
  result.status.resize(objects.size());
  // Each object's data into a temporary file beside it, unsynced; a few
  // objects (a single entry) are synced one by one instead, cheaper than a
  // sync of the whole file system.
  const bool sync_each = durable && objects.size() <= kSyncEachMax;
  std::vector<std::string> temps(objects.size());
  std::set<fs::path> checked;  // directories whose way has no link
  for (size_t i = 0; i < objects.size(); ++i) {
    const fs::path relative = fs::path(objects[i].key).parent_path();
    const fs::path dir = root_ / relative;
    Status s = checked.count(dir) ? Status::OK() : RefuseLinks(root_, relative);
    if (s.ok()) {
      checked.insert(dir);
      s = InDir(dir, [&] {
        auto temp = WriteTempFile(dir, PathOf(objects[i].key).filename().string(), objects[i].data,
                                  sync_each);
        if (temp.ok()) temps[i] = std::move(*temp);
        return temp.status();
      });
    }
    result.status[i] = std::move(s);
  }
  auto drop = [&](size_t i) {
    if (!temps[i].empty()) ::unlink((PathOf(objects[i].key).parent_path() / temps[i]).c_str());
  };
  // One sync for all their data.
  if (Status synced = durable && !sync_each ? SyncFileSystem(root_) : Status::OK(); !synced.ok()) {
    for (size_t i = 0; i < objects.size(); ++i) {
      drop(i);
      if (result.status[i].ok()) result.status[i] = synced;
    }
    return result;
  }
  // Renamed into place in order (journaling file systems commit renames in
  // order too), each only after the one it comes after.
  std::set<fs::path> renamed_in;
  for (size_t i = 0; i < objects.size(); ++i) {
    const PutRequest& o = objects[i];
    if (result.status[i].ok() && o.after >= 0 &&
        !result.status[static_cast<size_t>(o.after)].ok()) {
      result.status[i] = result.status[static_cast<size_t>(o.after)];
    }
    if (!result.status[i].ok()) {
      drop(i);
      continue;
    }
    const fs::path path = PathOf(o.key);
    const fs::path temp = path.parent_path() / temps[i];
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      result.status[i] = ErrnoError("rename", temp, errno);
      drop(i);
      continue;
    }
    renamed_in.insert(path.parent_path());
  }
  // Each directory synced once, making its renames durable.
  for (const fs::path& dir : renamed_in) {
    if (!durable) break;
    if (Status s = SyncDir(dir); !s.ok()) {
      result.unsynced.emplace_back(dir.lexically_relative(root_).generic_string(), s);
    }
  }
  return result;
}

Result<std::string> LocalStore::Get(std::string_view key, size_t max_bytes) {
  return ReadFile(PathOf(key), max_bytes);
}

Result<std::string> LocalStore::GetRange(std::string_view key, int64_t offset, int64_t length) {
  const fs::path path = PathOf(key);
  if (offset < 0 || length < 0) return Status::InvalidArgument("a negative range");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", path, errno);
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoError("read", path, err);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<StoredObject> LocalStore::Stat(std::string_view key) {
  const fs::path path = PathOf(key);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::NotFound(path.string() + " is not a file");
  return StoredObject{std::string(key), static_cast<int64_t>(st.st_size), Blocks(st), CtimeMs(st)};
}

Status LocalStore::List(std::string_view prefix, bool with_details, const ListPageFn& page) {
  std::vector<StoredObject> objects;
  const std::string base(prefix);
  fs::path dir = root_;
  if (!base.empty()) {
    if (!base.ends_with('/')) return Status::InvalidArgument("a prefix ends with '/'");
    dir = PathOf(std::string_view(base).substr(0, base.size() - 1));
    // A prefix through a link is not part of the store.
    if (!IsArchiveDir(root_, fs::path(base.substr(0, base.size() - 1)))) return Status::OK();
  }
  Walk(dir, base, &objects);
  std::sort(objects.begin(), objects.end(),
            [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
  if (with_details) {
    std::erase_if(objects, [&](StoredObject& o) {
      struct stat st;
      if (::lstat(PathOf(o.key).c_str(), &st) != 0) return true;  // gone meanwhile
      o.size = static_cast<int64_t>(st.st_size);
      o.footprint = Blocks(st);
      o.written_ms = CtimeMs(st);
      return false;
    });
  }
  for (size_t at = 0; at < objects.size(); at += kPageSize) {
    const size_t n = std::min(kPageSize, objects.size() - at);
    CPROF_RETURN_IF_ERROR(page(std::span<const StoredObject>(objects.data() + at, n)));
  }
  return Status::OK();
}

Result<std::vector<std::string>> LocalStore::ListChildren(std::string_view prefix) {
  std::vector<std::string> names;
  const std::string base(prefix);
  if (!base.empty() && !base.ends_with('/')) {
    return Status::InvalidArgument("a prefix ends with '/'");
  }
  auto entries = ListDirEntries(base.empty() ? root_ : PathOf(base.substr(0, base.size() - 1)));
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) return names;
    return entries.status();
  }
  for (const DirEntry& e : *entries) {
    if (e.kind == FileKind::kDirectory) names.push_back(e.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status LocalStore::Delete(std::string_view key) {
  if (key.ends_with('/')) {
    const fs::path dir = PathOf(key.substr(0, key.size() - 1));
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
      return ErrnoError("remove directory", dir, errno);
    }
    return Status::OK();
  }
  return RemoveFile(PathOf(key));
}

Result<std::optional<StoreUsage>> LocalStore::UsageOver(int64_t cap) {
  // Walking every file takes 0.7 s for 100,000 entries: not while the whole
  // file system holds less than the cap.
  struct statvfs vfs;
  if (::statvfs(root_.c_str(), &vfs) == 0) {
    const int64_t used =
        static_cast<int64_t>(vfs.f_blocks - vfs.f_bfree) * static_cast<int64_t>(vfs.f_frsize);
    if (used <= cap) return std::optional<StoreUsage>();
  }
  StoreUsage usage;
  struct stat st;
  if (::lstat(root_.c_str(), &st) == 0) usage.total = Blocks(st);
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(root_, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    const int64_t bytes = Blocks(st);
    usage.total += bytes;
    int64_t ms_of_day;
    bool is_sidecar;
    std::string name = it->path().filename().string();
    if (ParseEntryFileName(name, &ms_of_day, &is_sidecar) || IsDerivedFile(name)) {
      usage.entries += bytes;
    }
  }
  if (ec) return Status::IOError("measuring " + root_.string() + ": " + ec.message());
  return std::optional<StoreUsage>(usage);
}

}  // namespace cprof::archive
