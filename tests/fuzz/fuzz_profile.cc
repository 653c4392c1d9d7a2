// libFuzzer harness: the pprof decoder and validator, and what runs on a
// profile that passes them (summary, merge, top table, encoding).
#include <cstddef>
#include <cstdint>
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
  auto profile =
      pprof::DecodeProfile(std::string_view(reinterpret_cast<const char*>(data), size), options);
  if (!profile.ok()) return 0;
  (void)pprof::Summarize(*profile, "heap");
  pprof::Merger merger;
  if (merger.Add(*profile, "a").ok() && merger.Add(*profile, "b").ok()) {
    auto merged = merger.Finish();
    if (merged.ok()) (void)pprof::EncodeProfile(**merged);
  }
  (void)pprof::Top(*profile, pprof::ReportOptions{});
  return 0;
}
