// `cprofiler import`: profile files into the archive (ingest/import.h).
#include <unistd.h>

#include <cstdio>

#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "ingest/import.h"

namespace cprof::cli {

void ImportCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("import", "Put profile files into the archive, as pushed ones");
  cmd_->footer(
      "Each FILE (a pprof profile, gzipped or not: runtime/pprof's, go test -cpuprofile's, any) "
      "becomes one entry of job \"import\", its sidecar as a scraped one's, within the "
      "config's push: block (labels, expiration). Its type is the profile's own unless --type "
      "says (block and mutex profiles look alike: say which); its time is its time_nanos "
      "unless --time says. A file already archived is left as it is. Into an archive in a "
      "bucket, the entries go through the spool and are uploaded before import exits.\n"
      "Examples:\n"
      "  go test -cpuprofile cpu.out ./pkg && cprofiler import --service pkg -l "
      "commit=$(git rev-parse --short HEAD) cpu.out\n"
      "  cprofiler import --archive s3://bucket/profiles --service api -l env=prod *.pb.gz\n"
      "Exit status: 0 every file imported, 1 some could not be (named on stderr), 2 bad flags "
      "or config.");
  cmd_->add_option("--service", service_,
                   "The entries' application (_app); default: each profile's main binary's "
                   "file name");
  cmd_->add_option("--type", type_,
                   "The profile type (cpu or profile, heap, allocs, block, mutex, goroutine, "
                   "threadcreate, fgprof); default: each profile's own");
  cmd_->add_option("-l,--label", labels_, "A label key=value (repeatable)")
      ->option_text("KEY=VALUE")
      ->allow_extra_args(false);
  cmd_->add_option("--time", time_,
                   "The entries' time (RFC3339, -2h, now); default: each profile's time_nanos");
  cmd_->add_option("files", files_, "Profile files")->required();
}

int ImportCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("import", resolved.status(), kExitUsage);
  ingest::Pushed pushed;
  pushed.job = "import";
  pushed.app = service_;
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) pushed.host = pushed.pushed_by = host;
  if (!type_.empty()) {
    auto type = ingest::ParseProfileTypeName(type_);
    if (!type.ok()) return Fail("import", type.status().WithContext("--type"), kExitUsage);
    pushed.profile_type = std::move(*type);
  }
  for (const std::string& label : labels_) {
    if (Status s = ingest::ParseLabelList(label, &pushed.labels); !s.ok()) {
      return Fail("import", s.WithContext("-l"), kExitUsage);
    }
  }
  if (!time_.empty()) {
    auto ms = ParseTimeArg(time_, NowMs());
    if (!ms.ok()) return Fail("import", ms.status().WithContext("--time"), kExitUsage);
    pushed.timestamp_ms = *ms;
  }
  ingest::PushOptions options = resolved->config && !resolved->builtin_config
                                    ? resolved->config->push
                                    : ingest::PushOptions();
  if (Status s = ingest::CheckLabels(pushed.labels, options); !s.ok()) {
    return Fail("import", s.WithContext("-l"), kExitUsage);
  }
  archive::Archive& opened = *resolved->opened;
  std::vector<fs::path> files(files_.begin(), files_.end());
  auto stats = ingest::ImportFiles(files, pushed, options, opened.write_root());
  if (!stats.ok()) return Fail("import", stats.status(), ExitCodeFor(stats.status()));
  for (const auto& [file, why] : stats->failed) {
    LogError("import: " + file.string() + ": " + why.message());
  }
  archive::UploadStats up;
  bool published = true;
  if (Status s = opened.Publish(&up); !s.ok()) {
    published = false;
    LogError("import: " + s.message() + "; " + std::to_string(up.pending) +
             " entries wait in the spool " + opened.write_root().string() +
             " and are uploaded by the next import, compact or scrape pass on this cache");
  }
  std::printf("imported %zu, already archived %zu, failed %zu, into %s\n", stats->imported,
              stats->already, stats->failed.size(), opened.Describe().c_str());
  std::fflush(stdout);
  return stats->failed.empty() && published ? kExitOk : kExitPartial;
}

}  // namespace cprof::cli
