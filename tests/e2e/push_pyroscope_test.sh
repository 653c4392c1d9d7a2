# Pyroscope's /ingest, as its Go SDK and HTTP API send it (a Go program,
# tests/go/pyroscopeclient, with the standard library): the SDK's multipart
# pprof uploads of a CPU and a heap profile (with prev_profile and
# sample_type_config), a plain pprof body, and folded lines. Each becomes
# one entry (_job pyroscope, _app the name's application, its tags the
# labels, `from` the time) with cprofiler's sample types and the right
# values: the pprof ones the files' own (go tool pprof -top of the download
# equals the file's), the folded one 45 samples and 450ms at 100 Hz with
# its stacks. The UI's API shows them. Bad requests get 400 with a reason.
source "$(dirname "$0")/lib.sh"
export PPROF_TMPDIR="$WORK/pprof"
ARCH="$WORK/arch"
FROM=$(($(date +%s) - 600))
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$ARCH" --allow-push
"$GO_TEST_BIN/pyroscopeclient" -server "$SERVE_URL" -cpu "$TEST_DATA_DIR/cpu.pb.gz" \
  -heap "$TEST_DATA_DIR/heap.pb.gz" -from "$FROM" >"$WORK/sent" 2>&1 || fail "the client: $(cat "$WORK/sent")"
[ "$(grep -c '{"id":"' "$WORK/sent")" = 4 ] || fail "not 4 ids answered: $(cat "$WORK/sent")"

"$CPROFILER" query --archive "$ARCH" --from -1h -l _job=pyroscope -o json >"$WORK/q.json"
python3 - "$WORK/q.json" "$FROM" <<'PY' || fail "the pushed entries: $(cat "$WORK/q.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
base = int(sys.argv[2]) * 1000
got = {(r["App"], r["SampleType"], r["Timestamp"] - base): (r["Value"], {l["Key"]: l["Value"] for l in r["Labels"]}) for r in rows}
want = {
    ("sdk.app", "profile_samples", 0): (106, {"env": "staging", "region": "eu"}),
    ("sdk.app", "profile_cpu", 0): (1060000000, {"env": "staging", "region": "eu"}),
    ("sdk.app", "heap_alloc_objects", 10000): (58292, {"env": "staging", "region": "eu"}),
    ("sdk.app", "heap_alloc_space", 10000): (887929401, {"env": "staging", "region": "eu"}),
    ("sdk.app", "heap_inuse_objects", 10000): (2146, {"env": "staging", "region": "eu"}),
    ("sdk.app", "heap_inuse_space", 10000): (34944892, {"env": "staging", "region": "eu"}),
    ("plain.app", "profile_samples", 20000): (106, {"env": "prod"}),
    ("plain.app", "profile_cpu", 20000): (1060000000, {"env": "prod"}),
    ("folded.app", "profile_samples", 30000): (45, {"env": "prod"}),
    ("folded.app", "profile_cpu", 30000): (450000000, {"env": "prod"}),
}
assert got == want, sorted(set(got.items()) ^ set(want.items()), key=str)
PY
id_of() { python3 -c 'import json,sys; print([r["ProfileID"] for r in json.load(open(sys.argv[1])) if r["App"]==sys.argv[2]][0])' "$WORK/q.json" "$1"; }
go tool pprof -top "$SERVE_URL/api/download/$(id_of sdk.app)" 2>/dev/null | grep -v '^Time:' >"$WORK/sdk.top"
go tool pprof -top "$TEST_DATA_DIR/cpu.pb.gz" 2>/dev/null | grep -v '^Time:' >"$WORK/file.top"
[ "$(wc -l <"$WORK/file.top")" -gt 8 ] || fail "short top: $(cat "$WORK/file.top")"
diff "$WORK/file.top" "$WORK/sdk.top" || fail "the multipart CPU entry's top differs from the file's"
go tool pprof -top -sample_index=cpu "$SERVE_URL/api/download/$(id_of folded.app)" 2>/dev/null >"$WORK/folded.top"
expect_grep '^ +300ms 66.67% 66.67% +300ms 66.67%  leaf$' "$WORK/folded.top"
expect_grep '^ +100ms 22.22% 88.89% +100ms 22.22%  idle$' "$WORK/folded.top"
expect_grep '^ +50ms 11.11% +100% +350ms 77.78%  work$' "$WORK/folded.top"
expect_grep '^Duration: 10s' "$WORK/folded.top"
pass "the SDK's multipart CPU and heap, a plain pprof and folded lines: entries with cprofiler's sample types and values; tops as sent"

wait_ready
START=$(date -u -d "@$((FROM - 60))" +%Y-%m-%dT%H:%M:%SZ)
END_T=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
for ((i = 0; i < 50; i++)); do
  curl -fs "$SERVE_URL/api/profile_meta/profile_cpu?start_time=$START&end_time=$END_T&lbs%5B_job%5D=pyroscope" >"$WORK/meta"
  [ "$(grep -o '"ProfileID"' "$WORK/meta" | wc -l)" = 3 ] && break
  sleep 0.1
done
[ "$(grep -o '"ProfileID"' "$WORK/meta" | wc -l)" = 3 ] || fail "the UI's API: $(cat "$WORK/meta")"
expect_grep '"App":"folded.app","SampleTypeUnit":"nanoseconds","Value":450000000' "$WORK/meta"
curl -fs "$SERVE_URL/api/group_labels" | grep -q '"Value":"staging"' || fail "group_labels lacks env=staging"
pass "the UI's API shows them (profile_meta, group_labels)"

ingest() {  # QUERY BODY [CURL ARGS]: the status; the answer in $WORK/body
  local q=$1 body=$2
  shift 2
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST --data-binary "$body" "$@" "$SERVE_URL/ingest?$q"
}
[ "$(ingest "from=$FROM" 'a 1')" = 400 ] && grep -q 'missing name' "$WORK/body" || fail "no name: $(cat "$WORK/body")"
[ "$(ingest "name=x&format=lines" 'a;b 1')" = 400 ] && grep -q 'needs a type' "$WORK/body" || fail "lines without a type"
[ "$(ingest "name=x.cpu&format=lines" 'a;b x')" = 400 ] && grep -q 'line 1: a bad count' "$WORK/body" || fail "a bad line: $(cat "$WORK/body")"
[ "$(ingest "name=x.alloc_space&format=lines" 'a;b 1')" = 400 ] && grep -q 'push other types as pprof' "$WORK/body" || fail "lines of alloc_space"
[ "$(ingest "name=x.cpu&format=pprof" 'junk')" = 400 ] && grep -q 'the body: ' "$WORK/body" || fail "pprof junk: $(cat "$WORK/body")"
[ "$(ingest "name=x.cpu&format=trie" 'a')" = 400 ] && grep -q 'unknown format' "$WORK/body" || fail "an unknown format"
[ "$(ingest "name=x%7Bbad" 'a')" = 400 ] && grep -q 'bad name' "$WORK/body" || fail "a bad name: $(cat "$WORK/body")"
[ "$(ingest "name=x" 'junk' -H 'Content-Type: multipart/form-data; boundary=zz')" = 400 ] || fail "a bad form"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/ingest?name=x.cpu")" = 405 ] || fail "GET /ingest was not 405"
pass "bad /ingest requests: 400 with a reason (no name, lines without a type or with a bad line, junk pprof, unknown format, bad name, bad form); GET 405"
