# An archive in a bucket (s3://BUCKET/PREFIX) on a real S3 API (moto_server
# on loopback), with real Go services: two scrapers on different targets
# write into one bucket; query, merge and serve on a third, fresh cache see
# every entry, with the same IDs and merged top as the same entries on local
# disk; serve sees a new pass within its refresh; SIGKILL during uploads
# leaves no sidecar without its profile and nothing unreadable; a stopped
# S3 server makes a pass spool, and the next one uploads it; prune removes
# expired objects; bad credentials, a missing bucket and a dead endpoint
# give one clear line and exit 1 or 2.
source "$(dirname "$0")/lib.sh"
: "${S3_TOOL:?set by ctest}"
export AWS_ACCESS_KEY_ID=AKIATESTKEY AWS_SECRET_ACCESS_KEY=secret
END=$(start_moto)
MOTO_PID=$(cat "$WORK/moto.pid")
curl -fs -X PUT "$END/profiles" >/dev/null || fail "creating the bucket"
W1=$(start_workload)
W2=$(start_workload)
W3=$(start_workload)

config() {  # FILE ARCHIVE CACHE EXPIRATION HOSTS
  cat >"$1" <<YML
archive: $2
s3: {endpoint: "$END", path-style: true, cache-dir: $3}
scrape-configs:
  - job: fleet
    expiration: $4
    enabled-profiles: [heap, mutex, goroutine]
    target-configs: [{application: app, hosts: [$5]}]
YML
}
config "$WORK/a.yml" s3://profiles/fleet "$WORK/cache-a" 24h "$W1, $W2"
config "$WORK/b.yml" s3://profiles/fleet "$WORK/cache-b" 24h "$W3"
for pass in 1 2; do
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/a.yml"
  expect_grep "uploaded 6 entries .* to s3://profiles/fleet in" "$WORK/err"
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/b.yml"
  expect_grep "uploaded 3 entries" "$WORK/err"
  sleep 1
done
[ "$(count_entries "$WORK/cache-a/spool")" = 0 ] || fail "entries were left in scraper a's spool"
"$S3_TOOL" "$END" s3://profiles list fleet/ >"$WORK/keys"
[ "$(sidecar_keys "$WORK/keys")" = 18 ] || fail "the bucket has $(sidecar_keys "$WORK/keys") sidecars, want 18: $(cat "$WORK/keys")"
grep -Eq '^fleet/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{16}/[0-9]{9}-heap-[0-9a-f]{10}\.pb\.gz$' "$WORK/keys" ||
  fail "the keys are not the archive's layout under the prefix"
! grep -Eq '/(INDEX|TARGETS)$|\.lock' "$WORK/keys" || fail "derived files went to the bucket"
pass "two scrapers, two sets of targets, one bucket: 18 entries at the archive's own paths, spools empty"

# Each scraper's targets state goes to the bucket: `targets` on any host
# shows both scrapers' targets.
expect_exit 0 "$CPROFILER" targets -c "$WORK/a.yml" --cache-dir "$WORK/cache-t" -o json
[ "$(jq '.ActiveTargets | length' "$WORK/out")" = 3 ] || fail "targets on a fresh cache: $(cat "$WORK/out")"
[ "$(jq '[.ActiveTargets[].Profiles[]] | length' "$WORK/out")" = 9 ] || fail "targets: want 9 profiles"
"$S3_TOOL" "$END" s3://profiles list fleet/.state/ >"$WORK/states"
[ "$(grep -c '^fleet/\.state/targets\..*\.json$' "$WORK/states")" = 2 ] || fail "want 2 scrapers' states: $(cat "$WORK/states")"
pass "targets on a fresh cache: both scrapers' 3 targets (their states in the bucket's .state/)"

# The same entries on local disk: the scrapers' caches copied into one
# archive, as archives are copied between hosts.
mkdir -p "$WORK/local"
cp -r "$WORK/cache-a/archive/." "$WORK/local/"
cp -r "$WORK/cache-b/archive/." "$WORK/local/"
find "$WORK/local" -name INDEX -delete
S3Q=(-c "$WORK/a.yml" --cache-dir "$WORK/cache-fresh")
LOCAL=(--archive "$WORK/local")
W=(--from -1h --to now)
"$CPROFILER" query "${S3Q[@]}" "${W[@]}" -o ids | sort >"$WORK/ids-s3" || fail "query on a fresh cache"
"$CPROFILER" query "${LOCAL[@]}" "${W[@]}" -o ids | sort >"$WORK/ids-local"
[ "$(wc -l <"$WORK/ids-s3")" = 18 ] || fail "query on a fresh cache saw $(wc -l <"$WORK/ids-s3") entries, want 18"
cmp -s "$WORK/ids-s3" "$WORK/ids-local" || fail "the bucket's IDs differ from the local copy's"
for t in heap_inuse_space mutex_delay goroutine; do
  "$CPROFILER" top "${S3Q[@]}" "${W[@]}" -t "$t" >"$WORK/top-s3" 2>/dev/null || fail "top -t $t from the bucket"
  "$CPROFILER" top "${LOCAL[@]}" "${W[@]}" -t "$t" >"$WORK/top-local" 2>/dev/null
  diff "$WORK/top-local" "$WORK/top-s3" || fail "top -t $t: the bucket's differs from the local copy's"
  "$CPROFILER" merge "${S3Q[@]}" "${W[@]}" -t "$t" -o "$WORK/m-s3.pb.gz" 2>/dev/null
  "$CPROFILER" merge "${LOCAL[@]}" "${W[@]}" -t "$t" -o "$WORK/m-local.pb.gz" 2>/dev/null
  diff <(pprof_top "$WORK/m-local.pb.gz") <(pprof_top "$WORK/m-s3.pb.gz") >/dev/null ||
    fail "merge -t $t: go tool pprof reads the bucket's merge differently"
done
[ "$(find "$WORK/cache-fresh/archive" -name '*.pb.gz' | wc -l)" -gt 0 ] || fail "the fresh cache fetched no profile"
pass "query, top and merge on a fresh cache: the 18 IDs and the merged top of the local copy (heap, mutex intervals, goroutine)"

# serve on another fresh cache: the same IDs; a new pass appears within
# its refresh; a profile downloads byte for byte.
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/a.yml" --cache-dir "$WORK/cache-serve" --bucket-refresh 1s
FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
meta_ids() {
  curl -fs "$SERVE_URL/api/profile_meta/$1?start_time=$FROM&end_time=$TO" |
    jq -r '.[].ProfileMetas[].ProfileID' | sort
}
for ((i = 0; i < 100; i++)); do [ "$(meta_ids heap_inuse_space | wc -l)" = 6 ] && break; sleep 0.1; done
meta_ids heap_inuse_space >"$WORK/serve-ids"
grep -- '-heap-' "$WORK/ids-local" | diff - "$WORK/serve-ids" || fail "serve's heap IDs differ from the local copy's"
ID=$(head -1 "$WORK/serve-ids")
curl -fs "$SERVE_URL/api/download/$ID" -o "$WORK/dl" || fail "download $ID"
STEM=${ID#*-*-}  # (the ID without its day and target key)
cmp -s "$WORK/dl" "$("$CPROFILER" query "${LOCAL[@]}" "${W[@]}" -o paths | grep -F "/$STEM" | head -1)" ||
  fail "the downloaded profile is not the archived one"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/b.yml"
START=$(date +%s%N)
for ((i = 0; i < 100; i++)); do [ "$(meta_ids heap_inuse_space | wc -l)" = 7 ] && break; sleep 0.1; done
[ "$(meta_ids heap_inuse_space | wc -l)" = 7 ] || fail "serve did not see the new pass within 10 s"
[ "$(curl -fs "$SERVE_URL/api/targets" | jq '.ActiveTargets | length')" = 3 ] || fail "serve's /api/targets lacks targets"
pass "serve on a fresh cache: the same heap IDs, a download byte for byte, another scraper's pass seen in $((($(date +%s%N) - START) / 1000000)) ms (--bucket-refresh 1s)"
stop_serve

# SIGKILL during uploads, 10 times: every sidecar in the bucket has its
# profile, every listed entry reads; then one pass uploads what was left.
mapfile -t FAKES < <(start_fake 24)
FAKE_HOSTS=$(printf '%s, ' "${FAKES[@]}" | sed 's/, $//')
cat >"$WORK/k.yml" <<YML
archive: s3://profiles/kill
s3: {endpoint: "$END", path-style: true, cache-dir: $WORK/cache-k}
scrape-configs:
  - job: many
    interval: 1s
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    target-configs: [{application: fake, hosts: [$FAKE_HOSTS]}]
YML
for round in $(seq 1 10); do
  "$CPROFILER" scrape -c "$WORK/k.yml" >>"$WORK/k.log" 2>&1 &
  PID=$!
  sleep "1.$((RANDOM % 10))$((RANDOM % 10))"
  sleep "$((round % 2))"
  kill -9 "$PID"
  wait "$PID" 2>/dev/null || true
  "$S3_TOOL" "$END" s3://profiles list kill/ >"$WORK/kkeys"
  while read -r key; do
    grep -qxF "${key%.json}.pb.gz" "$WORK/kkeys" || fail "round $round: sidecar $key is in the bucket without its profile"
  done < <(grep -v '/\.state/' "$WORK/kkeys" | grep '\.json$')
done
grep -q "uploaded" "$WORK/k.log" || fail "no upload happened while the scrapers ran: $(tail "$WORK/k.log")"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/k.yml"
[ "$(count_entries "$WORK/cache-k/spool")" = 0 ] || fail "the pass after the kills left entries in the spool"
KQ=(-c "$WORK/k.yml" --cache-dir "$WORK/cache-k2")
expect_exit 0 "$CPROFILER" query "${KQ[@]}" "${W[@]}" -o ids
LISTED=$(wc -l <"$WORK/out")
"$S3_TOOL" "$END" s3://profiles list kill/ >"$WORK/kkeys"
[ "$LISTED" = "$(sidecar_keys "$WORK/kkeys")" ] || fail "query lists $LISTED entries, the bucket has $(sidecar_keys "$WORK/kkeys") sidecars"
expect_exit 0 "$CPROFILER" merge "${KQ[@]}" "${W[@]}" -t heap_inuse_space -o "$WORK/kmerged.pb.gz"
go tool pprof -raw "$WORK/kmerged.pb.gz" >/dev/null 2>&1 || fail "pprof cannot read the merge of the bucket's $LISTED entries"
pass "SIGKILL during uploads x10: no sidecar without its profile; then all $LISTED entries uploaded, listed and merged"

# Prune: entries that expired leave the bucket, sidecar and profile; a
# pass prunes the bucket at most every 10 minutes (its spool's
# .state/PRUNED says when it last did; deleted, the next pass prunes).
config "$WORK/p.yml" s3://profiles/prune "$WORK/cache-p" 2s "$W1"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/p.yml"
[ -s "$WORK/cache-p/spool/.state/PRUNED" ] || fail "the pass did not record its prune"
"$S3_TOOL" "$END" s3://profiles list prune/ >"$WORK/before"
sleep 3
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/p.yml"
grep -q "pruned s3://" "$WORK/err" && fail "a pass pruned the bucket again within 10 minutes"
sleep 3
rm "$WORK/cache-p/spool/.state/PRUNED"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/p.yml"
expect_grep "pruned s3://profiles/prune: 6 expired entries" "$WORK/err"
"$S3_TOOL" "$END" s3://profiles list prune/ >"$WORK/after"
[ -z "$(comm -12 <(grep -Ev "CPROFILER|/\.state/" "$WORK/before" | sort) <(sort "$WORK/after"))" ] ||
  fail "expired objects are still in the bucket: $(comm -12 <(sort "$WORK/before") <(sort "$WORK/after"))"
[ "$(sidecar_keys "$WORK/after")" = 3 ] || fail "the fresh pass's 3 entries are not all in the bucket"
pass "prune: not again within 10 minutes; then the 2 expired passes' 12 objects are gone, the fresh pass's there"

# Bad credentials, a missing bucket, a dead endpoint: one line, exit 1 or 2.
AUTH_END=$(start_moto INITIAL_NO_AUTH_ACTION_COUNT=0)
cat >"$WORK/auth.yml" <<YML
archive: s3://profiles/x
s3: {endpoint: "$AUTH_END", path-style: true, cache-dir: $WORK/cache-auth}
YML
expect_exit 2 timeout 30 "$CPROFILER" query -c "$WORK/auth.yml"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "bad credentials: not one line: $(cat "$WORK/err")"
expect_grep "HTTP 403.*access key AKIATESTKEY from \\\$AWS_ACCESS_KEY_ID" "$WORK/err"
# A --once pass checks the bucket beside scraping: refused, it exits 2 and
# its entries wait in the spool.
{ cat "$WORK/auth.yml"; sed -n '/^scrape-configs:/,$p' "$WORK/a.yml"; } >"$WORK/auth-scrape.yml"
expect_exit 2 timeout 60 "$CPROFILER" scrape --once -c "$WORK/auth-scrape.yml"
expect_grep "HTTP 403" "$WORK/err"
expect_grep "the pass's entries wait in the spool" "$WORK/err"
[ "$(count_entries "$WORK/cache-auth/spool")" = 6 ] || fail "bad credentials: the pass did not spool its 6 entries"
expect_exit 1 timeout 30 "$CPROFILER" query -c "$WORK/a.yml" --archive s3://no-such-bucket/p --cache-dir "$WORK/cache-nb"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "missing bucket: not one line: $(cat "$WORK/err")"
expect_grep "s3://no-such-bucket/p.*HTTP 404.*NoSuchBucket" "$WORK/err"
cat >"$WORK/dead.yml" <<YML
archive: s3://profiles/x
s3: {endpoint: "http://127.0.0.1:$(closed_port)", path-style: true, cache-dir: $WORK/cache-dead}
YML
START=$(date +%s)
expect_exit 1 timeout 60 "$CPROFILER" query -c "$WORK/dead.yml"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "dead endpoint: not one line: $(cat "$WORK/err")"
expect_grep "s3://profiles/x.*127.0.0.1" "$WORK/err"
DEAD_S=$(($(date +%s) - START))
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$WORK/none" \
  "$CPROFILER" query -c "$WORK/a.yml" >"$WORK/out" 2>"$WORK/err" && fail "no credentials: exit 0"
expect_grep "no S3 credentials: set AWS_ACCESS_KEY_ID" "$WORK/err"
pass "bad credentials (exit 2), a missing bucket (exit 1), a dead endpoint (exit 1, ${DEAD_S}s), no credentials: one line each"

# The S3 server stops during a pass: the pass says so and spools; after a
# restart the next pass uploads everything.
kill -9 "$MOTO_PID"
expect_exit 1 "$CPROFILER" scrape --once --force -c "$WORK/a.yml"
expect_grep "entries wait in the spool" "$WORK/err"
SPOOLED=$(count_entries "$WORK/cache-a/spool")
[ "$SPOOLED" = 6 ] || fail "the pass spooled $SPOOLED entries, want 6"
END2=$(start_moto)
sed -i "s|$END|$END2|" "$WORK/a.yml"
curl -fs -X PUT "$END2/profiles" >/dev/null || fail "creating the bucket again"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/a.yml"
expect_grep "uploaded 6 entries" "$WORK/err"
[ "$(count_entries "$WORK/cache-a/spool")" = 0 ] || fail "the spool was not emptied"
"$S3_TOOL" "$END2" s3://profiles list fleet/ >"$WORK/keys2"
[ "$(sidecar_keys "$WORK/keys2")" = 6 ] || fail "the restarted server has $(sidecar_keys "$WORK/keys2") sidecars, want the 6 spooled"
pass "S3 server stopped: the pass spooled its 6 entries and exited 1; after a restart the next pass uploaded all 6"
