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
      "  cprofiler top -t profile_cpu --from -1h --format html > cpu.html\n"
      "  cprofiler top -t profile_cpu -l _app=api --from -1h --format tags  # go tool pprof -tags\n"
      "  cprofiler top cpu.pb.gz --peek 'net/http\\.\\(\\*conn\\)\\.serve'  # go tool pprof -peek "
      "RE\n"
      "--format tags sums the samples' values per pprof label (endpoint=..., and numeric "
      "labels such as bytes), as go tool pprof -tags; the filters apply, the node limits "
      "do not.\n"
      "--peek RE (alone, or with --format peek) prints the callers and callees of every "
      "function matching RE, as go tool pprof -peek RE: nothing is trimmed, so --nodecount "
      "is ignored; exit 1 when no function matches.");
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
                   "text (go tool pprof -top's), tags (-tags'), peek (-peek's, with --peek), or "
                   "html (a self-contained report with the flame graph too; opens with no "
                   "network)")
      ->check(CLI::IsMember({"text", "tags", "peek", "html"}))
      ->default_str("text");
  cmd_->add_option("--peek", peek_,
                   "Callers and callees of the functions matching RE2, as go tool pprof -peek "
                   "(implies --format peek)");
}

int TopCommand::Run(const GlobalOptions& global) {
  // --peek RE is go tool pprof's -peek RE: it names the format too.
  if (!peek_.empty() && cmd_->count("--format") > 0 && format_ != "peek") {
    return Fail("top", Status::InvalidArgument("--peek prints --format peek, not " + format_),
                kExitUsage);
  }
  const std::string format = peek_.empty() ? format_ : "peek";
  if (format == "peek" && peek_.empty()) {
    return Fail("top", Status::InvalidArgument("--format peek needs --peek RE"), kExitUsage);
  }
  int exit_code = kExitOk;
  std::optional<pprof::OwnedProfile> profile = LoadInputs(global, "top", &exit_code);
  if (!profile) return exit_code;
  pprof::ReportOptions options = options_;
  options.sample_index = SampleIndex(options_.sample_index);
  auto render = [&]() -> Result<std::string> {
    if (format == "html") {
      return HtmlReport("cprofiler top", {{"inputs", DescribeInputs(inputs_, selection_)}},
                        **profile, nullptr, options);
    }
    if (format == "tags") {
      CPROF_ASSIGN_OR_RETURN(pprof::TagsTable tags, pprof::Tags(**profile, options));
      return pprof::FormatTagsText(tags);
    }
    if (format == "peek") {
      CPROF_ASSIGN_OR_RETURN(pprof::PeekTable peek, pprof::Peek(**profile, options, peek_));
      return pprof::FormatPeekText(**profile, peek);
    }
    CPROF_ASSIGN_OR_RETURN(pprof::TopTable table, pprof::Top(**profile, options));
    return pprof::FormatTopText(**profile, table);
  };
  Result<std::string> text = render();
  if (!text.ok()) return Fail("top", text.status(), ExitCodeFor(text.status()));
  std::fwrite(text->data(), 1, text->size(), stdout);
  return kExitOk;
}

}  // namespace cprof::cli
