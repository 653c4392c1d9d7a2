// `cprofiler top`: go tool pprof -top, for one profile or a merged set.
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "pprof/report.h"

namespace cprof::cli {

void TopCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("top", "Print a profile's top table, as go tool pprof -top does");
  cmd_->footer(
      "Rows and numbers are go tool pprof -top's: flat, flat%, sum%, cum, cum% "
      "per function, nodes below 0.5% of the total dropped.\n"
      "A selection of a cumulative type (allocs, heap alloc_*, mutex, block, threadcreate) "
      "shows the intervals that end in the window, summed; --cumulative the snapshots "
      "since process start (see cprofiler merge --help).\n"
      "Examples:\n"
      "  cprofiler top 20261122-0f3a9c2b41d87e65-101500123-heap-9b2e41c07d --sample-index "
      "alloc_space\n"
      "  cprofiler top -t mutex_delay -l _app=api --from -1h\n"
      "  cprofiler top -t profile_cpu -l _app=api --from -1h --focus 'net/http'\n"
      "  cprofiler top cpu.pb.gz --nodecount 20\n"
      "  cprofiler top -t profile_cpu --from -1h --format html > cpu.html");
  AddInputFlags();
  cmd_->add_option("--sample-index", options_.sample_index,
                   "Sample type: inuse_space, alloc_objects, cpu, delay, ... (default: the one "
                   "-t names, else pprof's)");
  cmd_->add_option("--nodecount", options_.node_count, "Show at most N rows (default: all)")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--focus", options_.focus, "Only samples through functions matching RE2");
  cmd_->add_option("--ignore", options_.ignore, "Drop samples through functions matching RE2");
  cmd_->add_option("--hide", options_.hide, "Hide functions matching RE2 from stacks");
  cmd_->add_option("--show", options_.show, "Show only functions matching RE2 in stacks");
  cmd_->add_option("--tagfocus", options_.tag_focus, "Only samples with a label matching key=RE2");
  cmd_->add_option("--tagignore", options_.tag_ignore,
                   "Drop samples with a label matching key=RE2");
  cmd_->add_option("--format", format_,
                   "text (go tool pprof -top's), or html (a self-contained report with the flame "
                   "graph too; opens with no network)")
      ->check(CLI::IsMember({"text", "html"}))
      ->default_str("text");
}

int TopCommand::Run(const GlobalOptions& global) {
  int exit_code = kExitOk;
  std::optional<pprof::OwnedProfile> profile = LoadInputs(global, "top", &exit_code);
  if (!profile) return exit_code;
  pprof::ReportOptions options = options_;
  options.sample_index = SampleIndex(options_.sample_index);
  if (format_ == "html") {
    auto page = HtmlReport("cprofiler top", {{"inputs", DescribeInputs(inputs_, selection_)}},
                           **profile, nullptr, options);
    if (!page.ok()) return Fail("top", page.status(), ExitCodeFor(page.status()));
    std::fwrite(page->data(), 1, page->size(), stdout);
    return kExitOk;
  }
  auto table = pprof::Top(**profile, options);
  if (!table.ok()) return Fail("top", table.status(), ExitCodeFor(table.status()));
  std::string text = pprof::FormatTopText(**profile, *table);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace cprof::cli
