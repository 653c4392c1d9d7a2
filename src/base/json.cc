#include "base/json.h"

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

// Replaces invalid UTF-8 sequences with U+FFFD so output is always valid JSON.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    }
    if (ok) {
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

void JsonWriter::Key(std::string_view key) {
  if (IsAscii(key)) {
    impl_->Do([&](auto& w) { w.Key(key.data(), key.size()); });
  } else {
    std::string clean = ValidUtf8(key);
    impl_->Do([&](auto& w) { w.Key(clean.data(), clean.size()); });
  }
}

void JsonWriter::String(std::string_view value) {
  if (IsAscii(value)) {
    impl_->Do([&](auto& w) { w.String(value.data(), value.size()); });
  } else {
    std::string clean = ValidUtf8(value);
    impl_->Do([&](auto& w) { w.String(clean.data(), clean.size()); });
  }
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

std::string JsonWriter::Take() {
  std::string out(impl_->buffer.GetString(), impl_->buffer.GetSize());
  bool pretty = impl_->pretty;
  impl_ = std::make_unique<Impl>(pretty);
  return out;
}

}  // namespace cprof
