# The archive's S3 client (archive/s3.h) against a real S3 API on loopback
# (moto_server, started here on a free port): objects put and read back
# byte for byte, keys with characters that need escaping, listings across
# pages and by level, delete; a missing bucket, a missing object and a
# stopped server each give one clear line naming bucket, key and status.
# Requests are signed with SigV4 by libcurl: moto refuses its objects to
# anonymous requests (403), though it does not verify signatures.
source "$(dirname "$0")/lib.sh"
: "${S3_TOOL:?set by ctest}"
command -v moto_server >/dev/null || fail "moto_server (Python's moto) is not installed"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
spawn moto_server -H 127.0.0.1 -p "$PORT"
MOTO_PID=$SPAWNED_PID
END="http://127.0.0.1:$PORT"
for ((i = 0; i < 100; i++)); do curl -fs "$END/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$END/" >/dev/null || fail "moto_server did not start on $PORT"
curl -fs -X PUT "$END/profiles" >/dev/null || fail "creating the bucket"
export AWS_ACCESS_KEY_ID=AKIATESTKEY AWS_SECRET_ACCESS_KEY=secret
S3() { "$S3_TOOL" "$END" "$@"; }

# Put and get back, byte for byte, under a prefix; keys that need escaping.
head -c 300000 /dev/urandom >"$WORK/blob"
S3 s3://profiles/arch put 2026-12-03/ab12/one.pb.gz "$TEST_DATA_DIR/heap.pb.gz" || fail "put"
S3 s3://profiles/arch put "2026-12-03/ab12/odd key+&=.json" "$WORK/blob" || fail "put an odd key"
S3 s3://profiles/arch get 2026-12-03/ab12/one.pb.gz >"$WORK/got" || fail "get"
cmp -s "$WORK/got" "$TEST_DATA_DIR/heap.pb.gz" || fail "get: not the bytes put"
S3 s3://profiles/arch get "2026-12-03/ab12/odd key+&=.json" >"$WORK/got2" || fail "get an odd key"
cmp -s "$WORK/got2" "$WORK/blob" || fail "get an odd key: not the bytes put"
S3 s3://profiles list arch/ >"$WORK/keys" || fail "list the bucket"
grep -qx 'arch/2026-12-03/ab12/one.pb.gz' "$WORK/keys" ||
  fail "the object is not at arch/2026-12-03/ab12/one.pb.gz (the archive's path under the prefix): $(cat "$WORK/keys")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$END/profiles/arch/2026-12-03/ab12/one.pb.gz")" = 403 ] ||
  fail "an unsigned GET was not refused: the check of signing means nothing"
pass "put and get, signed: the same bytes, at PREFIX/PATH (300 kB of random bytes, an escaped key); unsigned: 403"

# Listings: everything under a prefix (more than one page: 1,000 a page), and
# one level with a delimiter.
echo x >"$WORK/x"
for i in $(seq 1 1002); do
  S3 s3://profiles/arch put "2026-12-04/cd34/e$i.json" "$WORK/x" || fail "put e$i"
done
S3 s3://profiles/arch list 2026-12-04/ >"$WORK/list" || fail "list"
[ "$(wc -l <"$WORK/list")" = 1002 ] || fail "list across pages: $(wc -l <"$WORK/list") keys, want 1002"
grep -qx '2026-12-04/cd34/e1002.json' "$WORK/list" || fail "list: keys not relative to the prefix"
S3 s3://profiles/arch list "" / >"$WORK/days" || fail "list a level"
[ "$(cat "$WORK/days")" = "$(printf '2026-12-03/ (prefix)\n2026-12-04/ (prefix)')" ] ||
  fail "list by level: $(cat "$WORK/days")"
pass "list: 1,002 keys across two pages; one level by delimiter (the days)"

S3 s3://profiles/arch delete 2026-12-03/ab12/one.pb.gz || fail "delete"
expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get 2026-12-03/ab12/one.pb.gz
expect_grep '^get s3://profiles/arch/2026-12-03/ab12/one.pb.gz: HTTP 404 \(NoSuchKey' "$WORK/err"
S3 s3://profiles/arch delete 2026-12-03/ab12/one.pb.gz || fail "deleting what is gone is not OK"
expect_exit 1 "$S3_TOOL" "$END" s3://nosuchbucket/x list ""
expect_grep '^list s3://nosuchbucket/x/: HTTP 404 \(NoSuchBucket' "$WORK/err"
pass "delete; a missing object and a missing bucket: one line with bucket, key, status"

kill "$MOTO_PID"
wait "$MOTO_PID" 2>/dev/null || true
started=$(date +%s)
expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get x
expect_grep "^get s3://profiles/arch/x: .*\\(endpoint $END\\)" "$WORK/err"
[ $(($(date +%s) - started)) -lt 10 ] || fail "a stopped server took more than 10 s to report"
pass "a stopped server: reported at once, naming the endpoint"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
HOME=$WORK expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get x
expect_grep 'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in .*/.aws/credentials \[default\]' "$WORK/err"
pass "no credentials: one line saying where they were looked for"
