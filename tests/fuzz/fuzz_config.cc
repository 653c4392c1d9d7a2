// libFuzzer harness: the config loader and file_sd files (scrape/config.h),
// both YAML (file_sd also JSON, a subset), both read with yaml-cpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scrape/config.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)scrape::ParseConfig(text, "fuzz.yml");
  (void)scrape::ParseTargetGroups(text, "fuzz.json");
  return 0;
}
