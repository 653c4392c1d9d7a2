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

bool Mergeable(std::string_view name) {
  const ProfileType* t = FindProfileType(name);
  return t == nullptr || t->mergeable;
}

bool HasSamples(std::string_view name) { return SuffixOf(name) == kProfileSuffix; }

}  // namespace cprof
