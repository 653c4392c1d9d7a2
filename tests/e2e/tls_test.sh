# serve over TLS (--tls-cert, --tls-key) with a CA made here by openssl:
# curl trusting that CA gets 200; plain HTTP on the TLS port gets no answer,
# and on --redirect-listen a redirect to HTTPS; openssl s_client, allowed to
# offer anything, finds TLS 1.2 and 1.3 and is refused TLS 1.0 and 1.1 by the
# server (SSLv3 is not even in Debian's OpenSSL). SIGHUP reads a renewed
# certificate; a broken one keeps the one in use. Bad TLS flags exit 2. The
# config's serve: block does the same, and over TLS the login's session
# cookie is Secure.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 10 1 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap >/dev/null

# cert NAME CN: a key and a certificate for localhost and 127.0.0.1, signed
# by the test CA, in $WORK/NAME.key and $WORK/NAME.pem.
cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
    -out "$WORK/$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -extfile "$WORK/san" -out "$WORK/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" \
  -out "$WORK/ca.pem" -days 2 -subj "/CN=cprofiler test CA" 2>/dev/null
cert server first-cert
cert other other-cert

expect_exit 2 "$CPROFILER" serve --archive "$WORK/arch" --tls-cert "$WORK/server.pem"
expect_grep 'tls-cert and --tls-key go together' "$WORK/err"
expect_exit 2 "$CPROFILER" serve --archive "$WORK/arch" --tls-cert "$WORK/server.pem" --tls-key "$WORK/other.key"
expect_grep 'other.key: this key is not the one of .*server.pem' "$WORK/err"
expect_exit 2 "$CPROFILER" serve --archive "$WORK/arch" --redirect-listen 127.0.0.1:0
expect_grep 'redirect-listen needs --tls-cert' "$WORK/err"
pass "bad TLS flags: exit 2 with the reason"

cp "$WORK/server.pem" "$WORK/live.pem"
cp "$WORK/server.key" "$WORK/live.key"
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch" \
  --tls-cert "$WORK/live.pem" --tls-key "$WORK/live.key" --redirect-listen 127.0.0.1:0
PORT=${SERVE_PORTS%%,*}
REDIRECT_PORT=${SERVE_PORTS#*,}
HTTPS="https://localhost:$PORT"
expect_grep 'HTTPS with .*CN ?= ?first-cert' "$WORK/serve.log"
API="/api/profile_meta/heap_inuse_space?start_time=${DAY}T00:00:00Z&end_time=${DAY}T23:59:59Z"
for ((i = 0; i < 100; i++)); do curl -fs --cacert "$WORK/ca.pem" "$HTTPS/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
code=$(curl -s --cacert "$WORK/ca.pem" -o "$WORK/body" -w '%{http_code}' "$HTTPS$API")
[ "$code" = 200 ] || fail "HTTPS with the test CA: $code"
jq -e '[.[].ProfileMetas[]] | length == 10' "$WORK/body" >/dev/null || fail "HTTPS answer: $(head -c 300 "$WORK/body")"
curl -fs -o /dev/null "$HTTPS/api/healthz" 2>/dev/null && fail "curl trusted the server without the test CA"
pass "curl with the test CA: 200 and the 10 profiles; without it, refused"

curl -s -m 5 -o /dev/null "http://127.0.0.1:$PORT/api/healthz" && fail "plain HTTP on the TLS port got an answer"
code=$(curl -s -o /dev/null -D "$WORK/headers" -w '%{http_code}' "http://localhost:$REDIRECT_PORT$API")
[ "$code" = 308 ] || fail "--redirect-listen answered $code"
expect_grep "^Location: https://localhost:$PORT/api/profile_meta/heap_inuse_space\\?start_time=" "$WORK/headers"
code=$(curl -sL --cacert "$WORK/ca.pem" -o /dev/null -w '%{http_code}' "http://localhost:$REDIRECT_PORT$API")
[ "$code" = 200 ] || fail "following the redirect: $code"
pass "plain HTTP: no answer on the TLS port; a 308 to HTTPS on --redirect-listen, followed to 200"

# handshake VERSION: what openssl s_client, offering only VERSION (and any
# cipher), gets from the server.
handshake() {
  openssl s_client -connect "127.0.0.1:$PORT" -"$1" -cipher 'ALL:@SECLEVEL=0' </dev/null >"$WORK/s_client.$1" 2>&1 || true
}
for v in tls1 tls1_1; do
  handshake $v
  expect_grep 'alert protocol version' "$WORK/s_client.$v"
done
handshake tls1_2
expect_grep 'Protocol *: TLSv1\.2' "$WORK/s_client.tls1_2"
handshake tls1_3
expect_grep 'New, TLSv1\.3' "$WORK/s_client.tls1_3"
if openssl s_client -help 2>&1 | grep -q -- '-ssl3'; then
  handshake ssl3
  grep -q 'Protocol *: SSLv3' "$WORK/s_client.ssl3" && fail "the server speaks SSLv3"
fi
pass "TLS 1.0 and 1.1: the server answers 'protocol version'; TLS 1.2 and 1.3 handshake"

subject() { openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$WORK/ca.pem" </dev/null 2>/dev/null | sed -n 's/^subject=//p'; }
cert renewed renewed-cert
cp "$WORK/renewed.pem" "$WORK/live.pem"
cp "$WORK/renewed.key" "$WORK/live.key"
kill -HUP "$SERVE_PID"
for ((i = 0; i < 50; i++)); do grep -q 'read again' "$WORK/serve.log" && break; sleep 0.1; done
[[ $(subject) == *renewed-cert* ]] || fail "after SIGHUP the server presents $(subject)"
echo broken >"$WORK/live.key"
kill -HUP "$SERVE_PID"
for ((i = 0; i < 50; i++)); do grep -q 'keeping the certificate in use' "$WORK/serve.log" && break; sleep 0.1; done
expect_grep 'live.key: no unencrypted PEM private key' "$WORK/serve.log"
[[ $(subject) == *renewed-cert* ]] || fail "after a broken SIGHUP the server presents $(subject)"
code=$(curl -s --cacert "$WORK/ca.pem" -o /dev/null -w '%{http_code}' "$HTTPS/api/healthz")
[ "$code" = 200 ] || fail "after a broken SIGHUP: $code"
pass "SIGHUP: a renewed certificate is served; a broken one is reported and the last good one kept"
stop_serve

# The config's serve: block, paths relative to it; a login over HTTPS gets a
# Secure session cookie.
mkdir -p "$WORK/etc"
cp "$WORK/server.pem" "$WORK/etc/tls.pem"
cp "$WORK/server.key" "$WORK/etc/tls.key"
TOKEN=$("$CPROFILER" auth add-token --role read -f "$WORK/etc/auth")
cat >"$WORK/etc/c.yml" <<YML
archive: $WORK/arch
serve: {tls-cert: tls.pem, tls-key: tls.key, auth-file: auth}
scrape-configs: []
YML
start_serve "$WORK/serve2.log" "$CPROFILER" serve -c "$WORK/etc/c.yml"
HTTPS="https://localhost:${SERVE_PORTS%%,*}"
for ((i = 0; i < 100; i++)); do curl -fs --cacert "$WORK/ca.pem" "$HTTPS/api/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
code=$(curl -s --cacert "$WORK/ca.pem" -o /dev/null -D "$WORK/headers" -w '%{http_code}' \
  -H 'Accept: text/html' -d "token=$TOKEN&next=/" "$HTTPS/login")
[ "$code" = 303 ] || fail "POST /login over HTTPS: $code"
expect_grep '^Set-Cookie: .*; Secure' "$WORK/headers"
pass "the config's serve: block serves HTTPS (relative paths); the session cookie is Secure"
stop_serve
