# The archive's S3 client (archive/s3.h) against a real S3 API on loopback
# (moto_server, started here on a free port): objects put and read back
# byte for byte, keys with characters that need escaping, listings across
# pages and by level, delete; a missing bucket, a missing object and a
# stopped server each give one clear line naming bucket, key and status.
# Large objects go as multipart uploads (12 MiB in 5 MiB parts, read back the
# same); one refused is aborted, leaving nothing. Requests are retried with
# backoff when nothing answers (counted and timed) and, against a scripted
# server (scripted_s3.py), on 5xx, 429 and a Complete's 200 <Error>, each
# multipart step on its own; never on 403 or 400.
# Requests are signed with SigV4 by libcurl: moto refuses its objects to
# anonymous requests (403), though it does not verify signatures.
source "$(dirname "$0")/lib.sh"
: "${S3_TOOL:?set by ctest}"
END=$(start_moto)
MOTO_PID=$(cat "$WORK/moto.pid")
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

# Multipart: 12 MiB in 5 MiB parts (S3's and moto's smallest but the last),
# read back the same; the parts' ETags came from UploadPart's headers.
head -c $((12 << 20)) /dev/urandom >"$WORK/big"
"$S3_TOOL" --multipart-threshold $((5 << 20)) --multipart-part-size $((5 << 20)) \
  "$END" s3://profiles/arch put big.bin "$WORK/big" || fail "multipart put"
S3 s3://profiles/arch get big.bin >"$WORK/big.got" || fail "get the multipart object"
cmp -s "$WORK/big.got" "$WORK/big" || fail "multipart: not the bytes put"
# Gets are ranged: 12 MiB in 8 MiB ranges is 2 GETs, in 5 MiB ranges 3 (the
# 2 after the first in parallel), each a 206; an empty object reads too.
[ "$(grep -c '"GET /profiles/arch/big.bin HTTP/1.1" 206' "$WORK/spawn.log")" = 2 ] ||
  fail "get: not 2 ranged GETs: $(grep big.bin "$WORK/spawn.log")"
"$S3_TOOL" --get-part-size $((5 << 20)) "$END" s3://profiles/arch get big.bin >"$WORK/big.got5" ||
  fail "get in 5 MiB ranges"
cmp -s "$WORK/big.got5" "$WORK/big" || fail "get in 5 MiB ranges: not the bytes put"
[ "$(grep -c '"GET /profiles/arch/big.bin HTTP/1.1" 206' "$WORK/spawn.log")" = 5 ] ||
  fail "get: not 3 more ranged GETs: $(grep big.bin "$WORK/spawn.log")"
: >"$WORK/empty"
S3 s3://profiles/arch put empty.bin "$WORK/empty" || fail "put an empty object"
S3 s3://profiles/arch get empty.bin >"$WORK/empty.got" || fail "get an empty object"
[ ! -s "$WORK/empty.got" ] || fail "an empty object read as $(wc -c <"$WORK/empty.got") bytes"
[ "$(grep -c 'PUT /profiles/arch/big.bin?partNumber=[0-9]*&uploadId=' "$WORK/spawn.log")" = 3 ] ||
  fail "multipart: not 3 UploadParts: $(grep big.bin "$WORK/spawn.log")"
grep -q 'POST /profiles/arch/big.bin?uploadId=' "$WORK/spawn.log" || fail "multipart: no Complete"
# Parts of 1 MiB are refused at Complete (EntityTooSmall): the upload is
# aborted, no object and no upload left.
head -c $((3 << 20)) /dev/urandom >"$WORK/small-parts"
expect_exit 1 "$S3_TOOL" --multipart-threshold $((1 << 20)) --multipart-part-size $((1 << 20)) \
  "$END" s3://profiles/arch put refused.bin "$WORK/small-parts"
expect_grep '^put s3://profiles/arch/refused.bin: complete upload .* of 3 parts: HTTP 400 \(EntityTooSmall' "$WORK/err"
grep -q 'DELETE /profiles/arch/refused.bin?uploadId=' "$WORK/spawn.log" ||
  fail "a failed multipart upload was not aborted"
curl -fs "$END/profiles?uploads" >"$WORK/uploads" || fail "listing multipart uploads"
grep -q '<ListMultipartUploadsResult' "$WORK/uploads" || fail "not a listing of uploads: $(cat "$WORK/uploads")"
! grep -q '<Upload>' "$WORK/uploads" || fail "an incomplete upload was left: $(cat "$WORK/uploads")"
expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get refused.bin
pass "multipart: 12 MiB in 3 parts of <= 5 MiB read back the same; 1 MiB parts refused at Complete: aborted, nothing left"

S3 s3://profiles/arch delete 2026-12-03/ab12/one.pb.gz || fail "delete"
expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get 2026-12-03/ab12/one.pb.gz
expect_grep '^get s3://profiles/arch/2026-12-03/ab12/one.pb.gz: HTTP 404 \(NoSuchKey' "$WORK/err"
S3 s3://profiles/arch delete 2026-12-03/ab12/one.pb.gz || fail "deleting what is gone is not OK"
expect_exit 1 "$S3_TOOL" "$END" s3://nosuchbucket/x list ""
expect_grep '^list s3://nosuchbucket/x/: HTTP 404 \(NoSuchBucket' "$WORK/err"
pass "delete; a missing object and a missing bucket: one line with bucket, key, status"

kill "$MOTO_PID"
wait "$MOTO_PID" 2>/dev/null || true
# Nothing listens any more: retried (defaults: 4 attempts, pauses of 100-200,
# 200-400 and 400-800 ms, so 0.7 to 1.4 s), or not (--max-attempts 1).
millis() { echo $(($(date +%s%N) / 1000000)); }
started=$(millis)
expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get x
expect_grep "^get s3://profiles/arch/x: .*\\(endpoint $END\\); 4 attempts\$" "$WORK/err"
ms4=$(($(millis) - started))
[ "$ms4" -ge 700 ] && [ "$ms4" -lt 5000 ] || fail "a stopped server: 4 attempts in $ms4 ms, want 0.7 to 5 s"
started=$(millis)
expect_exit 1 "$S3_TOOL" --max-attempts 3 --retry-backoff-ms 50 "$END" s3://profiles/arch put x "$WORK/x"
expect_grep "^put s3://profiles/arch/x: .*\\(endpoint $END\\); 3 attempts\$" "$WORK/err"
ms3=$(($(millis) - started))
[ "$ms3" -ge 75 ] && [ "$ms3" -lt 3000 ] || fail "a stopped server: 3 attempts in $ms3 ms, want 75 ms to 3 s"
started=$(millis)
expect_exit 1 "$S3_TOOL" --max-attempts 1 "$END" s3://profiles/arch get x
expect_grep "^get s3://profiles/arch/x: .*\\(endpoint $END\\)\$" "$WORK/err"
ms1=$(($(millis) - started))
[ "$ms1" -lt 1000 ] || fail "a stopped server: 1 attempt in $ms1 ms"
pass "a stopped server: 4 attempts in $ms4 ms (defaults), 3 in $ms3 ms (--max-attempts 3, 50 ms backoff), 1 in $ms1 ms; each message names the endpoint and the attempts"

# Retries, against a scripted server (scripted_s3.py: the next status of its
# list for each request, then 200). Retried: 503, 500, 429, an <Error> in a
# Complete's 200; not: 403, 400.
# scripted NAME STATUS...: starts one, its URL in $SCRIPTED, its log in
# $WORK/NAME.log (and NAME.log.body).
scripted() {
  local name=$1
  shift
  : >"$WORK/$name.log"
  spawn python3 "$(dirname "$0")/scripted_s3.py" "$WORK/$name.port" "$WORK/$name.log" "$@"
  wait_file "$WORK/$name.port"
  SCRIPTED="http://127.0.0.1:$(cat "$WORK/$name.port")"
}
FAST=(--retry-backoff-ms 10)
scripted flaky 503 500/InternalError 429/SlowDown
"$S3_TOOL" "${FAST[@]}" "$SCRIPTED" s3://profiles/arch put k "$WORK/x" ||
  fail "put after 503, 500, 429: $(cat "$WORK/flaky.log")"
[ "$(grep -c '^PUT /profiles/arch/k$' "$WORK/flaky.log")" = 4 ] || fail "not 4 PUTs: $(cat "$WORK/flaky.log")"
scripted down 503 503 503 503 503
expect_exit 1 "$S3_TOOL" "${FAST[@]}" "$SCRIPTED" s3://profiles/arch get k
expect_grep '^get s3://profiles/arch/k: HTTP 503; 4 attempts$' "$WORK/err"
[ "$(wc -l <"$WORK/down.log")" = 4 ] || fail "503 for ever: not 4 GETs: $(cat "$WORK/down.log")"
scripted denied 403/AccessDenied
expect_exit 1 "$S3_TOOL" "${FAST[@]}" "$SCRIPTED" s3://profiles/arch put k "$WORK/x"
expect_grep '^put s3://profiles/arch/k: HTTP 403 \(AccessDenied: scripted\); access key AKIATESTKEY from \$AWS_ACCESS_KEY_ID$' "$WORK/err"
[ "$(wc -l <"$WORK/denied.log")" = 1 ] || fail "a 403 was retried: $(cat "$WORK/denied.log")"
pass "retries: 503, 500, 429 then 200 is a success (4 PUTs); 503 for ever gives up after 4 GETs; a 403 is sent once"

# Multipart against the script: part 2 answered 503 once (retried on its
# own), the Complete 200 with an InternalError document (retried), with the
# ETags the parts answered; a part refused with a 400: the upload aborted.
head -c 2500 /dev/urandom >"$WORK/mp"
MPS=(--multipart-threshold 1000 --multipart-part-size 1000)
scripted mp 200 200 503 200 200 200/InternalError 200
"$S3_TOOL" "${FAST[@]}" "${MPS[@]}" "$SCRIPTED" s3://profiles/arch put m "$WORK/mp" ||
  fail "multipart with retries: $(cat "$WORK/mp.log")"
printf '%s\n' 'POST /profiles/arch/m?uploads=' \
  'PUT /profiles/arch/m?partNumber=1&uploadId=up%261' \
  'PUT /profiles/arch/m?partNumber=2&uploadId=up%261' \
  'PUT /profiles/arch/m?partNumber=2&uploadId=up%261' \
  'PUT /profiles/arch/m?partNumber=3&uploadId=up%261' \
  'POST /profiles/arch/m?uploadId=up%261' \
  'POST /profiles/arch/m?uploadId=up%261' >"$WORK/mp.want"
diff "$WORK/mp.want" "$WORK/mp.log" || fail "multipart with retries: not the requests wanted"
tail -1 "$WORK/mp.log.body" | grep -q '<Part><PartNumber>1</PartNumber><ETag>"etag-1"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"etag-2"</ETag></Part><Part><PartNumber>3</PartNumber><ETag>"etag-3"</ETag></Part></CompleteMultipartUpload>$' ||
  fail "the Complete does not list the parts' ETags: $(tail -1 "$WORK/mp.log.body")"
scripted mpfail 200 200 400/InvalidPart
expect_exit 1 "$S3_TOOL" "${FAST[@]}" "${MPS[@]}" "$SCRIPTED" s3://profiles/arch put m "$WORK/mp"
expect_grep '^put s3://profiles/arch/m: part 2 \(1000 bytes\) of upload up&1: HTTP 400 \(InvalidPart: scripted\)$' "$WORK/err"
[ "$(tail -1 "$WORK/mpfail.log")" = 'DELETE /profiles/arch/m?uploadId=up%261' ] ||
  fail "a refused part: the upload was not aborted: $(cat "$WORK/mpfail.log")"
scripted mpdenied 200 200 200 200 200/AccessDenied 500 500 500 500
expect_exit 1 "$S3_TOOL" "${FAST[@]}" "${MPS[@]}" "$SCRIPTED" s3://profiles/arch put m "$WORK/mp"
expect_grep '^put s3://profiles/arch/m: complete upload up&1 of 3 parts: HTTP 200 \(AccessDenied: scripted\); and it is left incomplete: abort upload up&1: HTTP 500; 4 attempts$' "$WORK/err"
pass "multipart: a part and the Complete (200 with an <Error>) retried on their own, the parts' ETags in the Complete; a refused part: aborted; a failed abort: said"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
HOME=$WORK expect_exit 1 "$S3_TOOL" "$END" s3://profiles/arch get x
expect_grep 'no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in .*/.aws/credentials \[default\]' "$WORK/err"
pass "no credentials: one line saying where they were looked for"
