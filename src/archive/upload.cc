#include "archive/upload.h"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "archive/layout.h"
#include "archive/sidecar.h"
#include "base/parallel.h"
#include "base/profile_types.h"

namespace cprof::archive {
namespace {

// The spools that keep what is put into them: root (lexically normal) ->
// key -> bytes, and the bytes kept, under g_spooled_mu.
struct Kept {
  std::map<std::string, std::string> objects;
  size_t bytes = 0;
};
std::mutex g_spooled_mu;
std::atomic<bool> g_any_spooled{false};
std::map<std::string, Kept>& SpoolsKept() {
  static auto* kept = new std::map<std::string, Kept>;
  return *kept;
}

// The bytes kept of `key` in the spool at `root`, taken out; nullopt when
// none are.
std::optional<std::string> TakeSpooled(const fs::path& root, const std::string& key) {
  if (!g_any_spooled.load(std::memory_order_relaxed)) return std::nullopt;
  std::lock_guard<std::mutex> lock(g_spooled_mu);
  auto spool = SpoolsKept().find(root.lexically_normal().string());
  if (spool == SpoolsKept().end()) return std::nullopt;
  auto it = spool->second.objects.find(key);
  if (it == spool->second.objects.end()) return std::nullopt;
  std::string bytes = std::move(it->second);
  spool->second.bytes -= bytes.size();
  spool->second.objects.erase(it);
  return bytes;
}

// The object `key` of `spool`: the bytes kept of it, else the file's.
Result<std::string> GetSpooled(Store& spool, const std::string& key, size_t max_bytes) {
  if (const fs::path* root = spool.local_root()) {
    if (auto kept = TakeSpooled(*root, key); kept && kept->size() <= max_bytes) return *kept;
  }
  return spool.Get(key, max_bytes);
}

// The key of the profile beside the sidecar `key` (`parsed`, null when it
// does not parse): the sidecar's `file` when it has one, else the stem
// with the profile suffix whose object `spool` has.
std::string ProfileKeyBeside(Store& spool, const std::string& key, const Sidecar* parsed) {
  const std::string dir = key.substr(0, key.size() - KeyName(key).size());
  if (parsed != nullptr && !parsed->file.empty()) return dir + parsed->file;
  const std::string stem = key.substr(0, key.size() - kSidecarSuffix.size());
  for (const ProfileType& t : kProfileTypes) {
    if (spool.Stat(stem + std::string(t.suffix)).ok()) return stem + std::string(t.suffix);
  }
  return "";
}

}  // namespace

void KeepSpooled(const fs::path& root, bool on) {
  std::lock_guard<std::mutex> lock(g_spooled_mu);
  if (on) {
    SpoolsKept().try_emplace(root.lexically_normal().string());
  } else {
    SpoolsKept().erase(root.lexically_normal().string());
  }
  g_any_spooled = !SpoolsKept().empty();
}

void Spooled(const fs::path& root, const std::string& key, std::string bytes) {
  if (!g_any_spooled.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(g_spooled_mu);
  auto spool = SpoolsKept().find(root.lexically_normal().string());
  if (spool == SpoolsKept().end() || spool->second.bytes + bytes.size() > kSpooledBytes) return;
  Kept& kept = spool->second;
  auto [it, added] = kept.objects.try_emplace(key);
  if (!added) kept.bytes -= it->second.size();
  kept.bytes += bytes.size();
  it->second = std::move(bytes);
}

Status Upload(Store& spool, Store& to, const UploadOptions& options, UploadStats* stats) {
  // Whole entries: their sidecars, oldest first (in key order).
  std::vector<std::string> sidecars;
  CPROF_RETURN_IF_ERROR(spool.List("", false, [&](std::span<const StoredObject> page) {
    for (const StoredObject& o : page) {
      int64_t ms;
      bool is_sidecar;
      if (ParseEntryFileName(KeyName(o.key), &ms, &is_sidecar) && is_sidecar) {
        sidecars.push_back(o.key);
      }
    }
    return Status::OK();
  }));
  stats->pending = static_cast<int64_t>(sidecars.size());
  if (sidecars.empty()) return Status::OK();
  if (options.before) CPROF_RETURN_IF_ERROR(options.before());
  std::mutex mu;  // *stats
  return ParallelForUntilError(sidecars.size(), options.transfers, [&](size_t i) {
    const std::string& sidecar_key = sidecars[i];
    CPROF_ASSIGN_OR_RETURN(std::string sidecar, GetSpooled(spool, sidecar_key, kMaxSidecarBytes));
    const Result<Sidecar> parsed = ParseSidecar(sidecar);
    const std::string profile_key =
        ProfileKeyBeside(spool, sidecar_key, parsed.ok() ? &*parsed : nullptr);
    if (profile_key.empty()) {
      return Status::Corruption(spool.Describe() + "/" + sidecar_key + ": no profile beside it");
    }
    auto profile = GetSpooled(spool, profile_key, kMaxProfileObjectBytes);
    if (!profile.ok() && profile.status().IsNotFound() && options.moved_to != nullptr) {
      profile = options.moved_to->Get(profile_key, kMaxProfileObjectBytes);
    }
    if (!profile.ok()) return profile.status();
    // The profile's hash as the writer computed it, for the bucket's
    // signature: not computed again (a profile whose size disagrees with
    // its sidecar's is hashed afresh, and S3 takes it as it is).
    const std::string_view sha256 =
        parsed.ok() && parsed->size == static_cast<int64_t>(profile->size()) ? parsed->sha256
                                                                             : std::string_view();
    auto put = [&](std::string_view hash) {
      const PutRequest entry[] = {{profile_key, *profile, -1, hash}, {sidecar_key, sidecar, 0}};
      return to.PutBatch(entry, /*durable=*/true).status;
    };
    std::vector<Status> put_status = put(sha256);
    // A profile changed since its sidecar was written, at the same size:
    // the bucket refuses the hash (S3's XAmzContentSHA256Mismatch, a 400),
    // so it is sent again hashed afresh rather than hold up the spool.
    if (!sha256.empty() && put_status[0].code() == Status::Code::kInvalidArgument) {
      put_status = put({});
    }
    for (const Status& s : put_status) CPROF_RETURN_IF_ERROR(s);
    if (options.moved_on) {
      CPROF_RETURN_IF_ERROR(
          options.moved_on(profile_key, sidecar_key, static_cast<int64_t>(profile->size())));
    } else {
      CPROF_RETURN_IF_ERROR(spool.Delete(sidecar_key));
      CPROF_RETURN_IF_ERROR(spool.Delete(profile_key));
    }
    std::lock_guard<std::mutex> lock(mu);
    ++stats->entries;
    --stats->pending;
    stats->bytes += static_cast<int64_t>(profile->size() + sidecar.size());
    return Status::OK();
  });
}

}  // namespace cprof::archive
