# Profiles pushed in through profefe's API, as its README shows it, with
# curl: a real CPU profile POSTed with labels to /api/0/profiles is listed
# by GET /api/0/profiles?service=, and `go tool pprof -top` of
# /api/0/profiles/merge?... equals the file's own top; the UI's API sees it.
# Bad input: 300 mangled bodies each get a 4xx and leave the archive as it
# was (the server alive); an unknown type 400; a 17 MiB body 413 within a
# second, unread. Who may push: a write token (a read token 403, none 401,
# and a write token reads nothing); without an auth file, nobody unless
# --allow-push. push.rate-limit answers 429 past it; /metrics counts both.
source "$(dirname "$0")/lib.sh"
export PPROF_TMPDIR="$WORK/pprof"
CPU="$TEST_DATA_DIR/cpu.pb.gz"
ARCH="$WORK/arch"

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$ARCH" --allow-push
expect_grep "takes pushes from anyone" "$WORK/serve.log"
push() {  # QUERY FILE [CURL ARGS...]: prints the status, the body in $WORK/body
  local query=$1 file=$2
  shift 2
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST --data-binary "@$file" "$@" \
    "$SERVE_URL/api/0/profiles?$query"
}

# profefe's README flow.
code=$(push "service=hotapp-service&instance_id=87cdc549&type=cpu&labels=version%3D1.0.0,region%3Deu" "$CPU")
[ "$code" = 200 ] || fail "POST /api/0/profiles: $code $(cat "$WORK/body")"
ID=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["code"]==200; print(b["body"]["id"])' "$WORK/body")
expect_grep '"type":"cpu","service":"hotapp-service","labels":\[\{"key":"instance_id","value":"87cdc549"\},\{"key":"region","value":"eu"\},\{"key":"version","value":"1.0.0"\}\],"created_at":"' "$WORK/body"
FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S)
TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S)
for ((i = 0; i < 50; i++)); do
  curl -fs "$SERVE_URL/api/0/profiles?service=hotapp-service&type=cpu&from=$FROM&labels=version=1.0.0" >"$WORK/list"
  grep -q "$ID" "$WORK/list" && break
  sleep 0.1
done
grep -q "\"id\":\"$ID\"" "$WORK/list" || fail "GET /api/0/profiles does not list $ID: $(cat "$WORK/list")"
go tool pprof -top "$SERVE_URL/api/0/profiles/merge?service=hotapp-service&type=cpu&from=$FROM&to=$TO&labels=version=1.0.0" \
  2>/dev/null | grep -v '^Time:' >"$WORK/merged.top"
go tool pprof -top "$CPU" 2>/dev/null | grep -v '^Time:' >"$WORK/file.top"
[ "$(wc -l <"$WORK/file.top")" -gt 8 ] || fail "the file's top is short: $(cat "$WORK/file.top")"
diff "$WORK/file.top" "$WORK/merged.top" || fail "go tool pprof -top of the merge differs from the file's"
# The UI's API: the entry, of sample types profile_cpu and profile_samples.
START=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
END_T=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
curl -fs "$SERVE_URL/api/profile_meta/profile_cpu?start_time=$START&end_time=$END_T&lbs%5B_job%5D=profefe" >"$WORK/meta"
expect_grep "\"ProfileID\":\"$ID\".*\"App\":\"hotapp-service\"" "$WORK/meta"
curl -fs "$SERVE_URL/api/sample_types" | grep -q profile_samples || fail "/api/sample_types lacks profile_samples"
pass "profefe's README flow: POST, listed by service and labels, merge's top = the file's ($(wc -l <"$WORK/file.top") lines), in the UI's API"

# Bad input: each mangled body a 4xx, the archive unchanged, no crash.
state() { find "$ARCH" -type f ! -name INDEX ! -name TARGETS | sort | xargs sha256sum; }
state >"$WORK/before"
python3 - "$CPU" "$WORK/mangled" <<'PY'
import os, random, sys
good = open(sys.argv[1], "rb").read()
raw = __import__("gzip").decompress(good)
os.makedirs(sys.argv[2])
rng = random.Random(28)
def mutate(b, start):
    b = bytearray(b)
    kind = rng.randrange(3)
    at = rng.randrange(start, len(b))
    if kind == 0:    # a byte changed
        b[at] ^= rng.randrange(1, 256)
    elif kind == 1:  # cut short
        del b[at:]
    else:            # bytes inserted
        b[at:at] = os.urandom(rng.randrange(1, 64))
    return bytes(b)
for i in range(300):
    if i < 250:    # gzipped: past the header's unchecked bytes, the CRC catches any change
        body = mutate(good, 10)
    elif i < 290:  # plain protobuf, cut or made garbage where it cannot parse
        body = raw[: rng.randrange(1, len(raw) // 2)] + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
    else:          # not a profile at all
        body = os.urandom(rng.randrange(1, 4096)) if i % 2 else b"\x1f\x8b\x08\x00" + os.urandom(100)
    open(os.path.join(sys.argv[2], "%03d" % i), "wb").write(body)
PY
bad=0
for f in "$WORK"/mangled/*; do
  code=$(push "service=mangled&type=cpu" "$f")
  case $code in 4??) ;; *) bad=$((bad + 1)); echo "$(basename "$f"): $code $(cat "$WORK/body")" ;; esac
  grep -q '"code":4' "$WORK/body" || grep -q 'not a pprof\|413\|over the' "$WORK/body" ||
    fail "$(basename "$f"): no profefe error: $(cat "$WORK/body")"
done
[ "$bad" = 0 ] || fail "$bad mangled bodies were not refused with a 4xx"
expect_grep '"error":"the body: ' "$WORK/body"
curl -fs "$SERVE_URL/api/healthz" >/dev/null || fail "serve died on mangled bodies"
state >"$WORK/after"
diff "$WORK/before" "$WORK/after" || fail "the archive changed under mangled bodies"
code=$(push "service=x&type=bogus" "$CPU")
[ "$code" = 400 ] && grep -q 'unknown profile type' "$WORK/body" || fail "an unknown type: $code $(cat "$WORK/body")"
head -c $((17 << 20)) /dev/zero >"$WORK/big"
for expect in "Expect: 100-continue" "Expect:"; do
  out=$(curl -s -o "$WORK/body" -w '%{http_code} %{time_total} %{size_upload}' -X POST -H "$expect" \
    --data-binary "@$WORK/big" "$SERVE_URL/api/0/profiles?service=x&type=cpu" || true)
  read -r code secs sent <<<"$out"
  [ "$code" = 413 ] || fail "a 17 MiB body ($expect): $code $(cat "$WORK/body")"
  python3 -c "import sys; sys.exit(0 if float('$secs') < 1 else 1)" || fail "413 took ${secs}s ($expect)"
done
[ "$sent" -lt $((17 << 20)) ] || fail "the whole 17 MiB body was sent: it was read"
state >"$WORK/after"
diff "$WORK/before" "$WORK/after" || fail "the archive changed"
curl -fs "$SERVE_URL/metrics" >"$WORK/metrics"
expect_grep '^cprofiler_push_ingested_total\{api="profefe"\} 1$' "$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="not_pprof"\} 300$' "$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="unknown_type"\} 1$' "$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="too_large"\} 2$' "$WORK/metrics"
pass "300 mangled bodies 400 with the decoder's reason, an unknown type 400, 17 MiB 413 in ${secs}s; the archive unchanged; counted"
stop_serve

# Who may push.
start_serve "$WORK/off.log" "$CPROFILER" serve --archive "$ARCH"
code=$(push "service=x&type=cpu" "$CPU")
[ "$code" = 403 ] && grep -q "push is off" "$WORK/body" || fail "push without auth or --allow-push: $code"
stop_serve
WRITE=$("$CPROFILER" auth add-token --role write -f "$WORK/auth" 2>/dev/null | head -1)
READ=$("$CPROFILER" auth add-token --role read -f "$WORK/auth" 2>/dev/null | head -1)
[ ${#WRITE} = 64 ] && [ ${#READ} = 64 ] || fail "auth add-token printed no token"
cat >"$WORK/push.yml" <<YML
push:
  rate-limit: 3
  required-labels: [team]
  allowed-labels: [team, instance_id]
  expiration: 24h
YML
start_serve "$WORK/auth.log" "$CPROFILER" serve --archive "$ARCH" --auth-file "$WORK/auth" -c "$WORK/push.yml"
[ "$(push "service=a&type=cpu&labels=team%3Dx" "$CPU")" = 401 ] || fail "a push without a token was not 401"
[ "$(push "service=a&type=cpu&labels=team%3Dx" "$CPU" -H "Authorization: Bearer $READ")" = 403 ] ||
  fail "a read token pushed"
sleep 1.1  # (the rate's bucket full again)
code=$(push "service=a&type=cpu" "$CPU" -H "Authorization: Bearer $WRITE")
[ "$code" = 400 ] && grep -q 'label \\"team\\" is required' "$WORK/body" || fail "a required label missing: $code $(cat "$WORK/body")"
code=$(push "service=a&type=cpu&labels=team%3Dx,zone%3Db" "$CPU" -H "Authorization: Bearer $WRITE")
[ "$code" = 400 ] && grep -q 'not allowed' "$WORK/body" || fail "a label not allowed: $code $(cat "$WORK/body")"
code=$(push "service=a&type=cpu&labels=team%3Dx" "$CPU" -H "Authorization: Bearer $WRITE")
[ "$code" = 200 ] || fail "a write token's push: $code $(cat "$WORK/body")"
grep -q '"expires_ms"' "$(sidecars "$ARCH" | xargs grep -l '"app": "a"')" || fail "no sidecar of app a"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WRITE" "$SERVE_URL/api/sample_types")" = 403 ] ||
  fail "a write token read"
codes=""
for i in 1 2 3 4 5 6; do codes+="$(push "service=a&type=cpu&labels=team%3Dx" "$CPU" -H "Authorization: Bearer $WRITE") "; done
case $codes in *429*) ;; *) fail "6 pushes at once past rate-limit 3: $codes" ;; esac
curl -fs -H "Authorization: Bearer $READ" "$SERVE_URL/metrics" >"$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="rate_limited"\} [1-9]' "$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="forbidden"\} 1$' "$WORK/metrics"
expect_grep '^cprofiler_push_refused_total\{reason="labels"\} 2$' "$WORK/metrics"
pass "push needs a write token (none 401, read 403; write reads nothing); labels required and allowed; rate-limit 429 ($codes)"
