// `cprofiler merge`: archived profiles (or files) into one pprof profile.
#include "base/log.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "pprof/merge.h"
#include "pprof/pgo.h"
#include "pprof/report.h"

namespace cprof::cli {

void MergeCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("merge", "Merge archived profiles, or files, into one pprof profile");
  cmd_->footer(
      R"(Semantics are pprof's (go tool pprof -proto a b c): same sample types required, identical stacks summed, durations added.
Cumulative types (allocs, heap alloc_*, mutex, block, threadcreate) count since process start: a selection of one sums the intervals that end in the window (per target, last snapshot minus the one before the window, as go tool pprof -base computes it; a restart counts from zero). --cumulative merges the snapshots as they are. See INTERVAL VALUES in man cprofiler.
Examples:
  cprofiler merge -t profile_cpu -l _app=api --from -24h -o fleet-cpu.pb.gz
  go tool pprof -top fleet-cpu.pb.gz
  cprofiler merge -t mutex_delay -l _app=api --from -1h -o contention-last-hour.pb.gz
  cprofiler merge a.pb.gz b.pb.gz -o ab.pb.gz
  cprofiler merge -t heap_inuse_space --format folded -o - | flamegraph.pl > heap.svg
  cprofiler merge -t profile_cpu -l _app=api --from -1h --format html -o cpu.html
  cprofiler merge -t profile_cpu -l _app=api --from -7d --format pgo --pgo-keep 2 -o default.pgo
Exit status: 0 ok, 1 unreadable input or nothing selected, 2 bad flags or profiles that cannot be merged. No output file is left on failure.)");
  AddInputFlags();
  cmd_->add_option("-o,--output", output_, "Output file, - for stdout")->required();
  cmd_->add_option("--format", format_,
                   "pprof (gzipped profile.proto), folded (a;b;c 123), html (a self-contained "
                   "report: flame graph, search, zoom, top table; opens with no network), or pgo "
                   "(a CPU profile for go build -pgo: only what Go's compiler reads, no labels)")
      ->check(CLI::IsMember({"pprof", "folded", "html", "pgo"}))
      ->default_str("pprof");
  cmd_->add_option("--pgo-keep", pgo_keep_,
                   "With --format pgo: keep each stack's N leaf-most locations and aggregate "
                   "callees (Pyroscope's goPgo), a much smaller file with the same hot call "
                   "sites (N >= 2; Go's compiler reads 2)")
      ->check(CLI::Range(pprof::kMinPgoKeepLocations, 1000));
  cmd_->add_option(
      "--sample-index", sample_index_,
      "The sample type to write with --format folded or html, and the profile's default "
      "(default: the one -t names, else pprof's)");
}

namespace {

// Makes `sample_type` (pprof's name) the profile's default, so that
// go tool pprof opens it on the sample type the user asked for. Nothing
// changes when the profile has no such sample type.
void SetDefaultSampleType(pprof::Profile* profile, const std::string& sample_type) {
  if (sample_type.empty()) return;
  for (const auto& t : profile->sample_type()) {
    if (profile->string_table(t.type()) == sample_type) {
      profile->set_default_sample_type(t.type());
      return;
    }
  }
}

}  // namespace

int MergeCommand::Run(const GlobalOptions& global) {
  if (pgo_keep_ != 0 && format_ != "pgo") {
    return Fail("merge", Status::InvalidArgument("--pgo-keep needs --format pgo"), kExitUsage);
  }
  int exit_code = kExitOk;
  size_t count = 0;
  std::optional<pprof::OwnedProfile> merged = LoadInputs(global, "merge", &exit_code, &count);
  if (!merged) return exit_code;
  pprof::Profile& profile = **merged;
  pprof::DropEmptyStacks(&profile);     // as go tool pprof -proto writes it
  int samples = profile.sample_size();  // of what is written
  std::string data;
  if (format_ == "folded") {
    pprof::ReportOptions options;
    options.sample_index = SampleIndex(sample_index_);
    auto folded = pprof::Folded(profile, options);
    if (!folded.ok()) return Fail("merge", folded.status(), ExitCodeFor(folded.status()));
    data = std::move(*folded);
  } else if (format_ == "html") {
    pprof::ReportOptions options;
    options.sample_index = SampleIndex(sample_index_);
    auto page = HtmlReport(
        "cprofiler merge",
        {{"inputs", DescribeInputs(inputs_, selection_)}, {"profiles", std::to_string(count)}},
        profile, nullptr, options);
    if (!page.ok()) return Fail("merge", page.status(), ExitCodeFor(page.status()));
    data = std::move(*page);
  } else if (format_ == "pgo") {
    auto pgo = pprof::PgoProfile(profile, {.keep_locations = pgo_keep_});
    if (!pgo.ok()) return Fail("merge", pgo.status(), ExitCodeFor(pgo.status()));
    samples = (*pgo)->sample_size();
    data = pprof::EncodeProfile(**pgo);
  } else {
    SetDefaultSampleType(&profile, SampleIndex(sample_index_));
    data = pprof::EncodeProfile(profile);
  }
  if (Status s = WriteOutput(output_, data); !s.ok()) {
    return Fail("merge", s, ExitCodeFor(s));
  }
  if (output_ != "-") {
    LogInfo("merge: " + std::to_string(count) + " profiles -> " + output_ + " (" +
            std::to_string(samples) + " samples, " + std::to_string(data.size()) + " bytes)");
  }
  return kExitOk;
}

}  // namespace cprof::cli
