// Filesystem helpers over POSIX calls: no exceptions, errors as Status with
// the path and errno text in the message. Thread-safe (no shared state).
#ifndef CPROF_BASE_FS_H_
#define CPROF_BASE_FS_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cprof {

namespace fs = std::filesystem;

// The whole file (as large as it was when opened), or NotFound, IOError, or
// ResourceExhausted when it is larger than `max_bytes`.
Result<std::string> ReadFile(const fs::path& path, size_t max_bytes);

// The first `max_bytes` of the file (all of it when shorter); NotFound or
// IOError.
Result<std::string> ReadFilePrefix(const fs::path& path, size_t max_bytes);

// The integer a small file holds (a time stamp, say); nullopt when the file
// is missing or holds none.
std::optional<int64_t> ReadNumberFile(const fs::path& path);

// The names in `dir` (no "." or ".."), in no particular order.
// NotFound if `dir` does not exist.
Result<std::vector<std::string>> ListDir(const fs::path& dir);

// What a name in a directory is, not following symbolic links.
enum class FileKind { kDirectory, kFile, kSymlink, kOther };

struct DirEntry {
  std::string name;
  FileKind kind = FileKind::kOther;
};

// ListDir with each name's kind (readdir's d_type; an lstat where the file
// system does not tell). A name removed meanwhile is left out. NotFound if
// `dir` does not exist.
Result<std::vector<DirEntry>> ListDirEntries(const fs::path& dir);

// Creates `dir` and its parents as needed (mode 0755). OK if it exists.
Status MakeDirs(const fs::path& dir);

// Writes `data` to `dir/name` so that no reader ever sees a partial file:
// into a temporary file in `dir` (named with kTempPrefix), fsync, rename over
// `name`, then fsync `dir` when `sync_dir` is set. On failure the temporary
// file is removed and `name` is untouched.
Status WriteFileAtomic(const fs::path& dir, std::string_view name, std::string_view data,
                       bool sync_dir);

// WriteFileAtomic without a sync: readers see the old file or the new, but a
// crash may lose both. For derived files, which are rebuilt when lost.
Status ReplaceFile(const fs::path& dir, std::string_view name, std::string_view data);

// Appends `data` to the existing file `path` with one write(2) on a file
// opened O_APPEND (on a local file system, concurrent appenders' data do not
// interleave). NotFound if there is no such file.
Status AppendFile(const fs::path& path, std::string_view data);

// The first half of WriteFileAtomic: `data` in a new temporary file in `dir`
// (fsynced when `sync`), whose name it returns. The caller renames or
// removes it.
Result<std::string> WriteTempFile(const fs::path& dir, std::string_view name, std::string_view data,
                                  bool sync);

// Flushes every file system buffer of the file system holding `path`
// (syncfs(2)): one sync for many files written without fsync.
Status SyncFileSystem(const fs::path& path);

// Temporary files made by WriteFileAtomic start with this; readers skip them.
inline constexpr std::string_view kTempPrefix = ".tmp-";

// fsync of a directory, making renames in it durable.
Status SyncDir(const fs::path& dir);

// Removes a file; OK if it was already gone.
Status RemoveFile(const fs::path& path);

// Removes `dir` if empty; OK (and nothing done) if not empty or gone.
Status RemoveDirIfEmpty(const fs::path& dir);

// True if `path` names a directory (following symlinks).
bool IsDirectory(const fs::path& path);

// True if `path` names a directory that is not a symbolic link.
bool IsRealDirectory(const fs::path& path);

// True if `path` names something (symlinks followed).
bool Exists(const fs::path& path);

// True if `path` names a regular file (symlinks followed): not a directory,
// a FIFO (whose open would wait for a writer) or a device.
bool IsRegularFile(const fs::path& path);

std::string ErrnoText(int err);

// `path` with every symbolic link and "." and ".." resolved (realpath(3));
// NotFound when it does not exist.
Result<fs::path> RealPath(const fs::path& path);

// The paths of a ':'-separated list ("a:b" -> "a", "b"), as Go's
// filepath.SplitList: "" is none, "a::b" has an empty one.
std::vector<std::string> SplitPathList(std::string_view list);

// A file's size and modification time (to the ns): when either changed, so
// did the file (as git's index tells).
struct FileStamp {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// NotFound when there is no such file; IOError when it cannot be stat-ed.
Result<FileStamp> StampOf(const fs::path& path);

}  // namespace cprof

#endif  // CPROF_BASE_FS_H_
