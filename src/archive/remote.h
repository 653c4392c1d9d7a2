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

// Files under `root` come from `remote` (which must outlive every reader)
// from now on; nullptr unregisters.
void RegisterRemote(const fs::path& root, RemoteFiles* remote);

// True when `path` lies under a registered root: its files may be
// elsewhere until read.
bool IsRemote(const fs::path& path);

// For a `path` (as readers form it: root / relative) under a registered
// root: OK when it is here, fetched if need be; NotFound when it is neither
// here nor there. For any other path: OK without looking (the caller's
// open tells), so plain archives pay nothing.
Status EnsureLocal(const fs::path& path);

// EnsureLocal for many paths, fetched in parallel; the first failure is
// returned, the others still fetched.
Status EnsureLocalAll(const std::vector<fs::path>& paths);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_REMOTE_H_
