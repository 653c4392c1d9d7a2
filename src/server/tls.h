// The certificate and key that serve presents over TLS (serve --tls-cert,
// --tls-key): PEM files, read at start and again on Reload() (serve calls it
// on SIGHUP, after a renewal), without a restart and without dropping the
// connections in flight. Handshakes take whichever pair is current when they
// start. The only file that touches OpenSSL's TLS (base/hash.cc uses its
// SHA-256).
//
// Thread-safe.
#ifndef CPROF_SERVER_TLS_H_
#define CPROF_SERVER_TLS_H_

#include <memory>
#include <mutex>
#include <string>

#include "base/fs.h"
#include "base/status.h"

struct ssl_st;  // OpenSSL's SSL

namespace cprof::server {

class TlsCredentials {
 public:
  // Reads the certificate (the leaf first, then any intermediates) and its
  // private key. InvalidArgument naming the file when either cannot be read
  // or parsed, or when the key is not the certificate's.
  static Result<std::unique_ptr<TlsCredentials>> Load(fs::path cert_file, fs::path key_file);
  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  // Reads both files again. On error the current pair stays in use.
  Status Reload();

  // Sets up an OpenSSL SSL_CTX (passed as void* so that callers need not
  // include OpenSSL): TLS 1.2 or newer only, and the current pair presented
  // on every handshake. The SSL_CTX must not outlive this object.
  void Install(void* ssl_ctx);

  // "CN=host, expires 2027-03-01T00:00:00Z" of the current certificate.
  std::string Describe();

 private:
  struct Pair;
  TlsCredentials(fs::path cert_file, fs::path key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  // Both files, read and checked; the current pair is not touched.
  Result<std::shared_ptr<Pair>> ReadPair() const;
  std::shared_ptr<Pair> Current();
  static int OnHandshake(ssl_st* ssl, void* self);

  const fs::path cert_file_;
  const fs::path key_file_;
  std::mutex mu_;
  std::shared_ptr<Pair> current_;  // guarded by mu_
};

}  // namespace cprof::server

#endif  // CPROF_SERVER_TLS_H_
