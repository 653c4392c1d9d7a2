// Helpers shared by the unit tests.
#ifndef CPROF_TESTS_TEST_UTIL_H_
#define CPROF_TESTS_TEST_UTIL_H_

#include <filesystem>
#include <string>

namespace cprof::testing {

// The bytes of tests/data/<name>.
std::string ReadTestData(const std::string& name);

// A fresh empty directory, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace cprof::testing

#endif  // CPROF_TESTS_TEST_UTIL_H_
