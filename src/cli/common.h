// What every subcommand shares: global flags, config and archive
// resolution, selection flags, and exit codes. The only code (with the
// *_cmd.cc files) that touches CLI11.
#ifndef CPROF_CLI_COMMON_H_
#define CPROF_CLI_COMMON_H_

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive.h"
#include "base/fs.h"
#include "query/select.h"
#include "scrape/config.h"

namespace cprof::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitPartial = 1;  // some work failed; what worked is kept
inline constexpr int kExitUsage = 2;    // bad flags, bad config, bad input

struct GlobalOptions {
  std::string config_path;  // -c/--config/--config-path
  std::string archive;      // --archive
  std::string cache_dir;    // --cache-dir
  bool verbose = false;
};

void AddGlobalOptions(CLI::App* app, GlobalOptions* options);

struct Resolved {
  std::optional<scrape::Config> config;  // absent if none was found (and none required)
  fs::path config_path;                  // "" if none
  // No config file was found, and the built-in default (conf/cprofiler.yml:
  // 127.0.0.1:6060) is used; its archive key is not (see Resolve).
  bool builtin_config = false;
  // The archive's directory for readers (opened->root()).
  fs::path archive;
  // The archive opened (archive/archive.h): a directory, or a bucket
  // through its cache and spool. Readers sync it first (SyncForReading);
  // scrape and compact write to its write_root(). Never null.
  std::shared_ptr<archive::Archive> opened;
};

// Finds the config (-c, else $CPROFILER_CONFIG, else ../conf/cprofiler.yml,
// else /etc/cprofiler/cprofiler.yml) and the archive (--archive, else the
// config's `archive` (relative to the config's directory), else
// $CPROFILER_ARCHIVE, else ./cprofiler-archive). A config named by -c or
// $CPROFILER_CONFIG must exist; one found by search is optional. When none
// is found and `config_required`, the built-in default is used, with the
// archive from --archive, $CPROFILER_ARCHIVE or ./cprofiler-archive (its
// /var/lib path is for an installed service).
Result<Resolved> Resolve(const GlobalOptions& options, bool config_required);

// Archive::SyncForReading of [from_ms, to_ms] for `sample_type`'s profile
// type ("": every type).
Status SyncForReading(const Resolved& resolved, int64_t from_ms, int64_t to_ms,
                      std::string_view sample_type = "");

// OK if `archive` is a directory; else InvalidArgument saying how to name
// one.
Status RequireArchive(const fs::path& archive);

// Flags selecting archived profiles: -t, --from, --to, -l, --any.
struct SelectionFlags {
  std::string sample_type;
  std::string from = "-24h";
  std::string to = "now";
  std::vector<std::string> matchers;
  bool any_of = false;
};

void AddSelectionFlags(CLI::App* app, SelectionFlags* flags);
Result<query::Selection> ToSelection(const SelectionFlags& flags, int64_t now_ms);

// Prints "cprofiler: <command>: <message>" and returns `code`.
int Fail(std::string_view command, const Status& status, int code);

// Fail for flags that are wrong together or alone: prints
// "cprofiler: <command>: <message>" and returns kExitUsage.
int FailUsage(std::string_view command, const std::string& message);

// The exit code for a failed Status: kExitUsage for InvalidArgument,
// kExitPartial otherwise.
int ExitCodeFor(const Status& status);

}  // namespace cprof::cli

#endif  // CPROF_CLI_COMMON_H_
