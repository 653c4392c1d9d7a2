// libFuzzer harness: what the HTTP API and `query` parse from users: query
// strings (server/http_types.h), the seed and profefe APIs' selections from
// them (times, lbs[key]=value, labels=k=v,k=v, ...), and label matchers
// (query/matcher.h), which print back as they were written. Percent-encoding
// decodes back to the text, which must have no NUL (base/url.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/matcher.h"
#include "server/api.h"
#include "server/http_types.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto params = server::QueryParams::Parse(text); params.ok()) {
    (void)server::ParseSeedSelection("alloc_space", *params);
    std::string profile_type;
    (void)server::ParseProfefeSelection(*params, &profile_type);
  }
  auto decoded = PercentDecode(PercentEncode(text), /*plus_is_space=*/true);
  const bool has_nul = text.find('\0') != std::string_view::npos;
  if (has_nul ? decoded.ok() : !decoded.ok() || *decoded != text) __builtin_trap();
  if (auto matcher = query::Matcher::Parse(text); matcher.ok()) {
    if (matcher->ToString() != text) __builtin_trap();
  }
  return 0;
}
