# `cprofiler import` of 1,000 `go test`-style profiles (copies of a real CPU
# profile, each with its own time_nanos, as go test -cpuprofile writes them
# run after run), in batches with their own labels, into a local archive and
# into a bucket (moto_server, a real S3 API): every one queryable with its
# labels and its own time, _job import, the app --service names (or the
# main binary's name when it names none); importing again adds nothing;
# --type and --time override the profile's; a file that is no profile is
# told (exit 1), the rest imported; push:'s label policy and bad types are
# refused. serve over the bucket publishes a push from its spool.
source "$(dirname "$0")/lib.sh"
BASE_S=$(($(date +%s) - 3 * 3600))
# 1,000 copies of the CPU profile, time_nanos BASE_S + i seconds (field 9
# of the top-level message rewritten).
python3 - "$TEST_DATA_DIR/cpu.pb.gz" "$WORK/profiles" "$BASE_S" <<'PY'
import gzip, os, sys
raw = gzip.decompress(open(sys.argv[1], "rb").read())
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7F) << s; s += 7
        if c < 0x80: return v, i
def enc(v):
    out = bytearray()
    while True:
        if v < 0x80: out.append(v); return bytes(out)
        out.append(v & 0x7F | 0x80); v >>= 7
fields, i = [], 0
while i < len(raw):
    start = i
    key, i = varint(raw, i)
    if key & 7 == 0: _, i = varint(raw, i)
    elif key & 7 == 2: n, i = varint(raw, i); i += n
    else: raise SystemExit("unexpected wire type")
    if key >> 3 != 9: fields.append(raw[start:i])
rest = b"".join(fields)
os.makedirs(sys.argv[2])
for n in range(1000):
    t = (int(sys.argv[3]) + n) * 10**9
    with open(os.path.join(sys.argv[2], "cpu%04d.out" % n), "wb") as f:
        f.write(gzip.compress(rest + enc(9 << 3) + enc(t), mtime=0))
PY
import_all() {  # ARCHIVE [FLAGS...]: ten batches of 100, labels batch=B
  local archive=$1 b
  shift
  for b in 0 1 2 3 4 5 6 7 8 9; do
    expect_exit 0 "$CPROFILER" import --archive "$archive" "$@" --service pkg -l suite=unit -l "batch=$b" \
      "$WORK"/profiles/cpu0"$b"??.out
    expect_grep "^imported 100, already archived 0, failed 0" "$WORK/out"
  done
}
check_all() {  # ARCHIVE [FLAGS...]
  local archive=$1
  shift
  "$CPROFILER" query --archive "$archive" "$@" -t profile_cpu --from -4h -l _job=import -l _app=pkg \
    -l suite=unit -o json >"$WORK/q.json"
  python3 - "$WORK/q.json" "$BASE_S" <<'PY' || fail "the imported profiles are not all there with their labels"
import json, sys
rows = json.load(open(sys.argv[1]))
base = int(sys.argv[2]) * 1000
assert len(rows) == 1000, len(rows)
got = sorted((r["Timestamp"], {l["Key"]: l["Value"] for l in r["Labels"]}["batch"]) for r in rows)
want = sorted((base + n * 1000, str(n // 100)) for n in range(1000))
assert got == want, (got[:3], want[:3])
assert all(r["Value"] == 1060000000 for r in rows), rows[0]
PY
  "$CPROFILER" query --archive "$archive" "$@" -t profile_cpu --from -4h -l batch=7 -o ids >"$WORK/ids"
  [ "$(wc -l <"$WORK/ids")" = 100 ] || fail "batch=7 selects $(wc -l <"$WORK/ids"), want 100"
}

import_all "$WORK/arch"
check_all "$WORK/arch"
[ "$(count_entries "$WORK/arch")" = 1000 ] || fail "$(count_entries "$WORK/arch") sidecars, want 1000"
expect_exit 0 "$CPROFILER" import --archive "$WORK/arch" --service pkg -l suite=unit -l batch=3 "$WORK"/profiles/cpu03??.out
expect_grep "^imported 0, already archived 100, failed 0" "$WORK/out"
pass "1,000 go test profiles imported locally, each at its time_nanos with its labels; again: nothing added"

# --type, --time, the app from the binary; refusals told, the rest imported.
printf 'not a profile' >"$WORK/junk.out"
cat >"$WORK/strict.yml" <<'YML'
push: {allowed-labels: [team]}
YML
expect_exit 2 "$CPROFILER" import -c "$WORK/strict.yml" --archive "$WORK/small" -l zone=a "$TEST_DATA_DIR/heap.pb.gz"
expect_grep 'label "zone" is not allowed' "$WORK/err"
expect_exit 1 "$CPROFILER" import --archive "$WORK/small" --time 2026-12-01T10:00:00Z \
  "$TEST_DATA_DIR/heap.pb.gz" "$WORK/junk.out" "$TEST_DATA_DIR/goroutine.pb.gz"
expect_grep "junk.out: the body: " "$WORK/err"
expect_grep "^imported 2, already archived 0, failed 1" "$WORK/out"
"$CPROFILER" query --archive "$WORK/small" --from 2026-12-01T09:00:00Z --to 2026-12-01T11:00:00Z -o json >"$WORK/q.json"
python3 - "$WORK/q.json" <<'PY' || fail "--time or the app from the binary: $(cat "$WORK/q.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert {r["ProfileType"] for r in rows} == {"heap", "goroutine"}, rows
assert all(r["Timestamp"] == 1796119200000 and r["App"] == "workload" and r["JobName"] == "import" for r in rows), rows[0]
PY
expect_exit 0 "$CPROFILER" import --archive "$WORK/small" --type allocs --service s "$TEST_DATA_DIR/heap.pb.gz"
"$CPROFILER" query --archive "$WORK/small" --from 2000-01-01T00:00:00Z -l _type=allocs -o ids >"$WORK/ids"
[ "$(wc -l <"$WORK/ids")" = 1 ] || fail "--type allocs: $(cat "$WORK/ids")"
expect_exit 1 "$CPROFILER" import --archive "$WORK/small" --type cpu "$TEST_DATA_DIR/heap.pb.gz"
expect_grep "type profile, but the profile is a heap profile" "$WORK/err"
expect_exit 2 "$CPROFILER" import --archive "$WORK/small" --type nosuch "$TEST_DATA_DIR/heap.pb.gz"
pass "--time, --type, the app from the main binary; a junk file told (exit 1), the rest imported; label policy and bad types refused"

# Into a bucket: through the spool, uploaded before import exits; read back
# through a fresh cache.
END=$(start_moto)
curl -fs -X PUT "$END/profiles" >/dev/null || fail "creating the bucket"
export AWS_ACCESS_KEY_ID=AKIATESTKEY AWS_SECRET_ACCESS_KEY=secret
cat >"$WORK/s3.yml" <<YML
archive: s3://profiles/imported
s3: {endpoint: "$END", path-style: true, cache-dir: $WORK/cache-a}
YML
sed "s|cache-a|cache-b|" "$WORK/s3.yml" >"$WORK/s3b.yml"
for b in 0 1 2 3 4 5 6 7 8 9; do
  expect_exit 0 "$CPROFILER" import -c "$WORK/s3.yml" --service pkg -l suite=unit -l "batch=$b" "$WORK"/profiles/cpu0"$b"??.out
  expect_grep "^imported 100, already archived 0, failed 0, into s3://profiles/imported" "$WORK/out"
done
[ "$(count_entries "$WORK/cache-a/spool")" = 0 ] || fail "entries were left in the spool"
check_all "s3://profiles/imported" -c "$WORK/s3b.yml"
pass "1,000 go test profiles imported into a bucket, queryable with their labels through a fresh cache"

# serve over the bucket takes a push into its spool and publishes it: a
# fresh cache sees it.
sed "s|cache-a|cache-c|" "$WORK/s3.yml" >"$WORK/s3c.yml"
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/s3c.yml" --allow-push
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST --data-binary "@$TEST_DATA_DIR/heap.pb.gz" \
  "$SERVE_URL/api/0/profiles?service=pushed&type=heap&instance_id=p1")
[ "$code" = 200 ] || fail "a push to serve over a bucket: $code $(cat "$WORK/body")"
ID=$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$WORK/body")
for ((i = 0; i < 50; i++)); do
  curl -fs "$END/profiles?prefix=imported/" | grep -q "$ID.json" && break
  sleep 0.2
done
"$CPROFILER" query -c "$WORK/s3b.yml" --from -1h -l _app=pushed -o ids >"$WORK/ids"
grep -qx "$ID" "$WORK/ids" || fail "the pushed entry $ID is not in the bucket: $(cat "$WORK/ids")"
[ "$(count_entries "$WORK/cache-c/spool")" = 0 ] || fail "the push was left in serve's spool"
pass "serve over a bucket: a push published from its spool within seconds, read through a fresh cache"
