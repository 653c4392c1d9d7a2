#include "archive/index_file.h"

#include <libdeflate.h>

#include <cstdint>
#include <functional>

#include "base/hash.h"

namespace cprof::archive {
namespace {

// A larger index file is not read (its entries are read from sidecars):
// a day of one target scraped every 10 s is ~10 MB.
constexpr size_t kMaxIndexBytes = size_t{256} << 20;

uint32_t Crc32(std::string_view data) { return libdeflate_crc32(0, data.data(), data.size()); }

void PutUint32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetUint32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

void AppendRecord(const cprofiler::archive::IndexRecord& record, std::string* out) {
  std::string payload = record.SerializeAsString();
  PutUint32(out, static_cast<uint32_t>(payload.size()));
  PutUint32(out, Crc32(payload));
  out->append(payload);
}

void AppendTarget(const Target& target, std::string* out) {
  cprofiler::archive::IndexRecord record;
  auto* t = record.mutable_target();
  t->set_job(target.job);
  t->set_app(target.app);
  t->set_host(target.host);
  for (const auto& [k, v] : target.labels) (*t->mutable_labels())[k] = v;
  t->set_expiration_ns(target.expiration_ns);
  AppendRecord(record, out);
}

void AppendEntries(const std::vector<const IndexEntry*>& entries, std::string* out) {
  cprofiler::archive::IndexRecord record;
  for (const IndexEntry* e : entries) {
    *record.mutable_entry() = *e;
    AppendRecord(record, out);
  }
}

// Calls `fn` with each record of `data` after `header`, in order, while it
// returns true; the reason reading stopped before the end ("" if it did
// not, or if `fn` stopped it without saying why in *damage).
std::string ForEachRecord(const std::string& data, std::string_view header,
                          const std::function<bool(cprofiler::archive::IndexRecord&, size_t at,
                                                   std::string* damage)>& fn) {
  if (data.compare(0, header.size(), header) != 0) {
    return "no \"" + std::string(header.substr(0, header.size() - 1)) + "\" header";
  }
  size_t at = header.size();
  cprofiler::archive::IndexRecord record;
  std::string damage;
  while (at < data.size()) {
    if (data.size() - at < 8) return "record cut short at byte " + std::to_string(at);
    uint32_t length = GetUint32(data.data() + at);
    uint32_t crc = GetUint32(data.data() + at + 4);
    if (length > kMaxSidecarBytes || data.size() - at - 8 < length) {
      return "record cut short at byte " + std::to_string(at);
    }
    std::string_view payload(data.data() + at + 8, length);
    if (Crc32(payload) != crc) return "checksum mismatch at byte " + std::to_string(at);
    if (!record.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return "unreadable record at byte " + std::to_string(at);
    }
    if (!fn(record, at, &damage)) return damage;
    at += 8 + length;
  }
  return "";
}

Target TargetOfRecord(const cprofiler::archive::IndexTarget& t) {
  return Target{t.job(), t.app(), t.host(), Labels(t.labels().begin(), t.labels().end()),
                t.expiration_ns()};
}

// Parses `data`, an index file or its first bytes, into `out`; stops after
// the target record when `target_only`.
void ParseIndex(const std::string& data, std::string_view tkey, bool target_only,
                IndexFile* out_file) {
  IndexFile& out = *out_file;
  out.bytes = data.size();
  out.damage = ForEachRecord(data, kIndexHeader, [&](auto& record, size_t at, std::string* damage) {
    if (record.has_target()) {
      Target target = TargetOfRecord(record.target());
      if (out.target ? !(*out.target == target) : TargetKeyOf(target) != tkey) {
        *damage = "target record at byte " + std::to_string(at) + " does not name this directory";
        return false;
      }
      out.target = std::move(target);
      return !target_only;
    }
    if (record.has_entry()) {
      if (!out.target) {
        *damage = "entry record before the target record";
        return false;
      }
      ++out.records;
      std::string stem = record.entry().stem();
      out.entries.insert_or_assign(std::move(stem), std::move(*record.mutable_entry()));
    }
    return true;
  });
  if (!out.target) out.entries.clear();
}

std::string TargetRecords(const std::vector<const Target*>& targets) {
  std::string out;
  for (const Target* t : targets) AppendTarget(*t, &out);
  return out;
}

}  // namespace

Result<IndexFile> ReadIndexFile(const fs::path& dir, std::string_view tkey) {
  CPROF_ASSIGN_OR_RETURN(std::string data, ReadFile(dir / std::string(kIndexFile), kMaxIndexBytes));
  IndexFile out;
  ParseIndex(data, tkey, /*target_only=*/false, &out);
  return out;
}

std::optional<Target> ReadIndexTarget(const fs::path& dir, std::string_view tkey) {
  // Enough for a target record with a few dozen labels; a longer one is
  // cut short, and then the whole file is read.
  auto data = ReadFilePrefix(dir / std::string(kIndexFile), 4096);
  if (!data.ok()) return std::nullopt;
  IndexFile out;
  ParseIndex(*data, tkey, /*target_only=*/true, &out);
  return out.target;
}

bool Matches(const IndexEntry& e, const FileStamp& stamp) {
  return e.sidecar_size() == stamp.size && e.sidecar_mtime_ns() == stamp.mtime_ns;
}

IndexEntry IndexEntryOf(const Sidecar& s, const FileStamp& stamp) {
  IndexEntry e;
  e.set_sidecar_size(stamp.size);
  e.set_sidecar_mtime_ns(stamp.mtime_ns);
  auto key = ParseId(s.id);
  if (key.ok()) e.set_stem(FileStem(*key));  // (else a record of no entry)
  e.set_format_version(s.format_version);
  e.set_url(s.url);
  e.set_duration_ns(s.duration_ns);
  e.set_expires_ms(s.expires_ms);
  e.set_size(s.size);
  if (IsHex(s.sha256, 64)) {
    e.set_sha256(BytesOfHex(s.sha256));
  } else {
    e.set_sha256_text(s.sha256);
  }
  for (const SampleTypeInfo& t : s.sample_types) {
    auto* out = e.add_sample_types();
    out->set_name(t.name);
    out->set_type(t.type);
    out->set_unit(t.unit);
    out->set_total(t.total);
  }
  e.set_default_sample_type(s.default_sample_type);
  e.set_scraped_by(s.scraped_by);
  if (s.rollup) {
    e.mutable_rollup()->set_end_ms(s.rollup->end_ms);
    e.mutable_rollup()->set_entries(s.rollup->entries);
  }
  return e;
}

Result<Sidecar> SidecarOf(const IndexEntry& e, const Target& target, const CivilDay& day,
                          std::string_view tkey, std::string_view tier) {
  auto key = ParseSidecarName(e.stem() + std::string(kSidecarSuffix), day, tkey, tier);
  if (!key.ok()) return Status::Corruption("index record of no entry: " + e.stem());
  if (e.has_rollup() != !tier.empty()) {
    return Status::Corruption("index record of another tier: " + e.stem());
  }
  Sidecar s;
  s.format_version = e.format_version();
  s.id = FormatId(*key);
  s.profile_type = key->profile_type;
  s.file = ProfileFileName(*key);
  s.job = target.job;
  s.app = target.app;
  s.host = target.host;
  s.labels = target.labels;
  s.url = e.url();
  s.timestamp_ms = key->timestamp_ms;
  s.duration_ns = e.duration_ns();
  s.expiration_ns = target.expiration_ns;
  s.expires_ms = e.expires_ms();
  s.size = e.size();
  s.sha256 = e.sha256().empty() ? e.sha256_text() : HexOf(e.sha256());
  s.sample_types.reserve(e.sample_types_size());
  for (const auto& t : e.sample_types()) {
    s.sample_types.push_back({t.name(), t.type(), t.unit(), t.total()});
  }
  s.default_sample_type = e.default_sample_type();
  s.scraped_by = e.scraped_by();
  if (e.has_rollup()) s.rollup = RollupInfo{e.rollup().end_ms(), e.rollup().entries()};
  return s;
}

Result<bool> AppendIndex(const fs::path& dir, const Target& target,
                         const std::vector<const IndexEntry*>& entries) {
  if (entries.empty()) return false;
  std::string data;
  AppendEntries(entries, &data);
  Status s = AppendFile(dir / std::string(kIndexFile), data);
  if (!s.IsNotFound()) return s.ok() ? Result<bool>(false) : Result<bool>(s);
  CPROF_RETURN_IF_ERROR(WriteIndex(dir, target, entries));
  return true;
}

DayTargets ReadDayTargets(const fs::path& day_dir) {
  DayTargets out;
  auto data = ReadFile(day_dir / std::string(kTargetsFile), kMaxIndexBytes);
  if (!data.ok()) {
    out.damaged = !data.status().IsNotFound();
    return out;
  }
  out.damaged = !ForEachRecord(*data, kTargetsHeader, [&](auto& record, size_t, std::string*) {
                   if (record.has_target()) {
                     Target target = TargetOfRecord(record.target());
                     out.targets.insert_or_assign(TargetKeyOf(target), std::move(target));
                   }
                   return true;
                 }).empty();
  return out;
}

Status WriteDayTargets(const fs::path& day_dir, const std::vector<const Target*>& targets) {
  return ReplaceFile(day_dir, kTargetsFile, std::string(kTargetsHeader) + TargetRecords(targets));
}

Status AppendDayTargets(const fs::path& day_dir, const std::vector<const Target*>& targets) {
  if (targets.empty()) return Status::OK();
  std::string data = TargetRecords(targets);
  Status s = AppendFile(day_dir / std::string(kTargetsFile), data);
  if (!s.IsNotFound()) return s;
  return ReplaceFile(day_dir, kTargetsFile, std::string(kTargetsHeader) + data);
}

Status WriteIndex(const fs::path& dir, const Target& target,
                  const std::vector<const IndexEntry*>& entries) {
  std::string data(kIndexHeader);
  AppendTarget(target, &data);
  AppendEntries(entries, &data);
  return ReplaceFile(dir, kIndexFile, data);
}

}  // namespace cprof::archive
