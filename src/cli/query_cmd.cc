// `cprofiler query`: list archived profiles.
#include <cstdio>

#include "archive/remote.h"
#include "base/json.h"
#include "base/log.h"
#include "cli/commands.h"
#include "query/output.h"

namespace cprof::cli {

void QueryCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("query", "List archived profiles by sample type, time and labels");
  cmd_->footer(R"(Examples:
  cprofiler query -t heap_inuse_space -l _app=api --from -2h
  cprofiler query -t profile_cpu -l 'env=~prod|staging' -o paths | xargs go tool pprof -top
Exit status: 0 ok (also when nothing matches), 1 some entries were unreadable (named on stderr; the rest is listed), 2 bad flags.)");
  AddSelectionFlags(cmd_, &selection_);
  cmd_->add_option("-o,--output", output_,
                   "table (for people), json (the API's ProfileMeta objects), "
                   "ids (one ID a line), paths (one profile file a line)")
      ->check(CLI::IsMember({"table", "json", "ids", "paths"}))
      ->default_str("table");
}

int QueryCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("query", resolved.status(), kExitUsage);
  auto selection = ToSelection(selection_, NowMs());
  if (!selection.ok()) return Fail("query", selection.status(), kExitUsage);
  if (Status s =
          SyncForReading(*resolved, selection->from_ms, selection->to_ms, selection->sample_type);
      !s.ok()) {
    return Fail("query", s, ExitCodeFor(s));
  }
  if (Status s = RequireArchive(resolved->archive); !s.ok()) return Fail("query", s, kExitUsage);
  archive::LoggingReporter reporter;
  auto entries = query::Select(resolved->archive, *selection, &reporter);
  if (!entries.ok()) return Fail("query", entries.status(), ExitCodeFor(entries.status()));
  std::string out;
  if (output_ == "ids") {
    for (const archive::Entry& e : *entries) out += e.sidecar.id + '\n';
  } else if (output_ == "paths") {
    // Files a tool reads by path (a bucket's are fetched into its cache).
    std::vector<fs::path> paths;
    for (const archive::Entry& e : *entries) paths.push_back(e.ProfilePath());
    if (Status s = archive::LocalEntryFiles(resolved->archive, paths).status(); !s.ok()) {
      return Fail("query", s, ExitCodeFor(s));
    }
    for (const fs::path& p : paths) out += p.string() + '\n';
  } else {
    std::vector<query::MetaRow> rows = query::MetaRows(*entries, selection->sample_type);
    query::AddIntervalValues(resolved->archive, *entries, &reporter, &rows);
    if (output_ == "json") {
      JsonWriter w;
      w.StartArray();
      for (const query::MetaRow& row : rows) query::WriteProfileMeta(w, row);
      w.EndArray();
      out = w.Take() + "\n";
    } else if (rows.empty()) {
      LogInfo("query: no profiles match");
    } else {
      out = query::FormatTable(rows);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return reporter.count() > 0 ? kExitPartial : kExitOk;
}

}  // namespace cprof::cli
