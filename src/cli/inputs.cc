#include "cli/inputs.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "archive/layout.h"
#include "archive/scan.h"
#include "base/log.h"
#include "cli/commands.h"
#include "query/merge_files.h"

namespace cprof::cli {

Result<std::vector<fs::path>> ResolveInputs(const std::vector<std::string>& args,
                                            const SelectionFlags& flags,
                                            const fs::path& archive) {
  std::vector<fs::path> paths;
  if (!args.empty()) {
    for (const std::string& a : args) {
      // Anything not shaped like an ID is a file; it is not stat-ed here
      // (a thousand stats are a tenth of merging a thousand small profiles):
      // CheckNamedFiles tells a missing one apart after a failed read.
      std::error_code ec;
      if (!archive::ParseId(a).ok() || fs::is_regular_file(a, ec)) {
        paths.emplace_back(a);
        continue;
      }
      auto entry = archive::Lookup(archive, a);
      if (!entry.ok()) return entry.status();
      if (entry->sidecar.profile_type == "trace") {
        return Status::InvalidArgument(a + " is a trace: open it with go tool trace");
      }
      paths.push_back(entry->ProfilePath());
    }
    return paths;
  }
  if (flags.sample_type.empty()) {
    return Status::InvalidArgument(
        "name profile files or IDs, or select archived profiles with -t SAMPLE_TYPE "
        "(and --from, --to, -l)");
  }
  if (flags.sample_type == "trace") {
    return Status::InvalidArgument("traces cannot be merged or analyzed: use go tool trace");
  }
  CPROF_ASSIGN_OR_RETURN(query::Selection selection, ToSelection(flags, NowMs()));
  if (!IsDirectory(archive)) {
    return Status::InvalidArgument("no archive at " + archive.string());
  }
  archive::LoggingReporter reporter;
  CPROF_ASSIGN_OR_RETURN(std::vector<archive::Entry> entries,
                         query::Select(archive, selection, &reporter));
  if (entries.empty()) {
    return Status::NotFound("no profiles match (-t " + flags.sample_type + ", --from " +
                            flags.from + ", --to " + flags.to + ")");
  }
  for (const archive::Entry& e : entries) paths.push_back(e.ProfilePath());
  return paths;
}

Status CheckNamedFiles(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    std::error_code ec;
    if (!archive::ParseId(a).ok() && !fs::exists(a, ec)) {
      return Status::InvalidArgument(a + ": no such file, and not a profile ID");
    }
  }
  return Status::OK();
}

Result<pprof::OwnedProfile> LoadMerged(const std::vector<fs::path>& paths) {
  const bool show = paths.size() >= 20 && ::isatty(STDERR_FILENO);
  query::Progress progress;
  if (show) {
    progress = [](size_t done, size_t total) {
      if (done % 10 == 0 || done == total) {
        std::fprintf(stderr, "\rcprofiler: merging %zu/%zu profiles", done, total);
        if (done == total) std::fputc('\n', stderr);
        std::fflush(stderr);
      }
    };
  }
  auto merged = query::MergeFiles(paths, progress);
  if (show && !merged.ok()) std::fputc('\n', stderr);
  return merged;
}

Status WriteOutput(std::string_view out, std::string_view data) {
  if (out == "-") {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() ||
        std::fflush(stdout) != 0) {
      return Status::IOError("writing to stdout failed");
    }
    return Status::OK();
  }
  fs::path path(out);
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!IsDirectory(dir)) {
    return Status::InvalidArgument("cannot write " + path.string() + ": no directory " +
                                   dir.string());
  }
  return WriteFileAtomic(dir, path.filename().string(), data, /*sync_dir=*/false);
}

void ProfileInputCommand::AddInputFlags() {
  AddSelectionFlags(cmd_, &selection_);
  cmd_->add_option("inputs", inputs_,
                   "Profile files or archive IDs, merged when several (instead of query flags)");
}

std::optional<pprof::OwnedProfile> ProfileInputCommand::LoadInputs(const GlobalOptions& global,
                                                              const char* command,
                                                              int* exit_code, size_t* count) {
  auto fail = [&](const Status& s, int code) {
    *exit_code = Fail(command, s, code);
    return std::nullopt;
  };
  // One malloc arena a merge thread (query::MergeFiles runs a worker a core,
  // at most 8, and its own): workers build partial merges, and sharing one
  // arena made them queue for its lock (merging 1,000 heap profiles took
  // 0.28 s instead of 0.21 s). Not glibc's default of 8 a core, which only
  // adds resident memory.
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  mallopt(M_ARENA_MAX, threads + 1);
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return fail(resolved.status(), kExitUsage);
  auto paths = ResolveInputs(inputs_, selection_, resolved->archive);
  if (!paths.ok()) return fail(paths.status(), ExitCodeFor(paths.status()));
  auto merged = LoadMerged(*paths);
  if (!merged.ok()) {
    if (Status named = CheckNamedFiles(inputs_); !named.ok()) return fail(named, kExitUsage);
    return fail(merged.status(), ExitCodeFor(merged.status()));
  }
  if (count != nullptr) *count = paths->size();
  return std::move(*merged);
}

}  // namespace cprof::cli
