// The `serve:` block: `cprofiler serve`'s settings.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "base/fs.h"
#include "scrape/config.h"
#include "scrape/config_parse.h"

namespace cprof::scrape {

bool ValidOrigin(std::string_view origin) {
  std::string_view host;
  if (origin.starts_with("https://"))
    host = origin.substr(8);
  else if (origin.starts_with("http://"))
    host = origin.substr(7);
  else
    return false;
  if (host.empty() || host.size() > 255) return false;
  return host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:[]") ==
             std::string_view::npos &&
         host.front() != ':' && host.back() != ':';
}

namespace config_internal {

Status ParseServe(const Ctx& ctx, const YAML::Node& node, ServeConfig* serve) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return ctx.Error(node, "serve", "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(ctx, node, "serve",
                                  {"listen", "auth-file", "cors-allowed-origins", "tls-cert",
                                   "tls-key", "redirect-listen", "source-path", "trim-path"}));
  CPROF_RETURN_IF_ERROR(GetNonEmptyScalars(ctx, node, "serve",
                                           {{"listen", &serve->listen},
                                            {"auth-file", &serve->auth_file},
                                            {"tls-cert", &serve->tls_cert},
                                            {"tls-key", &serve->tls_key},
                                            {"redirect-listen", &serve->redirect_listen}}));
  // A list of paths, or one string of them separated by ':' (as the flag).
  for (auto [key, out] :
       {std::pair{"source-path", &serve->source_path}, {"trim-path", &serve->trim_path}}) {
    YAML::Node paths = node[key];
    if (!paths || paths.IsNull()) continue;
    const std::string path = std::string("serve.") + key;
    std::vector<std::string> items;
    CPROF_RETURN_IF_ERROR(GetStrings(ctx, paths, path, &items));
    for (size_t i = 0; i < items.size(); ++i) {
      std::vector<std::string> parts = SplitPathList(items[i]);
      if (parts.empty() || std::find(parts.begin(), parts.end(), "") != parts.end()) {
        return ctx.Error(paths.IsSequence() ? paths[i] : paths, path,
                         "an empty path (want DIR or DIR:DIR, no empty element)");
      }
      for (std::string& part : parts) out->push_back(std::move(part));
    }
  }
  if (YAML::Node origins = node["cors-allowed-origins"]; origins && !origins.IsNull()) {
    const std::string path = "serve.cors-allowed-origins";
    CPROF_RETURN_IF_ERROR(GetStrings(ctx, origins, path, &serve->cors_allowed_origins));
    for (size_t i = 0; i < serve->cors_allowed_origins.size(); ++i) {
      const std::string& o = serve->cors_allowed_origins[i];
      if (o != "*" && !ValidOrigin(o)) {
        return ctx.Error(origins.IsSequence() ? origins[i] : origins,
                         path + "[" + std::to_string(i) + "]",
                         "bad origin \"" + o +
                             "\" (want scheme://host[:port] as a browser sends it, e.g. "
                             "https://grafana.example.com, lowercase, no path or trailing /; "
                             "or * for any origin, never with credentials)");
      }
    }
  }
  return Status::OK();
}

}  // namespace config_internal
}  // namespace cprof::scrape
