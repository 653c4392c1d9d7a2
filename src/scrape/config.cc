#include "scrape/config.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/profile_types.h"
#include "base/size.h"
#include "pprof/summary.h"

namespace cprof::scrape {
namespace {

// enabled-profiles' "all": every type whose in_all column says so.
void EnableAll(std::set<std::string>* enabled) {
  for (const ProfileType& t : kProfileTypes) {
    if (t.in_all) enabled->insert(std::string(t.name));
  }
}

// Positions errors: "<source>:<line>:<col>: <path>: <message>".
class Ctx {
 public:
  explicit Ctx(std::string_view source) : source_(source) {}

  Status Error(const YAML::Node& node, std::string_view path, std::string_view message) const {
    std::string m = source_;
    YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      m += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    m += ": ";
    if (!path.empty()) {
      m += path;
      m += ": ";
    }
    m += message;
    return Status::InvalidArgument(std::move(m));
  }

 private:
  std::string source_;
};

Status CheckKeys(const Ctx& ctx, const YAML::Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // (a copy: it-> is a temporary)
    if (!key.IsScalar()) return ctx.Error(key, path, "keys must be strings");
    std::string k = key.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == k;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      return ctx.Error(key, path, "unknown key \"" + k + "\" (known: " + list + ")");
    }
    if (!seen.insert(k).second) {
      return ctx.Error(key, path, "duplicate key \"" + k + "\"");
    }
  }
  return Status::OK();
}

Status GetScalar(const Ctx& ctx, const YAML::Node& node, std::string_view path, std::string* out) {
  if (!node.IsScalar()) return ctx.Error(node, path, "must be a single value");
  *out = node.Scalar();
  return Status::OK();
}

Status GetDuration(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
                   bool allow_zero, Nanos* out) {
  YAML::Node node = map[key];
  if (!node) return Status::OK();
  std::string full = std::string(path) + "." + key;
  std::string text;
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node, full, &text));
  auto d = ParseDuration(text);
  if (!d.ok()) return ctx.Error(node, full, d.status().message());
  if (d->count() == 0 && !allow_zero) {
    return ctx.Error(node, full, "must be greater than 0");
  }
  *out = *d;
  return Status::OK();
}

// A size (ParseSize), from 1 byte to `max`.
Status GetSize(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
               int64_t max, int64_t* out) {
  YAML::Node node = map[key];
  if (!node) return Status::OK();
  std::string full = path.empty() ? std::string(key) : std::string(path) + "." + key;
  std::string text;
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node, full, &text));
  auto size = ParseSize(text, max);
  if (!size.ok()) return ctx.Error(node, full, size.status().message());
  *out = *size;
  return Status::OK();
}

Status ParseTarget(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                   const std::string& job, TargetConfig* target) {
  if (!node.IsMap()) return ctx.Error(node, path, "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(ctx, node, path, {"application", "hosts", "labels"}));
  target->application = job;
  if (YAML::Node app = node["application"]) {
    CPROF_RETURN_IF_ERROR(
        GetScalar(ctx, app, std::string(path) + ".application", &target->application));
    if (target->application.empty()) {
      return ctx.Error(app, std::string(path) + ".application", "must not be empty");
    }
  }
  std::string hosts_path = std::string(path) + ".hosts";
  YAML::Node hosts = node["hosts"];
  if (!hosts) return ctx.Error(node, hosts_path, "missing: list the host:port of each target");
  if (!hosts.IsSequence() || hosts.size() == 0) {
    return ctx.Error(hosts, hosts_path, "must be a non-empty list of host:port");
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    std::string h;
    std::string hp = hosts_path + "[" + std::to_string(i) + "]";
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, hosts[i], hp, &h));
    if (!ValidHost(h)) {
      return ctx.Error(hosts[i], hp,
                       "bad host \"" + h + "\" (want host:port, e.g. 127.0.0.1:6060)");
    }
    target->hosts.push_back(h);
  }
  if (YAML::Node labels = node["labels"]) {
    std::string lp = std::string(path) + ".labels";
    if (labels.IsNull()) return Status::OK();
    if (!labels.IsMap()) return ctx.Error(labels, lp, "must be a mapping of name: value");
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      std::string k, v;
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->first, lp, &k));
      if (!ValidLabelName(k) || k[0] == '_') {
        return ctx.Error(it->first, lp,
                         "bad label name \"" + k +
                             "\" (letters, digits and _, not starting with _ or a digit: names "
                             "starting with _ are cprofiler's)");
      }
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->second, lp + "." + k, &v));
      if (!target->labels.emplace(k, v).second) {
        return ctx.Error(it->first, lp, "duplicate label \"" + k + "\"");
      }
    }
  }
  return Status::OK();
}

// A list of strings at `node` (or one string).
Status GetStrings(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                  std::vector<std::string>* out) {
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return Status::OK();
  }
  if (!node.IsSequence()) return ctx.Error(node, path, "must be a list of strings");
  for (size_t i = 0; i < node.size(); ++i) {
    std::string v;
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, node[i], path + "[" + std::to_string(i) + "]", &v));
    out->push_back(std::move(v));
  }
  return Status::OK();
}

Status ParseRelabelRule(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                        RelabelRule* rule) {
  if (!node.IsMap()) return ctx.Error(node, path, "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(
      ctx, node, path,
      {"action", "source-labels", "separator", "regex", "target-label", "replacement", "modulus"}));
  std::string text;
  if (YAML::Node a = node["action"]) {
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, a, path + ".action", &text));
    auto action = ParseRelabelAction(text);
    if (!action.ok()) return ctx.Error(a, path + ".action", action.status().message());
    rule->action = *action;
  }
  if (YAML::Node s = node["source-labels"]) {
    CPROF_RETURN_IF_ERROR(GetStrings(ctx, s, path + ".source-labels", &rule->source_labels));
  }
  if (YAML::Node s = node["separator"])
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, s, path + ".separator", &rule->separator));
  if (YAML::Node t = node["target-label"])
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, t, path + ".target-label", &rule->target_label));
  if (YAML::Node r = node["replacement"])
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, r, path + ".replacement", &rule->replacement));
  if (YAML::Node m = node["modulus"]) {
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, m, path + ".modulus", &text));
    char* end = nullptr;
    unsigned long long n = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n == 0) {
      return ctx.Error(m, path + ".modulus", "must be a whole number of at least 1");
    }
    rule->modulus = n;
  }
  std::string regex = "(.*)";
  YAML::Node r = node["regex"];
  if (r) CPROF_RETURN_IF_ERROR(GetScalar(ctx, r, path + ".regex", &regex));
  auto re = CompileRelabelRegex(regex);
  if (!re.ok()) return ctx.Error(r ? r : node, path + ".regex", re.status().message());
  rule->regex = std::move(*re);
  if (Status s = ValidateRelabelRule(*rule); !s.ok()) return ctx.Error(node, path, s.message());
  return Status::OK();
}

// Calls `parse(item, item's path)` for each mapping of the list `key` of
// `node` (if there is one): InvalidArgument naming the place for anything
// else, or an empty list. `shape` tells what an item looks like.
Status ForEachMapping(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                      const char* key, std::string_view shape,
                      const std::function<Status(const YAML::Node&, const std::string&)>& parse) {
  YAML::Node list = node[key];
  if (!list) return Status::OK();
  const std::string lp = std::string(path) + "." + key;
  if (!list.IsSequence() || list.size() == 0) {
    return ctx.Error(list, lp, "must be a non-empty list of " + std::string(shape));
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = lp + "[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) return ctx.Error(list[i], ip, "must be a mapping: " + std::string(shape));
    CPROF_RETURN_IF_ERROR(parse(list[i], ip));
  }
  return Status::OK();
}

// file-sd-configs, http-sd-configs, kubernetes-sd-configs, relabel-configs
// and app-label.
Status ParseDiscovery(const Ctx& ctx, const YAML::Node& node, std::string_view path,
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
  if (YAML::Node rules = node["relabel-configs"]) {
    std::string rp = std::string(path) + ".relabel-configs";
    if (!rules.IsSequence()) return ctx.Error(rules, rp, "must be a list of rules");
    for (size_t i = 0; i < rules.size(); ++i) {
      CPROF_RETURN_IF_ERROR(ParseRelabelRule(ctx, rules[i], rp + "[" + std::to_string(i) + "]",
                                             &job->relabel.emplace_back()));
    }
  }
  if (YAML::Node a = node["app-label"]) {
    std::string ap = std::string(path) + ".app-label";
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, a, ap, &job->app_label));
    if (!ValidLabelName(job->app_label)) return ctx.Error(a, ap, "must be a label name");
  }
  return Status::OK();
}

Status ParseJob(const Ctx& ctx, const YAML::Node& node, std::string_view path, JobConfig* job) {
  if (!node.IsMap()) return ctx.Error(node, path, "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(
      ctx, node, path,
      {"job", "interval", "expiration", "timeout", "max-response-size", "enabled-profiles",
       "path-profiles", "target-configs", "rollups", "file-sd-configs", "relabel-configs",
       "app-label", "http-sd-configs", "kubernetes-sd-configs"}));
  YAML::Node name = node["job"];
  if (!name) return ctx.Error(node, path, "missing key \"job\" (the job's name)");
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, name, std::string(path) + ".job", &job->job));
  if (job->job.empty()) return ctx.Error(name, std::string(path) + ".job", "must not be empty");
  CPROF_RETURN_IF_ERROR(GetDuration(ctx, node, "interval", path, false, &job->interval));
  if (job->interval < std::chrono::seconds(1)) {
    return ctx.Error(node["interval"], std::string(path) + ".interval", "must be at least 1s");
  }
  CPROF_RETURN_IF_ERROR(GetDuration(ctx, node, "expiration", path, true, &job->expiration));
  CPROF_RETURN_IF_ERROR(GetDuration(ctx, node, "timeout", path, false, &job->timeout));
  CPROF_RETURN_IF_ERROR(
      GetSize(ctx, node, "max-response-size", path, int64_t{4} << 30, &job->max_response_bytes));

  if (YAML::Node rollups = node["rollups"]) {
    std::string rp = std::string(path) + ".rollups";
    if (!rollups.IsMap() || rollups.size() == 0) {
      return ctx.Error(
          rollups, rp,
          "must be a mapping of how long to keep them, e.g. {hourly: 720h, daily: 8760h}");
    }
    CPROF_RETURN_IF_ERROR(CheckKeys(ctx, rollups, rp, {"hourly", "daily"}));
    for (auto [key, out] :
         {std::pair{"hourly", &job->rollups_hourly}, std::pair{"daily", &job->rollups_daily}}) {
      if (!rollups[key]) continue;
      CPROF_RETURN_IF_ERROR(GetDuration(ctx, rollups, key, rp, true, &out->emplace()));
    }
  }

  std::set<std::string> enabled;
  if (YAML::Node profiles = node["enabled-profiles"]) {
    std::string pp = std::string(path) + ".enabled-profiles";
    if (!profiles.IsSequence() || profiles.size() == 0) {
      return ctx.Error(profiles, pp, "must be a non-empty list, e.g. [all, trace]");
    }
    for (size_t i = 0; i < profiles.size(); ++i) {
      std::string p;
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, profiles[i], pp, &p));
      if (p == "all") {
        EnableAll(&enabled);
      } else if (IsProfileType(p)) {
        enabled.insert(p);
      } else {
        std::string known = "all";
        for (const ProfileType& t : kProfileTypes) known += " " + std::string(t.name);
        return ctx.Error(profiles[i], pp, "unknown profile \"" + p + "\" (known: " + known + ")");
      }
    }
  } else {
    EnableAll(&enabled);
  }
  for (const ProfileType& t : kProfileTypes) {
    if (enabled.count(std::string(t.name))) {
      job->profiles.emplace_back(t.name);
      job->paths[std::string(t.name)] = t.default_path;
    }
  }
  if (YAML::Node paths = node["path-profiles"]) {
    std::string pp = std::string(path) + ".path-profiles";
    if (!paths.IsMap()) return ctx.Error(paths, pp, "must be a mapping of profile: path");
    for (auto it = paths.begin(); it != paths.end(); ++it) {
      std::string type, p;
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->first, pp, &type));
      if (!IsProfileType(type)) {
        return ctx.Error(it->first, pp, "unknown profile \"" + type + "\"");
      }
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, it->second, pp + "." + type, &p));
      if (p.empty() || p[0] != '/' || p.find_first_of(" \t\r\n#") != std::string::npos) {
        return ctx.Error(it->second, pp + "." + type,
                         "bad path \"" + p + "\" (want e.g. /debug/pprof/profile?seconds=10)");
      }
      job->paths[type] = p;
    }
  }
  CPROF_RETURN_IF_ERROR(ParseDiscovery(ctx, node, path, job));
  YAML::Node targets = node["target-configs"];
  std::string tp = std::string(path) + ".target-configs";
  if (!targets && (!job->file_sd.empty() || !job->http_sd.empty() || !job->kubernetes_sd.empty())) {
    return Status::OK();
  }
  if (!targets) {
    return ctx.Error(node, tp,
                     "missing: list the targets to scrape (or file-sd-configs, http-sd-configs, "
                     "kubernetes-sd-configs)");
  }
  if (!targets.IsSequence() || targets.size() == 0) {
    return ctx.Error(targets, tp, "must be a non-empty list");
  }
  std::set<std::string> hosts_seen;
  for (size_t i = 0; i < targets.size(); ++i) {
    TargetConfig target;
    std::string ip = tp + "[" + std::to_string(i) + "]";
    CPROF_RETURN_IF_ERROR(ParseTarget(ctx, targets[i], ip, job->job, &target));
    for (size_t h = 0; h < target.hosts.size(); ++h) {
      if (!hosts_seen.insert(target.hosts[h]).second) {
        return ctx.Error(
            targets[i]["hosts"][h], ip + ".hosts",
            "host \"" + target.hosts[h] + "\" listed twice in job \"" + job->job + "\"");
      }
    }
    job->targets.push_back(std::move(target));
  }
  return Status::OK();
}

// Each of `fields`' keys that `node` has, as a non-empty scalar into its
// field ("section.key" in errors).
Status GetNonEmptyScalars(const Ctx& ctx, const YAML::Node& node, std::string_view section,
                          std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [key, field] : fields) {
    if (YAML::Node value = node[key]) {
      const std::string path = std::string(section) + "." + key;
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, value, path, field));
      if (field->empty()) return ctx.Error(value, path, "must not be empty");
    }
  }
  return Status::OK();
}

Status ParseServe(const Ctx& ctx, const YAML::Node& node, ServeConfig* serve) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return ctx.Error(node, "serve", "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(
      ctx, node, "serve",
      {"listen", "auth-file", "cors-allowed-origins", "tls-cert", "tls-key", "redirect-listen"}));
  CPROF_RETURN_IF_ERROR(GetNonEmptyScalars(ctx, node, "serve",
                                           {{"listen", &serve->listen},
                                            {"auth-file", &serve->auth_file},
                                            {"tls-cert", &serve->tls_cert},
                                            {"tls-key", &serve->tls_key},
                                            {"redirect-listen", &serve->redirect_listen}}));
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

// [a-z_][a-z0-9_]*: a metric name's part that reads as one word.
bool ValidMetricPart(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status ParseProfileMetric(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                          ProfileMetricConfig* rule) {
  if (!node.IsMap()) return ctx.Error(node, path, "must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(ctx, node, path, {"name", "sample-type", "function"}));
  const std::string name_path = std::string(path) + ".name";
  const std::string type_path = std::string(path) + ".sample-type";
  if (!node["name"]) return ctx.Error(node, name_path, "missing");
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node["name"], name_path, &rule->name));
  if (!ValidMetricPart(rule->name)) {
    return ctx.Error(node["name"], name_path,
                     "\"" + rule->name +
                         "\" is no metric name part (lower case letters, "
                         "digits and _, not starting with a digit)");
  }
  if (!node["sample-type"]) return ctx.Error(node, type_path, "missing");
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node["sample-type"], type_path, &rule->sample_type));
  const ProfileType* type = FindProfileType(pprof::ProfileTypeOf(rule->sample_type));
  if (type == nullptr || !type->has_samples) {
    return ctx.Error(node["sample-type"], type_path,
                     "\"" + rule->sample_type +
                         "\" names no sample type (e.g. profile_cpu, "
                         "heap_inuse_space, mutex_delay)");
  }
  if (YAML::Node f = node["function"]) {
    const std::string function_path = std::string(path) + ".function";
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, f, function_path, &rule->function));
    re2::RE2 re(rule->function, re2::RE2::Quiet);
    if (rule->function.empty() || !re.ok()) {
      return ctx.Error(
          f, function_path,
          "bad regular expression: " + (rule->function.empty() ? "empty" : re.error()));
    }
  }
  return Status::OK();
}

Result<Config> ParseConfigOrThrow(std::string_view text, std::string_view source) {
  Ctx ctx(source);
  YAML::Node root = YAML::Load(std::string(text));
  Config config;
  config.source = std::string(source);
  if (root.IsNull()) return config;  // an empty file: no jobs
  if (!root.IsMap()) return ctx.Error(root, "", "the top level must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(
      ctx, root, "", {"archive", "max-size", "s3", "scrape-configs", "serve", "profile-metrics"}));
  if (YAML::Node serve = root["serve"])
    CPROF_RETURN_IF_ERROR(ParseServe(ctx, serve, &config.serve));
  if (YAML::Node s3 = root["s3"]) CPROF_RETURN_IF_ERROR(ParseS3(ctx, s3, &config.s3));
  if (YAML::Node rules = root["profile-metrics"]; rules && !rules.IsNull()) {
    if (!rules.IsSequence()) return ctx.Error(rules, "profile-metrics", "must be a list of rules");
    std::set<std::string> names;
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string path = "profile-metrics[" + std::to_string(i) + "]";
      ProfileMetricConfig rule;
      CPROF_RETURN_IF_ERROR(ParseProfileMetric(ctx, rules[i], path, &rule));
      if (!names.insert(rule.name).second) {
        return ctx.Error(rules[i]["name"], path + ".name", "duplicate name \"" + rule.name + "\"");
      }
      config.profile_metrics.push_back(std::move(rule));
    }
  }
  if (YAML::Node a = root["archive"]) {
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, a, "archive", &config.archive));
    if (config.archive.empty()) return ctx.Error(a, "archive", "must not be empty");
  }
  CPROF_RETURN_IF_ERROR(GetSize(ctx, root, "max-size", "", int64_t{1} << 50, &config.max_size));
  if (config.max_size > 0 && config.max_size < (int64_t{1} << 20)) {
    return ctx.Error(root["max-size"], "max-size", "must be at least 1MiB");
  }
  YAML::Node jobs = root["scrape-configs"];
  if (!jobs || jobs.IsNull()) return config;
  if (!jobs.IsSequence()) return ctx.Error(jobs, "scrape-configs", "must be a list of jobs");
  std::set<std::string> names;
  for (size_t i = 0; i < jobs.size(); ++i) {
    JobConfig job;
    std::string path = "scrape-configs[" + std::to_string(i) + "]";
    CPROF_RETURN_IF_ERROR(ParseJob(ctx, jobs[i], path, &job));
    if (!names.insert(job.job).second) {
      return ctx.Error(jobs[i]["job"], path + ".job", "duplicate job \"" + job.job + "\"");
    }
    config.jobs.push_back(std::move(job));
  }
  return config;
}

// What `parse` returns, with yaml-cpp's exceptions made InvalidArgument
// naming `source`, and the line and column where there is one.
template <typename T, typename Parse>
Result<T> Guarded(std::string_view source, const Parse& parse) {
  try {
    return parse();
  } catch (const YAML::Exception& e) {
    std::string m(source);
    if (e.mark.line >= 0) {
      m += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return Status::InvalidArgument(m + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(source) + ": " + e.what());
  }
}

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

bool ValidLabelName(std::string_view k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  for (char c : k) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

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

bool ValidHost(std::string_view h) {
  std::string_view rest = h;
  if (rest.rfind("http://", 0) == 0)
    rest.remove_prefix(7);
  else if (rest.rfind("https://", 0) == 0)
    rest.remove_prefix(8);
  if (rest.empty()) return false;
  for (char c : rest) {
    if (c <= ' ' || c == '/' || c == '?' || c == '#' || c == '@' || c == 0x7f) {
      return false;
    }
  }
  return true;
}

Result<std::vector<TargetGroup>> ParseTargetGroups(std::string_view text, std::string_view source) {
  return Guarded<std::vector<TargetGroup>>(source,
                                           [&] { return ParseTargetGroupsOrThrow(text, source); });
}

Result<Config> ParseConfig(std::string_view text, std::string_view source) {
  return Guarded<Config>(source, [&] { return ParseConfigOrThrow(text, source); });
}

Result<Config> LoadConfig(const fs::path& path) {
  auto text = ReadFile(path, 16 << 20);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path.string());
}

Nanos RequestTimeout(const JobConfig& job, std::string_view path) {
  Nanos timeout = job.timeout;
  size_t q = path.find('?');
  if (q == std::string_view::npos) return timeout;
  std::string_view query = path.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (param.rfind("seconds=", 0) == 0) {
      std::string_view v = param.substr(8);
      int64_t s = 0;
      bool ok = !v.empty() && v.size() < 10;
      for (char c : v) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) s = s * 10 + (c - '0');
      }
      if (ok) timeout += std::chrono::seconds(s);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return timeout;
}

std::string TargetUrl(std::string_view host, std::string_view path) {
  std::string url;
  if (host.rfind("http://", 0) != 0 && host.rfind("https://", 0) != 0) {
    url = "http://";
  }
  url += host;
  url += path;
  return url;
}

}  // namespace cprof::scrape
