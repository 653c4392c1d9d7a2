#include "pprof/label_nodes.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "pprof/units.h"
#include "pprof/view.h"

namespace cprof::pprof {
namespace {

// pprof's internLoc: one location (and its function) per (name, key), new
// ones numbered after the profile's largest ids.
class LabelLocations {
 public:
  explicit LabelLocations(Profile& p) : p_(p) {
    for (const auto& l : p.location()) next_location_ = std::max(next_location_, l.id() + 1);
    for (const auto& f : p.function()) next_function_ = std::max(next_function_, f.id() + 1);
    for (int i = 0; i < p.string_table_size(); ++i) strings_.emplace(p.string_table(i), i);
  }

  uint64_t Intern(const std::string& name, const std::string& key) {
    auto [it, added] = locations_.try_emplace({name, key}, next_location_);
    if (!added) return it->second;
    auto* fn = p_.add_function();
    fn->set_id(next_function_++);
    fn->set_name(Str(name));
    fn->set_filename(Str(key));
    auto* loc = p_.add_location();
    loc->set_id(next_location_++);
    loc->add_line()->set_function_id(fn->id());
    return it->second;
  }

 private:
  int64_t Str(const std::string& s) {
    auto [it, added] = strings_.try_emplace(s, p_.string_table_size());
    if (added) p_.add_string_table(s);
    return it->second;
  }

  Profile& p_;
  uint64_t next_location_ = 1, next_function_ = 1;
  std::unordered_map<std::string, int64_t> strings_;
  std::map<std::pair<std::string, std::string>, uint64_t> locations_;
};

// pprof's formatLabelValues: the sample's string values of `key`, then its
// numeric ones, each scaled from its own unit to the "minimum" one.
std::string LabelValues(const Profile& p, const perftools::profiles::Sample& s,
                        const std::string& key) {
  std::vector<std::string> values;
  for (const auto& l : s.label()) {
    if (IsStringLabel(l) && p.string_table(l.key()) == key)
      values.push_back(p.string_table(l.str()));
  }
  for (const auto& l : s.label()) {
    if (IsNumericLabel(l) && p.string_table(l.key()) == key) {
      values.push_back(ScaledLabel(l.num(), p.string_table(l.num_unit()), "minimum"));
    }
  }
  std::string joined;
  for (size_t i = 0; i < values.size(); ++i) joined += (i ? "," : "") + values[i];
  return joined;
}

// pprof's makeLabelLocs: a location per key, the last key's first; whether
// the sample has a value of any key is `*matched`.
std::vector<uint64_t> MakeLabelLocations(const Profile& p, const perftools::profiles::Sample& s,
                                         const std::vector<std::string>& keys,
                                         LabelLocations& locations, bool* matched) {
  std::vector<uint64_t> ids;
  for (auto key = keys.rbegin(); key != keys.rend(); ++key) {
    bool has = std::any_of(s.label().begin(), s.label().end(), [&](const auto& l) {
      return (IsStringLabel(l) || IsNumericLabel(l)) && p.string_table(l.key()) == *key;
    });
    if (has) *matched = true;
    ids.push_back(locations.Intern(LabelValues(p, s, *key), *key));
  }
  return ids;
}

}  // namespace

std::vector<std::string> SplitLabelKeys(std::string_view text) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) keys.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return keys;
}

LabelNodesFound AddLabelNodes(Profile& profile, const std::vector<std::string>& root_keys,
                              const std::vector<std::string>& leaf_keys) {
  LabelNodesFound found;
  if (root_keys.empty() && leaf_keys.empty()) return found;
  LabelLocations locations(profile);
  for (auto& s : *profile.mutable_sample()) {
    std::vector<uint64_t> roots = MakeLabelLocations(profile, s, root_keys, locations, &found.root);
    std::vector<uint64_t> leaves =
        MakeLabelLocations(profile, s, leaf_keys, locations, &found.leaf);
    // Leaf first: the leaves' frames, the stack, then the roots' frames.
    std::vector<uint64_t> stack = std::move(leaves);
    stack.insert(stack.end(), s.location_id().begin(), s.location_id().end());
    stack.insert(stack.end(), roots.begin(), roots.end());
    s.clear_location_id();
    for (uint64_t id : stack) s.add_location_id(id);
  }
  return found;
}

}  // namespace cprof::pprof
