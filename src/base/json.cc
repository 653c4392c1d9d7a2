#include "base/json.h"

#include <cstdint>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cprof {

// Both writer kinds are kept; `pretty` picks one. RapidJSON's Writer checks
// UTF-8 only when asked (kWriteValidateEncodingFlag), so strings are cleaned
// here first.
struct JsonWriter::Impl {
  explicit Impl(bool p) : pretty(p), compact(buffer), indented(buffer) {
    indented.SetIndent(' ', 2);
  }
  bool pretty;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> compact;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> indented;

  template <typename F>
  void Do(F&& f) {
    if (pretty) {
      f(indented);
    } else {
      f(compact);
    }
  }
};

namespace {

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0:
// RFC 3629, so no overlong forms, no surrogates (U+D800..U+DFFF) and
// nothing beyond U+10FFFF.
size_t Utf8SequenceLength(std::string_view s) {
  const unsigned char c = static_cast<unsigned char>(s[0]);
  const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || len > s.size()) return 0;
  if (len == 1) return 1;
  uint32_t cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    const unsigned char b = static_cast<unsigned char>(s[k]);
    if ((b >> 6) != 2) return 0;
    cp = cp << 6 | (b & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// Replaces what is not well-formed UTF-8 with U+FFFD, a byte at a time, so
// that output is always valid JSON that reads back as written.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (size_t len = Utf8SequenceLength(s.substr(i)); len > 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Calls `f` with `s` itself where it is ASCII (nothing to check), else
// with ValidUtf8's copy of it.
template <typename F>
void WithValidUtf8(std::string_view s, F&& f) {
  if (IsAscii(s)) {
    f(s);
  } else {
    f(std::string_view(ValidUtf8(s)));
  }
}

}  // namespace

JsonWriter::JsonWriter(bool pretty) : impl_(std::make_unique<Impl>(pretty)) {}
JsonWriter::~JsonWriter() = default;
JsonWriter::JsonWriter(JsonWriter&&) noexcept = default;
JsonWriter& JsonWriter::operator=(JsonWriter&&) noexcept = default;

void JsonWriter::StartObject() {
  impl_->Do([](auto& w) { w.StartObject(); });
}
void JsonWriter::EndObject() {
  impl_->Do([](auto& w) { w.EndObject(); });
}
void JsonWriter::StartArray() {
  impl_->Do([](auto& w) { w.StartArray(); });
}
void JsonWriter::EndArray() {
  impl_->Do([](auto& w) { w.EndArray(); });
}

void JsonWriter::StartObject(std::string_view key) {
  Key(key);
  StartObject();
}
void JsonWriter::StartArray(std::string_view key) {
  Key(key);
  StartArray();
}

void JsonWriter::Key(std::string_view key) {
  WithValidUtf8(
      key, [&](std::string_view k) { impl_->Do([&](auto& w) { w.Key(k.data(), k.size()); }); });
}

void JsonWriter::String(std::string_view value) {
  WithValidUtf8(value, [&](std::string_view v) {
    impl_->Do([&](auto& w) { w.String(v.data(), v.size()); });
  });
}

void JsonWriter::Int64(int64_t v) {
  impl_->Do([&](auto& w) { w.Int64(v); });
}
void JsonWriter::Uint64(uint64_t v) {
  impl_->Do([&](auto& w) { w.Uint64(v); });
}
void JsonWriter::Double(double v) {
  impl_->Do([&](auto& w) { w.Double(v); });
}
void JsonWriter::Bool(bool v) {
  impl_->Do([&](auto& w) { w.Bool(v); });
}
void JsonWriter::Null() {
  impl_->Do([](auto& w) { w.Null(); });
}

void JsonWriter::Field(std::string_view key, std::string_view value) {
  Key(key);
  String(value);
}
void JsonWriter::Field(std::string_view key, const char* value) {
  Key(key);
  String(value);
}
void JsonWriter::Field(std::string_view key, bool value) {
  Key(key);
  Bool(value);
}
void JsonWriter::Field(std::string_view key, double value) {
  Key(key);
  Double(value);
}

std::string JsonWriter::Take() {
  std::string out(impl_->buffer.GetString(), impl_->buffer.GetSize());
  bool pretty = impl_->pretty;
  impl_ = std::make_unique<Impl>(pretty);
  return out;
}

}  // namespace cprof
