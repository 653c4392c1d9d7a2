#include "cli/build_info.h"

namespace cprof::cli {

std::string VersionLine() {
  return std::string("cprofiler ") + CPROFILER_VERSION + " (revision " + kBuildRevision +
         ", built " + kBuildDate + ", " + kBuildLinkage + ")";
}

}  // namespace cprof::cli
