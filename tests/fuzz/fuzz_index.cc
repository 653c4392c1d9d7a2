// libFuzzer harness: INDEX and TARGETS files (archive/index_file.h), read
// back from a directory in memory (/dev/shm), as readers read them.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "archive/index_file.h"
#include "archive/layout.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = [] {
    fs::path d = fs::path("/dev/shm") / ("cprof-fuzz-index-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  for (std::string_view name : {archive::kIndexFile, archive::kTargetsFile}) {
    std::ofstream(dir / std::string(name), std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  (void)archive::ReadIndexFile(dir, "0123456789abcdef");
  (void)archive::ReadIndexTarget(dir, "0123456789abcdef");
  (void)archive::ReadDayTargets(dir);
  return 0;
}
