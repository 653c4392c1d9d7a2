#include "query/compact.h"

#include <algorithm>
#include <map>
#include <vector>

#include "archive/layout.h"
#include "archive/prune.h"
#include "archive/target_dir.h"
#include "archive/writer.h"
#include "base/hash.h"
#include "pprof/merge.h"
#include "pprof/summary.h"
#include "query/rollup.h"

namespace cprof::query {
namespace {

constexpr int64_t kHourMs = 3'600'000;

int64_t FloorTo(int64_t t, int64_t span) {
  int64_t q = t / span;
  if (t % span != 0 && t < 0) --q;
  return q * span;
}

const archive::RollupTier& HourlyOf(const archive::RollupTier& tier) {
  for (const archive::RollupTier& t : archive::kRollupTiers) {
    if (t.span_ms == kHourMs && t.intervals == tier.intervals) return t;
  }
  return tier;
}

struct Compaction {
  const fs::path& root;
  const RetentionOf& retention;
  const CompactOptions& options;
  archive::Reporter* reporter;
  CompactStats* stats;
  archive::Store* store;  // where rollups are written

  // The rollups of `tier` in the <tkey> directory of `day`, in the archive
  // at `from` (default: the root).
  std::vector<archive::Entry> ReadTier(const archive::RollupTier& tier, const CivilDay& day,
                                       const std::string& tkey, const fs::path& from = {}) const {
    fs::path dir =
        archive::TierRoot(from.empty() ? root : from, tier.name) / archive::DayDir(day) / tkey;
    archive::TargetDirOptions read_options;
    read_options.tier = std::string(tier.name);
    archive::TargetDay read =
        archive::ReadTargetDir(dir, day, tkey, read_options, reporter, nullptr);
    std::vector<archive::Entry> out;
    for (archive::Sidecar& s : read.entries) out.push_back({std::move(s), dir});
    return out;
  }

  void Fail(const fs::path& path, const Status& status) const {
    ++stats->failed;
    if (reporter != nullptr) reporter->Corrupt(path, status);
  }

  // Writes the rollup of `tier` for the span [start, start + span) of
  // `raw` (one type's snapshots in it), with `finer` the hourly rollups a
  // day may use, replacing `stale` (the span's rollups that are out of date).
  void WriteRollup(const archive::RollupTier& tier, const archive::Target& target,
                   const std::string& tkey, int64_t start, int64_t retention_ms,
                   std::vector<archive::Entry> raw, const std::vector<archive::Entry>& finer,
                   const std::vector<const archive::Entry*>& stale) const {
    const std::string type = raw.back().sidecar.profile_type;
    const std::string url = raw.back().sidecar.url;
    const fs::path dir = raw.back().dir;
    TiledWindow window;
    window.from_ms = start;
    window.to_ms = start + tier.span_ms - 1;
    window.intervals = tier.intervals;
    window.raw = std::move(raw);
    for (const archive::Entry& e : finer) {
      if (e.sidecar.profile_type == type) window.rollups.push_back(e);
    }
    window.max_tile_ms = kHourMs;
    TiledStats tiled;
    auto merged = MergeTiled(root, window, reporter, &tiled);
    if (!merged.ok()) {
      // No interval ends in the span (each snapshot a baseline): nothing to
      // keep, and nothing is lost by reading its raw snapshots.
      if (!merged.status().IsNotFound()) Fail(dir, merged.status().WithContext(tier.name));
      return;
    }
    pprof::Profile& profile = **merged;
    pprof::DropEmptyStacks(&profile);
    const std::string bytes = pprof::EncodeProfile(profile);

    archive::Sidecar s = archive::ProbeOf(target, type);
    s.url = url;
    s.timestamp_ms = start;
    s.duration_ns = profile.duration_nanos();
    s.expires_ms = retention_ms > 0 ? start + retention_ms : 0;
    pprof::ProfileSummary summary = pprof::Summarize(profile, type);
    for (pprof::SampleTypeTotal& t : summary.sample_types) {
      s.sample_types.push_back({std::move(t.name), std::move(t.type), std::move(t.unit), t.total});
    }
    s.default_sample_type = summary.default_sample_type;
    s.scraped_by = options.written_by;
    s.rollup = archive::RollupInfo{start + tier.span_ms, static_cast<int64_t>(tiled.covered)};

    // A stale rollup with these very bytes has this very ID: it goes
    // first, to be written again with its new count.
    archive::EntryKey key{start, tkey, type,
                          Sha256Hex(bytes).substr(0, archive::kContentHashLength),
                          std::string(tier.name)};
    const std::string id = archive::FormatId(key);
    const bool in_place = options.write_root.empty() || options.write_root == root;
    for (const archive::Entry* old : stale) {
      if (old->sidecar.id == id && in_place) (void)Remove(key);
    }
    archive::ArchiveWriter writer(store,
                                  {.durable = options.durable, .tier = std::string(tier.name)});
    auto written = writer.Write(bytes, std::move(s));
    if (!written.ok()) {
      Fail(dir, written.status().WithContext(tier.name));
      return;
    }
    ++stats->written;
    for (const archive::Entry* old : stale) {
      if (old->sidecar.id != id) RemoveReplaced(*old);
    }
  }

  Status Remove(const archive::EntryKey& key) const {
    return options.remove ? options.remove(key) : archive::DeleteEntry(*store, key);
  }

  // Removes `old`, a rollup that another one stands for now, counting it.
  void RemoveReplaced(const archive::Entry& old) const {
    auto key = archive::ParseId(old.sidecar.id);
    if (key.ok() && Remove(*key).ok()) ++stats->replaced;
  }

  // Every rollup one <tkey> directory of `day` is due.
  void TargetDay(const CivilDay& day, const fs::path& dir, const std::string& tkey) const {
    archive::TargetDay read = archive::ReadTargetDir(dir, day, tkey, {}, reporter, nullptr);
    if (!read.target || read.entries.empty()) return;
    const RollupRetention keep = retention(*read.target);
    std::vector<archive::Entry> entries;
    for (archive::Sidecar& s : read.entries) entries.push_back({std::move(s), dir});
    // Hours first: a day is built from them.
    for (const archive::RollupTier& tier : archive::kRollupTiers) {
      const int64_t retention_ms = tier.span_ms == kHourMs ? keep.hourly_ms : keep.daily_ms;
      if (retention_ms < 0) continue;
      // The raw snapshots of each (type, span), in time order.
      std::map<std::pair<std::string, int64_t>, std::vector<archive::Entry>> spans;
      for (const archive::Entry& e : entries) {
        if (!HasRollups(tier, e.sidecar.profile_type)) continue;
        spans[{e.sidecar.profile_type, FloorTo(e.sidecar.timestamp_ms, tier.span_ms)}].push_back(e);
      }
      if (spans.empty()) continue;
      const std::vector<archive::Entry> existing = ReadTier(tier, day, tkey);
      std::vector<archive::Entry> finer;
      if (tier.span_ms != kHourMs) {
        // A day is built from its hours: those just written elsewhere too,
        // read first (one moved from there meanwhile is then found here).
        if (!options.write_root.empty() && options.write_root != root) {
          finer = ReadTier(HourlyOf(tier), day, tkey, options.write_root);
        }
        for (archive::Entry& e : ReadTier(HourlyOf(tier), day, tkey)) finer.push_back(std::move(e));
      }
      for (auto& [span, raw] : spans) {
        const auto& [type, start] = span;
        const int64_t end = start + tier.span_ms;
        if (start < options.from_ms || end + options.grace_ms > options.now_ms) continue;
        if (retention_ms > 0 && start + retention_ms < options.now_ms) continue;  // expired
        std::vector<const archive::Entry*> same;
        int64_t covered = -1;
        for (const archive::Entry& e : existing) {
          if (e.sidecar.profile_type == type && e.sidecar.timestamp_ms == start) {
            same.push_back(&e);
            covered = std::max(covered, e.sidecar.rollup->entries);
          }
        }
        if (covered >= static_cast<int64_t>(raw.size())) {
          ++stats->up_to_date;
          // Stale rollups beside the one that covers the span, which a
          // crash between writing it and removing them left: removed now.
          for (const archive::Entry* old : same) {
            if (old->sidecar.rollup->entries < covered) RemoveReplaced(*old);
          }
          continue;
        }
        WriteRollup(tier, *read.target, tkey, start, retention_ms, std::move(raw), finer, same);
      }
    }
  }
};

constexpr std::string_view kCompactedFile = "COMPACTED";

}  // namespace

std::optional<int64_t> LastCompactedMs(const fs::path& root) {
  return ReadNumberFile(root / archive::kRollupsDir / kCompactedFile);
}

bool CompactionDue(const fs::path& root, int64_t now_ms, int64_t grace_ms) {
  std::optional<int64_t> last = LastCompactedMs(root);
  if (!last || *last > now_ms) return true;
  return FloorTo(now_ms - grace_ms, kHourMs) != FloorTo(*last - grace_ms, kHourMs);
}

void MarkCompacted(const fs::path& root, int64_t now_ms) {
  const fs::path dir = root / archive::kRollupsDir;
  if (MakeDirs(dir).ok()) (void)ReplaceFile(dir, kCompactedFile, std::to_string(now_ms));
}

CompactStats Compact(const fs::path& root, const RetentionOf& retention,
                     const CompactOptions& options, archive::Reporter* reporter) {
  CompactStats stats;
  const bool in_place = options.write_root.empty() || options.write_root == root;
  archive::LocalStore local(in_place ? root : options.write_root);
  const Compaction compaction{root,    retention,
                              options, reporter,
                              &stats,  options.store != nullptr ? options.store : &local};
  archive::ForEachDay(root, options.from_ms, options.now_ms,
                      [&](const CivilDay& day, const fs::path& day_dir) {
    archive::ForEachTargetDir(day_dir, [&](const std::string& tkey, const fs::path& dir) {
      if (options.stopped && options.stopped()) return;
      if (!options.include_target || options.include_target(tkey)) {
        compaction.TargetDay(day, dir, tkey);
      }
    });
  });
  return stats;
}

}  // namespace cprof::query
