// libFuzzer harness: the parsers of text that users and URLs hand in:
// sidecars, the config and file_sd files, query strings, label matchers,
// times, durations, sizes, profile IDs, and the JSON of Kubernetes pods and
// of the targets' state.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "archive/layout.h"
#include "archive/sidecar.h"
#include "base/size.h"
#include "base/time.h"
#include "query/matcher.h"
#include "scrape/config.h"
#include "scrape/kubernetes_sd.h"
#include "scrape/target_state.h"
#include "server/http_types.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto sidecar = archive::ParseSidecar(text); sidecar.ok()) {
    // What a sidecar says survives its own serialization.
    auto again = archive::ParseSidecar(archive::SerializeSidecar(*sidecar));
    if (!again.ok() || !(*again == *sidecar)) __builtin_trap();
  }
  (void)scrape::ParseConfig(text, "fuzz.yml");
  (void)scrape::ParseTargetGroups(text, "fuzz.json");
  (void)server::QueryParams::Parse(text);
  (void)query::Matcher::Parse(text);
  (void)ParseTimeArg(text, 1'795'000'000'000);
  (void)ParseDuration(text);
  (void)ParseSize(text, int64_t{1} << 40);
  (void)archive::ParseId(text);
  (void)scrape::PodTargets(text);
  (void)scrape::ParseTargetsState(text);
  return 0;
}
