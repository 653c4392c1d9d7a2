// `cprofiler top`: go tool pprof -top, for one profile or a merged set.
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "pprof/dot.h"
#include "pprof/label_nodes.h"
#include "pprof/report.h"

namespace cprof::cli {

void TopCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("top", "Print a profile's top table, as go tool pprof -top does");
  cmd_->footer(
      R"(Rows and numbers are go tool pprof -top's: flat, flat%, sum%, cum, cum% per function, nodes below 0.5% of the total dropped.
A selection of a cumulative type (allocs, heap alloc_*, mutex, block, threadcreate) shows the intervals that end in the window, summed; --cumulative the snapshots since process start (see cprofiler merge --help).
Examples:
  cprofiler top 20261122-0f3a9c2b41d87e65-101500123-heap-9b2e41c07d --sample-index alloc_space
  cprofiler top -t mutex_delay -l _app=api --from -1h
  cprofiler top -t profile_cpu -l _app=api --from -1h --focus 'net/http'
  cprofiler top cpu.pb.gz --nodecount 20
  cprofiler top -t profile_cpu --from -1h --format html > cpu.html
  cprofiler top -t profile_cpu -l _app=api --from -1h --format tags  # go tool pprof -tags
  cprofiler top cpu.pb.gz --peek 'net/http\.\(\*conn\)\.serve'  # go tool pprof -peek RE
  cprofiler top cpu.pb.gz --format dot | dot -Tsvg > cpu.svg  # go tool pprof -dot
  cprofiler top cpu.pb.gz --list 'main\.handle' --source-path ~/src/api  # go tool pprof -list RE
  cprofiler top cpu.pb.gz --tagroot endpoint  # go tool pprof -tagroot=endpoint -top
--format tags sums the samples' values per pprof label (endpoint=..., and numeric labels such as bytes), as go tool pprof -tags; the filters apply, the node limits do not.
--peek RE (alone, or with --format peek) prints the callers and callees of every function matching RE, as go tool pprof -peek RE: nothing is trimmed, so --nodecount is ignored; exit 1 when no function matches.
--list RE (alone, or with --format list) prints the source of every function matching RE with each line's flat and cum, as go tool pprof -list RE; sources are looked for as -source_path and -trim_path look (--source-path, --trim-path), and a file not found is said so under its function; exit 1 when no function matches.
--tagroot KEY[,KEY] adds a frame per label value above each stack's root (the first key outermost), --tagleaf KEY[,KEY] below its leaf, as go tool pprof -tagroot and -tagleaf: the reports then group by those values (a sample without the label: <unknown>; numeric labels scaled, as 16kB); before the filters, so --focus can match them.
--format dot prints go tool pprof -dot's call graph (80 nodes unless --nodecount says otherwise), for Graphviz: cprofiler top cpu.pb.gz --format dot | dot -Tsvg > cpu.svg)");
  AddInputFlags();
  cmd_->add_option("--sample-index", options_.sample_index,
                   "Sample type: inuse_space, alloc_objects, cpu, delay, ... (default: the one "
                   "-t names, else pprof's)");
  cmd_->add_option("--nodecount", options_.node_count,
                   "Show at most N rows (default: all), N nodes of the dot graph (default: 80)")
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--focus", options_.focus, "Only samples through functions matching RE2");
  cmd_->add_option("--ignore", options_.ignore, "Drop samples through functions matching RE2");
  cmd_->add_option("--hide", options_.hide, "Hide functions matching RE2 from stacks");
  cmd_->add_option("--show", options_.show, "Show only functions matching RE2 in stacks");
  cmd_->add_option("--tagfocus", options_.tag_focus, "Only samples with a label matching key=RE2");
  cmd_->add_option("--tagignore", options_.tag_ignore,
                   "Drop samples with a label matching key=RE2");
  cmd_->add_option("--tagroot", tag_root_,
                   "Label keys (comma-separated) whose values become root frames, as go tool "
                   "pprof -tagroot");
  cmd_->add_option("--tagleaf", tag_leaf_,
                   "Label keys (comma-separated) whose values become leaf frames, as go tool "
                   "pprof -tagleaf");
  cmd_->add_option("--format", format_,
                   "text (go tool pprof -top's), tags (-tags'), peek (-peek's, with --peek), list "
                   "(-list's, with --list), dot (-dot's call graph, for Graphviz), or "
                   "html (a self-contained report with the flame graph too; opens with no "
                   "network)")
      ->check(CLI::IsMember({"text", "tags", "peek", "list", "dot", "html"}))
      ->default_str("text");
  cmd_->add_option("--peek", peek_,
                   "Callers and callees of the functions matching RE2, as go tool pprof -peek "
                   "(implies --format peek)");
  cmd_->add_option("--list", list_,
                   "Annotated source of the functions matching RE2, as go tool pprof -list "
                   "(implies --format list)");
  cmd_->add_option("--source-path", source_.source_path,
                   "Directories (':'-separated) to look for source files in, with their "
                   "parents, as go tool pprof -source_path (default: the working directory)");
  cmd_->add_option("--trim-path", source_.trim_path,
                   "Path prefixes (':'-separated) to remove from source file names, as go tool "
                   "pprof -trim_path");
}

int TopCommand::Run(const GlobalOptions& global) {
  // --peek RE and --list RE are go tool pprof's -peek RE and -list RE: each
  // names the format too.
  if (!peek_.empty() && !list_.empty()) {
    return FailUsage("top", "--peek and --list are two reports: give one");
  }
  const std::string implied = !peek_.empty() ? "peek" : !list_.empty() ? "list" : "";
  if (!implied.empty() && cmd_->count("--format") > 0 && format_ != implied) {
    return FailUsage("top", "--" + implied + " prints --format " + implied + ", not " + format_);
  }
  const std::string format = implied.empty() ? format_ : implied;
  if (format == "peek" && peek_.empty()) {
    return FailUsage("top", "--format peek needs --peek RE");
  }
  if (format == "list" && list_.empty()) {
    return FailUsage("top", "--format list needs --list RE");
  }
  pprof::ReportOptions options = options_;
  options.sample_index = SampleIndex(options_.sample_index);
  int exit_code = kExitOk;
  if (format == "text" && tag_root_.empty() && tag_leaf_.empty() && OneNamedInput()) {
    // The table reads each sample once, so one file is streamed: its samples
    // are never all messages at once (21 MB heap profile: 65 MB peak RSS,
    // not 150 MB).
    std::optional<pprof::StreamedProfile> streamed = LoadStreamed(global, "top", &exit_code);
    if (!streamed) return exit_code;
    Result<pprof::TopTable> table = pprof::Top(*streamed, options);
    if (!table.ok()) return Fail("top", table.status(), ExitCodeFor(table.status()));
    const std::string text = pprof::FormatTopText(streamed->profile(), *table);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::optional<pprof::OwnedProfile> profile = LoadInputs(global, "top", &exit_code);
  if (!profile) return exit_code;
  // go tool pprof's generateTagRootsLeaves: before the filters, a warning
  // (not an error) for keys no sample has.
  const pprof::LabelNodesFound found = pprof::AddLabelNodes(
      **profile, pprof::SplitLabelKeys(tag_root_), pprof::SplitLabelKeys(tag_leaf_));
  if (!tag_root_.empty() && !found.root) {
    std::fputs("TagRoot expression matched no samples\n", stderr);
  }
  if (!tag_leaf_.empty() && !found.leaf) {
    std::fputs("TagLeaf expression matched no samples\n", stderr);
  }
  auto render = [&]() -> Result<std::string> {
    if (format == "html") {
      return HtmlReport("cprofiler top", {{"inputs", DescribeInputs(inputs_, selection_)}},
                        **profile, nullptr, options);
    }
    if (format == "dot") {
      // go tool pprof -dot's node count unless one is given.
      if (cmd_->count("--nodecount") == 0) options.node_count = pprof::kDotNodeCount;
      CPROF_ASSIGN_OR_RETURN(pprof::DotGraph dot, pprof::Dot(**profile, options));
      return pprof::FormatDot(dot);
    }
    if (format == "list") {
      CPROF_ASSIGN_OR_RETURN(pprof::ListReport list,
                             pprof::List(**profile, options, list_, source_));
      return pprof::FormatListText(list);
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
