// `cprofiler auth add-token`: a new token for serve's --auth-file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "server/auth.h"

namespace cprof::cli {

void AuthCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("auth", "Manage who may read the archive through serve");
  cmd_->require_subcommand(1);
  add_token_ = cmd_->add_subcommand(
      "add-token", "Append a new token to an auth file and print it (once: only its hash is kept)");
  add_token_->footer(
      "Example:\n"
      "  cprofiler auth add-token --role read -f /etc/cprofiler/auth\n"
      "  cprofiler serve --auth-file /etc/cprofiler/auth\n"
      "  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/sample_types\n"
      "  go tool pprof -top \"http://x:$TOKEN@127.0.0.1:8080/api/download/ID\"\n"
      "The file is created (mode 0600) if needed; a running serve reads it again when it "
      "changes.");
  add_token_->add_option("--role", role_, "read or admin")->check(CLI::IsMember({"read", "admin"}));
  add_token_->add_option("-f,--file", file_, "The auth file")->required();
}

int AuthCommand::Run(const GlobalOptions&) {
  auto [token, line] = server::NewTokenLine(role_);
  int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail("auth", Status::IOError("cannot open " + file_), kExitPartial);
  line += "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Fail("auth", Status::IOError("cannot write " + file_), kExitPartial);
  std::printf("%s\n", token.c_str());
  return kExitOk;
}

}  // namespace cprof::cli
