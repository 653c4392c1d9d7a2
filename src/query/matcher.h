// Label matchers, as Prometheus writes them: key=value, key!=value,
// key=~RE2, key!~RE2. Thread-safe once built (const use only).
//
// Keys are the built-in labels _job, _app, _host, _type, or a user label.
// As in Prometheus, a label an entry does not have matches as "", and
// regular expressions are anchored at both ends.
#ifndef CPROF_QUERY_MATCHER_H_
#define CPROF_QUERY_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archive/sidecar.h"
#include "base/status.h"

namespace re2 {
class RE2;
}

namespace cprof::query {

class Matcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };

  // Parses "key=value" etc. InvalidArgument for a bad key, a missing
  // operator, or a regular expression RE2 rejects.
  static Result<Matcher> Parse(std::string_view text);
  // The same from parts (the HTTP API's lbs[key]=value is an equality).
  static Result<Matcher> Make(std::string_view key, Op op, std::string_view value);

  bool Matches(const archive::Sidecar& sidecar) const;
  bool MatchesValue(std::string_view value) const;

  const std::string& key() const { return key_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }
  std::string ToString() const;

 private:
  std::string key_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // for kRegex and kNotRegex
};

// All must match (any_of = false), or one is enough (any_of = true). An empty
// list matches everything.
bool MatchAll(const std::vector<Matcher>& matchers, bool any_of, const archive::Sidecar& sidecar);

// True for _job _app _host _type and for well-formed user label names.
bool ValidLabelKey(std::string_view key);

}  // namespace cprof::query

#endif  // CPROF_QUERY_MATCHER_H_
