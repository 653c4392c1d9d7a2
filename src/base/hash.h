// SHA-256 of a byte string, as lowercase hex (what `sha256sum` prints).
// Thread-safe.
#ifndef CPROF_BASE_HASH_H_
#define CPROF_BASE_HASH_H_

#include <string>
#include <string_view>

namespace cprof {

std::string Sha256Hex(std::string_view data);

}  // namespace cprof

#endif  // CPROF_BASE_HASH_H_
