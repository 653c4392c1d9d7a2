#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

#include "base/time.h"

namespace cprof::server {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

// OpenSSL's reason for the last failure, and clears its error queue.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "not PEM";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// No pass phrase: an encrypted key fails instead of prompting on a terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

struct TlsCredentials::Pair {
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;  // intermediates, possibly empty
  EVP_PKEY* key = nullptr;
  ~Pair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

Result<std::shared_ptr<TlsCredentials::Pair>> TlsCredentials::ReadPair() const {
  const fs::path& cert_file = cert_file_;
  const fs::path& key_file = key_file_;
  auto bad = [](const fs::path& file, const std::string& why) {
    return Status::InvalidArgument(file.string() + ": " + why);
  };
  auto cert_pem = ReadFile(cert_file, kMaxPemBytes);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadFile(key_file, kMaxPemBytes);
  if (!key_pem.ok()) return key_pem.status();
  auto pair = std::make_shared<Pair>();
  pair->chain = sk_X509_new_null();
  BIO* bio = BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, NoPassphrase, nullptr)) {
    if (pair->leaf == nullptr) {
      pair->leaf = cert;
    } else {
      sk_X509_push(pair->chain, cert);
    }
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the file ends the loop with an error
  if (pair->leaf == nullptr) return bad(cert_file, "no PEM certificate in it");
  bio = BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()));
  pair->key = PEM_read_bio_PrivateKey(bio, nullptr, NoPassphrase, nullptr);
  BIO_free(bio);
  if (pair->key == nullptr) {
    return bad(key_file, "no unencrypted PEM private key in it (" + OpenSslError() + ")");
  }
  if (X509_check_private_key(pair->leaf, pair->key) != 1) {
    ERR_clear_error();
    return bad(key_file, "this key is not the one of " + cert_file.string());
  }
  return pair;
}

Result<std::unique_ptr<TlsCredentials>> TlsCredentials::Load(fs::path cert_file,
                                                             fs::path key_file) {
  std::unique_ptr<TlsCredentials> creds(
      new TlsCredentials(std::move(cert_file), std::move(key_file)));
  CPROF_RETURN_IF_ERROR(creds->Reload());
  return creds;
}

TlsCredentials::~TlsCredentials() = default;

Status TlsCredentials::Reload() {
  CPROF_ASSIGN_OR_RETURN(std::shared_ptr<Pair> pair, ReadPair());
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(pair);
  return Status::OK();
}

std::shared_ptr<TlsCredentials::Pair> TlsCredentials::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void TlsCredentials::Install(void* ssl_ctx) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_cert_cb(ctx, &TlsCredentials::OnHandshake, this);
}

int TlsCredentials::OnHandshake(SSL* ssl, void* self) {
  std::shared_ptr<Pair> pair = static_cast<TlsCredentials*>(self)->Current();
  // Copies the references: the SSL keeps what it presents even if a reload
  // frees this pair meanwhile.
  return SSL_use_cert_and_key(ssl, pair->leaf, pair->key, pair->chain, /*override=*/1) == 1;
}

std::string TlsCredentials::Describe() {
  std::shared_ptr<Pair> pair = Current();
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(pair->leaf), subject, sizeof subject);
  std::string out = subject;
  struct tm expiry {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(pair->leaf), &expiry) == 1) {
    out += ", expires " + FormatRfc3339Ms(static_cast<int64_t>(timegm(&expiry)) * 1000);
  }
  return out;
}

}  // namespace cprof::server
