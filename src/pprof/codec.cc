#include "pprof/codec.h"

#include <libdeflate.h>

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "pprof/id_index.h"

namespace cprof::pprof {

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

Result<std::string> Gunzip(std::string_view data, size_t max_out) {
  // One decompressor a thread: allocating one costs as much as inflating a
  // small profile.
  thread_local std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)>
      inflater(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (inflater == nullptr) return Status::IOError("gunzip: out of memory");
  // libdeflate inflates a whole member into a buffer that must hold it.
  // Start from the size the trailer states (ISIZE: the last member's size,
  // modulo 2^32) when deflate could reach it (at most 1032:1), else from 4x;
  // when a member does not fit, grow the buffer and inflate it again.
  size_t capacity = 4 * data.size();
  if (data.size() >= 18) {
    uint32_t stated;
    std::memcpy(&stated, data.data() + data.size() - 4, 4);  // little-endian
    if (stated <= 1032 * data.size()) capacity = stated;
  }
  std::string out;
  out.resize(std::min(max_out, capacity));
  size_t produced = 0, consumed = 0;
  do {
    std::string_view member = data.substr(consumed);
    if (!IsGzip(member)) {
      return Status::Corruption(consumed == 0 ? "gunzip: not gzip data"
                                              : "gunzip: bad trailing member");
    }
    while (true) {
      size_t in_used = 0, out_used = 0;
      libdeflate_result rc = libdeflate_gzip_decompress_ex(
          inflater.get(), member.data(), member.size(), out.data() + produced,
          out.size() - produced, &in_used, &out_used);
      if (rc == LIBDEFLATE_SUCCESS) {
        produced += out_used;
        consumed += in_used;
        break;
      }
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) {
        return Status::Corruption("gunzip: bad or truncated gzip data");
      }
      if (out.size() >= max_out) {
        return Status::ResourceExhausted("gunzip: decompressed size exceeds " +
                                         std::to_string(max_out) + " bytes");
      }
      out.resize(std::min(max_out, std::max<size_t>(2 * out.size(), 4096)));
    }
  } while (consumed < data.size());
  out.resize(produced);
  return out;
}

std::string Gzip(std::string_view data) {
  // Level 6, zlib's default.
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> deflater(
      libdeflate_alloc_compressor(6), libdeflate_free_compressor);
  if (deflater == nullptr) throw std::bad_alloc();
  std::string out;
  out.resize(libdeflate_gzip_compress_bound(deflater.get(), data.size()));
  out.resize(
      libdeflate_gzip_compress(deflater.get(), data.data(), data.size(), out.data(), out.size()));
  return out;
}

namespace {

// The top-level fields of a serialized Profile, scanned without parsing.
struct FieldScan {
  size_t fields = 0;
  // Where each sample (field 2) starts, while they come as one run of
  // consecutive fields (as Go writes them); empty when they do not.
  std::vector<uint32_t> sample_starts;
  size_t samples_end = 0;
};

// Corruption for malformed wire data.
Result<FieldScan> ScanFields(std::string_view raw) {
  FieldScan scan;
  bool samples_split = false;  // fields of other kinds between samples
  size_t pos = 0;
  auto varint = [&](uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= raw.size()) return false;
      uint8_t b = static_cast<uint8_t>(raw[pos++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  };
  while (pos < raw.size()) {
    const size_t start = pos;
    uint64_t tag, v;
    if (!varint(&tag)) return Status::Corruption("not a pprof profile (bad field tag)");
    switch (tag & 7) {
      case 0:
        if (!varint(&v)) return Status::Corruption("not a pprof profile (bad varint)");
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2:
        if (!varint(&v) || v > raw.size() - std::min(pos, raw.size())) {
          return Status::Corruption("not a pprof profile (bad length)");
        }
        pos += v;
        break;
      default:
        return Status::Corruption("not a pprof profile (bad wire type)");
    }
    ++scan.fields;
    if (tag == (2 << 3 | 2)) {
      if (!scan.sample_starts.empty() && scan.samples_end != start) samples_split = true;
      scan.sample_starts.push_back(static_cast<uint32_t>(start));
      scan.samples_end = pos;
    }
  }
  if (pos > raw.size()) return Status::Corruption("not a pprof profile (truncated)");
  if (samples_split) scan.sample_starts.clear();
  return scan;
}

bool MergeFields(std::string_view raw, Profile* profile) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(raw.data()),
                                            static_cast<int>(raw.size()));
  return profile->MergeFromCodedStream(&in) && in.ConsumedEntireMessage();
}

// Parses `raw` into the empty `*profile`. The samples of a large profile
// (most of its bytes) are parsed in pieces on several threads, into
// messages on the profile's arena, and moved into place in order; the
// result is what one parse of `raw` gives.
bool ParseProfile(std::string_view raw, const FieldScan& scan, unsigned threads, Profile* profile) {
  constexpr size_t kBytesPerThread = size_t{4} << 20;
  const std::vector<uint32_t>& starts = scan.sample_starts;
  size_t pieces = std::min<size_t>(raw.size() / kBytesPerThread, starts.size() / 1024);
  if (pieces >= 2) {  // asking for the cores reads sysfs: not for every small profile
    if (threads == 0) threads = std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
    pieces = std::min<size_t>(pieces, threads);
  }
  if (pieces < 2) return profile->ParseFromArray(raw.data(), static_cast<int>(raw.size()));

  google::protobuf::Arena* arena = profile->GetArena();
  std::vector<Profile*> parts(pieces);
  std::vector<std::unique_ptr<Profile>> owned;  // without an arena
  for (Profile*& part : parts) {
    if (arena != nullptr) {
      part = google::protobuf::Arena::CreateMessage<Profile>(arena);
    } else {
      owned.push_back(std::make_unique<Profile>());
      part = owned.back().get();
    }
  }
  auto piece = [&](size_t i) {
    size_t begin = starts[i * starts.size() / pieces];
    size_t end = i + 1 < pieces ? starts[(i + 1) * starts.size() / pieces] : scan.samples_end;
    return raw.substr(begin, end - begin);
  };
  std::vector<char> ok(pieces, 0);
  std::vector<std::thread> workers;
  for (size_t i = 1; i < pieces; ++i) {
    workers.emplace_back([&, i] { ok[i] = MergeFields(piece(i), parts[i]); });
  }
  // This thread: the fields before and after the samples, then a piece.
  ok[0] = MergeFields(raw.substr(0, starts.front()), profile) &&
          MergeFields(raw.substr(scan.samples_end), profile) && MergeFields(piece(0), parts[0]);
  for (std::thread& t : workers) t.join();
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return false;
  auto* samples = profile->mutable_sample();
  samples->Reserve(static_cast<int>(starts.size()));
  std::vector<perftools::profiles::Sample*> moved;
  for (Profile* part : parts) {
    moved.resize(static_cast<size_t>(part->sample_size()));
    part->mutable_sample()->UnsafeArenaExtractSubrange(0, part->sample_size(), moved.data());
    for (auto* sample : moved) samples->UnsafeArenaAddAllocated(sample);
  }
  return true;
}

}  // namespace

Status DecodeProfileInto(std::string_view data, Profile* profile, const DecodeOptions& options) {
  std::string inflated;
  std::string_view raw = data;
  if (IsGzip(data)) {
    CPROF_ASSIGN_OR_RETURN(inflated, Gunzip(data, options.max_decompressed));
    raw = inflated;
  }
  if (raw.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted("profile larger than 2 GiB");
  }
  CPROF_ASSIGN_OR_RETURN(FieldScan scan, ScanFields(raw));
  if (scan.fields > options.max_elements) {
    return Status::ResourceExhausted("profile has " + std::to_string(scan.fields) +
                                     " elements, more than " +
                                     std::to_string(options.max_elements));
  }
  profile->Clear();
  if (!ParseProfile(raw, scan, options.parse_threads, profile)) {
    return Status::Corruption("not a pprof profile (protobuf parse failed)");
  }
  return ValidateProfile(*profile);
}

OwnedProfile OwnedProfile::OnArena() {
  OwnedProfile owned;
  owned.arena_ = std::make_unique<google::protobuf::Arena>();
  owned.profile_ = google::protobuf::Arena::CreateMessage<Profile>(owned.arena_.get());
  return owned;
}

Result<Profile> DecodeProfile(std::string_view data, const DecodeOptions& options) {
  Profile profile;
  CPROF_RETURN_IF_ERROR(DecodeProfileInto(data, &profile, options));
  return profile;
}

Status ValidateProfile(const Profile& p) {
  const int64_t nstrings = p.string_table_size();
  if (nstrings == 0 || !p.string_table(0).empty()) {
    return Status::Corruption("profile: string_table[0] must be \"\"");
  }
  auto str_ok = [&](int64_t index) { return index >= 0 && index < nstrings; };
  auto bad_string = [](std::string_view where, int64_t index) {
    return Status::Corruption("profile: " + std::string(where) + " refers to string " +
                              std::to_string(index) + ", out of range");
  };
  if (p.sample_type_size() == 0) {
    return Status::Corruption("profile: no sample types");
  }
  for (const auto& vt : p.sample_type()) {
    if (!str_ok(vt.type()) || !str_ok(vt.unit())) {
      return bad_string("sample_type", str_ok(vt.type()) ? vt.unit() : vt.type());
    }
  }
  if (!str_ok(p.period_type().type()) || !str_ok(p.period_type().unit())) {
    return bad_string("period_type", p.period_type().type());
  }
  if (!str_ok(p.drop_frames()) || !str_ok(p.keep_frames()) || !str_ok(p.default_sample_type()) ||
      !str_ok(p.doc_url())) {
    return Status::Corruption("profile: header string index out of range");
  }
  for (int64_t c : p.comment()) {
    if (!str_ok(c)) return bad_string("comment", c);
  }

  auto dup = [](const char* what, uint64_t id) {
    return Status::Corruption(std::string("profile: ") + what + " id " +
                              (id == UINT64_MAX ? std::string("0") : std::to_string(id)) +
                              " is zero or repeated");
  };
  uint64_t duplicate = 0;
  IdIndex mapping_ids = IndexById(p.mapping(), &duplicate);
  if (duplicate) return dup("mapping", duplicate);
  IdIndex function_ids = IndexById(p.function(), &duplicate);
  if (duplicate) return dup("function", duplicate);
  IdIndex location_ids = IndexById(p.location(), &duplicate);
  if (duplicate) return dup("location", duplicate);
  for (const auto& m : p.mapping()) {
    if (!str_ok(m.filename()) || !str_ok(m.build_id())) {
      return bad_string("mapping", m.filename());
    }
  }
  for (const auto& f : p.function()) {
    if (!str_ok(f.name()) || !str_ok(f.system_name()) || !str_ok(f.filename())) {
      return bad_string("function", f.name());
    }
  }
  for (const auto& l : p.location()) {
    if (l.mapping_id() != 0 && mapping_ids.Find(l.mapping_id()) < 0) {
      return Status::Corruption("profile: location " + std::to_string(l.id()) +
                                " refers to missing mapping " + std::to_string(l.mapping_id()));
    }
    for (const auto& line : l.line()) {
      if (function_ids.Find(line.function_id()) < 0) {
        return Status::Corruption("profile: location " + std::to_string(l.id()) +
                                  " refers to missing function " +
                                  std::to_string(line.function_id()));
      }
    }
  }
  const int ntypes = p.sample_type_size();
  for (const auto& s : p.sample()) {
    if (s.value_size() != ntypes) {
      return Status::Corruption("profile: a sample has " + std::to_string(s.value_size()) +
                                " values for " + std::to_string(ntypes) + " sample types");
    }
    for (uint64_t id : s.location_id()) {
      if (location_ids.Find(id) < 0) {
        return Status::Corruption("profile: a sample refers to missing location " +
                                  std::to_string(id));
      }
    }
    for (const auto& label : s.label()) {
      if (!str_ok(label.key()) || !str_ok(label.str()) || !str_ok(label.num_unit())) {
        return bad_string("sample label", label.key());
      }
    }
  }
  return Status::OK();
}

std::string EncodeProfile(const Profile& profile, bool gzip) {
  std::string raw = profile.SerializeAsString();
  return gzip ? Gzip(raw) : raw;
}

}  // namespace cprof::pprof
