#include "cli/common.h"

#include <cstdlib>

#include "base/log.h"
#include "base/profile_types.h"
#include "base/time.h"
#include "cli/default_config.h"
#include "pprof/summary.h"
#include "scrape/target_state.h"

namespace cprof::cli {

void AddGlobalOptions(CLI::App* app, GlobalOptions* o) {
  app->add_option("-c,--config,--config-path", o->config_path,
                  "Config file (default: $CPROFILER_CONFIG, else "
                  "../conf/cprofiler.yml, else /etc/cprofiler/cprofiler.yml)")
      ->option_text("FILE");
  app->add_option("--archive", o->archive,
                  "Archive directory (default: the config's `archive`, else "
                  "$CPROFILER_ARCHIVE, else ./cprofiler-archive)")
      ->option_text("DIR|s3://BUCKET/PREFIX");
  app->add_option("--cache-dir", o->cache_dir,
                  "For an archive in a bucket: the local cache and upload spool (default: the "
                  "config's s3.cache-dir, else ~/.cache/cprofiler/BUCKET/PREFIX)")
      ->option_text("DIR");
  app->add_flag("-v,--verbose", o->verbose, "Log every request and write");
}

namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// How to open `r.archive` when it is in a bucket: the config's s3 block
// (paths in it relative to the config's directory) or, without one, the
// AWS environment (AWS_ENDPOINT_URL, AWS_REGION).
archive::OpenOptions OpenOptionsOf(const GlobalOptions& o, const Resolved& r) {
  scrape::S3Config config;
  if (r.config && !r.builtin_config) config = r.config->s3;
  auto relative_to_config = [&](const std::string& p) {
    return p.empty() || fs::path(p).is_absolute() ? fs::path(p) : r.config_path.parent_path() / p;
  };
  archive::OpenOptions options;
  archive::S3Options& s3 = options.s3;
  s3.endpoint = !config.endpoint.empty()                 ? config.endpoint
                : !Getenv("AWS_ENDPOINT_URL_S3").empty() ? Getenv("AWS_ENDPOINT_URL_S3")
                                                         : Getenv("AWS_ENDPOINT_URL");
  s3.region = !config.region.empty()                  ? config.region
              : !Getenv("AWS_REGION").empty()         ? Getenv("AWS_REGION")
              : !Getenv("AWS_DEFAULT_REGION").empty() ? Getenv("AWS_DEFAULT_REGION")
                                                      : "us-east-1";
  s3.path_style = config.path_style;
  s3.ca_file = relative_to_config(config.ca_file).string();
  options.cache_dir =
      !o.cache_dir.empty() ? fs::path(o.cache_dir) : relative_to_config(config.cache_dir);
  options.cache_max_bytes = config.cache_max_size;
  return options;
}

}  // namespace

Result<Resolved> Resolve(const GlobalOptions& o, bool config_required) {
  Resolved r;
  std::string explicit_path = o.config_path;
  if (explicit_path.empty()) {
    if (const char* env = std::getenv("CPROFILER_CONFIG"); env && *env) {
      explicit_path = env;
    }
  }
  if (!explicit_path.empty()) {
    r.config_path = explicit_path;
  } else {
    for (const char* candidate : {"../conf/cprofiler.yml", "/etc/cprofiler/cprofiler.yml"}) {
      if (::access(candidate, F_OK) == 0) {
        r.config_path = candidate;
        break;
      }
    }
  }
  if (!r.config_path.empty()) {
    auto config = scrape::LoadConfig(r.config_path);
    if (!config.ok()) {
      if (config.status().IsNotFound()) {
        return Status::InvalidArgument("config file " + r.config_path.string() + " does not exist");
      }
      return Status::InvalidArgument(config.status().message());
    }
    r.config = std::move(*config);
  } else if (config_required) {
    auto config = scrape::ParseConfig(DefaultConfigText(), kDefaultConfigSource);
    if (!config.ok()) return Status::InvalidArgument(config.status().message());
    r.config = std::move(*config);
    r.builtin_config = true;
  }
  if (!o.archive.empty()) {
    r.archive = o.archive;
  } else if (r.config && !r.config->archive.empty() && !r.builtin_config) {
    fs::path a = r.config->archive;
    r.archive =
        a.is_absolute() || archive::IsArchiveUrl(a.string()) ? a : r.config_path.parent_path() / a;
  } else if (const char* env = std::getenv("CPROFILER_ARCHIVE"); env && *env) {
    r.archive = env;
  } else {
    r.archive = "cprofiler-archive";
  }
  CPROF_ASSIGN_OR_RETURN(std::unique_ptr<archive::Archive> opened,
                         archive::OpenArchive(r.archive, OpenOptionsOf(o, r)));
  r.opened = std::move(opened);
  r.archive = r.opened->root();
  return r;
}

Status SyncForReading(const Resolved& resolved, int64_t from_ms, int64_t to_ms,
                      std::string_view sample_type) {
  return resolved.opened->SyncForReading(
      from_ms, to_ms, sample_type.empty() ? "" : pprof::ProfileTypeOf(sample_type));
}

void AddSelectionFlags(CLI::App* app, SelectionFlags* f) {
  app->add_option("-t,--sample-type", f->sample_type,
                  "Sample type: profile_cpu, heap_inuse_space, goroutine, "
                  "mutex_delay, trace, ... (default: all)")
      ->option_text("TYPE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("--from", f->from,
                  "Start: RFC 3339 (2026-11-22T10:00:00Z), a date, now, or "
                  "relative (-90m, -2h, -7d)")
      ->option_text("T")
      ->default_str("-24h")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("--to", f->to, "End, as --from")
      ->option_text("T")
      ->default_str("now")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("-l,--label", f->matchers,
                  "Matcher: key=value, key!=value, key=~RE2, key!~RE2 over "
                  "_job _app _host _type and user labels; repeatable, all must hold")
      ->option_text("MATCHER");
  app->add_flag("--any", f->any_of, "One matcher is enough (OR)");
}

Result<query::Selection> ToSelection(const SelectionFlags& f, int64_t now_ms) {
  query::Selection s;
  s.sample_type = f.sample_type;
  CPROF_ASSIGN_OR_RETURN(s.from_ms, ParseTimeArg(f.from, now_ms));
  CPROF_ASSIGN_OR_RETURN(s.to_ms, ParseTimeArg(f.to, now_ms));
  for (const std::string& text : f.matchers) {
    CPROF_ASSIGN_OR_RETURN(query::Matcher m, query::Matcher::Parse(text));
    s.matchers.push_back(std::move(m));
  }
  s.any_of = f.any_of;
  CPROF_RETURN_IF_ERROR(query::ValidateSelection(s));
  return s;
}

int Fail(std::string_view command, const Status& status, int code) {
  LogError(std::string(command) + ": " + status.message());
  return code;
}

int FailUsage(std::string_view command, const std::string& message) {
  return Fail(command, Status::InvalidArgument(message), kExitUsage);
}

int ExitCodeFor(const Status& status) {
  return status.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitPartial;
}

Status RequireArchive(const fs::path& archive) {
  if (IsDirectory(archive)) return Status::OK();
  return Status::InvalidArgument("no archive at " + archive.string() +
                                 " (pass --archive DIR or set `archive` in the config)");
}

}  // namespace cprof::cli
