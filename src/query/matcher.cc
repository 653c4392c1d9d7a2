#include "query/matcher.h"

#include <re2/re2.h>

namespace cprof::query {

bool ValidLabelKey(std::string_view key) {
  if (key == "_job" || key == "_app" || key == "_host" || key == "_type") {
    return true;
  }
  if (key.empty() || key[0] == '_' || (key[0] >= '0' && key[0] <= '9')) {
    return false;
  }
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<Matcher> Matcher::Make(std::string_view key, Op op, std::string_view value) {
  if (!ValidLabelKey(key)) {
    return Status::InvalidArgument(
        "bad label name \"" + std::string(key.substr(0, 100)) +
        "\" (built-ins: _job _app _host _type; user labels: letters, digits, _)");
  }
  Matcher m;
  m.key_ = std::string(key);
  m.op_ = op;
  m.value_ = std::string(value);
  if (op == Op::kRegex || op == Op::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(8 << 20);
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      return Status::InvalidArgument("bad regular expression \"" + m.value_ + "\": " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

Result<Matcher> Matcher::Parse(std::string_view text) {
  // The first operator wins: "a=b!=c" is a = "b!=c".
  size_t pos = text.find_first_of("=!");
  if (pos == std::string_view::npos || pos == 0) {
    return Status::InvalidArgument("bad matcher \"" + std::string(text.substr(0, 100)) +
                                   "\" (want key=value, key!=value, key=~regex or key!~regex)");
  }
  std::string_view key = text.substr(0, pos);
  std::string_view rest = text.substr(pos);
  Op op;
  size_t len;
  if (rest.rfind("=~", 0) == 0) {
    op = Op::kRegex;
    len = 2;
  } else if (rest.rfind("!~", 0) == 0) {
    op = Op::kNotRegex;
    len = 2;
  } else if (rest.rfind("!=", 0) == 0) {
    op = Op::kNotEqual;
    len = 2;
  } else if (rest[0] == '=') {
    op = Op::kEqual;
    len = 1;
  } else {
    return Status::InvalidArgument("bad matcher \"" + std::string(text.substr(0, 100)) +
                                   "\" (want key=value, key!=value, key=~regex or key!~regex)");
  }
  return Make(key, op, rest.substr(len));
}

bool Matcher::MatchesValue(std::string_view v) const {
  switch (op_) {
    case Op::kEqual:
      return v == value_;
    case Op::kNotEqual:
      return v != value_;
    case Op::kRegex:
      return RE2::FullMatch(v, *re_);
    case Op::kNotRegex:
      return !RE2::FullMatch(v, *re_);
  }
  return false;
}

bool Matcher::Matches(const archive::Sidecar& sidecar) const {
  const std::string* v = archive::LabelValue(sidecar, key_);
  return MatchesValue(v == nullptr ? std::string_view() : std::string_view(*v));
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  return key_ + kOps[static_cast<int>(op_)] + value_;
}

bool MatchAll(const std::vector<Matcher>& matchers, bool any_of, const archive::Sidecar& sidecar) {
  if (matchers.empty()) return true;
  for (const Matcher& m : matchers) {
    bool ok = m.Matches(sidecar);
    if (any_of && ok) return true;
    if (!any_of && !ok) return false;
  }
  return !any_of;
}

}  // namespace cprof::query
