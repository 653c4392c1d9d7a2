// Files of an archive that may live elsewhere: an archive directory that is
// the local cache of a bucket (archive/bucket.h) holds every sidecar, but
// only the profiles read lately. Readers call EnsureLocal before they open
// an entry's file by path; for a cached archive it fetches what is missing,
// for a plain one it only tells whether the file exists.
//
// Thread-safe: the registry is read under a lock; RemoteFiles must be
// thread-safe too.
#ifndef CPROF_ARCHIVE_REMOTE_H_
#define CPROF_ARCHIVE_REMOTE_H_

#include <utility>
#include <vector>

#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

// Where the files of an archive root come from.
class RemoteFiles {
 public:
  virtual ~RemoteFiles() = default;
  // Puts the file `relative` (to the root) at `local`, atomically; NotFound
  // if the remote has no such file.
  virtual Status Fetch(const fs::path& relative, const fs::path& local) = 0;
  // `local`, already here, is being read: the cache keeps it longer.
  virtual void Touched(const fs::path& local) = 0;
  // Fetches many files at once (each as Fetch; the first failure returned,
  // the rest still fetched).
  virtual Status FetchAll(const std::vector<std::pair<fs::path, fs::path>>& relative_and_local);
};

// Readers of an archive's entry files go through these two: for an archive
// that is a bucket's cache they fetch what is missing first; for a
// directory they read it as it is.

// The file's bytes (at most `max_bytes`): NotFound when it is neither here
// nor in the bucket.
Result<std::string> ReadEntryFile(const fs::path& path, size_t max_bytes);

// Where each of `paths` really is (symbolic links resolved), fetched first
// (all at once) when missing from a bucket's cache; NotFound naming the
// first that is not there or that resolves outside `root` (itself
// resolved), whose files alone a server may send.
Result<std::vector<fs::path>> LocalEntryFiles(const fs::path& root,
                                              const std::vector<fs::path>& paths);

// Files under `root` come from `remote` (which must outlive every reader)
// from now on; nullptr unregisters.
void RegisterRemote(const fs::path& root, RemoteFiles* remote);

// True when `path` lies under a registered root: its files may be
// elsewhere until read.
bool IsRemote(const fs::path& path);

// For a `path` (as readers form it: root / relative) under a registered
// root: OK when it is here, fetched if need be; NotFound when it is neither
// here nor there. For any other path: OK without looking (the caller's
// open tells), so plain archives pay nothing. For src/archive's own
// readers; others read through ReadEntryFile and LocalEntryFiles.
Status EnsureLocal(const fs::path& path);

// EnsureLocal for many paths, fetched in parallel; the first failure is
// returned, the others still fetched.
Status EnsureLocalAll(const std::vector<fs::path>& paths);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_REMOTE_H_
