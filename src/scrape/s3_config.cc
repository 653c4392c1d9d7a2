// The `s3:` block: how to reach the bucket of an s3:// archive.
#include <yaml-cpp/yaml.h>

#include "scrape/config.h"
#include "scrape/config_parse.h"

namespace cprof::scrape::config_internal {

Status ParseS3(const Ctx& ctx, const YAML::Node& node, S3Config* s3) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return ctx.Error(node, "s3", "must be a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (key.find("key") != std::string::npos || key.find("secret") != std::string::npos ||
        key.find("token") != std::string::npos || key.find("password") != std::string::npos) {
      return ctx.Error(it->first, "s3." + key,
                       "credentials never go in the config: set AWS_ACCESS_KEY_ID and "
                       "AWS_SECRET_ACCESS_KEY, or use ~/.aws/credentials "
                       "(AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE)");
    }
  }
  CPROF_RETURN_IF_ERROR(
      CheckKeys(ctx, node, "s3",
                {"endpoint", "region", "path-style", "ca-file", "cache-dir", "cache-max-size"}));
  CPROF_RETURN_IF_ERROR(GetNonEmptyScalars(ctx, node, "s3",
                                           {{"endpoint", &s3->endpoint},
                                            {"region", &s3->region},
                                            {"ca-file", &s3->ca_file},
                                            {"cache-dir", &s3->cache_dir}}));
  if (!s3->endpoint.empty() && !s3->endpoint.starts_with("http://") &&
      !s3->endpoint.starts_with("https://")) {
    return ctx.Error(node["endpoint"], "s3.endpoint",
                     "\"" + s3->endpoint + "\" is no URL (want http(s)://host[:port])");
  }
  if (YAML::Node value = node["path-style"]) {
    std::string text;
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, value, "s3.path-style", &text));
    if (text != "true" && text != "false") {
      return ctx.Error(value, "s3.path-style", "must be true or false");
    }
    s3->path_style = text == "true";
  }
  CPROF_RETURN_IF_ERROR(
      GetSize(ctx, node, "cache-max-size", "s3", int64_t{1} << 50, &s3->cache_max_size));
  return Status::OK();
}

}  // namespace cprof::scrape::config_internal
