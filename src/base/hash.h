// SHA-256 of a byte string, as lowercase hex (what `sha256sum` prints), and
// hex itself. Thread-safe.
#ifndef CPROF_BASE_HASH_H_
#define CPROF_BASE_HASH_H_

#include <string>
#include <string_view>

namespace cprof {

std::string Sha256Hex(std::string_view data);

// `bytes` as lowercase hex, two digits a byte.
std::string HexOf(std::string_view bytes);

// The bytes that `hex` (lowercase hex digits, an even number of them:
// callers check) spells.
std::string BytesOfHex(std::string_view hex);

}  // namespace cprof

#endif  // CPROF_BASE_HASH_H_
