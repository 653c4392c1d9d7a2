#include "pprof/view.h"

#include <algorithm>
#include <functional>
#include <span>
#include <unordered_map>

#include "pprof/filter.h"
#include "pprof/id_index.h"

namespace cprof::pprof {
namespace {

// The distinct location stacks of a profile's samples, each with a value
// for its caller: an open-addressing table over a compact copy of the
// stacks (as location positions), so that probing stays in the cache.
class StackTable {
 public:
  // The value of `stack`, and whether it is new (then the caller sets it).
  // The reference stays valid until the next Find.
  std::pair<uint32_t&, bool> Find(std::span<const int32_t> stack) {
    uint64_t h = stack.size();
    for (int32_t pos : stack) {
      h = (h ^ static_cast<uint32_t>(pos)) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    h = MixHash()(h);
    // Grown at half full: the table stays as small as the distinct stacks
    // (often far fewer than the samples).
    if (2 * (stacks_ + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.start == kEmpty) {
        slot.hash = h;
        slot.start = static_cast<uint32_t>(store_.size());
        store_.push_back(static_cast<int32_t>(stack.size()));
        store_.insert(store_.end(), stack.begin(), stack.end());
        ++stacks_;
        return {slot.value, true};
      }
      if (slot.hash == h && Stored(slot).size() == stack.size() &&
          std::equal(stack.begin(), stack.end(), Stored(slot).begin())) {
        return {slot.value, false};
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t start = kEmpty;  // in store_: the length, then the positions
    uint32_t value = 0;
  };

  std::span<const int32_t> Stored(const Slot& slot) const {
    return {store_.data() + slot.start + 1, static_cast<size_t>(store_[slot.start])};
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, 2 * old.size()), Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.start == kEmpty) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].start != kEmpty) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<int32_t> store_;
  size_t stacks_ = 0;
};

// Every (location, line) of every distinct stack is one frame: profiles
// whose stacks expand beyond what memory allows are refused.
constexpr size_t kMaxFrames = size_t{40} << 20;

// The filters applyFocus compiles: -focus, -ignore, -hide and -show, and
// -tagfocus and -tagignore (each null when not given).
struct Filters {
  NameFilters names;
  std::unique_ptr<TagFilter> tag_focus, tag_ignore;
};

// pprof's applyFocus, its compiling half: the options' filters, or
// InvalidArgument for the first bad expression.
Result<Filters> CompileFilters(const ReportOptions& o) {
  Filters f;
  CPROF_RETURN_IF_ERROR(CompileNameFilters(o, &f.names));
  CPROF_RETURN_IF_ERROR(CompileTagFilter("tag focus", o.tag_focus, &f.tag_focus));
  CPROF_RETURN_IF_ERROR(CompileTagFilter("tag ignore", o.tag_ignore, &f.tag_ignore));
  return f;
}

// Per location: its nodes (innermost line first), and pprof's focus state.
struct Loc {
  std::vector<uint32_t> nodes;
  int8_t focus = -1;  // -1 neither, 0 ignored, 1 focused
  bool hidden = false;
};

// pprof's NodeMap at function granularity: the view's nodes by identity.
class NodeMap {
 public:
  explicit NodeMap(View& v) : v_(v) {}

  // pprof's findOrInsertLine (with nodeInfo): the node of a line of a
  // location whose mapping's file is `objfile`: its function's name; for a
  // frame without one (`fn` null, or unnamed), the binary (and start line).
  uint32_t FindOrInsertLine(const Profile& p, const std::string& objfile,
                            const perftools::profiles::Function* fn) {
    static const std::string kEmpty;
    const std::string& name = fn ? p.string_table(fn->name()) : kEmpty;
    if (!name.empty()) return FindOrInsertNode(name, name);
    const int64_t start_line = fn ? fn->start_line() : 0;
    std::string printable = objfile.empty() ? "<unknown>" : "[" + Basename(objfile) + "]";
    return FindOrInsertNode(std::string("\0", 1) + objfile + '\0' + std::to_string(start_line),
                            printable);
  }

 private:
  // pprof's FindOrInsertNode: the node of `key`, added as `printable` when
  // new (a key that starts with a NUL is a frame without a name).
  uint32_t FindOrInsertNode(const std::string& key, const std::string& printable) {
    auto [it, inserted] = ids_.emplace(key, static_cast<uint32_t>(v_.names.size()));
    if (inserted) {
      v_.names.push_back(printable);
      v_.named.push_back(key.empty() || key[0] != '\0');
    }
    return it->second;
  }

  View& v_;
  std::unordered_map<std::string, uint32_t> ids_;
};

// pprof's CreateNodes over the locations as FilterSamplesByName leaves them:
// per location (by position), its focus state and its nodes, added to
// `v.names` and `v.named`.
std::vector<Loc> CreateNodes(const Profile& p, const NameFilters& names, View& v) {
  const IdIndex function_index = IndexById(p.function());
  const IdIndex mapping_index = IndexById(p.mapping());
  std::vector<Loc> locs(static_cast<size_t>(p.location_size()));
  NodeMap nodes(v);
  for (int li = 0; li < p.location_size(); ++li) {
    const auto& l = p.location(li);
    static const std::string kEmpty;
    int32_t mi = mapping_index.Find(l.mapping_id());
    const std::string& objfile = mi < 0 ? kEmpty : p.string_table(p.mapping(mi).filename());
    std::vector<const perftools::profiles::Function*> lines;
    for (const auto& line : l.line()) {
      int32_t fi = function_index.Find(line.function_id());
      lines.push_back(fi < 0 ? nullptr : &p.function(fi));
    }
    FilteredLocation filtered = FilterSamplesByName(p, names, objfile, std::move(lines));
    Loc loc;
    loc.focus = filtered.focus;
    loc.hidden = filtered.hidden;
    if (l.line_size() == 0) {
      loc.nodes.push_back(nodes.FindOrInsertLine(p, objfile, nullptr));
    } else {
      for (const perftools::profiles::Function* fn : filtered.lines) {
        loc.nodes.push_back(nodes.FindOrInsertLine(p, objfile, fn));
      }
    }
    locs[static_cast<size_t>(li)] = std::move(loc);
  }
  return locs;
}

// pprof's FilterSamplesByTag for one sample: whether -tagfocus (when given)
// matches it and -tagignore (when given) does not.
bool FilterSampleByTag(const Profile& p, const Filters& f, const perftools::profiles::Sample& s) {
  if (f.tag_focus && !f.tag_focus->Matches(p, s)) return false;
  if (f.tag_ignore && f.tag_ignore->Matches(p, s)) return false;
  return true;
}

// pprof's FilterSamplesByName for one sample (at location `positions`):
// whether it is focusedAndNotIgnored, and, when -hide or -show hides some
// locations (`any_hidden`), keeps one.
bool FilterSampleByName(std::span<const int32_t> positions, const std::vector<Loc>& locs,
                        bool any_hidden) {
  bool focused = false, ignored = false, all_hidden = !positions.empty();
  for (int32_t pos : positions) {
    const Loc& loc = locs[static_cast<size_t>(pos)];
    if (loc.focus == 0) {
      ignored = true;
      break;
    }
    if (loc.focus == 1) focused = true;
    if (!loc.hidden) all_hidden = false;
  }
  if (ignored || !focused) return false;
  if (any_hidden && all_hidden) return false;  // pprof drops such samples
  return true;
}

// pprof's newGraph walk of one sample (profile sample `si`, at location
// `positions`), as a stack of the view: its nodes root first, each
// location's lines outermost first, the hidden locations left out.
void AddSample(View& v, int si, int64_t value, std::span<const int32_t> positions,
               const std::vector<Loc>& locs, bool any_hidden) {
  for (auto pos = positions.rbegin(); pos != positions.rend(); ++pos) {
    const Loc& loc = locs[static_cast<size_t>(*pos)];
    if (any_hidden && loc.hidden) continue;
    const int n = static_cast<int>(loc.nodes.size());
    for (int ni = n - 1; ni >= 0; --ni) {
      v.frames.push_back({loc.nodes[static_cast<size_t>(ni)], ni != n - 1});
    }
  }
  v.kept_samples[static_cast<size_t>(si)] = true;
  v.values.push_back(value);
  v.sample_of.push_back(static_cast<uint32_t>(si));
  v.starts.push_back(static_cast<uint32_t>(v.frames.size()));
}

// The samples a view is built from, in order: a decoded profile's own, or a
// streamed profile's, each parsed as it is read.
struct SampleSource {
  using Visitor = std::function<Status(int, const perftools::profiles::Sample&)>;
  int count = 0;
  bool any_labels = false;  // whether any sample has a label
  // Calls its argument on each sample; the first error.
  std::function<Status(const Visitor&)> for_each;
};

SampleSource SamplesOf(const Profile& p) {
  return {p.sample_size(),
          std::any_of(p.sample().begin(), p.sample().end(),
                      [](const auto& s) { return s.label_size() > 0; }),
          [&p](const SampleSource::Visitor& visit) {
    for (int si = 0; si < p.sample_size(); ++si) {
      CPROF_RETURN_IF_ERROR(visit(si, p.sample(si)));
    }
    return Status::OK();
          }};
}

// pprof's computeTotal (the sum of |value| over every sample, before any
// filter, into v.total) and applyFocus over the samples
// (FilterSamplesByTag, then FilterSamplesByName) with newGraph's walk of
// each sample kept, as the view's stacks of sample type `index`, in one
// pass. ResourceExhausted beyond kMaxFrames.
Status AddSamples(const Profile& p, const SampleSource& samples, const Filters& filters,
                  const std::vector<Loc>& locs, int index, Stacks stacks_mode, View& v) {
  const IdIndex location_index = IndexById(p.location());
  // Samples with the same locations (differing only by labels) become one
  // stack of the view: reports are sums, so nothing changes but the work.
  // Without labels, Go's profiles hold each stack once already.
  const bool dedupe = stacks_mode == Stacks::kMerged && samples.any_labels;
  const bool any_hidden = filters.names.Hides();
  constexpr uint32_t kDropped = UINT32_MAX;  // a stack the filters drop
  StackTable stacks;
  std::vector<int32_t> positions;
  v.starts.push_back(0);
  v.kept_samples.assign(static_cast<size_t>(samples.count), false);
  return samples.for_each([&](int si, const perftools::profiles::Sample& s) {
    v.total += std::llabs(s.value(index));
    if (!FilterSampleByTag(p, filters, s)) return Status::OK();
    positions.clear();
    for (uint64_t id : s.location_id()) positions.push_back(location_index.Find(id));
    uint32_t* view_stack = nullptr;
    if (dedupe) {
      auto [value, fresh] = stacks.Find(positions);
      if (!fresh) {
        if (value != kDropped) {
          v.values[value] += s.value(index);
          v.kept_samples[static_cast<size_t>(si)] = true;
        }
        return Status::OK();
      }
      value = kDropped;
      view_stack = &value;
    }
    if (!FilterSampleByName(positions, locs, any_hidden)) return Status::OK();
    if (view_stack != nullptr) *view_stack = static_cast<uint32_t>(v.values.size());
    AddSample(v, si, s.value(index), positions, locs, any_hidden);
    if (v.frames.size() > kMaxFrames) {
      return Status::ResourceExhausted("profile stacks expand to more than " +
                                       std::to_string(kMaxFrames) + " frames");
    }
    return Status::OK();
  });
}

// BuildView of the header `p` and its samples.
Result<View> BuildViewOf(const Profile& p, const SampleSource& samples, const ReportOptions& o,
                         Stacks stacks_mode) {
  // A sample DecodeProfile rejects is told before the options' faults, as
  // when the profile was decoded whole before the report.
  auto after_samples = [&](const Status& bad_option) {
    CPROF_RETURN_IF_ERROR(
        samples.for_each([](int, const perftools::profiles::Sample&) { return Status::OK(); }));
    return bad_option;
  };
  View v;
  Result<int> index = SampleIndex(p, o.sample_index);
  if (!index.ok()) return after_samples(index.status());
  v.sample_type = p.string_table(p.sample_type(*index).type());
  v.sample_unit = p.string_table(p.sample_type(*index).unit());  // as written, as pprof keeps it
  Result<Filters> filters = CompileFilters(o);
  if (!filters.ok()) return after_samples(filters.status());
  const std::vector<Loc> locs = CreateNodes(p, filters->names, v);
  CPROF_RETURN_IF_ERROR(AddSamples(p, samples, *filters, locs, *index, stacks_mode, v));
  return v;
}

}  // namespace

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<View> BuildView(const Profile& p, const ReportOptions& o, Stacks stacks_mode) {
  return BuildViewOf(p, SamplesOf(p), o, stacks_mode);
}

Result<View> BuildView(const StreamedProfile& p, const ReportOptions& o, Stacks stacks_mode) {
  SampleSource samples{p.sample_count(), p.any_labels(),
                       [&p](const SampleSource::Visitor& visit) { return p.ForEachSample(visit); }};
  return BuildViewOf(p.profile(), samples, o, stacks_mode);
}

Result<int> SampleIndex(const Profile& p, std::string_view sample_index) {
  const int n = p.sample_type_size();
  if (sample_index.empty()) {
    const std::string& dst = p.string_table(p.default_sample_type());
    if (!dst.empty()) {
      for (int i = 0; i < n; ++i) {
        if (p.string_table(p.sample_type(i).type()) == dst) return i;
      }
    }
    return n - 1;
  }
  bool numeric = std::all_of(sample_index.begin(), sample_index.end(),
                             [](char c) { return c >= '0' && c <= '9'; });
  if (numeric && sample_index.size() < 6) {
    int i = std::stoi(std::string(sample_index));
    if (i < n) return i;
  }
  std::string_view name = sample_index;
  if (name.rfind("sample_index=", 0) == 0) name.remove_prefix(13);
  std::string known;
  for (int i = 0; i < n; ++i) {
    const std::string& t = p.string_table(p.sample_type(i).type());
    if (t == name) return i;
    known += (i ? ", " : "") + t;
  }
  return Status::InvalidArgument("sample index \"" + std::string(sample_index) +
                                 "\" must be one of: " + known);
}

}  // namespace cprof::pprof
