// The default configuration, conf/cprofiler.yml, built into the binary: what
// `cprofiler scrape` runs when no config file is found. Thread-safe.
#ifndef CPROF_CLI_DEFAULT_CONFIG_H_
#define CPROF_CLI_DEFAULT_CONFIG_H_

#include <string_view>

namespace cprof::cli {

// Names the built-in default in messages, where a file name would be.
inline constexpr std::string_view kDefaultConfigSource = "<built-in default config>";

std::string_view DefaultConfigText();

}  // namespace cprof::cli

#endif  // CPROF_CLI_DEFAULT_CONFIG_H_
