#include "pprof/codec.h"

#include <zlib.h>

#include "pprof/id_index.h"

namespace cprof::pprof {

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

Result<std::string> Gunzip(std::string_view data, size_t max_out) {
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return Status::IOError("gunzip: inflateInit failed");
  }
  std::string out;
  out.resize(std::min<size_t>(max_out, std::max<size_t>(data.size() * 4, 4096)));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  size_t produced = 0;
  Status status;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_out) {
        status = Status::ResourceExhausted(
            "gunzip: decompressed size exceeds " + std::to_string(max_out) +
            " bytes");
        break;
      }
      out.resize(std::min(max_out, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows.
      if (inflateReset(&zs) != Z_OK) {
        status = Status::Corruption("gunzip: bad trailing member");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = Status::Corruption("gunzip: truncated gzip stream");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = Status::Corruption(std::string("gunzip: ") +
                                  (zs.msg ? zs.msg : "bad gzip data"));
      break;
    }
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  out.resize(produced);
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
               Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

namespace {

// Counts the top-level fields of a serialized message without parsing it.
// Corruption for malformed wire data.
Result<size_t> CountTopLevelFields(std::string_view raw) {
  size_t count = 0, pos = 0;
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
    uint64_t tag, v;
    if (!varint(&tag)) return Status::Corruption("not a pprof profile (bad field tag)");
    switch (tag & 7) {
      case 0:
        if (!varint(&v)) return Status::Corruption("not a pprof profile (bad varint)");
        break;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2:
        if (!varint(&v) || v > raw.size() - std::min(pos, raw.size())) {
          return Status::Corruption("not a pprof profile (bad length)");
        }
        pos += v;
        break;
      default:
        return Status::Corruption("not a pprof profile (bad wire type)");
    }
    ++count;
  }
  if (pos > raw.size()) return Status::Corruption("not a pprof profile (truncated)");
  return count;
}

}  // namespace

Status DecodeProfileInto(std::string_view data, Profile* profile,
                         const DecodeOptions& options) {
  std::string inflated;
  std::string_view raw = data;
  if (IsGzip(data)) {
    CPROF_ASSIGN_OR_RETURN(inflated, Gunzip(data, options.max_decompressed));
    raw = inflated;
  }
  if (raw.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted("profile larger than 2 GiB");
  }
  CPROF_ASSIGN_OR_RETURN(size_t elements, CountTopLevelFields(raw));
  if (elements > options.max_elements) {
    return Status::ResourceExhausted("profile has " + std::to_string(elements) +
                                     " elements, more than " +
                                     std::to_string(options.max_elements));
  }
  if (!profile->ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
    return Status::Corruption("not a pprof profile (protobuf parse failed)");
  }
  return ValidateProfile(*profile);
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
    return Status::Corruption("profile: " + std::string(where) +
                              " refers to string " + std::to_string(index) +
                              ", out of range");
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
  if (!str_ok(p.drop_frames()) || !str_ok(p.keep_frames()) ||
      !str_ok(p.default_sample_type()) || !str_ok(p.doc_url())) {
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
                                " refers to missing mapping " +
                                std::to_string(l.mapping_id()));
    }
    for (const auto& line : l.line()) {
      if (function_ids.Find(line.function_id()) < 0) {
        return Status::Corruption("profile: location " +
                                  std::to_string(l.id()) +
                                  " refers to missing function " +
                                  std::to_string(line.function_id()));
      }
    }
  }
  const int ntypes = p.sample_type_size();
  for (const auto& s : p.sample()) {
    if (s.value_size() != ntypes) {
      return Status::Corruption("profile: a sample has " +
                                std::to_string(s.value_size()) +
                                " values for " + std::to_string(ntypes) +
                                " sample types");
    }
    for (uint64_t id : s.location_id()) {
      if (location_ids.Find(id) < 0) {
        return Status::Corruption("profile: a sample refers to missing location " +
                                  std::to_string(id));
      }
    }
    for (const auto& label : s.label()) {
      if (!str_ok(label.key()) || !str_ok(label.str()) ||
          !str_ok(label.num_unit())) {
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
