// libFuzzer harness: times, durations, sizes and profile IDs as users and
// URLs write them (base/time.h, base/size.h, archive/layout.h). An instant
// of years 0000-9999 prints as RFC 3339 that reads back to it; a valid ID
// prints back as it was written.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "archive/layout.h"
#include "base/size.h"
#include "base/time.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const int64_t kYear0 = DayStartMs(CivilDay{0, 1, 1});
  static const int64_t kYear10000 = DayStartMs(CivilDay{10000, 1, 1});
  if (auto ms = ParseTimeArg(text, 1'795'000'000'000);
      ms.ok() && *ms >= kYear0 && *ms < kYear10000) {
    auto again = ParseRfc3339Ms(FormatRfc3339Ms(*ms));
    if (!again.ok() || *again != *ms) __builtin_trap();
  }
  (void)ParseDuration(text);
  (void)ParseSize(text, int64_t{1} << 40);
  if (auto key = archive::ParseId(text); key.ok()) {
    if (archive::FormatId(*key) != text) __builtin_trap();
  }
  return 0;
}
