// `cprofiler diff`: a base and a target compared function by function, and
// thresholds that make it a CI gate (exit 3 when one is crossed).
#include <cstdio>

#include "cli/commands.h"
#include "cli/inputs.h"
#include "pprof/diff.h"
#include "pprof/summary.h"

namespace cprof::cli {
namespace {

constexpr int kExitThresholdCrossed = 3;

}  // namespace

void DiffCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand(
      "diff",
      "Compare a base with a target, function by function; exit 3 when a threshold is crossed");
  cmd_->footer(
      R"(Each side is a selection, or profile files or IDs (merged when several): the target from the query flags or the arguments, the base from --base-from/--base-to/--base-label (the rest as the target's) or --base. Cumulative types compare the intervals that end in each window (--cumulative: the snapshots as they are).
Normalization makes windows of different length or load comparable: rate scales the target to the base's duration (values per second; the default when both sides have a duration: CPU, and intervals of cumulative types), total scales it to the base's total (shares; the default for snapshots such as heap in-use and goroutines), none compares raw values (then the deltas are go tool pprof -top -diff_base BASE TARGET's flat and cum). The output says which was used.
Thresholds: --fail-if 'total > +5%', 'cum(main.handler) > +10%', 'flat(RE2) < -20%' (the change relative to the base's value; a function named exactly, else every one an RE2 matches whole); --max-growth 5%: any function whose flat or cum grew by more than 5% of the base's total. Exit 0: none crossed; 3: one was (each named on stderr); 2: bad input, or a rule's function matches nothing.
Examples:
  cprofiler diff -t profile_cpu --from -1h --base-label version=1.4 -l version=1.5 --max-growth 5%
  cprofiler diff -t mutex_delay --from -1h --base-from -169h --base-to -168h -o markdown
  cprofiler diff --base old.pb.gz new.pb.gz --normalize none --fail-if 'total > +10%')");
  AddSelectionFlags(cmd_, &target_);
  cmd_->add_option("inputs", target_inputs_,
                   "The target: profile files or archive IDs, merged (instead of query flags)");
  cmd_->add_option("--base", base_inputs_,
                   "The base: a profile file or archive ID (repeatable, merged)")
      ->option_text("FILE|ID")
      ->expected(1)
      ->allow_extra_args(false);
  cmd_->add_option("--base-from", base_from_, "The base's start (default: --from)")
      ->option_text("T");
  cmd_->add_option("--base-to", base_to_, "The base's end (default: --to)")->option_text("T");
  cmd_->add_option("--base-label", base_matchers_,
                   "The base's matchers, instead of -l's (repeatable)")
      ->option_text("MATCHER");
  cmd_->add_flag("--cumulative", cumulative_,
                 "Cumulative types: compare the snapshots since process start, not intervals");
  cmd_->add_flag("--raw", raw_, "Read every raw profile, not the rollups that stand for them");
  cmd_->add_option("--sample-index", sample_index_,
                   "Sample type to compare: cpu, inuse_space, delay, ... (default: the one -t "
                   "names, else pprof's)");
  cmd_->add_option("--normalize", normalize_, "auto, rate, total or none (see below)")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "rate", "total", "none"}));
  cmd_->add_option("-o,--output,--format", output_,
                   "table, markdown (for a pull request), json, or html (a self-contained report: "
                   "the diff flame graph, search, zoom, top table; opens with no network)")
      ->default_val("table")
      ->check(CLI::IsMember({"table", "markdown", "json", "html"}));
  cmd_->add_option("--nodecount", node_count_,
                   "Rows of table and markdown (the largest changes); 0: all. json has all")
      ->default_val(20)
      ->check(CLI::NonNegativeNumber);
  cmd_->add_option("--fail-if", fail_if_, "A threshold: exit 3 when it is crossed (repeatable)")
      ->option_text("RULE");
  cmd_->add_option("--max-growth", max_growth_,
                   "Exit 3 when a function's flat or cum grew by more than this share of the "
                   "base's total (5%)")
      ->option_text("PERCENT");
}

int DiffCommand::Run(const GlobalOptions& global) {
  std::vector<pprof::DiffRule> rules;
  for (const std::string& text : fail_if_) {
    auto rule = pprof::ParseDiffRule(text);
    if (!rule.ok()) return Fail("diff", rule.status(), kExitUsage);
    rules.push_back(std::move(*rule));
  }
  std::optional<double> max_growth;
  if (!max_growth_.empty()) {
    max_growth = pprof::ParsePercent(max_growth_);
    if (!max_growth || !(*max_growth >= 0)) {
      return FailUsage("diff",
                       "--max-growth \"" + max_growth_ + "\": want a percentage such as 5%");
    }
  }
  const bool base_window = !base_from_.empty() || !base_to_.empty() || !base_matchers_.empty();
  if (base_inputs_.empty() && !base_window) {
    return FailUsage("diff",
                     "no base: name it with --base FILE|ID, or select it "
                     "with --base-from/--base-to/--base-label");
  }
  if (!base_inputs_.empty() && base_window) {
    return FailUsage("diff",
                     "--base names files or IDs; --base-from/--base-to/"
                     "--base-label select a window: one or the other");
  }
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("diff", resolved.status(), kExitUsage);
  SelectionFlags base_flags = target_;
  if (!base_from_.empty()) base_flags.from = base_from_;
  if (!base_to_.empty()) base_flags.to = base_to_;
  if (!base_matchers_.empty()) base_flags.matchers = base_matchers_;
  for (const auto& [named, flags] :
       {std::pair{&base_inputs_, &base_flags}, {&target_inputs_, &target_}}) {
    if (Status s = SyncWindow(*resolved, *named, *flags); !s.ok()) {
      return Fail("diff", s, ExitCodeFor(s));
    }
  }
  auto base = LoadProfiles(resolved->archive, base_inputs_, base_flags, cumulative_, raw_,
                           "diff: base", nullptr);
  if (!base.ok())
    return Fail("diff", base.status().WithContext("the base"), ExitCodeFor(base.status()));
  auto target = LoadProfiles(resolved->archive, target_inputs_, target_, cumulative_, raw_,
                             "diff: target", nullptr);
  if (!target.ok()) {
    return Fail("diff", target.status().WithContext("the target"), ExitCodeFor(target.status()));
  }
  pprof::Normalization normalization = pprof::DefaultNormalization(**base, **target);
  if (normalize_ != "auto") normalization = *pprof::ParseNormalization(normalize_);
  const std::string sample_index =
      sample_index_.empty() ? pprof::SampleIndexOf(target_.sample_type) : sample_index_;
  auto table = pprof::Diff(**base, **target, sample_index, normalization);
  if (!table.ok()) return Fail("diff", table.status(), ExitCodeFor(table.status()));
  auto breaches = pprof::CheckRules(*table, rules, max_growth);
  if (!breaches.ok()) return Fail("diff", breaches.status(), kExitUsage);
  std::string out;
  if (output_ == "html") {
    pprof::ReportOptions options;
    options.sample_index = sample_index;
    auto page = HtmlReport(
        "cprofiler diff",
        {{"base", DescribeInputs(base_inputs_, base_flags)},
         {"target", DescribeInputs(target_inputs_, target_)},
         {"total", table->FormatValue(table->base_total) + " -> " +
                       table->FormatValue(table->target_total) + " (" +
                       pprof::FormatChange(table->base_total, table->target_total) + ", " +
                       std::string(pprof::NameOf(normalization)) + ")"},
         {"verdict", breaches->empty() ? "pass" : std::to_string(breaches->size()) + " crossed"}},
        **target, &**base, options);
    if (!page.ok()) return Fail("diff", page.status(), ExitCodeFor(page.status()));
    out = std::move(*page);
  } else if (output_ == "json") {
    out = pprof::FormatDiffJson(*table, *breaches);
  } else if (output_ == "markdown") {
    out = pprof::FormatDiffMarkdown(*table, static_cast<size_t>(node_count_), *breaches);
  } else {
    out = pprof::FormatDiffText(*table, static_cast<size_t>(node_count_));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  for (const pprof::RuleBreach& b : *breaches) {
    std::fprintf(stderr, "cprofiler: diff: crossed %s%s%s: %s\n", b.rule.c_str(),
                 b.function.empty() ? "" : " by ", b.function.c_str(), b.detail.c_str());
  }
  return breaches->empty() ? kExitOk : kExitThresholdCrossed;
}

}  // namespace cprof::cli
