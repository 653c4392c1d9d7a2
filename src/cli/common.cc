#include "cli/common.h"

#include <cstdlib>

#include "base/log.h"
#include "cli/default_config.h"

namespace cprof::cli {

void AddGlobalOptions(CLI::App* app, GlobalOptions* o) {
  app->add_option("-c,--config,--config-path", o->config_path,
                  "Config file (default: $CPROFILER_CONFIG, else "
                  "../conf/cprofiler.yml, else /etc/cprofiler/cprofiler.yml)")
      ->option_text("FILE");
  app->add_option("--archive", o->archive,
                  "Archive directory (default: the config's `archive`, else "
                  "$CPROFILER_ARCHIVE, else ./cprofiler-archive)")
      ->option_text("DIR");
  app->add_flag("-v,--verbose", o->verbose, "Log every request and write");
}

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
    r.archive = a.is_absolute() ? a : r.config_path.parent_path() / a;
  } else if (const char* env = std::getenv("CPROFILER_ARCHIVE"); env && *env) {
    r.archive = env;
  } else {
    r.archive = "cprofiler-archive";
  }
  return r;
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

int ExitCodeFor(const Status& status) {
  return status.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitPartial;
}

Status RequireArchive(const fs::path& archive) {
  if (IsDirectory(archive)) return Status::OK();
  return Status::InvalidArgument("no archive at " + archive.string() +
                                 " (pass --archive DIR or set `archive` in the config)");
}

}  // namespace cprof::cli
