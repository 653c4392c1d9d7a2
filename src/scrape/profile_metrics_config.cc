// The `profile-metrics:` list: series derived from every profile scraped.
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "base/profile_types.h"
#include "pprof/summary.h"
#include "scrape/config.h"
#include "scrape/config_parse.h"

namespace cprof::scrape::config_internal {
namespace {

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
  if (type == nullptr || !type->mergeable) {
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

}  // namespace

Status ParseProfileMetrics(const Ctx& ctx, const YAML::Node& node,
                           std::vector<ProfileMetricConfig>* rules) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence()) return ctx.Error(node, "profile-metrics", "must be a list of rules");
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string path = "profile-metrics[" + std::to_string(i) + "]";
    ProfileMetricConfig rule;
    CPROF_RETURN_IF_ERROR(ParseProfileMetric(ctx, node[i], path, &rule));
    if (!names.insert(rule.name).second) {
      return ctx.Error(node[i]["name"], path + ".name", "duplicate name \"" + rule.name + "\"");
    }
    rules->push_back(std::move(rule));
  }
  return Status::OK();
}

}  // namespace cprof::scrape::config_internal
