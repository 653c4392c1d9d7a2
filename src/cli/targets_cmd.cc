// `cprofiler targets`: every target the last scrape passes knew, failing
// first, from the archive's state (scrape/target_state.h).
#include <cstdio>

#include "cli/commands.h"
#include "scrape/target_state.h"

namespace cprof::cli {

void TargetsCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("targets", "List the scrape targets: up or down, and why");
  cmd_->footer(
      R"(What the last scrape passes knew of every target, failing targets first: its job, app, host and labels after relabeling, health (down: a profile type's last attempt failed), the last profile archived and the last error. -o json adds the labels discovery found before relabeling, the targets relabeling dropped, and per profile type the URL, last attempt, last success and next due time (the shape of serve's /api/targets). Written by scrape after every pass into <archive>/.state/.
Examples:
  cprofiler targets -c /etc/cprofiler/cprofiler.yml
  cprofiler targets -o json | jq '.ActiveTargets[] | select(.Health == "down")'
Exit status: 0 every target is up, 1 some are down, 2 no scrape pass has run on the archive (or bad flags).)");
  cmd_->add_option("-o,--output", output_, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
}

namespace {

std::string When(int64_t ms) { return ms == 0 ? "never" : FormatRfc3339Ms(ms); }

}  // namespace

int TargetsCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("targets", resolved.status(), kExitUsage);
  if (Status s = resolved->opened->SyncStates(); !s.ok()) {
    return Fail("targets", s, ExitCodeFor(s));
  }
  auto state = scrape::ReadTargetsState(resolved->archive);
  if (!state.ok()) {
    return Fail("targets",
                state.status().IsNotFound()
                    ? Status::NotFound("no scrape pass has recorded its targets in " +
                                       resolved->archive.string() + " yet: run cprofiler scrape")
                    : state.status(),
                kExitUsage);
  }
  scrape::SortFailingFirst(&state->active);
  bool down = false;
  for (const scrape::ActiveTarget& t : state->active) down = down || scrape::HealthOf(t) == "down";
  if (output_ == "json") {
    std::fputs(scrape::SerializeTargetsState(*state).c_str(), stdout);
    return down ? kExitPartial : kExitOk;
  }
  std::printf("%-8s %-14s %-16s %-24s %-26s %s\n", "HEALTH", "JOB", "APP", "HOST", "LAST PROFILE",
              "LAST ERROR");
  for (const scrape::ActiveTarget& t : state->active) {
    int64_t last = 0;
    std::string error, not_offered;
    for (const scrape::ProfileState& p : t.profiles) {
      last = std::max(last, p.last_success_ms);
      if (error.empty() && !p.last_error.empty()) error = p.type + ": " + p.last_error;
      if (!p.not_offered.empty()) not_offered += (not_offered.empty() ? "" : ", ") + p.type;
    }
    if (error.empty() && !not_offered.empty()) error = not_offered + ": not offered by this target";
    std::string host = t.host;
    for (const auto& [k, v] : t.labels) host += " " + k + "=" + v;
    std::printf("%-8s %-14s %-16s %-24s %-26s %s\n", std::string(scrape::HealthOf(t)).c_str(),
                t.job.c_str(), t.app.c_str(), host.c_str(), When(last).c_str(), error.c_str());
  }
  if (!state->dropped.empty()) {
    std::printf("(%zu dropped by relabeling: -o json lists them)\n", state->dropped.size());
  }
  std::printf("(as of %s, scraped by %s)\n", When(state->updated_ms).c_str(),
              state->scraper.c_str());
  return down ? kExitPartial : kExitOk;
}

}  // namespace cprof::cli
