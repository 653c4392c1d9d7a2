// cprofiler: continuous profiling for Go services. Dispatches subcommands.
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/log.h"
#include "cli/build_info.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace cprof::cli;
  // The seed's Go-style single-dash spelling: -config-path FILE.
  std::vector<std::string> args(argv, argv + argc);
  for (std::string& a : args) {
    if (a == "-config-path" || a.rfind("-config-path=", 0) == 0) a = "-" + a;
  }
  std::vector<char*> argp;
  for (std::string& a : args) argp.push_back(a.data());

  CLI::App app(
      "cprofiler: continuous profiling for Go services.\n"
      "Pulls net/http/pprof profiles on a schedule into a dated archive, "
      "queries and merges them, and serves them over HTTP with a web UI.",
      "cprofiler");
  app.set_version_flag("--version", VersionLine());
  app.add_flag_callback(
      "--licenses",
      [] {
    std::string_view notices = ThirdPartyNotices();
    std::fwrite(notices.data(), 1, notices.size(), stdout);
    throw CLI::Success();
      },
      "Print the third-party license notices and exit");
  app.require_subcommand(1);
  app.fallthrough();  // global flags work after the subcommand too
  GlobalOptions global;
  AddGlobalOptions(&app, &global);
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<ScrapeCommand>());
  commands.push_back(std::make_unique<QueryCommand>());
  commands.push_back(std::make_unique<MergeCommand>());
  commands.push_back(std::make_unique<TopCommand>());
  commands.push_back(std::make_unique<DiffCommand>());
  commands.push_back(std::make_unique<ServeCommand>());
  commands.push_back(std::make_unique<IndexCommand>());
  commands.push_back(std::make_unique<CompactCommand>());
  commands.push_back(std::make_unique<TargetsCommand>());
  commands.push_back(std::make_unique<TraceCommand>());
  commands.push_back(std::make_unique<ImportCommand>());
  commands.push_back(std::make_unique<AuthCommand>());
  for (auto& c : commands) c->Register(&app);
  try {
    app.parse(static_cast<int>(argp.size()), argp.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  cprof::SetVerbose(global.verbose);
  for (auto& c : commands) {
    if (c->chosen()) return c->Run(global);
  }
  return kExitUsage;
}
