#include "base/size.h"

#include <string>

namespace cprof {
namespace {

// `bytes` as ParseSize reads it back: 4GiB, 1TiB... for a power-of-two
// multiple of a unit; else bytes ("1000B").
std::string FormatBinarySize(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int i = 0;
  while (i < 5 && bytes % 1024 == 0 && bytes >= 1024) {
    bytes /= 1024;
    ++i;
  }
  return std::to_string(bytes) + kUnits[i];
}

}  // namespace

Result<int64_t> ParseSize(std::string_view text, int64_t max) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = text.substr(digits);
  int shift = -1;
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit == "KiB" || unit == "K" || unit == "k")
    shift = 10;
  else if (unit == "MiB" || unit == "M")
    shift = 20;
  else if (unit == "GiB" || unit == "G")
    shift = 30;
  else if (unit == "TiB" || unit == "T")
    shift = 40;
  if (digits == 0 || digits > 15 || shift < 0) {
    return Status::InvalidArgument("bad size \"" + std::string(text.substr(0, 40)) +
                                   "\" (want e.g. 64MiB, 512KiB, 50GiB, 1048576)");
  }
  int64_t n = std::stoll(std::string(text.substr(0, digits)));
  if (n <= 0 || n > (max >> shift)) {
    return Status::InvalidArgument("must be between 1 byte and " + FormatBinarySize(max));
  }
  return n << shift;
}

}  // namespace cprof
