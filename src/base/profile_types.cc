#include "base/profile_types.h"

namespace cprof {

const ProfileType* FindProfileType(std::string_view name) {
  for (const ProfileType& t : kProfileTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string_view SuffixOf(std::string_view name) {
  const ProfileType* t = FindProfileType(name);
  return t != nullptr ? t->suffix : kProfileSuffix;
}

bool HasSamples(std::string_view name) {
  const ProfileType* t = FindProfileType(name);
  return t == nullptr || t->has_samples;
}

}  // namespace cprof
