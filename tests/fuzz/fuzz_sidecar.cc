// libFuzzer harness: the sidecar reader (archive/sidecar.h). What it accepts
// must survive its own serialization.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "archive/sidecar.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sidecar = archive::ParseSidecar(text);
  if (!sidecar.ok()) return 0;
  auto again = archive::ParseSidecar(archive::SerializeSidecar(*sidecar));
  if (!again.ok() || !(*again == *sidecar)) __builtin_trap();
  return 0;
}
