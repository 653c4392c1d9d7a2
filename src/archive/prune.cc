#include "archive/prune.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace cprof::archive {
namespace {

// What one day directory of one tier holds, from one listing.
struct DayListing {
  CivilDay day;
  std::string prefix;  // "[rollups/<tier>/]YYYY/MM/DD/"
  // <tkey> -> its objects (names directly under it; deeper ones are
  // strangers, in `others`).
  std::map<std::string, std::vector<StoredObject>> targets;
  std::vector<StoredObject> loose;  // directly in the day directory: TARGETS, temporary files
  bool others = false;              // anything else (strangers are left alone)
};

class Pruner {
 public:
  Pruner(Store& store, int64_t now_ms, Reporter* reporter, const PruneOptions& options,
         PruneStats* stats)
      : store_(store), now_ms_(now_ms), reporter_(reporter), options_(options), stats_(stats) {}

  // Expired entries and stale files of every day of `tier`, and the
  // directories left empty.
  void Expire(const std::string& tier) {
    ForEachDay(tier, [&](const CivilDay& day, const std::string& prefix) {
      ExpireDay(tier, day, prefix);
      return true;
    });
  }

  // The oldest entries of `tier` removed, a day at a time (oldest day
  // first), until *size is at most the cap.
  void Cap(const std::string& tier, int64_t* size) {
    ForEachDay(tier, [&](const CivilDay& day, const std::string& prefix) {
      if (*size <= options_.max_bytes) return false;
      CapDay(tier, day, prefix, size);
      ExpireDay(tier, day, prefix);  // (the directories it left empty)
      return true;
    });
  }

  // Whether a listing failed (the store stopped answering).
  bool Stopped() const { return stopped_; }

  // The month and year directories the passes left empty.
  void RemoveEmptyParents() {
    std::set<std::string> years;
    for (const std::string& month : months_) {
      (void)Delete(month);
      years.insert(month.substr(0, month.size() - 3));  // "YYYY/MM/" -> "YYYY/"
    }
    for (const std::string& year : years) (void)Delete(year);
  }

 private:
  // A listing failed: the store does not answer, and prune stops.
  void Fail(const Status& s) {
    Note(s);
    stopped_ = true;
  }
  // A deletion failed: said, and prune goes on (one file it may not
  // remove does not keep it from the rest).
  void Note(const Status& s) {
    if (stats_->error.ok()) stats_->error = s;
  }

  // Calls `fn(day, prefix)` for every day directory of `tier`, oldest first,
  // while it returns true and the store answers.
  void ForEachDay(const std::string& tier,
                  const std::function<bool(const CivilDay&, const std::string&)>& fn) {
    const std::string base = tier.empty() ? "" : TierRoot("", tier).generic_string() + "/";
    auto years = store_.ListChildren(base);
    if (!years.ok()) return Fail(years.status());
    for (const std::string& y : *years) {
      const int year = FixedDigits(y, 4);
      if (year < 0) continue;
      auto months = store_.ListChildren(base + y + "/");
      if (!months.ok()) return Fail(months.status());
      for (const std::string& m : *months) {
        const int month = FixedDigits(m, 2);
        if (month < 1 || month > 12) continue;
        const std::string month_prefix = base + y + "/" + m + "/";
        months_.insert(month_prefix);
        auto days = store_.ListChildren(month_prefix);
        if (!days.ok()) return Fail(days.status());
        for (const std::string& d : *days) {
          const int dd = FixedDigits(d, 2);
          CivilDay day{year, static_cast<unsigned>(month), static_cast<unsigned>(dd)};
          if (dd < 1 ||
              !std::chrono::year_month_day(std::chrono::year(year), std::chrono::month(day.month),
                                           std::chrono::day(day.day))
                   .ok()) {
            continue;
          }
          if (!fn(day, month_prefix + d + "/") || stopped_) return;
        }
      }
    }
  }

  std::optional<DayListing> ListDay(const CivilDay& day, const std::string& prefix,
                                    bool with_details) {
    DayListing out;
    out.day = day;
    out.prefix = prefix;
    Status listed = store_.List(prefix, with_details, [&](std::span<const StoredObject> page) {
      for (const StoredObject& o : page) {
        std::string_view rest = std::string_view(o.key).substr(prefix.size());
        const size_t slash = rest.find('/');
        if (slash == std::string_view::npos) {
          out.loose.push_back(o);
        } else if (rest.find('/', slash + 1) == std::string_view::npos &&
                   IsHex(rest.substr(0, slash), kTargetKeyLength)) {
          out.targets[std::string(rest.substr(0, slash))].push_back(o);
        } else {
          out.others = true;
        }
      }
      return Status::OK();
    });
    if (!listed.ok() && !listed.IsNotFound()) {
      Fail(listed);
      return std::nullopt;
    }
    return out;
  }

  // Deletes `key`; false if it could not be.
  bool Delete(const std::string& key) {
    Status s = store_.Delete(key);
    if (!s.ok()) {
      Note(s);
      return false;
    }
    if (options_.deleted && !key.ends_with('/')) options_.deleted(key);
    return true;
  }

  bool DeleteWholeEntry(const EntryKey& key) {
    Status s = DeleteEntry(store_, key);
    if (!s.ok()) {
      Note(s);
      return false;
    }
    if (options_.deleted) {
      options_.deleted(SidecarKey(key));
      options_.deleted(ProfileKey(key));
    }
    return true;
  }

  // Whether `o` was written more than kStaleFileMs ago (false when it is
  // gone).
  bool IsStale(const StoredObject& o) {
    int64_t written = o.written_ms;
    if (written < 0) {
      auto stat = store_.Stat(o.key);
      if (!stat.ok()) return false;
      written = stat->written_ms;
    }
    return now_ms_ - written > kStaleFileMs;
  }

  int64_t SizeOf(const StoredObject& o) {
    if (o.size >= 0) return o.size;
    auto stat = store_.Stat(o.key);
    return stat.ok() ? stat->size : 0;
  }

  // How long the entries of `tier`'s target `tkey` are kept (0: forever),
  // from the first readable one of `sidecars`; nullopt while none could be
  // read (then none expires). One read per target and tier, whatever the
  // number of days.
  std::optional<int64_t> RetentionOf(
      const std::string& tier, const std::string& tkey,
      const std::vector<std::pair<EntryKey, const StoredObject*>>& sidecars) {
    auto known = retention_.find({tier, tkey});
    if (known != retention_.end()) return known->second;
    for (const auto& [key, object] : sidecars) {
      auto text = store_.Get(object->key, kMaxSidecarBytes);
      Result<Sidecar> s = text.ok() ? ParseEntrySidecar(*text, key) : text.status();
      if (s.ok()) {
        const int64_t retention = s->expires_ms > 0 ? s->expires_ms - s->timestamp_ms : 0;
        retention_[{tier, tkey}] = retention;
        return retention;
      }
      if (reporter_ != nullptr && !s.status().IsNotFound()) {
        reporter_->Corrupt(fs::path(store_.Describe()) / object->key, s.status());
      }
    }
    return std::nullopt;
  }

  // Prunes one target's day; true when anything but derived files is left.
  bool PruneTargetDay(const std::string& tier, const CivilDay& day, const std::string& tkey,
                      const std::vector<StoredObject>& objects) {
    bool left = false;
    std::vector<std::pair<EntryKey, const StoredObject*>> sidecars;
    std::map<std::string, const StoredObject*, std::less<>> profiles;
    std::vector<const StoredObject*> derived;
    for (const StoredObject& o : objects) {
      const std::string_view name = KeyName(o.key);
      int64_t ms_of_day;
      bool is_sidecar;
      if (name.starts_with(kTempPrefix)) {
        if (IsStale(o) && Delete(o.key)) {
          ++stats_->stale_files_removed;
        } else {
          left = true;
        }
      } else if (auto key = ParseSidecarName(name, day, tkey, tier); key.ok()) {
        sidecars.emplace_back(std::move(*key), &o);
      } else if (ParseEntryFileName(name, &ms_of_day, &is_sidecar) && !is_sidecar) {
        profiles.emplace(std::string(name), &o);
      } else if (IsDerivedFile(name)) {
        derived.push_back(&o);
      } else {
        left = true;  // a stranger: left alone
      }
    }
    const std::optional<int64_t> retention = RetentionOf(tier, tkey, sidecars);
    for (const auto& [key, object] : sidecars) {
      auto profile = profiles.find(ProfileFileName(key));
      const StoredObject* profile_object = profile == profiles.end() ? nullptr : profile->second;
      if (profile != profiles.end()) profiles.erase(profile);
      const bool expired = retention && *retention > 0 && key.timestamp_ms + *retention < now_ms_;
      if (!expired) {
        // A sidecar whose profile never became durable (power loss on a file
        // system without ordered metadata), or went first: removed once stale.
        if (profile_object == nullptr && IsStale(*object) && Delete(object->key)) {
          ++stats_->stale_files_removed;
        } else {
          left = true;
        }
        continue;
      }
      const int64_t size = profile_object != nullptr ? SizeOf(*profile_object) : 0;
      if (DeleteWholeEntry(key)) {
        ++stats_->entries_removed;
        stats_->bytes_freed += size;
      } else {
        left = true;
      }
    }
    // Profiles without a sidecar: a writer died between the two.
    for (const auto& [name, object] : profiles) {
      if (IsStale(*object) && Delete(object->key)) {
        ++stats_->stale_files_removed;
      } else {
        left = true;
      }
    }
    if (left) return true;
    for (const StoredObject* o : derived) {
      if (!Delete(o->key)) return true;
    }
    return false;
  }

  void ExpireDay(const std::string& tier, const CivilDay& day, const std::string& prefix) {
    std::optional<DayListing> listing = ListDay(day, prefix, /*with_details=*/false);
    if (!listing) return;
    bool left = listing->others;
    for (const auto& [tkey, objects] : listing->targets) {
      if (PruneTargetDay(tier, day, tkey, objects)) {
        left = true;
      } else if (Delete(prefix + tkey + "/")) {
        ++stats_->dirs_removed;
      }
    }
    // Target directories with nothing in them (a local store's).
    if (auto children = store_.ListChildren(prefix); children.ok()) {
      for (const std::string& child : *children) {
        if (IsHex(child, kTargetKeyLength) && !listing->targets.count(child)) {
          (void)Delete(prefix + child + "/");
        }
      }
    }
    std::vector<const StoredObject*> derived;
    for (const StoredObject& o : listing->loose) {
      if (KeyName(o.key).starts_with(kTempPrefix)) {
        if (IsStale(o) && Delete(o.key)) {
          ++stats_->stale_files_removed;
        } else {
          left = true;
        }
      } else if (IsDerivedFile(KeyName(o.key))) {
        derived.push_back(&o);
      } else {
        left = true;
      }
    }
    if (left) return;
    for (const StoredObject* o : derived) {
      if (!Delete(o->key)) return;
    }
    if (Delete(prefix)) ++stats_->dirs_removed;
  }

  // One entry a size cap may remove.
  struct SizedEntry {
    EntryKey key;
    std::string id;
    int64_t footprint = 0;  // its sidecar's and profile's
  };

  void CapDay(const std::string& tier, const CivilDay& day, const std::string& prefix,
              int64_t* size) {
    std::optional<DayListing> listing = ListDay(day, prefix, /*with_details=*/true);
    if (!listing) return;
    std::vector<SizedEntry> entries;
    for (const auto& [tkey, objects] : listing->targets) {
      std::map<std::string_view, int64_t> footprints;
      for (const StoredObject& o : objects)
        footprints[KeyName(o.key)] = std::max<int64_t>(o.footprint, 0);
      for (const StoredObject& o : objects) {
        auto key = ParseSidecarName(KeyName(o.key), day, tkey, tier);
        if (!key.ok()) continue;
        auto profile = footprints.find(ProfileFileName(*key));
        const int64_t footprint =
            std::max<int64_t>(o.footprint, 0) + (profile == footprints.end() ? 0 : profile->second);
        entries.push_back({*key, FormatId(*key), footprint});
      }
    }
    std::sort(entries.begin(), entries.end(), [](const SizedEntry& a, const SizedEntry& b) {
      return std::tie(a.key.timestamp_ms, a.id) < std::tie(b.key.timestamp_ms, b.id);
    });
    for (const SizedEntry& e : entries) {
      if (*size <= options_.max_bytes) break;
      if (!DeleteWholeEntry(e.key)) continue;
      *size -= e.footprint;
      ++stats_->entries_over_size;
    }
  }

  Store& store_;
  const int64_t now_ms_;
  Reporter* const reporter_;
  const PruneOptions& options_;
  PruneStats* const stats_;
  std::map<std::pair<std::string, std::string>, int64_t> retention_;  // (tier, tkey) ->
  std::set<std::string> months_;  // "[rollups/<tier>/]YYYY/MM/" seen
  bool stopped_ = false;
};

}  // namespace

PruneStats Prune(Store& store, int64_t now_ms, Reporter* reporter, const PruneOptions& options) {
  PruneStats stats;
  Pruner pruner(store, now_ms, reporter, options, &stats);
  const std::vector<std::string> tiers = TierNames();  // raw entries first: a cap takes them first
  for (const std::string& tier : tiers) {
    if (!pruner.Stopped()) pruner.Expire(tier);
  }
  if (options.max_bytes > 0 && !pruner.Stopped()) {
    auto usage = store.UsageOver(options.max_bytes);
    if (!usage.ok()) {
      stats.size_error = usage.status().message();
    } else if (usage->has_value() && (*usage)->total > options.max_bytes) {
      const StoreUsage& u = **usage;
      if (u.total - u.entries > options.max_bytes) {
        // Removing every entry would not do: leave them all.
        stats.size_error = "only " + std::to_string(u.entries) + " of the archive's " +
                           std::to_string(u.total) +
                           " bytes are entries (the rest: directories, temporary, unreadable "
                           "or foreign files): no entry removed for max-size";
      } else {
        int64_t size = u.total;
        stats.size_before = size;
        for (const std::string& tier : tiers) {
          if (size > options.max_bytes && !pruner.Stopped()) pruner.Cap(tier, &size);
        }
        stats.size_after = size;
      }
    } else if (usage->has_value()) {
      stats.size_before = stats.size_after = (*usage)->total;
    }
  }
  pruner.RemoveEmptyParents();
  return stats;
}

PruneStats Prune(const fs::path& root, int64_t now_ms, Reporter* reporter,
                 const PruneOptions& options) {
  LocalStore store(root);
  return Prune(store, now_ms, reporter, options);
}

Status RemoveEntry(const fs::path& root, const EntryKey& key) {
  LocalStore store(root);
  return DeleteEntry(store, key);
}

}  // namespace cprof::archive
