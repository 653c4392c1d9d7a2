// The configuration (conf/cprofiler.yml; reference: man 5 cprofiler.yml):
// the scrape jobs, and serve's settings. The only code that touches
// yaml-cpp, split by section: config.cc (the top level and the jobs),
// discovery_config.cc, serve_config.cc, push_config.cc, s3_config.cc and
// profile_metrics_config.cc, sharing config_parse.h. Thread-safe: pure
// functions returning values.
//
// Every error names the file, line, column and key:
//   "conf/cprofiler.yml:7:15: scrape-configs[0].interval: bad duration "6x" ..."
#ifndef CPROF_SCRAPE_CONFIG_H_
#define CPROF_SCRAPE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/layout.h"
#include "base/fs.h"
#include "base/time.h"
#include "ingest/entry.h"
#include "scrape/relabel.h"

namespace cprof::scrape {

struct TargetConfig {
  std::string application;         // defaults to the job's name
  std::vector<std::string> hosts;  // "host:port", or a URL base "https://host:port"
  archive::Labels labels;          // user labels; keys never start with '_'
};

// file-sd-configs: files (globs) of target groups in Prometheus's file_sd
// format, JSON or YAML: [{"targets": ["host:port", ...], "labels": {...}}].
struct FileSdConfig {
  std::vector<std::string> files;
};

// http-sd-configs: Prometheus's HTTP SD: GET url every refresh_interval,
// the body a list of target groups as in file_sd.
struct HttpSdConfig {
  std::string url;
  Nanos refresh_interval = std::chrono::seconds(60);
  std::string bearer_token_file;  // sent as "Authorization: Bearer <its text>"
  std::string ca_file;            // for https (default: the system's)
};

// kubernetes-sd-configs: pods (scrape/kubernetes_sd.h).
struct KubernetesSdConfig {
  std::string role = "pod";
  std::string api_server;               // "": in a pod, the cluster's (service account)
  std::string bearer_token_file;        // default in a pod: the service account's
  std::string ca_file;                  // default in a pod: the service account's
  std::vector<std::string> namespaces;  // empty: all
  std::string label_selector;           // Kubernetes' syntax: "app=shop,tier!=db"
};

// One group of a file_sd file: targets that share labels.
struct TargetGroup {
  std::vector<std::string> targets;
  archive::Labels labels;
};

struct JobConfig {
  std::string job;
  // interval (60s): a target's profile is due this long after the last one.
  Nanos interval = std::chrono::seconds(60);
  // expiration (168h): profiles are pruned this long after their scrape;
  //   0 keeps them forever.
  Nanos expiration = std::chrono::hours(168);
  // timeout (30s): per request; requests with ?seconds=N get N more.
  Nanos timeout = std::chrono::seconds(30);
  // max-response-size (64MiB): a larger body fails that request.
  int64_t max_response_bytes = int64_t{64} << 20;
  // enabled-profiles ([all]): profile types to scrape, in kProfileTypes order.
  std::vector<std::string> profiles;
  // path-profiles: the URL path (with query) per profile type; defaults
  //   from kProfileTypes' default_path, overridden per type.
  std::map<std::string, std::string> paths;
  std::vector<TargetConfig> targets;
  std::vector<FileSdConfig> file_sd;
  std::vector<HttpSdConfig> http_sd;
  std::vector<KubernetesSdConfig> kubernetes_sd;
  // relabel-configs: Prometheus's relabel_configs (scrape/relabel.h), in
  //   order, over every target's labels (scrape/discovery.h).
  std::vector<RelabelRule> relabel;
  // app-label ("app"): the label whose value is a discovered target's
  //   application (without it: the job's name).
  std::string app_label = "app";
  // rollups.hourly, rollups.daily (absent: none): write hourly and daily
  //   merged profiles of the job's targets (query/rollup.h), each kept this
  //   long after its hour or day starts; 0 keeps them forever.
  std::optional<Nanos> rollups_hourly, rollups_daily;
};

// serve: `cprofiler serve`'s settings; its flags override each.
struct ServeConfig {
  // listen (unset: :8080): :PORT, IPv4:PORT or localhost:PORT.
  std::string listen;
  // auth-file (unset: none): serve's --auth-file; a relative path is
  //   relative to the config's directory (resolved by the caller).
  std::string auth_file;
  // cors-allowed-origins ([]): origins ("https://host[:port]", no path) or
  //   "*" whose pages may read the answers (server/cors.h).
  std::vector<std::string> cors_allowed_origins;
  // tls-cert, tls-key, redirect-listen (unset): serve's --tls-cert,
  //   --tls-key (paths relative to the config's directory, as auth-file's)
  //   and --redirect-listen.
  std::string tls_cert;
  std::string tls_key;
  std::string redirect_listen;
  // source-path ([]): serve's --source-path, the directories the analysis
  //   page's source listings are read from (a list, or one string of
  //   directories separated by ':'; relative to the config's directory,
  //   resolved by the caller).
  std::vector<std::string> source_path;
  // trim-path ([]): serve's --trim-path, prefixes cut from the profiles'
  //   file names (a list, or one string separated by ':').
  std::vector<std::string> trim_path;
};

// profile-metrics: a Prometheus series derived from every profile scraped
// (scrape/scrape_metrics.h), per target: opt-in, one series a rule and
// target.
struct ProfileMetricConfig {
  // name: [a-z_][a-z0-9_]*; the series is cprofiler_profile_<name>, with
  //   _seconds, _bytes or _ratio after it (by the sample type's unit, or
  //   the share).
  std::string name;
  // sample-type: cprofiler's name of a sample type ("mutex_delay",
  //   "profile_cpu", "heap_inuse_space"); its profile type is the one read.
  std::string sample_type;
  // function ("": none): an RE2 found anywhere in a function's name
  //   (pprof's -focus); the series is then the share (0..1) of the total in
  //   samples with such a function on their stack, each sample counted once.
  std::string function;
};

// s3: how to reach the bucket of an `archive: s3://BUCKET/PREFIX`
// (archive/bucket.h). Credentials are never here: the AWS environment
// variables or the shared credentials file (archive/s3.h).
struct S3Config {
  // endpoint (unset: AWS, https://s3.REGION.amazonaws.com):
  //   http(s)://host[:port] of MinIO, Ceph RGW, Garage, GCS's interop.
  std::string endpoint;
  std::string region;       // (unset: $AWS_REGION, else us-east-1)
  bool path_style = false;  // path-style (false): endpoint/BUCKET/KEY URLs
  std::string ca_file;      // ca-file (unset: the system's CAs); relative to the config
  // cache-dir (unset: $XDG_CACHE_HOME/cprofiler, else ~/.cache/cprofiler,
  //   then /BUCKET/PREFIX): the local cache and spool; relative to the config.
  std::string cache_dir;
  int64_t cache_max_size = 0;  // cache-max-size (unset: 1GiB): profiles cached
};

struct Config {
  std::string source;  // the file it came from, or "<built-in default>"
  // 16 hex digits of the text's SHA-256: another text, another config (an
  //   optional profile type a target did not offer is asked for again).
  std::string fingerprint;
  std::string archive;  // the `archive` key, "" if unset
  // max-size (0 = none): prune keeps the archive's size on disk under this,
  //   removing the oldest entries first (archive::PruneOptions).
  int64_t max_size = 0;
  std::vector<JobConfig> jobs;
  ServeConfig serve;
  // push: what serve's push routes and `cprofiler import` take
  //   (ingest/entry.h PushOptions).
  ingest::PushOptions push;
  S3Config s3;
  std::vector<ProfileMetricConfig> profile_metrics;
};

// Parses YAML text; `source` names it in errors. InvalidArgument on any bad
// key or value.
Result<Config> ParseConfig(std::string_view text, std::string_view source);

// Parses a file_sd file's text (JSON or YAML); `source` names it in errors,
// with the line and column. InvalidArgument on any bad key or value.
Result<std::vector<TargetGroup>> ParseTargetGroups(std::string_view text, std::string_view source);

// host:port, or a URL base (http:// or https://) without path.
bool ValidHost(std::string_view host);
// A web origin as browsers send it: http:// or https://, then a lowercase
// host and an optional :port; no path, not even a trailing '/'.
bool ValidOrigin(std::string_view origin);
// Letters, digits and _, not starting with a digit.
bool ValidLabelName(std::string_view name);

// Reads and parses a file. NotFound if it does not exist.
Result<Config> LoadConfig(const fs::path& path);

// The timeout of one request: the job's timeout plus the `seconds=N` the
// path asks the target to profile for.
Nanos RequestTimeout(const JobConfig& job, std::string_view path);

// "http://host:port/path", or the host's own scheme if it has one.
std::string TargetUrl(std::string_view host, std::string_view path);

}  // namespace cprof::scrape

#endif  // CPROF_SCRAPE_CONFIG_H_
