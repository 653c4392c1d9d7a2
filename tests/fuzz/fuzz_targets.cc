// libFuzzer harness: the JSON the scraper reads about its targets: a pod
// from the Kubernetes API (scrape/kubernetes_sd.h) and the targets' state
// file (scrape/target_state.h). A state file read back writes the same
// bytes as the state it was read into.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scrape/kubernetes_sd.h"
#include "scrape/target_state.h"

using namespace cprof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)scrape::PodTargets(text);
  auto state = scrape::ParseTargetsState(text);
  if (!state.ok()) return 0;
  const std::string json = scrape::SerializeTargetsState(*state);
  auto again = scrape::ParseTargetsState(json);
  if (!again.ok() || scrape::SerializeTargetsState(*again) != json) __builtin_trap();
  return 0;
}
