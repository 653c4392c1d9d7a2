// Service discovery in the config: a job's file-sd-configs, http-sd-configs
// and kubernetes-sd-configs, and the target groups that file_sd files hold.
#include <yaml-cpp/yaml.h>

#include "scrape/config.h"
#include "scrape/config_parse.h"

namespace cprof::scrape {
namespace config_internal {

Status ParseServiceDiscovery(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                             JobConfig* job) {
  CPROF_RETURN_IF_ERROR(ForEachMapping(
      ctx, node, path, "file-sd-configs", "{files: [GLOB, ...]}",
      [&](const YAML::Node& item, const std::string& ip) -> Status {
        CPROF_RETURN_IF_ERROR(CheckKeys(ctx, item, ip, {"files"}));
        FileSdConfig& c = job->file_sd.emplace_back();
        YAML::Node files = item["files"];
        if (!files) return ctx.Error(item, ip + ".files", "missing: the files (globs) to read");
        CPROF_RETURN_IF_ERROR(GetStrings(ctx, files, ip + ".files", &c.files));
        if (c.files.empty()) return ctx.Error(files, ip + ".files", "must not be empty");
        return Status::OK();
      }));
  CPROF_RETURN_IF_ERROR(ForEachMapping(
      ctx, node, path, "http-sd-configs", "{url: http(s)://...}",
      [&](const YAML::Node& item, const std::string& ip) -> Status {
        CPROF_RETURN_IF_ERROR(
            CheckKeys(ctx, item, ip, {"url", "refresh-interval", "bearer-token-file", "ca-file"}));
        HttpSdConfig& c = job->http_sd.emplace_back();
        YAML::Node url = item["url"];
        if (!url) return ctx.Error(item, ip + ".url", "missing: the URL serving the target groups");
        CPROF_RETURN_IF_ERROR(GetScalar(ctx, url, ip + ".url", &c.url));
        if (!c.url.starts_with("http://") && !c.url.starts_with("https://")) {
          return ctx.Error(url, ip + ".url", "must be an http:// or https:// URL");
        }
        CPROF_RETURN_IF_ERROR(
            GetDuration(ctx, item, "refresh-interval", ip, false, &c.refresh_interval));
        if (YAML::Node t = item["bearer-token-file"]) {
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, t, ip + ".bearer-token-file", &c.bearer_token_file));
        }
        if (YAML::Node t = item["ca-file"])
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, t, ip + ".ca-file", &c.ca_file));
        return Status::OK();
      }));
  CPROF_RETURN_IF_ERROR(ForEachMapping(
      ctx, node, path, "kubernetes-sd-configs", "{role: pod, ...}",
      [&](const YAML::Node& item, const std::string& ip) -> Status {
        CPROF_RETURN_IF_ERROR(CheckKeys(ctx, item, ip,
                                        {"role", "api-server", "bearer-token-file", "ca-file",
                                         "namespaces", "label-selector"}));
        KubernetesSdConfig& c = job->kubernetes_sd.emplace_back();
        if (YAML::Node r = item["role"]) {
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, r, ip + ".role", &c.role));
          if (c.role != "pod") return ctx.Error(r, ip + ".role", "only role pod is supported");
        }
        if (YAML::Node a = item["api-server"]) {
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, a, ip + ".api-server", &c.api_server));
          if (!c.api_server.starts_with("http://") && !c.api_server.starts_with("https://")) {
            return ctx.Error(a, ip + ".api-server", "must be an http:// or https:// URL");
          }
        }
        if (YAML::Node t = item["bearer-token-file"]) {
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, t, ip + ".bearer-token-file", &c.bearer_token_file));
        }
        if (YAML::Node t = item["ca-file"])
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, t, ip + ".ca-file", &c.ca_file));
        if (YAML::Node n = item["namespaces"]) {
          CPROF_RETURN_IF_ERROR(GetStrings(ctx, n, ip + ".namespaces", &c.namespaces));
        }
        if (YAML::Node l = item["label-selector"]) {
          CPROF_RETURN_IF_ERROR(GetScalar(ctx, l, ip + ".label-selector", &c.label_selector));
        }
        return Status::OK();
      }));
  return Status::OK();
}

}  // namespace config_internal

namespace {

using config_internal::CheckKeys;
using config_internal::Ctx;
using config_internal::GetScalar;

// The target groups of a file_sd file.
Result<std::vector<TargetGroup>> ParseTargetGroupsOrThrow(std::string_view text,
                                                          std::string_view source) {
  Ctx ctx(source);
  YAML::Node root = YAML::Load(std::string(text));
  std::vector<TargetGroup> out;
  if (root.IsNull()) return out;
  if (!root.IsSequence()) {
    return ctx.Error(root, "", "must be a list of {targets: [host:port, ...], labels: {...}}");
  }
  for (size_t i = 0; i < root.size(); ++i) {
    const YAML::Node node = root[i];  // (a copy: root[i] is a temporary)
    std::string path = "[" + std::to_string(i) + "]";
    if (!node.IsMap()) return ctx.Error(node, path, "must be a mapping of targets and labels");
    CPROF_RETURN_IF_ERROR(CheckKeys(ctx, node, path, {"targets", "labels"}));
    TargetGroup& group = out.emplace_back();
    YAML::Node targets = node["targets"];
    if (!targets || !targets.IsSequence()) {
      return ctx.Error(targets ? targets : node, path + ".targets", "must be a list of host:port");
    }
    for (size_t t = 0; t < targets.size(); ++t) {
      std::string host;
      std::string tp = path + ".targets[" + std::to_string(t) + "]";
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, targets[t], tp, &host));
      if (!ValidHost(host))
        return ctx.Error(targets[t], tp, "bad target \"" + host + "\" (want host:port)");
      group.targets.push_back(std::move(host));
    }
    if (YAML::Node labels = node["labels"]; labels && !labels.IsNull()) {
      std::string lp = path + ".labels";
      if (!labels.IsMap()) return ctx.Error(labels, lp, "must be a mapping of name: value");
      for (auto it = labels.begin(); it != labels.end(); ++it) {
        std::string k, v;
        CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->first, lp, &k));
        if (!ValidLabelName(k)) return ctx.Error(it->first, lp, "bad label name \"" + k + "\"");
        CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->second, lp + "." + k, &v));
        group.labels[k] = v;
      }
    }
  }
  return out;
}

}  // namespace

Result<std::vector<TargetGroup>> ParseTargetGroups(std::string_view text, std::string_view source) {
  return config_internal::Guarded<std::vector<TargetGroup>>(
      source, [&] { return ParseTargetGroupsOrThrow(text, source); });
}

}  // namespace cprof::scrape
