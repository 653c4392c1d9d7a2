// Internal to the config parser (scrape/config.h), which is split by section
// of the file: config.cc (the top level and the jobs: scrape-configs, their
// targets and relabel rules), discovery_config.cc (a job's
// file-sd-configs, http-sd-configs and kubernetes-sd-configs, and file_sd
// files), serve_config.cc (serve:), push_config.cc (push:), s3_config.cc (s3:) and
// profile_metrics_config.cc (profile-metrics:). This header holds the
// yaml-cpp helpers they share and each section's entry point. Include it
// from those files only: yaml-cpp is touched from them alone (STYLE.md).
//
// Every helper returns OK, or InvalidArgument positioned by Ctx at the node
// at fault. yaml-cpp may throw from any of them: Guarded, around the whole
// parse, makes that an InvalidArgument too.
//
// Thread-safe: pure functions.
#ifndef CPROF_SCRAPE_CONFIG_PARSE_H_
#define CPROF_SCRAPE_CONFIG_PARSE_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "scrape/config.h"

namespace cprof::scrape::config_internal {

// Positions errors: "<source>:<line>:<col>: <path>: <message>".
class Ctx {
 public:
  explicit Ctx(std::string_view source) : source_(source) {}

  Status Error(const YAML::Node& node, std::string_view path, std::string_view message) const;

 private:
  std::string source_;
};

// The keys of the mapping `map` are strings, each one of `allowed`, none
// twice.
Status CheckKeys(const Ctx& ctx, const YAML::Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed);

// `node`'s one value into *out.
Status GetScalar(const Ctx& ctx, const YAML::Node& node, std::string_view path, std::string* out);

// A Go-style duration at map[key] into *out (left as it is when absent);
// 0 only if `allow_zero`.
Status GetDuration(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
                   bool allow_zero, Nanos* out);

// A size (ParseSize), from 1 byte to `max`, at map[key] into *out (left as
// it is when absent).
Status GetSize(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
               int64_t max, int64_t* out);

// A list of strings at `node` (or one string), appended to *out.
Status GetStrings(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                  std::vector<std::string>* out);

// Calls `parse(item, item's path)` for each mapping of the list `key` of
// `node` (if there is one): InvalidArgument naming the place for anything
// else, or an empty list. `shape` tells what an item looks like.
Status ForEachMapping(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                      const char* key, std::string_view shape,
                      const std::function<Status(const YAML::Node&, const std::string&)>& parse);

// Each of `fields`' keys that `node` has, as a non-empty scalar into its
// field ("section.key" in errors).
Status GetNonEmptyScalars(const Ctx& ctx, const YAML::Node& node, std::string_view section,
                          std::initializer_list<std::pair<const char*, std::string*>> fields);

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

// The sections, each in its own file.

// discovery_config.cc: a job's file-sd-configs, http-sd-configs and
// kubernetes-sd-configs (the job's mapping `node` at `path`), in that order,
// appended to the job's.
Status ParseServiceDiscovery(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                             JobConfig* job);

// serve_config.cc: the top-level `serve:` block.
Status ParseServe(const Ctx& ctx, const YAML::Node& node, ServeConfig* serve);

// s3_config.cc: the top-level `s3:` block.
Status ParseS3(const Ctx& ctx, const YAML::Node& node, S3Config* s3);

// push_config.cc: the top-level `push:` block.
Status ParsePush(const Ctx& ctx, const YAML::Node& node, ingest::PushOptions* push);

// profile_metrics_config.cc: the top-level `profile-metrics:` list, its
// rules' names unique.
Status ParseProfileMetrics(const Ctx& ctx, const YAML::Node& node,
                           std::vector<ProfileMetricConfig>* rules);

}  // namespace cprof::scrape::config_internal

#endif  // CPROF_SCRAPE_CONFIG_PARSE_H_
