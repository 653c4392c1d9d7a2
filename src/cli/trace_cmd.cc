// `cprofiler trace`: what go tool trace shows of an archived trace (or a
// trace file), without a Go toolchain: its summary, its goroutines by start
// function, its task and region types, and its derived blocking profiles.
#include <cstdio>

#include "archive/scan.h"
#include "base/profile_types.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "query/trace_analysis.h"
#include "query/trace_report.h"

namespace cprof::cli {
namespace {

// The trace `arg` names: a file, else an archive ID in `archive`.
Result<fs::path> ResolveTrace(const std::string& arg, const fs::path& archive) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec) || !archive::ParseId(arg).ok()) return fs::path(arg);
  CPROF_ASSIGN_OR_RETURN(archive::Entry entry, archive::Lookup(archive, arg));
  if (entry.sidecar.profile_type != "trace") {
    return Status::InvalidArgument(arg + " is a " + entry.sidecar.profile_type +
                                   " profile, not a trace: use cprofiler top");
  }
  return entry.ProfilePath();
}

}  // namespace

void TraceCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("trace", "Analyze a Go execution trace, as go tool trace does");
  cmd_->footer(
      R"(Reads traces of Go 1.22 and later (go 1.22 trace, go 1.23 trace), an archived one by ID or a file.
  summary     duration, events, generations, goroutines, GOMAXPROCS, GC cycles, tasks, ...
  goroutines  goroutines grouped by start function, with their count and time executing, waiting on the network, blocked on sync, in syscalls, runnable and in GC (go tool trace's goroutine page; times as Go prints durations)
  tasks       per runtime/trace task type and region type: count, finished, min/median/max latency and a histogram
  pprof       the derived profile go tool trace -pprof=KIND writes (--kind net|sync|syscall|sched), gzipped pprof, to -o FILE (default: stdout)
Examples:
  cprofiler trace summary 20261122-0f3a9c2b41d87e65-101500123-trace-9b2e41c07d
  cprofiler trace goroutines trace.out
  cprofiler trace pprof --kind sched trace.out -o sched.pb.gz && go tool pprof -top sched.pb.gz)");
  cmd_->require_subcommand(1);
  for (const char* name : {"summary", "goroutines", "tasks", "pprof"}) {
    CLI::App* sub = cmd_->add_subcommand(name, std::string("The trace's ") + name);
    sub->add_option("input", input_, "An archived trace's ID, or a trace file")->required();
    if (std::string_view(name) == "pprof") {
      sub->add_option("--kind", kind_, "net, sync, syscall or sched")
          ->required()
          ->check(CLI::IsMember({"net", "sync", "syscall", "sched"}));
      sub->add_option("-o,--output", output_, "Where to write the profile ('-': stdout)")
          ->default_str("-");
    } else {
      sub->add_option("-o,--output", format_, "table or json")
          ->check(CLI::IsMember({"table", "json"}))
          ->default_str("table");
    }
    subs_.push_back(sub);
  }
}

int TraceCommand::Run(const GlobalOptions& global) {
  std::string what;
  for (CLI::App* sub : subs_) {
    if (sub->parsed()) what = sub->get_name();
  }
  const std::string command = "trace " + what;
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail(command, resolved.status(), kExitUsage);
  Result<fs::path> path = ResolveTrace(input_, resolved->archive);
  if (!path.ok()) return Fail(command, path.status(), ExitCodeFor(path.status()));
  std::FILE* f = std::fopen(path->c_str(), "rb");
  if (f == nullptr) {
    return Fail(command, Status::InvalidArgument(path->string() + ": cannot open"), kExitUsage);
  }
  std::vector<trace::ProfileKind> kinds;
  if (what == "pprof") kinds.push_back(*trace::ParseProfileKind(kind_));
  Result<query::TraceAnalysis> analysis = query::AnalyzeTrace(trace::FileSource(f), kinds);
  if (!analysis.ok()) {
    return Fail(command, analysis.status().WithContext(path->string()),
                ExitCodeFor(analysis.status()));
  }
  std::string out;
  const bool json = format_ == "json";
  if (what == "summary") {
    out = json ? query::TraceSummaryJson(*analysis) : query::TraceSummaryText(*analysis);
  } else if (what == "goroutines") {
    out = json ? query::TraceGoroutinesJson(*analysis, nullptr)
               : query::TraceGoroutinesText(*analysis);
  } else if (what == "tasks") {
    out = json ? query::TraceTasksJson(*analysis) : query::TraceTasksText(*analysis);
  } else {
    out = pprof::EncodeProfile(query::BuildTraceProfile(analysis->profiles.begin()->second));
    if (Status s = WriteOutput(output_, out); !s.ok()) return Fail(command, s, ExitCodeFor(s));
    return kExitOk;
  }
  if (json) out += "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace cprof::cli
