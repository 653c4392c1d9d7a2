#include "base/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <random>

namespace cprof {
namespace {

Status ErrnoStatus(std::string_view what, const fs::path& path, int err) {
  std::string m(what);
  m += " ";
  m += path.string();
  m += ": ";
  m += ErrnoText(err);
  if (err == ENOENT) return Status::NotFound(std::move(m));
  return Status::IOError(std::move(m));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const pid_t pid = ::getpid();  // O_EXCL and the counter make names unique
  return std::to_string(pid) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rng() % 1000000);
}

}  // namespace

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer.
  return ::strerror_r(err, buf, sizeof buf);
}

namespace {

// Reads into buf[0, size) until it is full or the file ends; how much it
// read.
Result<size_t> ReadUpTo(int fd, const fs::path& path, char* buf, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buf + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

// Writes all of `data` to `fd`; `what` names the write in an error.
Status WriteAll(int fd, const fs::path& path, std::string_view data, std::string_view what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(what, path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace

Result<std::string> ReadFilePrefix(const fs::path& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  std::string data(max_bytes, '\0');
  CPROF_ASSIGN_OR_RETURN(size_t n, ReadUpTo(fd.get(), path, data.data(), max_bytes));
  data.resize(n);
  return data;
}

std::optional<int64_t> ReadNumberFile(const fs::path& path) {
  auto text = ReadFilePrefix(path, 32);
  if (!text.ok()) return std::nullopt;
  int64_t n = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (error != std::errc()) return std::nullopt;
  return n;
}

Result<std::string> ReadFile(const fs::path& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path, errno);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::ResourceExhausted(path.string() + ": larger than " + std::to_string(max_bytes) +
                                     " bytes");
  }
  // Read the size fstat saw (files here are written once, never grown);
  // files that report no size (procfs) are read until EOF, within the cap.
  const bool sized = st.st_size > 0;
  std::string data;
  data.resize(sized ? static_cast<size_t>(st.st_size) : 4096);
  size_t done = 0;
  while (true) {
    CPROF_ASSIGN_OR_RETURN(size_t n,
                           ReadUpTo(fd.get(), path, data.data() + done, data.size() - done));
    done += n;
    if (done < data.size() || sized) break;  // the end, or the size fstat saw
    if (data.size() >= max_bytes) {
      return Status::ResourceExhausted(path.string() + ": larger than " +
                                       std::to_string(max_bytes) + " bytes");
    }
    data.resize(std::min(max_bytes, data.size() * 2));
  }
  data.resize(done);
  return data;
}

Result<std::vector<std::string>> ListDir(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("open directory", dir, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

namespace {

FileKind KindOfMode(mode_t mode) {
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  if (S_ISREG(mode)) return FileKind::kFile;
  if (S_ISLNK(mode)) return FileKind::kSymlink;
  return FileKind::kOther;
}

}  // namespace

Result<std::vector<DirEntry>> ListDirEntries(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("open directory", dir, errno);
  std::vector<DirEntry> entries;
  while (struct dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    DirEntry& entry = entries.emplace_back();
    entry.name = n;
    switch (e->d_type) {
      case DT_DIR:
        entry.kind = FileKind::kDirectory;
        break;
      case DT_REG:
        entry.kind = FileKind::kFile;
        break;
      case DT_LNK:
        entry.kind = FileKind::kSymlink;
        break;
      case DT_UNKNOWN: {
        struct stat st;
        if (::fstatat(::dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          entries.pop_back();  // removed meanwhile
          break;
        }
        entry.kind = KindOfMode(st.st_mode);
        break;
      }
      default:
        entry.kind = FileKind::kOther;
        break;
    }
  }
  ::closedir(d);
  return entries;
}

Status MakeDirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Status::IOError("create directory " + dir.string() + ": " + ec.message());
  }
  return Status::OK();
}

namespace {

// Opens the directory `dir` and calls `sync` (::fsync or ::syncfs, named
// `what` in an error) on it.
Status SyncOpenDir(const fs::path& dir, std::string_view what, int (*sync)(int)) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open directory", dir, errno);
  if (sync(fd.get()) != 0) return ErrnoStatus(what, dir, errno);
  return Status::OK();
}

}  // namespace

Status SyncDir(const fs::path& dir) { return SyncOpenDir(dir, "fsync", ::fsync); }

Result<std::string> WriteTempFile(const fs::path& dir, std::string_view name, std::string_view data,
                                  bool sync) {
  std::string temp_name(kTempPrefix);
  temp_name += name;
  temp_name += ".";
  temp_name += TempSuffix();
  fs::path temp = dir / temp_name;
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus("create", temp, errno);
  auto fail = [&](std::string_view what, int err) {
    Status s = ErrnoStatus(what, temp, err);
    ::unlink(temp.c_str());
    return s;
  };
  if (Status s = WriteAll(fd.get(), temp, data, "write"); !s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  if (sync && ::fsync(fd.get()) != 0) return fail("fsync", errno);
  if (::close(fd.Release()) != 0) return fail("close", errno);
  return temp_name;
}

namespace {

Status WriteAndRename(const fs::path& dir, std::string_view name, std::string_view data,
                      bool sync_file, bool sync_dir) {
  CPROF_ASSIGN_OR_RETURN(std::string temp_name, WriteTempFile(dir, name, data, sync_file));
  fs::path temp = dir / temp_name;
  fs::path final_path = dir / std::string(name);
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    Status s = ErrnoStatus("rename", temp, errno);
    ::unlink(temp.c_str());
    return s;
  }
  if (sync_dir) return SyncDir(dir);
  return Status::OK();
}

}  // namespace

Status WriteFileAtomic(const fs::path& dir, std::string_view name, std::string_view data,
                       bool sync_dir) {
  return WriteAndRename(dir, name, data, /*sync_file=*/true, sync_dir);
}

Status ReplaceFile(const fs::path& dir, std::string_view name, std::string_view data) {
  return WriteAndRename(dir, name, data, /*sync_file=*/false, /*sync_dir=*/false);
}

Status AppendFile(const fs::path& path, std::string_view data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  CPROF_RETURN_IF_ERROR(WriteAll(fd.get(), path, data, "append to"));
  if (::close(fd.Release()) != 0) return ErrnoStatus("close", path, errno);
  return Status::OK();
}

Status SyncFileSystem(const fs::path& path) { return SyncOpenDir(path, "syncfs", ::syncfs); }

Status RemoveFile(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("remove", path, errno);
  }
  return Status::OK();
}

Status RemoveDirIfEmpty(const fs::path& dir) {
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
    return ErrnoStatus("remove directory", dir, errno);
  }
  return Status::OK();
}

bool IsDirectory(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<fs::path> RealPath(const fs::path& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return ErrnoStatus("resolve", path, errno);
  return fs::path(buf);
}

bool IsRealDirectory(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegularFile(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool Exists(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<FileStamp> StampOf(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::string why = "stat " + path.string() + ": " + ErrnoText(errno);
    return errno == ENOENT ? Status::NotFound(why) : Status::IOError(why);
  }
  return FileStamp{static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::vector<std::string> SplitPathList(std::string_view list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  size_t at = 0;
  while (true) {
    size_t colon = list.find(':', at);
    out.emplace_back(list.substr(at, colon == std::string_view::npos ? list.npos : colon - at));
    if (colon == std::string_view::npos) break;
    at = colon + 1;
  }
  return out;
}

}  // namespace cprof
