# An https target with a self-signed certificate: refused by default (the
# system's CA bundle does not know it), scraped with --cacert or with
# SSL_CERT_FILE naming that certificate.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl (the command) is needed"
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout key.pem -out cert.pem 2>/dev/null
mkdir www
cp "$TEST_DATA_DIR/heap.pb.gz" www/heap
PORT=$(closed_port)
# -WWW: serves files under the working directory, over TLS.
(cd www && spawn openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert ../cert.pem -key ../key.pem -WWW)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
cat >c.yml <<YML
archive: arch
scrape-configs:
  - job: tls
    interval: 1h
    expiration: 1h
    enabled-profiles: [heap]
    path-profiles:
      heap: /heap
    target-configs:
      - application: a
        hosts: [https://localhost:$PORT]
YML
unset SSL_CERT_FILE
expect_exit 1 "$CPROFILER" scrape --once --force -c c.yml
expect_grep 'certificate' "$WORK/err"
pass "self-signed certificate refused by default"

expect_exit 0 "$CPROFILER" scrape --once --force -c c.yml --cacert cert.pem
expect_grep 'pass: 1 archived' "$WORK/err"
pass "--cacert"

SSL_CERT_FILE=cert.pem expect_exit 0 "$CPROFILER" scrape --once --force -c c.yml
expect_grep 'pass: 1 archived' "$WORK/err"
pass "SSL_CERT_FILE"

expect_exit 2 "$CPROFILER" scrape --once -c c.yml --cacert missing.pem
pass "--cacert of a missing file is a usage error"
