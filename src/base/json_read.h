// Reading parsed JSON leniently (RapidJSON values): what a member holds, or
// a default when it is absent or of another type. For input whose every
// field is optional (the targets' state, Kubernetes objects); sidecars,
// whose fields are required, are read strictly (archive/sidecar.cc).
// Thread-safe: pure functions.
#ifndef CPROF_BASE_JSON_READ_H_
#define CPROF_BASE_JSON_READ_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

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

}  // namespace cprof

#endif  // CPROF_BASE_JSON_READ_H_
