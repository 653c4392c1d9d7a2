// The web UI's pages and assets: from inside the binary, or from
// ApiOptions::web_dir when working on the UI.
#include "base/fs.h"
#include "server/api.h"
#include "server/assets.h"

namespace cprof::server {
namespace {

// Asset names are flat file names: no directories, no dot files.
bool ValidAssetName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const std::string_view* FindEmbeddedAsset(std::string_view name) {
  for (const EmbeddedAsset& a : EmbeddedAssets()) {
    if (a.name == name) return &a.data;
  }
  return nullptr;
}

std::string_view ContentTypeFor(std::string_view name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

Response Api::Asset(std::string_view name) {
  if (!ValidAssetName(name)) {
    return Response::Text(404, "no such file: " + std::string(name.substr(0, 100)));
  }
  Response r;
  r.content_type = std::string(ContentTypeFor(name));
  if (!options_.web_dir.empty()) {
    auto bytes = ReadFile(options_.web_dir / std::string(name), size_t{16} << 20);
    if (!bytes.ok()) return Response::Text(404, "no such file: " + std::string(name));
    r.body = std::move(*bytes);
  } else {
    const std::string_view* found = FindEmbeddedAsset(name);
    if (found == nullptr) return Response::Text(404, "no such file: " + std::string(name));
    r.body = std::string(*found);
  }
  r.headers.emplace_back("Cache-Control", "no-cache");
  if (name.ends_with(".html")) {
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; frame-ancestors 'none'");
  }
  return r;
}

}  // namespace cprof::server
