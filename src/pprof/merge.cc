#include "pprof/merge.h"

#include "pprof/id_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cprof::pprof {
namespace {

// Keys are byte strings of fixed-width fields: cheap to build and hash.
void Put(std::string* key, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  key->append(buf, 8);
}

// Byte-string keys, looked up by string_view: a key that is found (the
// common case) costs no allocation.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename V>
using KeyMap = std::unordered_map<std::string, V, KeyHash, std::equal_to<>>;

// Output elements (strings, functions, locations) by their content: open
// addressing over their positions, each position's hash kept beside it;
// a probe compares the element itself. ~24 bytes an element, where maps
// keyed by byte strings cost a node's allocation and cache misses.
class PositionIndex {
 public:
  // The position of the element with `hash` for which same(position)
  // holds, or -1.
  template <typename Same>
  int Find(uint64_t hash, Same&& same) const {
    if (slots_.empty()) return -1;
    const uint32_t tag = Tag(hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot slot = slots_[i];
      if (slot.position == 0) return -1;
      const int pos = static_cast<int>(slot.position - 1);
      if (slot.tag == tag && same(pos)) return pos;
    }
  }

  // Adds the next position, with `hash`.
  void Add(uint64_t hash) {
    if (2 * (hashes_.size() + 1) > slots_.size()) Grow();
    hashes_.push_back(hash);
    Place(static_cast<uint32_t>(hashes_.size()));
  }

 private:
  // A probe compares the hash's top bits in the slot before it loads
  // anything else: most probes then touch one cache line.
  struct Slot {
    uint32_t position = 0;  // + 1; 0: empty
    uint32_t tag = 0;
  };
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  void Place(uint32_t position) {
    const uint64_t hash = hashes_[position - 1];
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].position == 0) {
        slots_[i] = {position, Tag(hash)};
        return;
      }
    }
  }

  void Grow() {
    slots_.assign(std::max<size_t>(1024, 2 * slots_.size()), Slot{});
    mask_ = slots_.size() - 1;
    for (uint32_t position = 1; position <= hashes_.size(); ++position) Place(position);
  }

  std::vector<Slot> slots_;
  std::vector<uint64_t> hashes_;  // by position, for Grow
  size_t mask_ = 0;
};

// Hashes fixed-width values, one after another.
class Hasher {
 public:
  explicit Hasher(uint64_t seed) : h_(seed) {}
  void Mix(uint64_t v) { h_ = MixHash()(h_ ^ v) + 0x9e3779b97f4a7c15ULL; }
  uint64_t hash() const { return h_; }

 private:
  uint64_t h_;
};

// The output's samples while merging, as flat arrays rather than
// messages, written out as messages when the merge finishes. A sample is
// found by its key (its output locations and labels in 32-bit words; see
// AppendKey) in open addressing whose slot points at the key's words: a
// probe reads the slot and the words, where a message cost a pointer
// chase a field (most of a large merge's time was those misses). Lookups
// come in batches, their slots and then their keys prefetched first.
class SampleTable {
 public:
  // A key's hash: its words two at a time, then MixHash's finalizer.
  static uint64_t Hash(std::span<const uint32_t> key) {
    uint64_t h = key.size();
    size_t i = 0;
    for (; i + 1 < key.size(); i += 2) {
      h = std::rotl((h ^ (uint64_t{key[i]} | uint64_t{key[i + 1]} << 32)) * 0x9e3779b97f4a7c15ULL,
                    29);
    }
    if (i < key.size()) h = std::rotl((h ^ key[i]) * 0x9e3779b97f4a7c15ULL, 29);
    return MixHash()(h);
  }

  size_t size() const { return keys_.size(); }
  std::span<const uint32_t> key(size_t i) const { return keys_[i]; }
  std::span<const int64_t> values(size_t i, size_t width) const {
    return {values_.data() + i * width, width};
  }

  // Frees what only lookups need: the table then only reads keys out.
  void EndLookups() {
    slots_ = {};
    hashes_ = {};
  }

  // Frees the blocks of keys before sample i's (which are read out in order).
  void FreeKeysBefore(size_t i) {
    while (freed_blocks_ + 1 < blocks_.size() && block_first_key_[freed_blocks_ + 1] <= i) {
      blocks_[freed_blocks_++] = {};
    }
  }

  // Brings the slot of a key with `hash` into the cache.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  // Then, the slot being in the cache, the key and values of the sample
  // it holds when that has the same hash (most likely, the same sample).
  void PrefetchSample(uint64_t hash, size_t width) const {
    if (slots_.empty()) return;
    const Slot& slot = slots_[hash & mask_];
    if (slot.position == 0 || slot.tag != static_cast<uint32_t>(hash >> 32)) return;
    __builtin_prefetch(slot.key);
    __builtin_prefetch(values_.data() + (slot.position - 1) * width);
  }

  // Adds `values` to those of the sample with `key`, or adds it.
  void Add(std::span<const uint32_t> key, uint64_t hash, std::span<const int64_t> values) {
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    if (!slots_.empty()) {
      for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
        const Slot& slot = slots_[i];
        if (slot.position == 0) break;
        if (slot.tag != tag || slot.key_size != key.size() ||
            !std::equal(key.begin(), key.end(), slot.key)) {
          continue;
        }
        int64_t* sum = values_.data() + (slot.position - 1) * values.size();
        for (size_t v = 0; v < values.size(); ++v) sum[v] += values[v];
        return;
      }
    }
    if (2 * (hashes_.size() + 1) > slots_.size()) Grow();
    hashes_.push_back(hash);
    keys_.push_back(Store(key));
    values_.insert(values_.end(), values.begin(), values.end());
    Place(hashes_.size());
  }

 private:
  struct Slot {
    const uint32_t* key;
    uint32_t key_size;
    uint32_t position;  // + 1; 0: empty
    uint32_t tag;       // the hash's top bits
  };

  void Place(size_t position) {
    const uint64_t hash = hashes_[position - 1];
    const std::span<const uint32_t> key = keys_[position - 1];
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].position == 0) {
        slots_[i] = {key.data(), static_cast<uint32_t>(key.size()), static_cast<uint32_t>(position),
                     static_cast<uint32_t>(hash >> 32)};
        return;
      }
    }
  }

  // A copy of `key` in the blocks, which never move: the slots point into
  // them, and they are freed one by one as the samples are read out.
  std::span<const uint32_t> Store(std::span<const uint32_t> key) {
    if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < key.size()) {
      blocks_.emplace_back().reserve(std::max(kBlockWords, key.size()));
      block_first_key_.push_back(keys_.size());
    }
    std::vector<uint32_t>& block = blocks_.back();
    block.insert(block.end(), key.begin(), key.end());
    return {block.data() + block.size() - key.size(), key.size()};
  }

  void Grow() {
    slots_.assign(std::max<size_t>(1024, 2 * slots_.size()), Slot{});
    mask_ = slots_.size() - 1;
    for (size_t position = 1; position <= hashes_.size(); ++position) Place(position);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  std::vector<uint64_t> hashes_;  // by position, for Grow
  static constexpr size_t kBlockWords = 64 << 10;
  std::vector<std::vector<uint32_t>> blocks_;
  std::vector<size_t> block_first_key_;  // by block: the first sample whose key it holds
  size_t freed_blocks_ = 0;
  std::vector<std::span<const uint32_t>> keys_;  // by position
  std::vector<int64_t> values_;                  // sample i: values_[i * width, (i + 1) * width)
};

std::string DescribeTypes(const Profile& p) {
  std::string s = "[";
  for (int i = 0; i < p.sample_type_size(); ++i) {
    if (i) s += ' ';
    s += p.string_table(p.sample_type(i).type()) + "/" + p.string_table(p.sample_type(i).unit());
  }
  return s + "]";
}

}  // namespace

struct Merger::State {
  OwnedProfile result = OwnedProfile::OnArena();  // built on an arena: no malloc a message
  Profile& out = *result;
  std::string first_name;
  int count = 0;
  bool time_reset = false;  // an input had no time: see Merger::Partial
  PositionIndex strings;    // positions in out.string_table
  KeyMap<uint64_t> mappings;
  PositionIndex functions, locations;
  SampleTable samples;
  // What functions and locations are found by, by position, beside the
  // output's messages: a lookup reads one array instead of chasing the
  // pointers of a message (most of a large merge's time was such misses).
  struct FunctionKey {
    int64_t name, system_name, filename, start_line;
    bool operator==(const FunctionKey&) const = default;
  };
  std::vector<FunctionKey> function_keys;
  struct LocationKey {
    uint64_t mapping_id, address;
    uint32_t lines_begin, lines_size;  // in a table of lines beside the keys
    bool folded;

    // Whether this key (its lines in `table`) is that of `other`, with `lines`.
    bool Same(const std::vector<std::pair<uint64_t, int64_t>>& table, const LocationKey& other,
              std::span<const std::pair<uint64_t, int64_t>> lines) const {
      return mapping_id == other.mapping_id && address == other.address && folded == other.folded &&
             lines_size == lines.size() &&
             std::equal(lines.begin(), lines.end(), table.begin() + lines_begin);
    }
  };
  std::vector<LocationKey> location_keys;
  std::vector<std::pair<uint64_t, int64_t>> location_key_lines;  // function id, line
  // The previous input's tables by their positions in it: where each
  // string, function and location went in the output (0 for a function or
  // location: none), and the keys of its functions and locations in output
  // terms. Profiles of one program list their tables in much the same
  // order, so an input's element is first compared with the previous
  // input's at its position, both read in order, where a hash lookup costs
  // a cache miss or two an element (most of a heap merge's time). The keys
  // are the output's identity of an element, so a match is the element a
  // lookup would find, and a miss costs one comparison.
  struct Previous {
    std::vector<int64_t> str;
    std::vector<uint64_t> function, location;
    std::string strings;              // the strings, one after another
    std::vector<size_t> string_ends;  // string i: strings[end of i - 1, string_ends[i])
    std::vector<FunctionKey> function_keys;
    std::vector<LocationKey> location_keys;  // lines_size kUnknown: not known
    std::vector<std::pair<uint64_t, int64_t>> location_lines;
    static constexpr uint32_t kUnknown = UINT32_MAX;

    // The output index of the string at `pos` when it was `s`, or -1.
    int64_t String(size_t pos, std::string_view s) const {
      if (pos >= str.size()) return -1;
      const size_t begin = pos == 0 ? 0 : string_ends[pos - 1];
      return std::string_view(strings).substr(begin, string_ends[pos] - begin) == s ? str[pos] : -1;
    }
    // The output position of the function at `pos` when it had `key`, or -1.
    int Function(size_t pos, const FunctionKey& key) const {
      return pos < function.size() && function[pos] != 0 && function_keys[pos] == key
                 ? static_cast<int>(function[pos]) - 1
                 : -1;
    }
    // The output position of the location at `pos` when it had that key, or -1.
    int Location(size_t pos, const LocationKey& key,
                 std::span<const std::pair<uint64_t, int64_t>> lines) const {
      if (pos >= location.size() || location[pos] == 0) return -1;
      return location_keys[pos].Same(location_lines, key, lines)
                 ? static_cast<int>(location[pos]) - 1
                 : -1;
    }
  };
  Previous previous, next;  // next: the keys of the input being added
  std::unordered_set<std::string> comments;
  // Reused buffers for the keys being built, one a kind (they nest).
  std::string mapping_key;

  int64_t Intern(const std::string& s) {
    const uint64_t hash = std::hash<std::string_view>()(s);
    int found = strings.Find(hash, [&](int i) { return out.string_table(i) == s; });
    if (found < 0) {
      strings.Add(hash);
      out.add_string_table(s);
      found = out.string_table_size() - 1;
    }
    return found;
  }

  // Per input profile: its string indices and ids in the output, by the
  // input's positions (0 = not mapped yet), and its positions by id.
  struct Maps {
    explicit Maps(const Profile& src)
        : str(src.string_table_size()),
          function(src.function_size()),
          location(src.location_size()),
          mapping(src.mapping_size()),
          mapping_done(src.mapping_size()),
          mapping_index(IndexById(src.mapping())),
          function_index(IndexById(src.function())),
          location_index(IndexById(src.location())) {}
    std::vector<int64_t> str;
    std::vector<uint64_t> function, location;
    std::vector<std::pair<uint64_t, int64_t>> mapping;  // id, address offset
    std::vector<bool> mapping_done;
    IdIndex mapping_index, function_index, location_index;
  };

  // The maps of `src`, its strings interned (all of them, in order, first).
  // Each string is first looked for where the previous input's string at
  // its position went (see Previous).
  Maps MapStrings(const Profile& src) {
    Maps m(src);
    next.strings.clear();
    next.string_ends.clear();
    for (int i = 0; i < src.string_table_size(); ++i) {
      const std::string& s = src.string_table(i);
      const size_t pos = static_cast<size_t>(i);
      m.str[pos] = previous.String(pos, s);
      if (m.str[pos] < 0) m.str[pos] = Intern(s);
      next.strings += s;
      next.string_ends.push_back(next.strings.size());
    }
    return m;
  }

  // pprof's Profile.Compatible: the same period type and sample types as
  // the result's, by their strings. InvalidArgument naming both otherwise.
  Status Compatible(const Profile& src, std::string_view name) const {
    auto same =
        [&](const perftools::profiles::ValueType& a, const perftools::profiles::ValueType& b) {
      return out.string_table(a.type()) == src.string_table(b.type()) &&
             out.string_table(a.unit()) == src.string_table(b.unit());
    };
    bool ok = same(out.period_type(), src.period_type()) &&
              out.sample_type_size() == src.sample_type_size();
    for (int i = 0; ok && i < out.sample_type_size(); ++i) {
      ok = same(out.sample_type(i), src.sample_type(i));
    }
    if (ok) return Status::OK();
    return Status::InvalidArgument("cannot merge " + std::string(name) + " " + DescribeTypes(src) +
                                   " with " + first_name + " " + DescribeTypes(out) +
                                   ": profiles must have the same sample types and period type");
  }

  // pprof's combineHeaders, one input at a time: the first input's types
  // and frames, the earliest time (a running minimum that an input without
  // a time restarts, as does `restart_time`: a partial merge that saw one),
  // the durations summed, the largest period, each distinct comment once,
  // the first default sample type.
  void CombineHeaders(const Profile& src, const Maps& m, bool restart_time) {
    if (count == 0) {
      for (const auto& t : src.sample_type()) {
        auto* vt = out.add_sample_type();
        vt->set_type(m.str[t.type()]);
        vt->set_unit(m.str[t.unit()]);
      }
      out.mutable_period_type()->set_type(m.str[src.period_type().type()]);
      out.mutable_period_type()->set_unit(m.str[src.period_type().unit()]);
      out.set_drop_frames(m.str[src.drop_frames()]);
      out.set_keep_frames(m.str[src.keep_frames()]);
    }
    if (restart_time || out.time_nanos() == 0 || src.time_nanos() < out.time_nanos()) {
      out.set_time_nanos(src.time_nanos());
    }
    out.set_duration_nanos(out.duration_nanos() + src.duration_nanos());
    if (out.period() == 0 || out.period() < src.period()) out.set_period(src.period());
    for (int64_t c : src.comment()) {
      if (comments.insert(src.string_table(c)).second) out.add_comment(m.str[c]);
    }
    if (out.default_sample_type() == 0 && src.default_sample_type() != 0) {
      out.set_default_sample_type(m.str[src.default_sample_type()]);
    }
  }

  // pprof's mapMapping: the output mapping of input mapping `id` (0: none)
  // and what to add to an input address to make it an output one.
  std::pair<uint64_t, int64_t> MapMapping(const Profile& src, Maps& m, uint64_t id) {
    if (id == 0) return {0, 0};
    int32_t pos = m.mapping_index.Find(id);
    if (pos < 0) return {0, 0};  // validated profiles never get here
    if (m.mapping_done[pos] || FindMapping(src, m, pos)) return m.mapping[pos];
    const perftools::profiles::Mapping& sm = src.mapping(pos);
    auto* om = out.add_mapping();
    *om = sm;
    om->set_id(static_cast<uint64_t>(out.mapping_size()));
    om->set_filename(m.str[sm.filename()]);
    om->set_build_id(m.str[sm.build_id()]);
    mappings.emplace(mapping_key, om->id());  // (as FindMapping left it)
    m.mapping[pos] = {om->id(), 0};
    m.mapping_done[pos] = true;
    return m.mapping[pos];
  }

  // Whether the output has input mapping `pos` already; if so, maps it.
  // Leaves its key in mapping_key.
  bool FindMapping(const Profile& src, Maps& m, int32_t pos) {
    const perftools::profiles::Mapping& sm = src.mapping(pos);
    uint64_t size = sm.memory_limit() - sm.memory_start();
    size = size + 0xfff;
    size -= size % 0x1000;
    std::string& key = mapping_key;
    key.clear();
    Put(&key, size);
    Put(&key, sm.file_offset());
    const std::string& build_id = src.string_table(sm.build_id());
    key += build_id.empty() ? src.string_table(sm.filename()) : build_id;
    auto found = mappings.find(key);
    if (found == mappings.end()) return false;
    const auto& om = out.mapping(static_cast<int>(found->second - 1));
    m.mapping[pos] = {found->second, static_cast<int64_t>(om.memory_start()) -
                                         static_cast<int64_t>(sm.memory_start())};
    m.mapping_done[pos] = true;
    return true;
  }

  // The key of input function `pos` (at src.function(pos)) and its hash.
  static std::pair<FunctionKey, uint64_t> KeyOfFunction(const Profile& src, const Maps& m,
                                                        int pos) {
    const auto& sf = src.function(pos);
    const FunctionKey key{m.str[sf.name()], m.str[sf.system_name()], m.str[sf.filename()],
                          sf.start_line()};
    Hasher h(static_cast<uint64_t>(key.start_line));
    h.Mix(static_cast<uint64_t>(key.name));
    h.Mix(static_cast<uint64_t>(key.system_name));
    h.Mix(static_cast<uint64_t>(key.filename));
    return {key, h.hash()};
  }

  // The output position of the function with `key`, or -1.
  int FindFunction(const FunctionKey& key, uint64_t hash) const {
    return functions.Find(hash, [&](int i) { return function_keys[i] == key; });
  }

  // pprof's mapFunction: the output function of input function `id`.
  uint64_t MapFunction(const Profile& src, Maps& m, uint64_t id) {
    int32_t pos = m.function_index.Find(id);
    if (m.function[pos] != 0) return m.function[pos];
    const auto [key, hash] = KeyOfFunction(src, m, pos);
    int found = FindFunction(key, hash);
    if (found < 0) {
      functions.Add(hash);
      function_keys.push_back(key);
      auto* f = out.add_function();
      f->set_id(static_cast<uint64_t>(out.function_size()));
      f->set_name(key.name);
      f->set_system_name(key.system_name);
      f->set_filename(key.filename);
      f->set_start_line(key.start_line);
      found = out.function_size() - 1;
    }
    m.function[pos] = static_cast<uint64_t>(found + 1);
    return m.function[pos];
  }

  // The hash of a location of output mapping `mapping_id` at output
  // `address`, its lines (output function ids) in location_lines.
  uint64_t HashLocation(uint64_t mapping_id, uint64_t address, bool folded) const {
    // pprof keys a location by its address relative to its mapping: for
    // locations of one mapping, the same as by the address.
    Hasher h(address);
    h.Mix(mapping_id << 1 | folded);
    for (const auto& [function_id, line] : location_lines) {
      h.Mix(function_id);
      h.Mix(static_cast<uint64_t>(line));
    }
    return h.hash();
  }

  // The output position of that location, or -1.
  int FindLocation(uint64_t mapping_id, uint64_t address, bool folded, uint64_t hash) const {
    const LocationKey key{mapping_id, address, 0, 0, folded};
    return locations.Find(hash, [&](int i) {
      return location_keys[i].Same(location_key_lines, key, location_lines);
    });
  }

  // pprof's mapLocation: the output location of input location `id`, keyed
  // by its mapping, its address relative to that, its lines and is_folded.
  uint64_t MapLocation(const Profile& src, Maps& m, uint64_t id) {
    int32_t pos = m.location_index.Find(id);
    if (m.location[pos] != 0) return m.location[pos];
    const auto& sl = src.location(pos);
    const auto [mapping_id, offset] = MapMapping(src, m, sl.mapping_id());
    const uint64_t address = static_cast<uint64_t>(static_cast<int64_t>(sl.address()) + offset);
    location_lines.clear();
    for (const auto& line : sl.line()) {
      location_lines.emplace_back(MapFunction(src, m, line.function_id()), line.line());
    }
    const uint64_t hash = HashLocation(mapping_id, address, sl.is_folded());
    int found = FindLocation(mapping_id, address, sl.is_folded(), hash);
    if (found < 0) {
      locations.Add(hash);
      location_keys.push_back({mapping_id, address,
                               static_cast<uint32_t>(location_key_lines.size()),
                               static_cast<uint32_t>(location_lines.size()), sl.is_folded()});
      location_key_lines.insert(location_key_lines.end(), location_lines.begin(),
                                location_lines.end());
      auto* l = out.add_location();
      l->set_id(static_cast<uint64_t>(out.location_size()));
      l->set_mapping_id(mapping_id);
      l->set_address(address);
      l->set_is_folded(sl.is_folded());
      for (size_t i = 0; i < location_lines.size(); ++i) {
        auto* line = l->add_line();
        line->set_function_id(location_lines[i].first);
        line->set_line(location_lines[i].second);
        if (sl.line(static_cast<int>(i)).column() != 0) {
          line->set_column(sl.line(static_cast<int>(i)).column());
        }
      }
      found = out.location_size() - 1;
    }
    m.location[pos] = static_cast<uint64_t>(found + 1);
    return m.location[pos];
  }

  // The mappings, functions and locations of `src` that the output has already,
  // looked up in the input's order, before its samples map the rest in
  // theirs (which gives their output ids, as pprof's): the inputs of one
  // program list them in the same order, so both sides are read in order
  // and a large merge no longer waits for a cache miss a lookup. What is
  // found is what MapFunction and MapLocation would find.
  void ResolveKnown(const Profile& src, Maps& m) {
    for (int pos = 0; pos < src.mapping_size(); ++pos) {
      if (!m.mapping_done[pos]) FindMapping(src, m, pos);
    }
    next.function_keys.clear();
    for (int pos = 0; pos < src.function_size(); ++pos) {
      const auto [key, hash] = KeyOfFunction(src, m, pos);
      next.function_keys.push_back(key);
      int found = previous.Function(static_cast<size_t>(pos), key);
      if (found < 0) found = FindFunction(key, hash);
      m.function[pos] = static_cast<uint64_t>(found + 1);
    }
    next.location_keys.clear();
    next.location_lines.clear();
    for (int pos = 0; pos < src.location_size(); ++pos) {
      const auto& sl = src.location(pos);
      LocationKey key{0, 0, 0, Previous::kUnknown, sl.is_folded()};
      std::pair<uint64_t, int64_t> mapped{0, 0};
      if (sl.mapping_id() != 0) {
        const int32_t mapping = m.mapping_index.Find(sl.mapping_id());
        if (!m.mapping_done[mapping]) {  // (a new mapping: a new location)
          next.location_keys.push_back(key);
          continue;
        }
        mapped = m.mapping[mapping];
      }
      location_lines.clear();
      for (const auto& line : sl.line()) {
        const uint64_t function = m.function[m.function_index.Find(line.function_id())];
        if (function == 0) break;  // (a new function: a new location)
        location_lines.emplace_back(function, line.line());
      }
      if (location_lines.size() != static_cast<size_t>(sl.line_size())) {
        next.location_keys.push_back(key);
        continue;
      }
      key.mapping_id = mapped.first;
      key.address = static_cast<uint64_t>(static_cast<int64_t>(sl.address()) + mapped.second);
      key.lines_begin = static_cast<uint32_t>(next.location_lines.size());
      key.lines_size = static_cast<uint32_t>(location_lines.size());
      next.location_keys.push_back(key);
      next.location_lines.insert(next.location_lines.end(), location_lines.begin(),
                                 location_lines.end());
      int found = previous.Location(static_cast<size_t>(pos), key, location_lines);
      if (found < 0) {
        const uint64_t hash = HashLocation(key.mapping_id, key.address, key.folded);
        found = FindLocation(key.mapping_id, key.address, key.folded, hash);
      }
      m.location[pos] = static_cast<uint64_t>(found + 1);
    }
  }

  // After an input's samples: what its tables mapped to is the next
  // input's Previous.
  void KeepAsPrevious(Maps& m) {
    next.str = std::move(m.str);
    next.function = std::move(m.function);
    next.location = std::move(m.location);
    std::swap(previous, next);
  }

  // Reused by MapLocation and MapSamples.
  std::vector<std::pair<uint64_t, int64_t>> location_lines;  // function id, line
  struct LabelRef {                                          // a sample's label, in output strings
    bool numeric;
    int64_t key, str, num, unit;
  };
  std::vector<LabelRef> sample_labels;
  struct Pending {  // a sample of the batch: its key and values in the buffers
    size_t key_begin, key_end, values_begin;
    uint64_t hash;
  };
  std::vector<Pending> batch;
  std::vector<uint32_t> batch_keys;
  std::vector<int64_t> batch_values;

  // Appends the key of input sample `s` to batch_keys: its location count,
  // its output locations, then its labels (sorted as pprof sorts them), a
  // string one as (key << 1, value), a numeric one as (key << 1 | 1, the
  // number's low and high words, unit). Output ids and string indices fit
  // 32 bits: the tables are far smaller than 4G elements.
  void AppendKey(const Profile& src, Maps& m, const perftools::profiles::Sample& s) {
    batch_keys.push_back(static_cast<uint32_t>(s.location_id_size()));
    for (uint64_t id : s.location_id()) {
      batch_keys.push_back(static_cast<uint32_t>(MapLocation(src, m, id)));
    }
    if (s.label_size() == 0) return;
    sample_labels.clear();
    for (const auto& l : s.label()) {
      if (l.str() != 0) {
        sample_labels.push_back({false, m.str[l.key()], m.str[l.str()], 0, 0});
      } else if (l.num() != 0 || l.num_unit() != 0) {
        sample_labels.push_back({true, m.str[l.key()], 0, l.num(), m.str[l.num_unit()]});
      }  // pprof drops labels with neither a string nor a number
    }
    // pprof groups label values by key (keeping their order) and sorts keys.
    std::stable_sort(sample_labels.begin(), sample_labels.end(),
                     [](const LabelRef& a, const LabelRef& b) {
      return std::tie(a.numeric, a.key) < std::tie(b.numeric, b.key);
    });
    for (const LabelRef& l : sample_labels) {
      batch_keys.push_back(static_cast<uint32_t>(l.key) << 1 | l.numeric);
      if (l.numeric) {
        batch_keys.push_back(static_cast<uint32_t>(l.num));
        batch_keys.push_back(static_cast<uint32_t>(static_cast<uint64_t>(l.num) >> 32));
        batch_keys.push_back(static_cast<uint32_t>(l.unit));
      } else {
        batch_keys.push_back(static_cast<uint32_t>(l.str));
      }
    }
  }

  // pprof's mapSample, for every sample of `src`: adds each (its values
  // times `factors`, when given) to the output sample with the same
  // locations and labels, or as a new one. An input's sample whose values
  // are all zero is dropped; a partial's (`partial`) was made by non-zero
  // ones and keeps its place. Samples go in batches: the keys of a batch
  // are made (mapping locations in sample order, which gives their ids),
  // their slots prefetched, then each added in order.
  void MapSamples(const Profile& src, Maps& m, bool partial, std::span<const int64_t> factors) {
    constexpr int kBatch = 16;
    const int width = src.sample_type_size();
    for (int first = 0; first < src.sample_size(); first += kBatch) {
      const int last = std::min(first + kBatch, src.sample_size());
      batch.clear();
      batch_keys.clear();
      batch_values.clear();
      for (int i = first; i < last; ++i) {
        const perftools::profiles::Sample& s = src.sample(i);
        const size_t values_begin = batch_values.size();
        bool zero = true;
        for (int v = 0; v < width; ++v) {
          const int64_t value = factors.empty() ? s.value(v) : s.value(v) * factors[v];
          batch_values.push_back(value);
          zero = zero && value == 0;
        }
        if (zero && !partial) {
          batch_values.resize(values_begin);
          continue;
        }
        const size_t key_begin = batch_keys.size();
        AppendKey(src, m, s);
        const uint64_t hash = SampleTable::Hash(
            std::span(batch_keys).subspan(key_begin, batch_keys.size() - key_begin));
        samples.Prefetch(hash);
        batch.push_back({key_begin, batch_keys.size(), values_begin, hash});
      }
      for (const Pending& p : batch) samples.PrefetchSample(p.hash, static_cast<size_t>(width));
      for (const Pending& p : batch) {
        samples.Add(std::span(batch_keys).subspan(p.key_begin, p.key_end - p.key_begin), p.hash,
                    std::span(batch_values).subspan(p.values_begin, width));
      }
    }
  }

  // Writes the samples out as the result's messages, in first-seen order,
  // and frees their table.
  void WriteSamples() {
    const size_t width = static_cast<size_t>(out.sample_type_size());
    auto* field = out.mutable_sample();
    field->Reserve(static_cast<int>(samples.size()));
    samples.EndLookups();
    for (size_t i = 0; i < samples.size(); ++i) {
      samples.FreeKeysBefore(i);
      const std::span<const uint32_t> key = samples.key(i);
      auto* ns = field->Add();
      const size_t locations = key[0];
      ns->mutable_location_id()->Reserve(static_cast<int>(locations));
      for (size_t j = 1; j <= locations; ++j) ns->add_location_id(key[j]);
      const std::span<const int64_t> values = samples.values(i, width);
      ns->mutable_value()->Add(values.begin(), values.end());
      for (size_t j = locations + 1; j < key.size();) {
        auto* nl = ns->add_label();
        nl->set_key(key[j] >> 1);
        if (key[j] & 1) {
          nl->set_num(static_cast<int64_t>(uint64_t{key[j + 1]} | uint64_t{key[j + 2]} << 32));
          nl->set_num_unit(key[j + 3]);
          j += 4;
        } else {
          nl->set_str(key[j + 1]);
          j += 2;
        }
      }
    }
    samples = SampleTable();
  }
};

void DropEmptyStacks(Profile* profile) {
  auto* samples = profile->mutable_sample();
  samples->erase(
      std::remove_if(
          samples->begin(), samples->end(),
          [](const perftools::profiles::Sample& s) { return s.location_id_size() == 0; }),
      samples->end());
}

Merger::Merger() : state_(std::make_unique<State>()) {}
Merger::~Merger() = default;
Merger::Merger(Merger&&) noexcept = default;
Merger& Merger::operator=(Merger&&) noexcept = default;

int Merger::count() const { return state_->count; }

Status Merger::Add(const Profile& src, std::string_view name) {
  return AddProfile(src, name, /*partial=*/false, /*time_reset=*/src.time_nanos() == 0);
}

Status Merger::AddScaled(const Profile& src, std::string_view name,
                         std::span<const int64_t> factors) {
  return AddProfile(src, name, /*partial=*/false, /*time_reset=*/src.time_nanos() == 0, factors);
}

Status Merger::AddPartial(const Partial& partial, std::string_view name) {
  return AddProfile(*partial.profile, name, /*partial=*/true, partial.time_reset);
}

Status Merger::AddProfile(const Profile& src, std::string_view name, bool partial, bool time_reset,
                          std::span<const int64_t> factors) {
  State& st = *state_;
  if (st.count == 0) {
    st.first_name = std::string(name);
    st.Intern("");
  } else {
    CPROF_RETURN_IF_ERROR(st.Compatible(src, name));
  }
  if (!factors.empty() && static_cast<int>(factors.size()) != src.sample_type_size()) {
    return Status::InvalidArgument(std::string(name) + ": one scale factor per sample type needed");
  }
  State::Maps m = st.MapStrings(src);
  st.CombineHeaders(src, m, partial && time_reset);
  if (st.out.mapping_size() == 0 && src.mapping_size() > 0) {
    st.MapMapping(src, m, src.mapping(0).id());  // the main binary stays first
  }
  st.ResolveKnown(src, m);
  st.MapSamples(src, m, partial, factors);
  st.KeepAsPrevious(m);
  st.time_reset = st.time_reset || time_reset;
  ++st.count;
  return Status::OK();
}

Result<Merger::Partial> Merger::FinishPartial() {
  State& st = *state_;
  if (st.count == 0) return Status::InvalidArgument("no profiles to merge");
  st.WriteSamples();
  Partial partial{std::move(st.result), st.time_reset};
  state_ = std::make_unique<State>();
  return partial;
}

Result<OwnedProfile> Merger::Finish() {
  CPROF_ASSIGN_OR_RETURN(Partial partial, FinishPartial());
  OwnedProfile out = std::move(partial.profile);
  // Samples that summed to zero are dropped, as pprof's re-merge does.
  auto* samples = out->mutable_sample();
  samples->erase(std::remove_if(
                     samples->begin(), samples->end(),
                     [](const perftools::profiles::Sample& s) {
    for (int64_t v : s.value()) {
      if (v != 0) return false;
    }
    return true;
                     }),
                 samples->end());
  return out;
}

}  // namespace cprof::pprof
