// Helpers shared by the unit tests.
#ifndef CPROF_TESTS_TEST_UTIL_H_
#define CPROF_TESTS_TEST_UTIL_H_

#include <filesystem>
#include <string>
#include <thread>

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

// While one of these lives, every operator new throws std::bad_alloc,
// except on the thread that made it and on `also_spared`
// (tests/failing_new.cc replaces the test binary's global operator new):
// fault injection for code that runs work on threads of its own.
class FailAllocationsOnOtherThreads {
 public:
  explicit FailAllocationsOnOtherThreads(std::thread::id also_spared = {});
  ~FailAllocationsOnOtherThreads();
  FailAllocationsOnOtherThreads(const FailAllocationsOnOtherThreads&) = delete;
  FailAllocationsOnOtherThreads& operator=(const FailAllocationsOnOtherThreads&) = delete;
};

}  // namespace cprof::testing

#endif  // CPROF_TESTS_TEST_UTIL_H_
