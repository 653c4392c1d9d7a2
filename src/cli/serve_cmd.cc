// `cprofiler serve`: the HTTP API and the web UI over an archive. It changes
// no entry but those pushed to it (it may write the derived INDEX files,
// where it can).
#include <chrono>
#include <memory>

#include "base/fs.h"
#include "base/log.h"
#include "base/size.h"
#include "base/time.h"
#include "cli/build_info.h"
#include "cli/commands.h"
#include "ingest/ingester.h"
#include "server/auth.h"
#include "server/serve.h"
#include "server/tls.h"

namespace cprof::cli {
namespace {

// A --*-timeout value ("5s", "500ms") in milliseconds.
Result<int> TimeoutMs(std::string_view flag, std::string_view value) {
  auto d = ParseDuration(value);
  if (!d.ok()) return d.status().WithContext(flag);
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
  if (ms < 100 || ms > 3'600'000) {
    return Status::InvalidArgument(std::string(flag) + " " + std::string(value) +
                                   ": want 100ms to 1h");
  }
  return static_cast<int>(ms);
}

}  // namespace

void ServeCommand::ApplyServeConfig(const Resolved& resolved) {
  // Pushes open to all listen on loopback, unless an address is given.
  if (allow_push_ && auth_file_.empty() && cmd_->get_option("--listen")->count() == 0) {
    http_.listen = "127.0.0.1:8080";
  }
  if (!resolved.config || resolved.builtin_config) return;
  const scrape::ServeConfig& serve = resolved.config->serve;
  if (cmd_->get_option("--listen")->count() == 0 && !serve.listen.empty()) {
    http_.listen = serve.listen;
  }
  // A flag wins over its key; a relative path is the config directory's.
  auto take_path = [&](std::string* flag, const std::string& key) {
    if (!flag->empty() || key.empty()) return;
    fs::path file = key;
    *flag = (file.is_absolute() ? file : resolved.config_path.parent_path() / file).string();
  };
  take_path(&auth_file_, serve.auth_file);
  take_path(&tls_cert_, serve.tls_cert);
  take_path(&tls_key_, serve.tls_key);
  if (http_.redirect_listen.empty()) http_.redirect_listen = serve.redirect_listen;
  cors_allowed_origins_ = serve.cors_allowed_origins;
  // The source path's directories, each relative to the config's directory.
  auto joined = [](const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ":") + p;
    return out;
  };
  if (source_path_.empty()) {
    std::vector<std::string> dirs;
    for (const std::string& dir : serve.source_path) {
      fs::path path = dir;
      dirs.push_back(
          (path.is_absolute() ? path : resolved.config_path.parent_path() / path).string());
    }
    source_path_ = joined(dirs);
  }
  if (trim_path_.empty()) trim_path_ = joined(serve.trim_path);
}

void ServeCommand::Register(CLI::App* app) {
  cmd_ = app->add_subcommand("serve",
                             "Serve the archive's HTTP API and web UI, and take pushed profiles");
  cmd_->footer(
      R"(Open http://HOST:PORT/ for the web UI. API routes (seed-compatible): /api/sample_types, /api/group_sample_types, /api/group_labels, /api/profile_meta/SAMPLE_TYPE?start_time=&end_time=&lbs[k]=v&condition=AND|OR, /api/download/ID, /api/targets, /api/healthz, /api/version; /metrics (Prometheus); analysis: /api/meta/ID, /api/analysis?id=ID&si=, /api/merge?id=ID&id=ID; profefe: /api/0/profiles, /api/0/profiles/merge, /api/0/profiles/ID[+ID]. Push (with an --auth-file's write tokens, or --allow-push): POST /api/0/profiles (profefe), POST /ingest (Pyroscope). See cprofiler(1).
Profiles scraped or pushed while serving appear within a second; no other entry is ever written.
Example: cprofiler serve --listen 127.0.0.1:8080 --archive /var/lib/cprofiler
         go tool pprof -http=: 'http://127.0.0.1:8080/api/download/ID')");
  cmd_->add_option("--listen", http_.listen,
                   "Address to listen on: :PORT (every interface), IPv4:PORT, localhost:PORT "
                   "(default: the config's serve.listen, else :8080)")
      ->default_str(":8080");
  cmd_->add_option("--threads", http_.threads,
                   "Worker threads (each serves one connection at a time)")
      ->default_val(64)
      ->check(CLI::Range(2, 1024));
  cmd_->add_option("--header-timeout", header_timeout_,
                   "A client has this long to send a request's headers, and may stall no "
                   "longer while sending a body or reading a response")
      ->default_val("5s");
  cmd_->add_option("--bucket-refresh", bucket_refresh_,
                   "For an archive in a bucket: how often new entries are looked for")
      ->default_val("10s");
  cmd_->add_option("--idle-timeout", idle_timeout_,
                   "A kept-alive connection with no new request in this long is closed")
      ->default_val("5s");
  cmd_->add_option("--max-client-connections", http_.max_client_connections,
                   "Connections one client address may hold at once; more are refused as "
                   "they arrive. 0: no limit (behind a reverse proxy, every client has the "
                   "proxy's address: raise it, or 0)")
      ->default_val(16)
      ->check(CLI::Range(0, 100000));
  cmd_->add_option("--tls-cert", tls_cert_,
                   "Serve HTTPS (TLS 1.2 or newer) with this PEM certificate (the server's "
                   "first, then any intermediates); read again on SIGHUP")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--tls-key", tls_key_, "The PEM private key of --tls-cert (unencrypted)")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--redirect-listen", http_.redirect_listen,
                   "With --tls-cert: also listen here for plain HTTP, redirecting every "
                   "request to HTTPS (e.g. :80)");
  cmd_->add_option("--index-memory", index_memory_,
                   "The most the in-memory index of the archive may take (about 70 bytes a "
                   "profile): it holds the newest days that fit, and requests over older days "
                   "read those from the archive. 0: no limit")
      ->default_val("1GiB");
  cmd_->add_option("--auth-file", auth_file_,
                   "Who may read (default: the config's serve.auth-file): one credential a line, "
                   "'ROLE token SHA256-HEX' or 'ROLE user NAME BCRYPT-HASH' (cprofiler auth "
                   "add-token and add-user make them); every route but /api/healthz then needs "
                   "one: a bearer token, basic auth, or the UI's login form");
  cmd_->add_flag("--allow-push", allow_push_,
                 "Take pushed profiles (POST /api/0/profiles, POST /ingest) without an auth "
                 "file: from anyone who reaches the server, which then listens on "
                 "127.0.0.1:8080 unless told otherwise. With an --auth-file, pushes are taken "
                 "from tokens of role write or admin, without this flag");
  cmd_->add_option("--source-path", source_path_,
                   "Where the analysis page's source listings read Go files from (default: the "
                   "config's serve.source-path): DIR[:DIR], searched as go tool pprof's "
                   "-source_path (a relative name under each, a name cut after a DIR's last "
                   "element), and for a module cache's or GOROOT's layout (add $(go env "
                   "GOMODCACHE) and $(go env GOROOT)/src); no file outside them is ever read. "
                   "Default: none, listings show line numbers and values without the text");
  cmd_->add_option("--trim-path", trim_path_,
                   "Prefixes cut from the profiles' file names before the source path is "
                   "searched, as go tool pprof's -trim_path (default: the config's "
                   "serve.trim-path): PREFIX[:PREFIX]");
  cmd_->add_option("--web-dir", web_dir_,
                   "Serve the UI from this directory instead of the built-in copy "
                   "(for working on web/)");
}

int ServeCommand::Run(const GlobalOptions& global) {
  auto resolved = Resolve(global, /*config_required=*/false);
  if (!resolved.ok()) return Fail("serve", resolved.status(), kExitUsage);
  ApplyServeConfig(*resolved);
  if (Status s = resolved->opened->PrepareToServe(); !s.ok()) return Fail("serve", s, kExitPartial);
  server::ServeOptions options;
  auto header_timeout = TimeoutMs("--header-timeout", header_timeout_);
  if (!header_timeout.ok()) return Fail("serve", header_timeout.status(), kExitUsage);
  http_.header_timeout_ms = *header_timeout;
  auto idle_timeout = TimeoutMs("--idle-timeout", idle_timeout_);
  if (!idle_timeout.ok()) return Fail("serve", idle_timeout.status(), kExitUsage);
  http_.idle_timeout_ms = *idle_timeout;
  auto bucket_refresh = TimeoutMs("--bucket-refresh", bucket_refresh_);
  if (!bucket_refresh.ok()) return Fail("serve", bucket_refresh.status(), kExitUsage);
  options.bucket_refresh_ms = *bucket_refresh;
  std::unique_ptr<server::TlsCredentials> tls;
  if (tls_cert_.empty() != tls_key_.empty()) {
    return FailUsage("serve", "--tls-cert and --tls-key go together");
  }
  if (!http_.redirect_listen.empty() && tls_cert_.empty()) {
    return FailUsage("serve", "--redirect-listen needs --tls-cert");
  }
  if (!tls_cert_.empty()) {
    auto loaded = server::TlsCredentials::Load(tls_cert_, tls_key_);
    if (!loaded.ok()) return Fail("serve", loaded.status().WithContext("--tls-cert"), kExitUsage);
    tls = std::move(*loaded);
    options.tls = tls.get();
  }
  options.http = http_;
  if (index_memory_ != "0") {
    auto budget = ParseSize(index_memory_, int64_t{1} << 40);
    if (!budget.ok())
      return Fail("serve", budget.status().WithContext("--index-memory"), kExitUsage);
    options.index.max_bytes = static_cast<size_t>(*budget);
  }
  options.index_memory = index_memory_;
  server::ApiOptions& api = options.api;
  api.web_dir = web_dir_;
  api.cors_allowed_origins = cors_allowed_origins_;
  for (const std::string& dir : SplitPathList(source_path_)) {
    if (!dir.empty() && !IsDirectory(dir)) {
      return FailUsage(
          "serve", "source path " + dir + ": not a directory (--source-path, serve.source-path)");
    }
  }
  api.source.source_path = source_path_;
  api.source.trim_path = trim_path_;
  if (!source_path_.empty()) LogInfo("serve: source listings read files under " + source_path_);
  std::unique_ptr<server::Authenticator> auth;
  if (!auth_file_.empty()) {
    auto opened = server::Authenticator::Open(auth_file_);
    if (!opened.ok()) return Fail("serve", opened.status().WithContext("--auth-file"), kExitUsage);
    auth = std::move(*opened);
    api.auth = auth.get();
  } else if (!http_.listen.starts_with("127.") && !http_.listen.starts_with("localhost:") &&
             !http_.listen.starts_with("[::1]")) {
    LogError("serve: warning: no --auth-file, and " + http_.listen +
             " is not a loopback address: anyone who reaches it reads every profile" +
             (allow_push_ ? ", and pushes profiles in (--allow-push)" : ""));
  }
  // Pushes go where scrapes go (a bucket's spool, published by Serve).
  std::unique_ptr<ingest::Ingester> ingester;
  if (allow_push_ || auth != nullptr) {
    ingest::PushOptions push = resolved->config ? resolved->config->push : ingest::PushOptions();
    auto opened = ingest::Ingester::Open(resolved->opened->write_root(), std::move(push));
    if (opened.ok()) {
      ingester = std::move(*opened);
      api.ingester = ingester.get();
      LogInfo(auth != nullptr ? "serve: takes pushes with tokens of role write"
                              : "serve: takes pushes from anyone who reaches " + http_.listen);
    } else if (allow_push_) {
      return Fail("serve", opened.status().WithContext("--allow-push"), kExitUsage);
    } else {
      LogError("serve: push is off: " + opened.status().message());
    }
  }
  api.version = CPROFILER_VERSION;
  api.revision = kBuildRevision;
  api.build_date = kBuildDate;
  Status served = server::Serve(*resolved->opened, std::move(options));
  if (!served.ok()) return Fail("serve", served, ExitCodeFor(served));
  return kExitOk;
}

}  // namespace cprof::cli
