#include "cli/inputs.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "archive/layout.h"
#include "archive/remote.h"
#include "archive/scan.h"
#include "base/json.h"
#include "base/log.h"
#include "base/profile_types.h"
#include "cli/commands.h"
#include "pprof/analysis_json.h"
#include "pprof/interval.h"
#include "pprof/summary.h"
#include "query/interval.h"
#include "query/merge_files.h"
#include "query/rollup.h"
#include "server/report_page.h"

namespace cprof::cli {

Result<std::vector<fs::path>> ResolveNamed(const std::vector<std::string>& args,
                                           const fs::path& archive) {
  std::vector<fs::path> paths;
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
    if (!Mergeable(entry->sidecar.profile_type)) {
      return Status::InvalidArgument(a + " is a trace: open it with go tool trace");
    }
    paths.push_back(entry->ProfilePath());
  }
  return paths;
}

Result<query::TiledWindow> SelectWindow(const SelectionFlags& flags, const fs::path& archive,
                                        bool intervals, bool use_rollups) {
  if (flags.sample_type.empty()) {
    return Status::InvalidArgument(
        "name profile files or IDs, or select archived profiles with -t SAMPLE_TYPE "
        "(and --from, --to, -l)");
  }
  if (!Mergeable(pprof::ProfileTypeOf(flags.sample_type))) {
    return Status::InvalidArgument("traces cannot be merged or analyzed: use go tool trace");
  }
  CPROF_ASSIGN_OR_RETURN(query::Selection selection, ToSelection(flags, NowMs()));
  CPROF_RETURN_IF_ERROR(RequireArchive(archive));
  archive::LoggingReporter reporter;
  CPROF_ASSIGN_OR_RETURN(
      query::TiledWindow window,
      query::SelectTiledWindow(archive, selection, intervals, use_rollups, &reporter));
  if (window.raw.empty() && window.rollups.empty()) {
    return Status::NotFound("no profiles match (-t " + flags.sample_type + ", --from " +
                            flags.from + ", --to " + flags.to + ")");
  }
  return window;
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

namespace {

// A progress line on stderr for merging `count` inputs, when there are many
// and stderr is a terminal; null otherwise.
query::Progress ProgressLine(size_t count, const char* what) {
  if (count < 20 || !::isatty(STDERR_FILENO)) return nullptr;
  return [what](size_t done, size_t total) {
    if (done % 10 == 0 || done == total) {
      std::fprintf(stderr, "\rcprofiler: merging %zu/%zu %s", done, total, what);
      if (done == total) std::fputc('\n', stderr);
      std::fflush(stderr);
    }
  };
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

Result<pprof::OwnedProfile> LoadMerged(const std::vector<fs::path>& paths) {
  query::Progress progress = ProgressLine(paths.size(), "profiles");
  auto merged = query::MergeFiles(paths, progress);
  if (progress && !merged.ok()) std::fputc('\n', stderr);
  return merged;
}

Result<pprof::OwnedProfile> LoadWindow(const fs::path& archive, const query::TiledWindow& window,
                                       std::string_view command, size_t* count) {
  archive::LoggingReporter reporter;
  const bool intervals = window.intervals;
  query::Progress progress =
      ProgressLine(window.raw.size() + window.rollups.size(), intervals ? "intervals" : "profiles");
  query::TiledStats stats;
  auto merged = query::MergeTiled(archive, window, &reporter, &stats, progress);
  if (progress && !merged.ok()) std::fputc('\n', stderr);
  if (count != nullptr) *count = stats.covered;
  std::string read = Plural(stats.decoded, "profile", "profiles") + " read";
  if (stats.tiles > 0) {
    read += " (" + Plural(stats.tiles, "rollup", "rollups") + ", " +
            Plural(stats.decoded - std::min(stats.decoded, stats.tiles), "raw", "raw") + ")";
  }
  std::string note = std::string(command) + ": " + (intervals ? "interval values: " : "") +
                     Plural(stats.covered, "snapshot", "snapshots") + " of " +
                     Plural(stats.series, "target", "targets") + ", " + read;
  if (stats.baselines > 0) {
    note += "; " + Plural(stats.baselines, "baseline", "baselines") +
            " (a target's first snapshot, or the first after a gap) without an interval";
  }
  if (stats.resets > 0) {
    note += "; " + Plural(stats.resets, "restart", "restarts") + " (counted from zero)";
  }
  if (intervals) {
    LogInfo(note + " (--cumulative: every snapshot since process start, merged)");
  } else if (stats.tiles > 0) {
    LogInfo(note + " (--raw: every raw profile)");
  }
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
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) {
    // A device or a FIFO (-o /dev/null, a pipe): written in place, never
    // replaced by a renamed file (as root, that rename would succeed).
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return Status::IOError("cannot open " + path.string());
    const bool written = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    if (std::fclose(f) != 0 || !written) return Status::IOError("writing " + path.string());
    return Status::OK();
  }
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!IsDirectory(dir)) {
    return Status::InvalidArgument("cannot write " + path.string() + ": no directory " +
                                   dir.string());
  }
  return WriteFileAtomic(dir, path.filename().string(), data, /*sync_dir=*/false);
}

Result<pprof::OwnedProfile> LoadNamed(const std::vector<std::string>& args,
                                      const fs::path& archive) {
  CPROF_ASSIGN_OR_RETURN(std::vector<fs::path> paths, ResolveNamed(args, archive));
  auto merged = LoadMerged(paths);
  if (!merged.ok()) {
    if (Status named = CheckNamedFiles(args); !named.ok()) return named;
  }
  return merged;
}

Result<pprof::OwnedProfile> LoadProfiles(const fs::path& archive,
                                         const std::vector<std::string>& named,
                                         const SelectionFlags& flags, bool cumulative, bool raw,
                                         std::string_view command, size_t* count) {
  // One malloc arena a merge thread (query::MergeFiles runs a worker a core,
  // at most 8, and its own): workers build partial merges, and sharing one
  // arena made them queue for its lock (merging 1,000 heap profiles took
  // 0.28 s instead of 0.21 s). Not glibc's default of 8 a core, which only
  // adds resident memory.
  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  mallopt(M_ARENA_MAX, threads + 1);
  if (!named.empty()) {
    if (count != nullptr) *count = named.size();
    return LoadNamed(named, archive);
  }
  const bool intervals = !cumulative && pprof::IsCumulativeName(flags.sample_type);
  CPROF_ASSIGN_OR_RETURN(query::TiledWindow window,
                         SelectWindow(flags, archive, intervals, /*use_rollups=*/!raw));
  return LoadWindow(archive, window, command, count);
}

Status SyncWindow(const Resolved& resolved, const std::vector<std::string>& named,
                  const SelectionFlags& flags) {
  // (named IDs are fetched as they are looked up)
  if (!named.empty()) return Status::OK();
  const int64_t now = NowMs();
  auto from = ParseTimeArg(flags.from, now);
  auto to = ParseTimeArg(flags.to, now);
  if (!from.ok() || !to.ok()) return Status::OK();  // (told later, by the selection)
  return SyncForReading(resolved, *from, *to, flags.sample_type);
}

std::string DescribeInputs(const std::vector<std::string>& named, const SelectionFlags& flags) {
  std::string out;
  auto add = [&](std::string_view part) {
    if (!out.empty()) out += ' ';
    out += part;
  };
  if (!named.empty()) {
    for (const std::string& n : named) add(n);
    return out;
  }
  if (!flags.sample_type.empty()) add("-t " + flags.sample_type);
  add("--from " + flags.from);
  add("--to " + flags.to);
  for (const std::string& m : flags.matchers) add("-l " + m);
  if (flags.any_of) add("--any");
  return out;
}

Result<std::string> HtmlReport(std::string_view title,
                               const std::vector<std::pair<std::string, std::string>>& facts,
                               const pprof::Profile& target, const pprof::Profile* base,
                               const pprof::ReportOptions& options) {
  auto analysis_json = [&](const pprof::Profile& p) -> Result<std::string> {
    CPROF_ASSIGN_OR_RETURN(pprof::Analysis a,
                           pprof::Analyze(p, options, pprof::kDefaultFlameNodes));
    JsonWriter w;
    w.StartObject();
    pprof::WriteAnalysisFields(w, p, a);
    w.EndObject();
    return w.Take();
  };
  CPROF_ASSIGN_OR_RETURN(std::string target_json, analysis_json(target));
  std::string base_json = "null";
  if (base != nullptr) {
    auto b = analysis_json(*base);
    if (!b.ok()) return b.status().WithContext("the base");
    base_json = std::move(*b);
  }
  return server::RenderReportPage(title, facts, target_json, base_json);
}

void ProfileInputCommand::AddInputFlags() {
  AddSelectionFlags(cmd_, &selection_);
  cmd_->add_option("inputs", inputs_,
                   "Profile files or archive IDs, merged when several (instead of query flags)");
  cmd_->add_flag("--cumulative", cumulative_,
                 "For cumulative types (allocs, heap alloc_*, mutex, block, threadcreate): "
                 "merge the selected snapshots as they are (each since process start) "
                 "instead of summing the intervals that end in the window");
  cmd_->add_flag("--raw", raw_,
                 "Read every raw profile of the window, not the hourly and daily rollups that "
                 "stand for them (the same result, slower: for checking)");
  cmd_->add_option("--base", base_,
                   "Subtract this profile (file or ID; repeatable, merged), as go tool pprof "
                   "-base does")
      ->option_text("FILE|ID")
      ->expected(1)
      ->allow_extra_args(false);
}

std::optional<pprof::OwnedProfile> ProfileInputCommand::LoadInputs(const GlobalOptions& global,
                                                                   const char* command,
                                                                   int* exit_code, size_t* count) {
  auto fail = [&](const Status& s, int code) {
    *exit_code = Fail(command, s, code);
    return std::nullopt;
  };
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return fail(resolved.status(), kExitUsage);
  if (Status s = SyncWindow(*resolved, inputs_, selection_); !s.ok()) {
    return fail(s, ExitCodeFor(s));
  }
  // Subtracting a base (pprof's -base) takes the snapshots as they are.
  Result<pprof::OwnedProfile> merged = LoadProfiles(
      resolved->archive, inputs_, selection_, cumulative_ || !base_.empty(), raw_, command, count);
  if (!merged.ok()) return fail(merged.status(), ExitCodeFor(merged.status()));
  if (base_.empty()) return std::move(*merged);
  auto base = LoadNamed(base_, resolved->archive);
  if (!base.ok()) return fail(base.status().WithContext("--base"), ExitCodeFor(base.status()));
  auto difference = pprof::Difference(**merged, **base);
  if (!difference.ok()) return fail(difference.status(), ExitCodeFor(difference.status()));
  return std::move(*difference);
}

std::optional<pprof::StreamedProfile> ProfileInputCommand::LoadStreamed(const GlobalOptions& global,
                                                                        const char* command,
                                                                        int* exit_code) {
  auto fail = [&](const Status& s, int code) {
    *exit_code = Fail(command, s, code);
    return std::nullopt;
  };
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return fail(resolved.status(), kExitUsage);
  // As LoadNamed and query::ReadProfile read it (the file's bytes freed
  // once inflated), and their errors.
  auto paths = ResolveNamed(inputs_, resolved->archive);
  if (!paths.ok()) return fail(paths.status(), ExitCodeFor(paths.status()));
  const fs::path& path = paths->front();
  auto bytes = archive::ReadEntryFile(path, size_t{1} << 31);
  Result<pprof::StreamedProfile> profile = bytes.status();
  if (bytes.ok()) {
    profile = pprof::StreamedProfile::Decode(std::move(*bytes));
    if (!profile.ok()) profile = profile.status().WithContext(path.string());
  }
  if (!profile.ok()) {
    Status named = CheckNamedFiles(inputs_);
    const Status& s = named.ok() ? profile.status() : named;
    return fail(s, ExitCodeFor(s));
  }
  return std::move(*profile);
}

std::string ProfileInputCommand::SampleIndex(const std::string& flag) const {
  return flag.empty() ? pprof::SampleIndexOf(selection_.sample_type) : flag;
}

}  // namespace cprof::cli
