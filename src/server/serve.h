// serve's work, over an opened archive: listening first (healthz, the UI's
// files and profiles by ID answer at once), then the archive's index read
// (requests that need it wait for that first read, never answered from part
// of it), then the index and the archive's root following the archive
// until SIGINT or SIGTERM; SIGHUP reads the TLS certificate and key again.
// With push on (ApiOptions::ingester) over an archive in a bucket, what
// was pushed into its spool is published every second, and at the end.
//
// Thread-safe: one Serve per process (it takes the process's signals).
#ifndef CPROF_SERVER_SERVE_H_
#define CPROF_SERVER_SERVE_H_

#include <cstdint>
#include <string>

#include "archive/archive.h"
#include "base/status.h"
#include "server/api.h"
#include "server/archive_index.h"
#include "server/http_server.h"
#include "server/tls.h"

namespace cprof::server {

struct ServeOptions {
  HttpServerOptions http;  // its tls and metrics are set by Serve
  // tls (none): the certificate and key served (HTTPS), read again on
  //   SIGHUP; not owned.
  TlsCredentials* tls = nullptr;
  ApiOptions api;  // its metrics and secure_cookies are set by Serve
  ArchiveIndexOptions index;
  // index_memory ("0"): the budget as the user wrote it, for messages.
  std::string index_memory = "0";
  // bucket_refresh_ms: how often an archive in a bucket is looked at
  //   (Archive::StartFollowing).
  int64_t bucket_refresh_ms = 10'000;
};

// Serves `archive` until SIGINT or SIGTERM. An error when it cannot listen
// (InvalidArgument: a bad address).
Status Serve(archive::Archive& archive, ServeOptions options);

}  // namespace cprof::server

#endif  // CPROF_SERVER_SERVE_H_
