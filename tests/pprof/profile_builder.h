// Builds small profiles for tests: stacks of function names, leaf first.
#ifndef CPROF_TESTS_PPROF_PROFILE_BUILDER_H_
#define CPROF_TESTS_PPROF_PROFILE_BUILDER_H_

#include <map>
#include <string>
#include <vector>

#include "pprof/codec.h"

namespace cprof::testing {

class ProfileBuilder {
 public:
  // `types`: {type, unit} pairs. `id_offset` shifts every id, so two
  // builders number the same things differently.
  explicit ProfileBuilder(std::vector<std::pair<std::string, std::string>> types,
                          uint64_t id_offset = 0);

  // A sample over `stack` (leaf first); each element a function name, or
  // "a+b" for a location with b inlined into a (innermost last); a name may
  // end in "@LINE" for its line number (default 10).
  ProfileBuilder& Sample(const std::vector<std::string>& stack, std::vector<int64_t> values,
                         std::map<std::string, std::string> labels = {});
  // A numeric label on the last sample: `key` = `num`, in `unit` ("" none).
  ProfileBuilder& NumLabel(const std::string& key, int64_t num, const std::string& unit = "");
  // The source file (default "/src/NAME.go") and start line (default 0) of
  // function `name`.
  ProfileBuilder& Source(const std::string& name, const std::string& file, int64_t start_line);
  ProfileBuilder& Header(int64_t time_nanos, int64_t duration_nanos, int64_t period);
  ProfileBuilder& Comment(const std::string& c);

  pprof::Profile Build() const { return p_; }

 private:
  int64_t Str(const std::string& s);
  uint64_t Function(const std::string& name);
  uint64_t Location(const std::string& spec);

  pprof::Profile p_;
  uint64_t offset_;
  std::map<std::string, int64_t> strings_;
  std::map<std::string, uint64_t> functions_, locations_;
};

}  // namespace cprof::testing

#endif  // CPROF_TESTS_PPROF_PROFILE_BUILDER_H_
