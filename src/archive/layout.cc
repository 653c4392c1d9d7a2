#include "archive/layout.h"

#include <cstdio>

#include "base/hash.h"

namespace cprof::archive {
namespace {

bool ParseDigits(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// "HHMMSSmmm" -> ms of day.
bool ParseTimeOfDay(std::string_view s, int64_t* ms) {
  int64_t v;
  if (s.size() != 9 || !ParseDigits(s, &v)) return false;
  int64_t h = v / 10'000'000, m = v / 100'000 % 100, sec = v / 1000 % 100, milli = v % 1000;
  if (h > 23 || m > 59 || sec > 59) return false;
  *ms = ((h * 60 + m) * 60 + sec) * 1000 + milli;
  return true;
}

// Splits "HHMMSSmmm-type-hash" (no suffix).
bool ParseStem(std::string_view stem, int64_t* ms_of_day, std::string* type, std::string* hash) {
  size_t a = stem.find('-');
  size_t b = stem.rfind('-');
  if (a == std::string_view::npos || a == b) return false;
  std::string_view t = stem.substr(a + 1, b - a - 1);
  std::string_view h = stem.substr(b + 1);
  if (!ParseTimeOfDay(stem.substr(0, a), ms_of_day) || !IsProfileType(t) ||
      !IsHex(h, kContentHashLength)) {
    return false;
  }
  *type = std::string(t);
  *hash = std::string(h);
  return true;
}

void AppendField(std::string* out, std::string_view field) {
  *out += std::to_string(field.size());
  *out += ':';
  *out += field;
}

}  // namespace

const RollupTier* FindRollupTier(std::string_view name) {
  for (const RollupTier& t : kRollupTiers) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

fs::path TierRoot(const fs::path& root, std::string_view tier) {
  return tier.empty() ? root : root / kRollupsDir / tier;
}

std::vector<std::string> TierNames() {
  std::vector<std::string> tiers = {""};
  for (const RollupTier& t : kRollupTiers) tiers.emplace_back(t.name);
  return tiers;
}

bool IsDerivedFile(std::string_view name) { return name == kIndexFile || name == kTargetsFile; }

int FixedDigits(std::string_view s, size_t width) {
  if (s.size() != width) return -1;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool IsHex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string TargetKey(std::string_view job, std::string_view app, std::string_view host,
                      const Labels& labels, int64_t expiration_ns) {
  // Length-prefixed fields: no two different tuples encode alike.
  std::string text;
  AppendField(&text, job);
  AppendField(&text, app);
  AppendField(&text, host);
  for (const auto& [k, v] : labels) {
    AppendField(&text, k);
    AppendField(&text, v);
  }
  AppendField(&text, std::to_string(expiration_ns));
  return Sha256Hex(text).substr(0, kTargetKeyLength);
}

std::string FileStem(const EntryKey& key) {
  int64_t in_day = MsOfDay(key.timestamp_ms);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%03d", static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  std::string stem = buf;
  stem += '-';
  stem += key.profile_type;
  stem += '-';
  stem += key.content_hash;
  return stem;
}

std::string FormatId(const EntryKey& key) {
  CivilDay day = DayOf(key.timestamp_ms);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", day.year, day.month, day.day);
  std::string id;
  if (!key.tier.empty()) {
    id += key.tier;
    id += '.';
  }
  id += buf;
  id += '-';
  id += key.target_key;
  id += '-';
  id += FileStem(key);
  return id;
}

Result<EntryKey> ParseId(std::string_view id) {
  auto bad = [shown = std::string(id.substr(0, 80))] {
    return Status::InvalidArgument("bad profile ID \"" + shown + "\"");
  };
  std::string_view tier;
  for (const RollupTier& t : kRollupTiers) {
    if (id.size() > t.name.size() && id.substr(0, t.name.size()) == t.name &&
        id[t.name.size()] == '.') {
      tier = t.name;
      id.remove_prefix(t.name.size() + 1);
      break;
    }
  }
  // YYYYMMDD-<16 hex>-<stem>
  if (id.size() < 8 + 1 + kTargetKeyLength + 1 || id.size() > 80 || id[8] != '-' ||
      id[9 + kTargetKeyLength] != '-') {
    return bad();
  }
  int64_t ymd;
  if (!ParseDigits(id.substr(0, 8), &ymd)) return bad();
  CivilDay day{static_cast<int>(ymd / 10000), static_cast<unsigned>(ymd / 100 % 100),
               static_cast<unsigned>(ymd % 100)};
  std::chrono::year_month_day check{std::chrono::year(day.year), std::chrono::month(day.month),
                                    std::chrono::day(day.day)};
  if (!check.ok() || day.year < 1970) return bad();
  EntryKey key;
  key.tier = std::string(tier);
  key.target_key = std::string(id.substr(9, kTargetKeyLength));
  if (!IsHex(key.target_key, kTargetKeyLength)) return bad();
  int64_t ms_of_day;
  if (!ParseStem(id.substr(10 + kTargetKeyLength), &ms_of_day, &key.profile_type,
                 &key.content_hash)) {
    return bad();
  }
  key.timestamp_ms = DayStartMs(day) + ms_of_day;
  return key;
}

fs::path DayDir(const CivilDay& day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d/%02u/%02u", day.year, day.month, day.day);
  return fs::path(buf);
}

fs::path EntryDir(const EntryKey& key) {
  fs::path dir = DayDir(DayOf(key.timestamp_ms)) / key.target_key;
  return key.tier.empty() ? dir : fs::path(kRollupsDir) / key.tier / dir;
}

std::string ProfileFileName(const EntryKey& key) {
  return FileStem(key) + std::string(SuffixOf(key.profile_type));
}

std::string SidecarFileName(const EntryKey& key) {
  return FileStem(key) + std::string(kSidecarSuffix);
}

Result<EntryKey> ParseSidecarName(std::string_view name, const CivilDay& day,
                                  std::string_view target_key, std::string_view tier) {
  if (name.size() <= kSidecarSuffix.size() ||
      name.substr(name.size() - kSidecarSuffix.size()) != kSidecarSuffix) {
    return Status::InvalidArgument("not a sidecar name");
  }
  EntryKey key;
  int64_t ms_of_day;
  if (!ParseStem(name.substr(0, name.size() - kSidecarSuffix.size()), &ms_of_day, &key.profile_type,
                 &key.content_hash)) {
    return Status::InvalidArgument("not a sidecar name");
  }
  key.tier = std::string(tier);
  key.timestamp_ms = DayStartMs(day) + ms_of_day;
  key.target_key = std::string(target_key);
  return key;
}

bool ParseEntryFileName(std::string_view name, int64_t* ms_of_day, bool* is_sidecar) {
  std::string_view stem;
  // kProfileTypes' suffixes are kProfileSuffix and kTraceSuffix.
  for (std::string_view suffix : {kSidecarSuffix, kProfileSuffix, kTraceSuffix}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      stem = name.substr(0, name.size() - suffix.size());
      *is_sidecar = suffix == kSidecarSuffix;
      break;
    }
  }
  std::string type, hash;
  return !stem.empty() && ParseStem(stem, ms_of_day, &type, &hash);
}

}  // namespace cprof::archive
