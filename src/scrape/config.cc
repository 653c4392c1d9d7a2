#include "scrape/config.h"

#include "base/hash.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "base/profile_types.h"
#include "scrape/config_parse.h"

namespace cprof::scrape {
namespace {

using config_internal::CheckKeys;
using config_internal::Ctx;
using config_internal::GetDuration;
using config_internal::GetScalar;
using config_internal::GetSize;
using config_internal::GetStrings;
using config_internal::ParseProfileMetrics;
using config_internal::ParsePush;
using config_internal::ParseS3;
using config_internal::ParseServe;
using config_internal::ParseServiceDiscovery;

// enabled-profiles' "all": every type whose in_all column says so.
void EnableAll(std::set<std::string>* enabled) {
  for (const ProfileType& t : kProfileTypes) {
    if (t.in_all) enabled->insert(std::string(t.name));
  }
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

// relabel-configs and app-label.
Status ParseRelabeling(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                       JobConfig* job) {
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
  CPROF_RETURN_IF_ERROR(ParseServiceDiscovery(ctx, node, path, job));
  CPROF_RETURN_IF_ERROR(ParseRelabeling(ctx, node, path, job));
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

Result<Config> ParseConfigOrThrow(std::string_view text, std::string_view source) {
  Ctx ctx(source);
  YAML::Node root = YAML::Load(std::string(text));
  Config config;
  config.source = std::string(source);
  config.fingerprint = Sha256Hex(text).substr(0, 16);
  if (root.IsNull()) return config;  // an empty file: no jobs
  if (!root.IsMap()) return ctx.Error(root, "", "the top level must be a mapping");
  CPROF_RETURN_IF_ERROR(CheckKeys(
      ctx, root, "",
      {"archive", "max-size", "s3", "scrape-configs", "serve", "push", "profile-metrics"}));
  if (YAML::Node serve = root["serve"])
    CPROF_RETURN_IF_ERROR(ParseServe(ctx, serve, &config.serve));
  if (YAML::Node s3 = root["s3"]) CPROF_RETURN_IF_ERROR(ParseS3(ctx, s3, &config.s3));
  if (YAML::Node push = root["push"]) CPROF_RETURN_IF_ERROR(ParsePush(ctx, push, &config.push));
  if (YAML::Node rules = root["profile-metrics"])
    CPROF_RETURN_IF_ERROR(ParseProfileMetrics(ctx, rules, &config.profile_metrics));
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

Result<Config> ParseConfig(std::string_view text, std::string_view source) {
  return config_internal::Guarded<Config>(source, [&] { return ParseConfigOrThrow(text, source); });
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
