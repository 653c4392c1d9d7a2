// The subcommands. Each registers its flags on the CLI11 app, then runs
// when chosen; main.cc only dispatches. Run returns the exit status.
#ifndef CPROF_CLI_COMMANDS_H_
#define CPROF_CLI_COMMANDS_H_

#include "cli/common.h"
#include "pprof/report.h"
#include "server/auth.h"
#include "server/http_server.h"

namespace cprof::cli {

class Command {
 public:
  virtual ~Command() = default;
  virtual void Register(CLI::App* app) = 0;
  virtual int Run(const GlobalOptions& global) = 0;
  bool chosen() const { return cmd_ != nullptr && cmd_->parsed(); }

 protected:
  CLI::App* cmd_ = nullptr;
};

class ScrapeCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  bool once_ = false;
  bool force_ = false;
  int max_in_flight_ = 256;
  std::string ca_file_;
  std::string metrics_listen_;  // the loop's /metrics
  std::string metrics_file_;    // --once's textfile
};

class QueryCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  SelectionFlags selection_;
  std::string output_ = "table";
};

// A command that reads profiles: named files or IDs, or a selection.
class ProfileInputCommand : public Command {
 protected:
  // Adds the selection flags and the positional inputs to cmd_.
  void AddInputFlags();
  // The inputs, merged when several. On failure, prints the error (as
  // `command`) and returns nullopt with *exit_code set.
  std::optional<pprof::OwnedProfile> LoadInputs(const GlobalOptions& global, const char* command,
                                                int* exit_code, size_t* count = nullptr);

  // Whether the inputs are one named profile (and no --base): what
  // LoadStreamed reads.
  bool OneNamedInput() const { return inputs_.size() == 1 && base_.empty(); }
  // That profile streamed (pprof::StreamedProfile: its samples parsed as a
  // report reads them), for a report that reads each sample once; what
  // LoadInputs would load, or the error it would print (printed so, with
  // nullopt and *exit_code set).
  std::optional<pprof::StreamedProfile> LoadStreamed(const GlobalOptions& global,
                                                     const char* command, int* exit_code);

  // The sample index to report: `flag` (--sample-index) when given, else
  // the one -t names ("heap_alloc_space" -> "alloc_space").
  std::string SampleIndex(const std::string& flag) const;

  SelectionFlags selection_;
  std::vector<std::string> inputs_;
  bool cumulative_ = false;
  bool raw_ = false;
  std::vector<std::string> base_;
};

class MergeCommand : public ProfileInputCommand {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  std::string output_;
  std::string format_ = "pprof";
  std::string sample_index_;
  int pgo_keep_ = 0;  // --pgo-keep N
};

class TopCommand : public ProfileInputCommand {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  pprof::ReportOptions options_;
  std::string format_ = "text";
  std::string peek_;  // --peek RE
  std::string list_;  // --list RE
  pprof::SourceOptions source_;
  std::string tag_root_, tag_leaf_;  // --tagroot KEYS, --tagleaf KEYS
};

class DiffCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  SelectionFlags target_;
  std::vector<std::string> target_inputs_;
  std::vector<std::string> base_inputs_;
  std::string base_from_, base_to_;
  std::vector<std::string> base_matchers_;
  bool cumulative_ = false;
  bool raw_ = false;
  std::string sample_index_;
  std::string normalize_ = "auto";
  std::string output_ = "table";
  int node_count_ = 20;
  std::vector<std::string> fail_if_;
  std::string max_growth_;
};

class IndexCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  bool check_ = false;
  bool rebuild_ = false;
};

class TargetsCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  std::string output_ = "table";
};

class CompactCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  std::string from_;
};

class ServeCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  // The config's serve: block, under the flags: each flag given wins.
  void ApplyServeConfig(const Resolved& resolved);

  server::HttpServerOptions http_;
  std::string header_timeout_;
  std::string idle_timeout_;
  std::string tls_cert_;
  std::string tls_key_;
  std::string index_memory_;
  std::string bucket_refresh_;
  int64_t bucket_refresh_ms_ = 10'000;
  std::string auth_file_;
  bool allow_push_ = false;
  std::string web_dir_;
  std::vector<std::string> cors_allowed_origins_;
  std::string source_path_;  // DIR:DIR, as pprof's -source_path
  std::string trim_path_;    // PREFIX:PREFIX, as pprof's -trim_path
};

class TraceCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  std::vector<CLI::App*> subs_;  // summary, goroutines, tasks, pprof
  std::string input_;
  std::string kind_;
  std::string output_ = "-";
  std::string format_ = "table";
};

class ImportCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  std::string service_;
  std::string type_;
  std::vector<std::string> labels_;
  std::string time_;
  std::vector<std::string> files_;
};

class AuthCommand : public Command {
 public:
  void Register(CLI::App* app) override;
  int Run(const GlobalOptions& global) override;

 private:
  int AddUser();

  CLI::App* add_token_ = nullptr;
  CLI::App* add_user_ = nullptr;
  std::string role_ = "read";
  std::string file_;
  std::string user_;
  int cost_ = server::kDefaultBcryptCost;
};

}  // namespace cprof::cli

#endif  // CPROF_CLI_COMMANDS_H_
