// Reading parsed JSON leniently (RapidJSON values): what a member holds, or
// a default when it is absent or of another type. For input whose every
// field is optional (the targets' state, Kubernetes objects); sidecars,
// whose fields are required, are read strictly (archive/sidecar.cc). And
// HasLoneLowSurrogate, which both use on the text. Thread-safe: pure
// functions.
#ifndef CPROF_BASE_JSON_READ_H_
#define CPROF_BASE_JSON_READ_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cprof {

// The member `key` of `o`; nullptr if `o` is not an object or has none.
inline const rapidjson::Value* JsonMember(const rapidjson::Value& o, const char* key) {
  if (!o.IsObject()) return nullptr;
  auto it = o.FindMember(key);
  return it != o.MemberEnd() ? &it->value : nullptr;
}

// The string member `key` of `o`; "" if there is none.
inline std::string JsonString(const rapidjson::Value& o, const char* key) {
  const rapidjson::Value* v = JsonMember(o, key);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                       : std::string();
}

// The integer member `key` of `o`; 0 if there is none.
inline int64_t JsonInt(const rapidjson::Value& o, const char* key) {
  const rapidjson::Value* v = JsonMember(o, key);
  return v != nullptr && v->IsInt64() ? v->GetInt64() : 0;
}

// True if `json` has a \u escape of a low surrogate (DC00-DFFF) not right
// after one of a high surrogate. RapidJSON 1.1 accepts it, even with
// kParseValidateEncodingFlag, and decodes it into bytes that are not UTF-8
// (ED B0-BF xx), which JsonWriter would write back as U+FFFD: a reader
// that wants what it reads to write back the same rejects such text.
inline bool HasLoneLowSurrogate(std::string_view json) {
  auto hex4 = [&](size_t at, unsigned* cp) {
    if (at + 4 > json.size()) return false;
    *cp = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char c = json[k];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return false;
      *cp = *cp * 16 + static_cast<unsigned>(d);
    }
    return true;
  };
  size_t high_end = std::string_view::npos;  // where the last high surrogate's escape ended
  for (size_t i = 0; i + 1 < json.size(); ++i) {
    if (json[i] != '\\') continue;
    unsigned cp;
    if (json[i + 1] == 'u' && hex4(i + 2, &cp)) {
      if (cp >= 0xDC00 && cp <= 0xDFFF && high_end != i) return true;
      high_end = cp >= 0xD800 && cp <= 0xDBFF ? i + 6 : std::string_view::npos;
      i += 5;
    } else {
      ++i;  // the escaped character, which may be a backslash
    }
  }
  return false;
}

}  // namespace cprof

#endif  // CPROF_BASE_JSON_READ_H_
