#include "archive/target_dir.h"

#include <algorithm>
#include <map>
#include <set>

#include "archive/index_file.h"
#include "archive/remote.h"

namespace cprof::archive {
namespace {

// A sidecar the listing shows, in the selected time range and type.
struct Candidate {
  EntryKey key;
  const std::string* name;  // the sidecar's, in the listing
};

std::string_view StemOf(const std::string& sidecar_name) {
  return std::string_view(sidecar_name).substr(0, sidecar_name.size() - kSidecarSuffix.size());
}

}  // namespace

bool MayKeep(const TargetDirOptions& options, const Target& target) {
  if (!options.keep) return true;
  return std::any_of(kProfileTypes.begin(), kProfileTypes.end(), [&](const ProfileType& type) {
    return (options.profile_type.empty() || options.profile_type == type.name) &&
           options.keep(ProbeOf(target, type.name));
  });
}

TargetDay ReadTargetDir(const fs::path& dir, const CivilDay& day, const std::string& tkey,
                        const TargetDirOptions& options, Reporter* reporter,
                        TargetDirStats* stats) {
  TargetDirStats unused;
  if (stats == nullptr) stats = &unused;
  TargetDay out;
  // The labels first, from the index's first record: most scans want few
  // targets, and need not list or read the others' directories.
  if (options.use_index && options.keep) {
    out.target = ReadIndexTarget(dir, tkey);
    if (out.target && !MayKeep(options, *out.target)) return out;
  }
  auto names = ListDir(dir);
  if (!names.ok()) return out;
  // Sorted: by time, then ID; and to find each entry's profile in the
  // listing (a stat per entry cost a fifth of a scan).
  std::sort(names->begin(), names->end());
  // A bucket's cache holds the profiles read lately only: the rest are
  // fetched when read (archive/remote.h).
  const bool profiles_remote = IsRemote(dir);

  std::optional<IndexFile> index;
  auto record_of = [&](const std::string& name) -> const IndexEntry* {
    if (!index) return nullptr;
    auto it = index->entries.find(std::string(StemOf(name)));
    return it == index->entries.end() ? nullptr : &it->second;
  };

  std::vector<Candidate> candidates;
  std::vector<const std::string*> listed;  // every sidecar in the listing
  for (const std::string& name : *names) {
    auto key = ParseSidecarName(name, day, tkey, options.tier);
    if (!key.ok()) continue;
    listed.push_back(&name);
    if (key->timestamp_ms < options.from_ms || key->timestamp_ms > options.to_ms) continue;
    if (!options.profile_type.empty() && key->profile_type != options.profile_type) continue;
    candidates.push_back({std::move(*key), &name});
  }
  if (candidates.empty()) return out;
  // An index that is there but cannot be read (too large, an I/O error) is
  // left alone.
  bool index_unreadable = false;
  if (options.use_index) {
    auto read = ReadIndexFile(dir, tkey);
    if (read.ok()) index = std::move(*read);
    index_unreadable = !read.ok() && !read.status().IsNotFound();
    if (index && index->target) out.target = index->target;
  }

  auto report = [&](const fs::path& path, const Status& status) {
    if (status.IsNotFound()) return;  // removed meanwhile: not damage
    ++stats->corrupt;
    if (reporter != nullptr) reporter->Corrupt(path, status);
  };
  // An entry's fields: its index record if that still holds for the
  // sidecar file, else the sidecar; `stamp` gets the sidecar's.
  std::set<std::string_view> outdated;  // stems whose record no longer holds
  auto read = [&](const Candidate& c, bool* from_sidecar, FileStamp* stamp) -> Result<Sidecar> {
    fs::path path = dir / *c.name;
    CPROF_ASSIGN_OR_RETURN(*stamp, StampOf(path));
    if (const IndexEntry* record = record_of(*c.name)) {
      if (Matches(*record, *stamp)) {
        auto s = SidecarOf(*record, *index->target, day, tkey, options.tier);
        if (s.ok()) {
          ++stats->from_index;
          *from_sidecar = false;
          return s;
        }
      }
      outdated.insert(StemOf(*c.name));
    }
    ++stats->sidecars_read;
    *from_sidecar = true;
    return ReadEntrySidecar(path, c.key);
  };

  // Rule out whole profile types by the target's labels, with the target
  // from the index or else from a representative sidecar (read once: the
  // loop below reuses it for its own entry).
  std::optional<Sidecar> representative;
  size_t representative_at = candidates.size();
  bool representative_from_sidecar = false;
  FileStamp representative_stamp;
  if (options.keep && !out.target) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      auto s = read(candidates[i], &representative_from_sidecar, &representative_stamp);
      if (s.ok()) {
        out.target = TargetOf(*s);
        representative = std::move(*s);
        representative_at = i;
        break;
      }
    }
  }
  std::map<std::string, bool, std::less<>> kept_by_type;
  auto type_kept = [&](const std::string& type) {
    if (!options.keep || !out.target) return true;
    auto it = kept_by_type.find(type);
    if (it == kept_by_type.end()) {
      it = kept_by_type.emplace(type, options.keep(ProbeOf(*out.target, type))).first;
    }
    return it->second;
  };

  std::vector<IndexEntry> fresh;  // records taken from sidecars
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (!type_kept(c.key.profile_type)) continue;
    fs::path path = dir / *c.name;
    // Complete entries only. The profile is renamed into place first, so a
    // sidecar without one is damage, not a write in progress. (A listing
    // taken while an entry is renamed in may miss the profile: a stat
    // tells.)
    std::string profile = ProfileFileName(c.key);
    if (!profiles_remote && !std::binary_search(names->begin(), names->end(), profile) &&
        !Exists(dir / profile)) {
      if (Exists(path)) report(path, Status::Corruption("profile file " + profile + " is missing"));
      continue;
    }
    if (options.reuse && options.reuse(c.key)) continue;
    bool from_sidecar = representative_from_sidecar;
    FileStamp stamp = representative_stamp;
    Result<Sidecar> s = i == representative_at ? Result<Sidecar>(std::move(*representative))
                                               : read(c, &from_sidecar, &stamp);
    if (!s.ok()) {
      report(path, s.status());
      continue;
    }
    if (from_sidecar) fresh.push_back(IndexEntryOf(*s, stamp));
    if (!out.target) out.target = TargetOf(*s);
    if (options.keep && !options.keep(*s)) continue;
    out.entries.push_back(std::move(*s));
  }

  if (!options.update_index || !options.use_index || index_unreadable || !out.target) return out;
  // Keep the index useful: add what it lacked; replace it when it is
  // damaged or holds more records of removed or changed entries than of
  // present ones.
  std::vector<const IndexEntry*> kept;
  for (const std::string* name : listed) {
    const IndexEntry* record = record_of(*name);
    if (record != nullptr && !outdated.count(StemOf(*name))) kept.push_back(record);
  }
  const size_t stale = index ? index->entries.size() - kept.size() : 0;
  const bool replace = !index || !index->damage.empty() || !index->target || stale > kept.size();
  std::vector<const IndexEntry*> added;
  for (const IndexEntry& e : fresh) added.push_back(&e);
  Status written;
  if (replace) {
    if (kept.empty() && added.empty()) return out;
    kept.insert(kept.end(), added.begin(), added.end());
    written = WriteIndex(dir, *out.target, kept);
  } else {
    if (added.empty()) return out;
    written = AppendIndex(dir, *out.target, added).status();
  }
  stats->index_written = written.ok();
  return out;
}

}  // namespace cprof::archive
