#include "pprof/merge.h"

#include "pprof/id_index.h"

#include <algorithm>
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

// A sample's label, in output strings.
struct LabelRef {
  bool numeric;
  int64_t key, str, num, unit;
};

// Output elements (strings, functions, locations, samples) by their content: open
// addressing over their positions, each position's hash kept beside it;
// a probe compares the element itself. ~24 bytes an element where maps
// keyed by byte strings took ~330 for a sample (8 bytes a frame), most of
// a large merge's memory, and a lookup cost a node's cache misses.
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

// The output sample `s` has `locations` and `labels` (sorted as MapSample
// sorts them).
bool SameSample(const perftools::profiles::Sample& s, std::span<const uint64_t> locations,
                std::span<const LabelRef> labels) {
  if (static_cast<size_t>(s.location_id_size()) != locations.size() ||
      static_cast<size_t>(s.label_size()) != labels.size() ||
      !std::equal(locations.begin(), locations.end(), s.location_id().begin())) {
    return false;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& l = s.label(static_cast<int>(i));
    const LabelRef& r = labels[i];
    if ((l.str() == 0) != r.numeric || l.key() != r.key ||
        (r.numeric ? l.num() != r.num || l.num_unit() != r.unit : l.str() != r.str)) {
      return false;
    }
  }
  return true;
}

// A sample's hash, by its output locations and labels.
uint64_t HashSample(std::span<const uint64_t> locations, std::span<const LabelRef> labels) {
  Hasher h(locations.size());
  for (uint64_t id : locations) h.Mix(id);
  for (const LabelRef& l : labels) {
    h.Mix(static_cast<uint64_t>(l.key) << 1 | l.numeric);
    h.Mix(static_cast<uint64_t>(l.numeric ? l.num : l.str));
    h.Mix(static_cast<uint64_t>(l.unit));
  }
  return h.hash();
}

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
  PositionIndex functions, locations, samples;
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
    uint32_t lines_begin, lines_size;  // in location_key_lines
    bool folded;
  };
  std::vector<LocationKey> location_keys;
  std::vector<std::pair<uint64_t, int64_t>> location_key_lines;  // function id, line
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
  Maps MapStrings(const Profile& src) {
    Maps m(src);
    for (int i = 0; i < src.string_table_size(); ++i) m.str[i] = Intern(src.string_table(i));
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
    return locations.Find(hash, [&](int i) {
      const LocationKey& k = location_keys[i];
      return k.mapping_id == mapping_id && k.address == address && k.folded == folded &&
             k.lines_size == location_lines.size() &&
             std::equal(location_lines.begin(), location_lines.end(),
                        location_key_lines.begin() + k.lines_begin);
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
    for (int pos = 0; pos < src.function_size(); ++pos) {
      const auto [key, hash] = KeyOfFunction(src, m, pos);
      m.function[pos] = static_cast<uint64_t>(FindFunction(key, hash) + 1);
    }
    for (int pos = 0; pos < src.location_size(); ++pos) {
      const auto& sl = src.location(pos);
      std::pair<uint64_t, int64_t> mapped{0, 0};
      if (sl.mapping_id() != 0) {
        const int32_t mapping = m.mapping_index.Find(sl.mapping_id());
        if (!m.mapping_done[mapping]) continue;  // (a new mapping: a new location)
        mapped = m.mapping[mapping];
      }
      location_lines.clear();
      for (const auto& line : sl.line()) {
        const uint64_t function = m.function[m.function_index.Find(line.function_id())];
        if (function == 0) break;  // (a new function: a new location)
        location_lines.emplace_back(function, line.line());
      }
      if (location_lines.size() != static_cast<size_t>(sl.line_size())) continue;
      const uint64_t address =
          static_cast<uint64_t>(static_cast<int64_t>(sl.address()) + mapped.second);
      const uint64_t hash = HashLocation(mapped.first, address, sl.is_folded());
      m.location[pos] =
          static_cast<uint64_t>(FindLocation(mapped.first, address, sl.is_folded(), hash) + 1);
    }
  }

  // Reused by MapLocation and MapSample.
  std::vector<std::pair<uint64_t, int64_t>> location_lines;  // function id, line
  std::vector<uint64_t> sample_locations;
  std::vector<LabelRef> sample_labels;
  std::vector<int64_t> scaled;  // the sample's values times `factors`, when given

  // pprof's mapSample: adds `s` (its values times `factors`, when given) to
  // the output sample with the same locations and labels, or as a new one.
  // An input's sample whose values are all zero is dropped; a partial's
  // (`partial`) was made by non-zero ones and keeps their place.
  void MapSample(const Profile& src, Maps& m, const perftools::profiles::Sample& s, bool partial,
                 std::span<const int64_t> factors) {
    const int64_t* values = s.value().data();
    if (!factors.empty()) {
      scaled.resize(factors.size());
      for (size_t i = 0; i < factors.size(); ++i)
        scaled[i] = s.value(static_cast<int>(i)) * factors[i];
      values = scaled.data();
    }
    bool zero = true;
    for (int i = 0; i < s.value_size(); ++i) zero = zero && values[i] == 0;
    if (zero && !partial) return;
    sample_locations.clear();
    for (uint64_t id : s.location_id()) sample_locations.push_back(MapLocation(src, m, id));
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
    const uint64_t hash = HashSample(sample_locations, sample_labels);
    if (int found = samples.Find(
            hash,
            [&](int i) { return SameSample(out.sample(i), sample_locations, sample_labels); });
        found >= 0) {
      auto* merged = out.mutable_sample(found);
      for (int i = 0; i < s.value_size(); ++i) {
        merged->set_value(i, merged->value(i) + values[i]);
      }
      return;
    }
    samples.Add(hash);
    auto* ns = out.add_sample();
    ns->mutable_location_id()->Add(sample_locations.begin(), sample_locations.end());
    ns->mutable_value()->Add(values, values + s.value_size());
    for (const LabelRef& l : sample_labels) {
      auto* nl = ns->add_label();
      nl->set_key(l.key);
      if (l.numeric) {
        nl->set_num(l.num);
        nl->set_num_unit(l.unit);
      } else {
        nl->set_str(l.str);
      }
    }
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
  if (st.count > 0) st.ResolveKnown(src, m);
  for (const auto& s : src.sample()) st.MapSample(src, m, s, partial, factors);
  st.time_reset = st.time_reset || time_reset;
  ++st.count;
  return Status::OK();
}

Result<Merger::Partial> Merger::FinishPartial() {
  State& st = *state_;
  if (st.count == 0) return Status::InvalidArgument("no profiles to merge");
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
