// IdIndex: pprof ids (functions, locations, mappings) to positions. A plain
// vector when ids are dense, as Go writes them (1..n), else a hash map.
// Not thread-safe to build; const use is.
#ifndef CPROF_PPROF_ID_INDEX_H_
#define CPROF_PPROF_ID_INDEX_H_

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cprof::pprof {

// splitmix64's finalizer: ids chosen to collide under an identity hash
// (std::hash<uint64_t> in libstdc++) spread out here.
struct MixHash {
  size_t operator()(uint64_t x) const {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<size_t>(x ^ (x >> 31));
  }
};

class IdIndex {
 public:
  // Ready for `count` ids, the largest being `max_id`.
  IdIndex(size_t count, uint64_t max_id) {
    if (max_id <= 4 * count + 1024) {
      dense_.assign(max_id + 1, -1);
    } else {
      sparse_.reserve(count);
    }
  }

  // False if `id` is already present (or 0).
  bool Insert(uint64_t id, int32_t pos) {
    if (id == 0) return false;
    if (!dense_.empty()) {
      if (dense_[id] >= 0) return false;
      dense_[id] = pos;
      return true;
    }
    return sparse_.emplace(id, pos).second;
  }

  // The position of `id`, or -1.
  int32_t Find(uint64_t id) const {
    if (!dense_.empty()) return id < dense_.size() ? dense_[id] : -1;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? -1 : it->second;
  }

 private:
  std::vector<int32_t> dense_;
  std::unordered_map<uint64_t, int32_t, MixHash> sparse_;
};

// Builds the index of a repeated message field with an id() member;
// `duplicate` is set to the first repeated (or zero) id, else 0.
template <typename Repeated>
IdIndex IndexById(const Repeated& items, uint64_t* duplicate = nullptr) {
  uint64_t max_id = 0;
  for (const auto& item : items) max_id = std::max<uint64_t>(max_id, item.id());
  IdIndex index(static_cast<size_t>(items.size()), max_id);
  int32_t pos = 0;
  if (duplicate != nullptr) *duplicate = 0;
  for (const auto& item : items) {
    if (!index.Insert(item.id(), pos++) && duplicate != nullptr && *duplicate == 0) {
      *duplicate = item.id() == 0 ? UINT64_MAX : item.id();
    }
  }
  return index;
}

}  // namespace cprof::pprof

#endif  // CPROF_PPROF_ID_INDEX_H_
