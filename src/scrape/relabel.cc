#include "scrape/relabel.h"

#include <re2/re2.h>

#include <array>

#include "base/hash.h"

namespace cprof::scrape {
namespace {

constexpr std::array<std::pair<std::string_view, RelabelRule::Action>, 7> kActions = {{
    {"replace", RelabelRule::Action::kReplace},
    {"keep", RelabelRule::Action::kKeep},
    {"drop", RelabelRule::Action::kDrop},
    {"hashmod", RelabelRule::Action::kHashMod},
    {"labelmap", RelabelRule::Action::kLabelMap},
    {"labeldrop", RelabelRule::Action::kLabelDrop},
    {"labelkeep", RelabelRule::Action::kLabelKeep},
}};

// Prometheus's template ($1, ${1}, $$) with `re`'s groups of the last match.
std::string Expand(std::string_view text, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t start = i + 1, end = start;
    const bool braced = text[start] == '{';
    if (braced) ++start, end = start;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == start || (braced && (end == text.size() || text[end] != '}'))) {
      out += text[i];  // not a group reference: as written
      continue;
    }
    size_t n = std::stoul(std::string(text.substr(start, end - start)));
    if (n < groups.size()) out.append(groups[n].data(), groups[n].size());
    i = braced ? end : end - 1;
  }
  return out;
}

// Whether `re` matches all of `value`; `groups` gets the whole match and
// its groups.
bool Match(const re2::RE2& re, std::string_view value, std::vector<re2::StringPiece>* groups) {
  groups->assign(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1, re2::StringPiece());
  return re.Match(value, 0, value.size(), re2::RE2::ANCHOR_BOTH, groups->data(),
                  static_cast<int>(groups->size()));
}

std::string Joined(const LabelSet& labels, const RelabelRule& rule) {
  std::string out;
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) out += rule.separator;
    auto it = labels.find(rule.source_labels[i]);
    if (it != labels.end()) out += it->second;
  }
  return out;
}

uint64_t HashOf(std::string_view value) {
  std::string bytes = BytesOfHex(Sha256Hex(value).substr(0, 16));
  uint64_t h = 0;
  for (unsigned char c : bytes) h = h << 8 | c;
  return h;
}

}  // namespace

Result<RelabelRule::Action> ParseRelabelAction(std::string_view name) {
  for (const auto& [n, action] : kActions) {
    if (n == name) return action;
  }
  return Status::InvalidArgument(
      "unknown action \"" + std::string(name.substr(0, 40)) +
      "\" (known: replace keep drop hashmod labelmap labeldrop labelkeep)");
}

Result<std::shared_ptr<const re2::RE2>> CompileRelabelRegex(std::string_view regex) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>("^(?:" + std::string(regex) + ")$", options);
  if (!re->ok())
    return Status::InvalidArgument("bad regex \"" + std::string(regex) + "\": " + re->error());
  return re;
}

Status ValidateRelabelRule(const RelabelRule& rule) {
  using A = RelabelRule::Action;
  if ((rule.action == A::kReplace || rule.action == A::kHashMod) && rule.target_label.empty()) {
    return Status::InvalidArgument("target-label is required for this action");
  }
  if (rule.action == A::kHashMod && rule.modulus == 0) {
    return Status::InvalidArgument("modulus (at least 1) is required for hashmod");
  }
  if ((rule.action == A::kKeep || rule.action == A::kDrop || rule.action == A::kHashMod) &&
      rule.source_labels.empty()) {
    return Status::InvalidArgument("source-labels are required for this action");
  }
  if (rule.regex == nullptr) return Status::InvalidArgument("no regex");
  return Status::OK();
}

std::optional<LabelSet> Relabel(LabelSet labels, const std::vector<RelabelRule>& rules) {
  using A = RelabelRule::Action;
  std::vector<re2::StringPiece> groups;
  for (const RelabelRule& rule : rules) {
    switch (rule.action) {
      case A::kReplace: {
        const std::string value = Joined(labels, rule);
        if (!Match(*rule.regex, value, &groups)) break;
        std::string target = Expand(rule.target_label, groups);
        std::string result = Expand(rule.replacement, groups);
        if (target.empty()) break;
        if (result.empty()) {
          labels.erase(target);
        } else {
          labels[target] = std::move(result);
        }
        break;
      }
      case A::kKeep:
        if (!Match(*rule.regex, Joined(labels, rule), &groups)) return std::nullopt;
        break;
      case A::kDrop:
        if (Match(*rule.regex, Joined(labels, rule), &groups)) return std::nullopt;
        break;
      case A::kHashMod:
        labels[rule.target_label] = std::to_string(HashOf(Joined(labels, rule)) % rule.modulus);
        break;
      case A::kLabelMap: {
        LabelSet added;
        for (const auto& [name, value] : labels) {
          if (Match(*rule.regex, name, &groups)) added[Expand(rule.replacement, groups)] = value;
        }
        for (auto& [name, value] : added) {
          if (!name.empty()) labels[name] = std::move(value);
        }
        break;
      }
      case A::kLabelDrop:
      case A::kLabelKeep:
        std::erase_if(labels, [&](const auto& label) {
          return Match(*rule.regex, label.first, &groups) == (rule.action == A::kLabelDrop);
        });
        break;
    }
  }
  return labels;
}

}  // namespace cprof::scrape
