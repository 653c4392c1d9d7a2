// Sizes in bytes as people write them: 64MiB, 512KiB, 50GiB, 1048576.
// Thread-safe: pure functions.
#ifndef CPROF_BASE_SIZE_H_
#define CPROF_BASE_SIZE_H_

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace cprof {

// Digits and a binary unit (B, KiB or K, MiB or M, GiB or G, TiB or T),
// from 1 byte to `max`. InvalidArgument, with the reason, otherwise: the
// limits in the config's own notation ("1TiB"), which is not how values are
// shown (pprof/units.h: "1TB").
Result<int64_t> ParseSize(std::string_view text, int64_t max);

}  // namespace cprof

#endif  // CPROF_BASE_SIZE_H_
