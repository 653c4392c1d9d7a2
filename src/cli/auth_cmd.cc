// `cprofiler auth add-token` and `auth add-user`: credentials for serve's
// --auth-file.
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "server/auth.h"

namespace cprof::cli {
namespace {

constexpr size_t kMaxAuthFileBytes = 1 << 20;

// Appends `line` and a newline to `file` (created with mode 0600) in one
// write to an O_APPEND descriptor: a concurrent writer's line cannot land
// inside it.
Status AppendLine(const std::string& file, std::string line) {
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + file);
  line += "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Status::IOError("cannot write " + file);
  return Status::OK();
}

// The terminal's settings while a hidden line is read, for the handler below.
struct termios g_saved_terminal;

// Ctrl-C (or another stop signal) at the prompt: echo back on, then the
// signal's default action, as if no handler had been there.
extern "C" void RestoreTerminalAndStop(int sig) {
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);  // async-signal-safe
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// One line from the terminal, not echoed, after `prompt` on stderr. The
// terminal echoes again afterwards, also when a signal stops the program.
Result<std::string> ReadHiddenLine(const char* prompt) {
  if (::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) {
    return Status::IOError("cannot read the terminal");
  }
  struct termios quiet = g_saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction restore {
  }, previous[std::size(kStopSignals)];
  restore.sa_handler = RestoreTerminalAndStop;
  for (size_t i = 0; i < std::size(kStopSignals); ++i) {
    ::sigaction(kStopSignals[i], &restore, &previous[i]);
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
  for (size_t i = 0; i < std::size(kStopSignals); ++i) {
    ::sigaction(kStopSignals[i], &previous[i], nullptr);
  }
  if (!got) return Status::InvalidArgument("no password given");
  return line;
}

// The new user's password: asked twice on a terminal, else stdin's first
// line (without its line ending).
Result<std::string> ReadNewPassword() {
  if (::isatty(STDIN_FILENO)) {
    CPROF_ASSIGN_OR_RETURN(std::string first, ReadHiddenLine("Password: "));
    CPROF_ASSIGN_OR_RETURN(std::string again, ReadHiddenLine("Password again: "));
    if (first != again) return Status::InvalidArgument("the passwords differ");
    return first;
  }
  std::string line;
  if (!std::getline(std::cin, line)) return Status::InvalidArgument("no password on stdin");
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

// InvalidArgument if `file` names `user` already (or does not parse); OK
// when it does not exist yet.
Status RequireNewUser(const std::string& file, std::string_view user) {
  if (!Exists(file)) return Status::OK();
  CPROF_ASSIGN_OR_RETURN(std::string text, ReadFile(file, kMaxAuthFileBytes));
  CPROF_ASSIGN_OR_RETURN(auto credentials, server::ParseAuthFile(text, file));
  for (const server::Credential& c : credentials) {
    if (c.user == user) {
      return Status::InvalidArgument("user \"" + std::string(user) + "\" is in " + file +
                                     " already (remove its line to replace it)");
    }
  }
  return Status::OK();
}

}  // namespace

void AuthCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("auth",
                             "Manage who may read the archive through serve, and push into it");
  cmd_->require_subcommand(1);
  add_token_ = cmd_->add_subcommand(
      "add-token", "Append a new token to an auth file and print it (once: only its hash is kept)");
  add_token_->footer(R"(Example:
  cprofiler auth add-token --role read -f /etc/cprofiler/auth
  cprofiler serve --auth-file /etc/cprofiler/auth
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/sample_types
  go tool pprof -top "http://x:$TOKEN@127.0.0.1:8080/api/download/ID"
The file is created (mode 0600) if needed; a running serve reads it again when it changes.)");
  add_token_->add_option("--role", role_, "read, write (push profiles in only) or admin (both)")
      ->check(CLI::IsMember({"read", "write", "admin"}));
  add_token_->add_option("-f,--file", file_, "The auth file")->required();

  add_user_ = cmd_->add_subcommand(
      "add-user", "Append a user with a bcrypt hash of its password to an auth file");
  add_user_->footer(
      R"(The password is asked twice on a terminal (not echoed); otherwise it is the first line of stdin:
  cprofiler auth add-user alice --role read -f /etc/cprofiler/auth
  printf '%s\n' "$PASSWORD" | cprofiler auth add-user ci -f /etc/cprofiler/auth
The user signs in with the web UI's login form, or HTTP basic authentication. The file is created (mode 0600) if needed; a running serve reads it again when it changes.)");
  add_user_->add_option("name", user_, "The user's name (no whitespace, ':' or '#')")->required();
  add_user_->add_option("--role", role_, "read, write (push profiles in only) or admin (both)")
      ->check(CLI::IsMember({"read", "write", "admin"}));
  add_user_->add_option("-f,--file", file_, "The auth file")->required();
  add_user_->add_option("--cost", cost_, "bcrypt's cost: 2^COST rounds a check (12: some 250 ms)")
      ->check(CLI::Range(4, 31));
}

int AuthCommand::Run(const GlobalOptions&) {
  if (add_user_->parsed()) return AddUser();
  auto [token, line] = server::NewTokenLine(role_);
  if (Status s = AppendLine(file_, line); !s.ok()) return Fail("auth", s, kExitPartial);
  std::printf("%s\n", token.c_str());
  return kExitOk;
}

int AuthCommand::AddUser() {
  if (Status s = server::CheckUserName(user_); !s.ok()) return Fail("auth add-user", s, kExitUsage);
  if (Status s = RequireNewUser(file_, user_); !s.ok()) {
    return Fail("auth add-user", s, ExitCodeFor(s));
  }
  auto password = ReadNewPassword();
  if (!password.ok()) return Fail("auth add-user", password.status(), kExitUsage);
  auto line = server::NewUserLine(role_, user_, *password, cost_);
  if (!line.ok()) return Fail("auth add-user", line.status(), ExitCodeFor(line.status()));
  if (Status s = AppendLine(file_, *line); !s.ok()) return Fail("auth add-user", s, kExitPartial);
  std::fprintf(stderr, "auth add-user: %s added to %s (role %s)\n", user_.c_str(), file_.c_str(),
               role_.c_str());
  return kExitOk;
}

}  // namespace cprof::cli
