// Percent-encoding (RFC 3986) of URL parts: what the HTTP server decodes and
// the clients (Kubernetes discovery, tests) encode. Thread-safe: pure
// functions.
#ifndef CPROF_BASE_URL_H_
#define CPROF_BASE_URL_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace cprof {

// %XX and '+' decoding (the path uses it without '+'). InvalidArgument for a
// bad escape or a NUL byte.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Every byte but letters, digits and -_.~ as %XX.
std::string PercentEncode(std::string_view text);

}  // namespace cprof

#endif  // CPROF_BASE_URL_H_
