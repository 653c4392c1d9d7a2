// Upload: the whole entries of a spool (a local store that scrape and
// compact write while a bucket is away) put into another store, each
// profile before its sidecar, then moved on from the spool. The one way
// entries leave a spool (archive/bucket.h publishes through it).
//
// Thread-safe: no state; one upload of a spool at a time.
#ifndef CPROF_ARCHIVE_UPLOAD_H_
#define CPROF_ARCHIVE_UPLOAD_H_

#include <cstdint>
#include <functional>
#include <string>

#include "archive/store.h"
#include "base/fs.h"
#include "base/status.h"

namespace cprof::archive {

// The largest profile an upload or a bucket's read takes.
inline constexpr int64_t kMaxProfileObjectBytes = int64_t{1} << 31;

struct UploadStats {
  int64_t entries = 0;  // uploaded and moved on
  int64_t bytes = 0;    // of profiles and sidecars
  int64_t pending = 0;  // left in the spool (after a failure)
};

struct UploadOptions {
  // transfers (4): entries uploaded at a time.
  int transfers = 4;
  // moved_to (none): where an entry's profile is when the spool has only
  //   its sidecar, as a crash after `moved_on` moved the profile leaves
  //   it (a bucket's cache).
  Store* moved_to = nullptr;
  // before (none): called once before the first entry, when there are
  //   any (a bucket puts its marker file).
  std::function<Status()> before;
  // moved_on (default: both deleted from the spool, sidecar first): called
  //   once an entry is whole in the other store, with its two keys and the
  //   profile's size, to take it out of the spool (a bucket moves it into
  //   its cache, profile first).
  std::function<Status(const std::string& profile_key, const std::string& sidecar_key,
                       int64_t profile_bytes)>
      moved_on;
};

// What a writer has just put into a spool, kept in memory until Upload
// takes it, so that the upload of a pass does not read back the files the
// pass wrote a moment ago (a file's open, stat, read and close, twice an
// entry). The files stay the truth: what memory does not hold (after a
// restart, or over kSpooledBytes a spool) is read from them.
inline constexpr size_t kSpooledBytes = size_t{64} << 20;
// The writers into `root` (a LocalStore's) keep what they put from now on;
// `on` false stops that and forgets what was kept.
void KeepSpooled(const fs::path& root, bool on);
// Keeps `bytes`, put whole as `key` into the store at `root`, when `root`
// is a spool that keeps them and has room (ArchiveWriter's).
void Spooled(const fs::path& root, const std::string& key, std::string bytes);

// Uploads every whole entry of `spool` into `to`, oldest first; stops at
// the first failure (what is left waits in the spool for the next call).
// A crash at any point leaves every entry whole in `to`, or not there and
// still in the spool (its profile perhaps in `to` already, without its
// sidecar: prune's), and no entry lost.
Status Upload(Store& spool, Store& to, const UploadOptions& options, UploadStats* stats);

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_UPLOAD_H_
