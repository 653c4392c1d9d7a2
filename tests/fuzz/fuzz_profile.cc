// libFuzzer harness: the pprof decoder and validator, and what runs on a
// profile that passes them (summary, merge, top table, encoding); and the
// streamed decoder, whose top table (or error) must be the decoded
// profile's, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pprof/codec.h"
#include "pprof/merge.h"
#include "pprof/report.h"
#include "pprof/summary.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pprof::DecodeOptions options;
  options.max_decompressed = 16 << 20;
  options.parse_threads = 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto profile = pprof::DecodeProfile(bytes, options);
  auto streamed = pprof::StreamedProfile::Decode(std::string(bytes), options);
  auto top = profile.ok() ? pprof::Top(*profile, {}) : Result<pprof::TopTable>(profile.status());
  auto streamed_top =
      streamed.ok() ? pprof::Top(*streamed, {}) : Result<pprof::TopTable>(streamed.status());
  if (top.ok() != streamed_top.ok()) __builtin_trap();
  if (!top.ok() && top.status().message() != streamed_top.status().message()) __builtin_trap();
  if (top.ok() && pprof::FormatTopText(*profile, *top) !=
                      pprof::FormatTopText(streamed->profile(), *streamed_top)) {
    __builtin_trap();
  }
  if (!profile.ok()) return 0;
  (void)pprof::Summarize(*profile, "heap");
  pprof::Merger merger;
  if (merger.Add(*profile, "a").ok() && merger.Add(*profile, "b").ok()) {
    auto merged = merger.Finish();
    if (merged.ok()) (void)pprof::EncodeProfile(**merged);
  }
  return 0;
}
