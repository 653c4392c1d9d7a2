// Relabeling of discovered targets, with Prometheus's semantics
// (relabel_config), so that its documentation applies: a job's rules run in
// order over a target's labels, and may rewrite, drop or keep it.
//
//   replace    target_label = replacement, with regex's groups of the
//              source labels' values joined by separator, if regex matches
//              (an empty result removes target_label)
//   keep/drop  the target, unless/if regex matches the joined value
//   hashmod    target_label = hash of the joined value % modulus
//              (SHA-256's first 8 bytes, big-endian: stable across hosts)
//   labelmap   each label whose name regex matches is copied to
//              replacement (with the name's groups)
//   labeldrop / labelkeep
//              the labels whose names regex matches / does not match go
//
// Regexes are RE2, anchored at both ends. In replacement (and a replace's
// target_label), $1 or ${1} is a group, $$ a dollar.
//
// Thread-safe: a RelabelRule is immutable; Relabel is a pure function.
#ifndef CPROF_SCRAPE_RELABEL_H_
#define CPROF_SCRAPE_RELABEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace re2 {
class RE2;
}

namespace cprof::scrape {

using LabelSet = std::map<std::string, std::string>;

struct RelabelRule {
  enum class Action { kReplace, kKeep, kDrop, kHashMod, kLabelMap, kLabelDrop, kLabelKeep };
  Action action = Action::kReplace;
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::shared_ptr<const re2::RE2> regex;  // anchored; "(.*)" by default
  std::string target_label;
  std::string replacement = "$1";
  uint64_t modulus = 0;
};

// The action named `name` ("replace", "keep", ...). InvalidArgument naming
// the known ones otherwise.
Result<RelabelRule::Action> ParseRelabelAction(std::string_view name);

// `regex` compiled anchored. InvalidArgument with RE2's reason.
Result<std::shared_ptr<const re2::RE2>> CompileRelabelRegex(std::string_view regex);

// InvalidArgument when `rule` lacks what its action needs (a target label
// for replace and hashmod, a modulus for hashmod, source labels for keep,
// drop and hashmod).
Status ValidateRelabelRule(const RelabelRule& rule);

// `labels` after `rules`; nullopt when a rule drops the target.
std::optional<LabelSet> Relabel(LabelSet labels, const std::vector<RelabelRule>& rules);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_RELABEL_H_
