// The web UI's files (web/), built into the binary by cmake/EmbedFiles.cmake.
// Thread-safe: constant data.
#ifndef CPROF_SERVER_ASSETS_H_
#define CPROF_SERVER_ASSETS_H_

#include <span>
#include <string_view>

namespace cprof::server {

struct EmbeddedAsset {
  std::string_view name;  // relative to web/: "index.html", "flamegraph.js"
  std::string_view data;
};

std::span<const EmbeddedAsset> EmbeddedAssets();

// The embedded file named `name` ("analysis.html"), or nullptr.
const std::string_view* FindEmbeddedAsset(std::string_view name);

// The Content-Type for a file name, by its extension.
std::string_view ContentTypeFor(std::string_view name);

}  // namespace cprof::server

#endif  // CPROF_SERVER_ASSETS_H_
