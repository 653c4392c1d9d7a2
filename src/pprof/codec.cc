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

// A reader of protobuf wire data: varints, and lengths checked against what
// is left. Every method returns false on malformed data.
class WireReader {
 public:
  explicit WireReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()) {}

  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && p_ < end_; shift += 7) {
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << (shift < 64 ? shift : 0);
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  // The bytes of a length-delimited field, after its tag.
  bool Bytes(WireReader* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = WireReader(std::string_view(reinterpret_cast<const char*>(p_), n));
    p_ += n;
    return true;
  }

  // Skips a field of wire type `type` after its tag.
  bool Skip(uint64_t type) {
    uint64_t v;
    WireReader bytes("");
    switch (type) {
      case 0:
        return Varint(&v);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(&bytes);
      case 5:
        return Advance(4);
      default:
        return false;
    }
  }

  // The varints left (the elements of a packed field).
  size_t CountVarints() const {
    size_t n = 0;
    for (const uint8_t* q = p_; q < end_; ++q) n += (*q & 0x80) == 0;
    return n;
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

// A field's varints (wire type 2: packed; 0: one) into `*field`, reserved to fit
// first: protobuf's parser grows a packed field by doubling, and on an
// arena every outgrown array stays (480 bytes for 30 frames, not 240).
template <typename Int>
bool ReadVarints(WireReader& in, uint64_t type, google::protobuf::RepeatedField<Int>* field) {
  uint64_t v;
  if (type == 0) {
    if (!in.Varint(&v)) return false;
    field->Add(static_cast<Int>(v));
    return true;
  }
  WireReader packed("");
  if (!in.Bytes(&packed)) return false;
  field->Reserve(field->size() + static_cast<int>(packed.CountVarints()));
  while (!packed.done()) {
    if (!packed.Varint(&v)) return false;
    field->Add(static_cast<Int>(v));
  }
  return true;
}

bool ParseLabel(WireReader in, perftools::profiles::Label* label) {
  while (!in.done()) {
    uint64_t tag, v;
    if (!in.Varint(&tag)) return false;
    const uint64_t field = tag >> 3, type = tag & 7;
    if (field >= 1 && field <= 4 && type == 0) {
      if (!in.Varint(&v)) return false;
      const auto n = static_cast<int64_t>(v);
      if (field == 1) label->set_key(n);
      if (field == 2) label->set_str(n);
      if (field == 3) label->set_num(n);
      if (field == 4) label->set_num_unit(n);
    } else if (field == 0 || !in.Skip(type)) {
      return false;
    }
  }
  return true;
}

// One Sample message, as protobuf's parser reads it (unknown fields
// skipped), its repeated fields sized to fit.
bool ParseSample(WireReader in, perftools::profiles::Sample* sample) {
  while (!in.done()) {
    uint64_t tag;
    if (!in.Varint(&tag)) return false;
    const uint64_t field = tag >> 3, type = tag & 7;
    WireReader label("");
    bool ok;
    if (field == 1 && (type == 0 || type == 2)) {
      ok = ReadVarints(in, type, sample->mutable_location_id());
    } else if (field == 2 && (type == 0 || type == 2)) {
      ok = ReadVarints(in, type, sample->mutable_value());
    } else if (field == 3 && type == 2) {
      ok = in.Bytes(&label) && ParseLabel(label, sample->add_label());
    } else {
      ok = field != 0 && in.Skip(type);
    }
    if (!ok) return false;
  }
  return true;
}

// Parses `raw` into the empty `*profile`. The samples (most of a profile's
// bytes), when they come as one run of fields as Go writes them, are
// parsed by ParseSample, a large profile's in pieces on several threads
// into messages on the profile's arena, and added in order; the rest by
// protobuf. The result is what one parse of `raw` gives.
bool ParseProfile(std::string_view raw, const FieldScan& scan, unsigned threads, Profile* profile) {
  const std::vector<uint32_t>& starts = scan.sample_starts;
  if (starts.empty()) return profile->ParseFromArray(raw.data(), static_cast<int>(raw.size()));
  if (!MergeFields(raw.substr(0, starts.front()), profile) ||
      !MergeFields(raw.substr(scan.samples_end), profile)) {
    return false;
  }
  constexpr size_t kBytesPerThread = size_t{4} << 20;
  size_t pieces = std::min<size_t>(raw.size() / kBytesPerThread, starts.size() / 1024);
  if (pieces >= 2) {  // asking for the cores reads sysfs: not for every small profile
    if (threads == 0) threads = std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
    pieces = std::min<size_t>(pieces, threads);
  }
  pieces = std::max<size_t>(pieces, 1);
  google::protobuf::Arena* arena = profile->GetArena();
  std::vector<perftools::profiles::Sample*> samples(starts.size());
  auto parse = [&](size_t piece) {
    const size_t first = piece * starts.size() / pieces,
                 last = (piece + 1) * starts.size() / pieces;
    for (size_t i = first; i < last; ++i) {
      const size_t end = i + 1 < starts.size() ? starts[i + 1] : scan.samples_end;
      WireReader field(raw.substr(starts[i], end - starts[i])), body("");
      uint64_t tag;
      // (an arena's allocations are thread-safe)
      samples[i] = google::protobuf::Arena::CreateMessage<perftools::profiles::Sample>(arena);
      if (!field.Varint(&tag) || !field.Bytes(&body) || !ParseSample(body, samples[i])) {
        return false;
      }
    }
    return true;
  };
  std::vector<char> ok(pieces, 0);
  std::vector<std::thread> workers;
  for (size_t i = 1; i < pieces; ++i) workers.emplace_back([&, i] { ok[i] = parse(i); });
  ok[0] = parse(0);
  for (std::thread& t : workers) t.join();
  bool parsed = std::find(ok.begin(), ok.end(), 0) == ok.end();
  auto* field = profile->mutable_sample();
  field->Reserve(static_cast<int>(starts.size()));
  for (auto* sample : samples) {
    if (sample == nullptr) continue;  // (a failed piece's rest)
    if (arena != nullptr) {
      field->UnsafeArenaAddAllocated(sample);
    } else {
      field->AddAllocated(sample);  // takes ownership
    }
  }
  return parsed;
}

// ScanFields, for a profile within the options' caps (ResourceExhausted
// otherwise).
Result<FieldScan> ScanWithinCaps(std::string_view raw, const DecodeOptions& options) {
  if (raw.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted("profile larger than 2 GiB");
  }
  CPROF_ASSIGN_OR_RETURN(FieldScan scan, ScanFields(raw));
  if (scan.fields > options.max_elements) {
    return Status::ResourceExhausted("profile has " + std::to_string(scan.fields) +
                                     " elements, more than " +
                                     std::to_string(options.max_elements));
  }
  return scan;
}

}  // namespace

Status DecodeProfileInto(std::string_view data, Profile* profile, const DecodeOptions& options) {
  std::string inflated;
  std::string_view raw = data;
  if (IsGzip(data)) {
    CPROF_ASSIGN_OR_RETURN(inflated, Gunzip(data, options.max_decompressed));
    raw = inflated;
  }
  CPROF_ASSIGN_OR_RETURN(FieldScan scan, ScanWithinCaps(raw, options));
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

namespace {

// ValidateProfile's checks of everything but the samples; `*location_ids`
// is set to the locations' index (for ValidateSample).
Status ValidateHeader(const Profile& p, IdIndex* location_ids) {
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
  *location_ids = IndexById(p.location(), &duplicate);
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
  return Status::OK();
}

// ValidateProfile's checks of one sample of `p` (whose locations
// `location_ids` indexes).
Status ValidateSample(const Profile& p, const IdIndex& location_ids,
                      const perftools::profiles::Sample& s) {
  const int ntypes = p.sample_type_size();
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
  const int64_t nstrings = p.string_table_size();
  auto str_ok = [&](int64_t index) { return index >= 0 && index < nstrings; };
  for (const auto& label : s.label()) {
    if (!str_ok(label.key()) || !str_ok(label.str()) || !str_ok(label.num_unit())) {
      return Status::Corruption("profile: sample label refers to string " +
                                std::to_string(label.key()) + ", out of range");
    }
  }
  return Status::OK();
}

}  // namespace

Status ValidateProfile(const Profile& p) {
  IdIndex location_ids(0, 0);
  CPROF_RETURN_IF_ERROR(ValidateHeader(p, &location_ids));
  for (const auto& s : p.sample()) {
    CPROF_RETURN_IF_ERROR(ValidateSample(p, location_ids, s));
  }
  return Status::OK();
}

namespace {

// Whether the serialized sample field `field` (its tag, length and body)
// has a label among its fields; false too when it is malformed (then
// parsing it fails).
bool HasLabel(std::string_view field) {
  WireReader in(field), body("");
  uint64_t tag;
  if (!in.Varint(&tag) || !in.Bytes(&body)) return false;
  while (!body.done()) {
    if (!body.Varint(&tag)) return false;
    if (tag == (3 << 3 | 2)) return true;
    if ((tag >> 3) == 0 || !body.Skip(tag & 7)) return false;
  }
  return false;
}

}  // namespace

Result<StreamedProfile> StreamedProfile::Decode(std::string data, const DecodeOptions& options) {
  StreamedProfile p;
  if (IsGzip(data)) {
    CPROF_ASSIGN_OR_RETURN(p.raw_, Gunzip(data, options.max_decompressed));
    std::string().swap(data);
  } else {
    p.raw_ = std::move(data);
  }
  const std::string_view raw = p.raw_;
  CPROF_ASSIGN_OR_RETURN(FieldScan scan, ScanWithinCaps(raw, options));
  const Status parse_failed = Status::Corruption("not a pprof profile (protobuf parse failed)");
  if (scan.sample_starts.empty()) {  // no samples, or not as one run: parsed as DecodeProfile does
    if (!p.header_.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) return parse_failed;
    CPROF_RETURN_IF_ERROR(ValidateProfile(p.header_));
    p.parsed_samples_.Swap(p.header_.mutable_sample());
    std::string().swap(p.raw_);
    p.location_index_ = IndexById(p.header_.location());
    p.any_labels_ = std::any_of(p.parsed_samples_.begin(), p.parsed_samples_.end(),
                                [](const auto& s) { return s.label_size() > 0; });
    return p;
  }
  if (!MergeFields(raw.substr(0, scan.sample_starts.front()), &p.header_) ||
      !MergeFields(raw.substr(scan.samples_end), &p.header_)) {
    return parse_failed;
  }
  p.sample_starts_ = std::move(scan.sample_starts);
  p.samples_end_ = scan.samples_end;
  if (Status header = ValidateHeader(p.header_, &p.location_index_); !header.ok()) {
    // DecodeProfile tells a sample that does not parse first.
    perftools::profiles::Sample sample;
    for (size_t i = 0; i < p.sample_starts_.size(); ++i) {
      if (!p.ParseSampleAt(i, &sample)) return parse_failed;
    }
    return header;
  }
  for (size_t i = 0; i < p.sample_starts_.size() && !p.any_labels_; ++i) {
    const size_t end = i + 1 < p.sample_starts_.size() ? p.sample_starts_[i + 1] : p.samples_end_;
    p.any_labels_ = HasLabel(raw.substr(p.sample_starts_[i], end - p.sample_starts_[i]));
  }
  return p;
}

int StreamedProfile::sample_count() const {
  return sample_starts_.empty() ? parsed_samples_.size() : static_cast<int>(sample_starts_.size());
}

bool StreamedProfile::ParseSampleAt(size_t i, perftools::profiles::Sample* sample) const {
  const size_t end = i + 1 < sample_starts_.size() ? sample_starts_[i + 1] : samples_end_;
  WireReader field(std::string_view(raw_).substr(sample_starts_[i], end - sample_starts_[i])),
      body("");
  uint64_t tag;
  sample->Clear();  // (keeps its arrays and label messages for the next)
  return field.Varint(&tag) && field.Bytes(&body) && ParseSample(body, sample);
}

Status StreamedProfile::ForEachSample(
    const std::function<Status(int, const perftools::profiles::Sample&)>& fn) const {
  Status invalid, failed;
  perftools::profiles::Sample parsed;
  const int n = sample_count();
  for (int i = 0; i < n; ++i) {
    const perftools::profiles::Sample* sample = &parsed;
    if (sample_starts_.empty()) {
      sample = &parsed_samples_[i];
    } else if (!ParseSampleAt(static_cast<size_t>(i), &parsed)) {
      return Status::Corruption("not a pprof profile (protobuf parse failed)");
    }
    if (!invalid.ok()) continue;  // only a sample that does not parse comes first now
    invalid = ValidateSample(header_, location_index_, *sample);
    if (invalid.ok() && failed.ok()) failed = fn(i, *sample);
  }
  return invalid.ok() ? failed : invalid;
}

std::string EncodeProfile(const Profile& profile, bool gzip) {
  std::string raw = profile.SerializeAsString();
  return gzip ? Gzip(raw) : raw;
}

}  // namespace cprof::pprof
