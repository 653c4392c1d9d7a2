# `cprofiler serve` over an archive scraped from a real Go program, through
# real HTTP: every route's status and shape (as the seed documents them),
# traversal attempts as a hostile client sends them, `go tool pprof` reading
# our URLs (seed download and profefe merge), new scrapes appearing without
# a restart, a slow client not stalling others, and a clean SIGTERM.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is not installed"
ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: shopjob
    enabled-profiles: [profile, heap, goroutine, trace]
    path-profiles:
      profile: /debug/pprof/profile?seconds=1
      trace: /debug/pprof/trace?seconds=1
    target-configs:
      - application: shop
        hosts: [$ADDR]
        labels: {env: dev}
YML
sleep 1
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"

expect_exit 2 "$CPROFILER" serve -c "$WORK/c.yml" --listen nonsense
expect_grep 'listen' "$WORK/err"

start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml" -v
URL=$SERVE_URL
SERVE=$SERVE_PID
PORT=${SERVE_URL##*:}

# get PATH [CURL ARGS...]: body to $WORK/body, prints the status.
get() { local p=$1; shift; curl -s --path-as-is -o "$WORK/body" -w '%{http_code}' "$@" "$URL$p"; }
expect_status() {  # STATUS PATH [CURL ARGS...]
  local want=$1 got
  shift
  got=$(get "$@")
  [ "$got" = "$want" ] || { cat "$WORK/body"; fail "GET $1: status $got, want $want"; }
}

expect_status 200 /api/healthz
[ "$(cat "$WORK/body")" = "I'm fine" ] || fail "healthz body"
expect_status 200 /api/sample_types
jq -e '. == ["goroutine","heap_alloc_objects","heap_alloc_space","heap_inuse_objects","heap_inuse_space","profile_cpu","profile_samples","trace"]' "$WORK/body" >/dev/null || fail "sample_types: $(cat "$WORK/body")"
expect_status 200 /api/group_sample_types
jq -e '.heap == ["heap_alloc_objects","heap_alloc_space","heap_inuse_objects","heap_inuse_space"] and .profile == ["profile_cpu","profile_samples"] and .goroutine == ["goroutine"]' "$WORK/body" >/dev/null || fail "group_sample_types: $(cat "$WORK/body")"
expect_status 200 /api/group_labels
jq -e --arg h "$ADDR" '._host == [{"Key":"_host","Value":$h}] and ._job == [{"Key":"_job","Value":"shopjob"}] and ._app == [{"Key":"_app","Value":"shop"}] and .env == [{"Key":"env","Value":"dev"}]' "$WORK/body" >/dev/null || fail "group_labels: $(cat "$WORK/body")"
expect_status 200 /api/targets
jq -e --arg h "$ADDR" '[.ActiveTargets[].Host] == [$h] and .ActiveTargets[0].Health == "up"' "$WORK/body" >/dev/null || fail "targets: $(cat "$WORK/body")"
expect_status 200 /api/version
# (the build's own revision and date, as --version prints them)
REV=$("$CPROFILER" --version | sed -n 's/.*(revision \([^,]*\), built \([0-9-]*\),.*/\1 \2/p')
jq -e --arg rev "${REV% *}" --arg date "${REV#* }" '(.version | type == "string") and .revision == $rev and
  .build_date == $date' "$WORK/body" >/dev/null || fail "version: $(cat "$WORK/body") vs $REV"
pass "sample_types, group_sample_types, group_labels, targets, healthz, version"

DAY=$(date -u +%Y-%m-%d)
RANGE="start_time=${DAY}T00:00:00.000Z&end_time=$(date -u -d tomorrow +%Y-%m-%d)T00:00:00.000Z"
expect_status 200 "/api/profile_meta/profile_cpu?$RANGE&lbs%5B_app%5D=shop&lbs%5B_host%5D=$ADDR"
jq -e --arg h "$ADDR" 'length == 1 and .[0].TargetName == $h and (.[0].ProfileMetas | length == 1)
  and (.[0].ProfileMetas[0] | (.ProfileType == "profile" and .SampleType == "profile_cpu"
  and .JobName == "shopjob" and .Host == $h and .App == "shop" and .SampleTypeUnit == "nanoseconds"
  and (.Value | type == "number") and .Value > 0 and (.Timestamp | type == "number")
  and (.Duration | type == "number") and .Duration > 0 and .Labels == [{"Key":"env","Value":"dev"}]
  and (keys | length == 11)))' "$WORK/body" >/dev/null || fail "profile_meta shape: $(cat "$WORK/body")"
CPU_ID=$(jq -r '.[0].ProfileMetas[0].ProfileID' "$WORK/body")
expect_status 200 "/api/profile_meta/heap_inuse_space?$RANGE&lbs%5B_app%5D=nobody&lbs%5Benv%5D=dev&condition=OR"
jq -e 'length == 1' "$WORK/body" >/dev/null || fail "condition=OR"
expect_status 200 "/api/profile_meta/heap_inuse_space?$RANGE&lbs%5B_app%5D=nobody&lbs%5Benv%5D=dev"
jq -e 'length == 0' "$WORK/body" >/dev/null || fail "condition=AND (default)"
HEAP_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -o ids)
TRACE_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t trace -o ids)
for bad in "/api/profile_meta/profile_cpu" "/api/profile_meta/profile_cpu?start_time=${DAY}T00:00:00Z" \
    "/api/profile_meta/profile_cpu?start_time=yesterday&end_time=now" \
    "/api/profile_meta/profile_cpu?$RANGE&condition=XOR" "/api/profile_meta/nonsense?$RANGE" \
    "/api/analysis?id=$HEAP_ID&focus=%28" "/api/analysis?id=$TRACE_ID" "/api/download/not-an-id" \
    "/api/0/profiles?service=shop"; do
  expect_status 400 "$bad"
  [ "$(wc -l <"$WORK/body")" -le 1 ] || fail "$bad: more than one line"
done
pass "profile_meta: seed shape, AND/OR; missing or malformed parameters are 400"

# Downloads and pprof's own reading of our URLs.
expect_status 200 "/api/download/$HEAP_ID" -D "$WORK/headers"
cmp -s "$WORK/body" "$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -o paths)" || fail "download differs from the archived file"
grep -qi '^Content-Disposition: attachment' "$WORK/headers" || fail "no attachment header"
UNKNOWN=${HEAP_ID%?}$([ "${HEAP_ID: -1}" = 0 ] && echo 1 || echo 0)
expect_status 404 "/api/download/$UNKNOWN"
expect_status 404 "/api/meta/$UNKNOWN"
top_of() { go tool pprof -top "$@" 2>/dev/null | grep -v -e '^Time:' -e '^Saved profile' -e '^Fetching profile'; }
top_of "$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o paths)" >"$WORK/file.top"
top_of "$URL/api/download/$CPU_ID" >"$WORK/url.top"
diff "$WORK/file.top" "$WORK/url.top" || fail "go tool pprof of the download URL differs"
grep -q 'main\.workload' "$WORK/url.top" || fail "no workload function in the downloaded cpu profile"
NOW=$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%S)
top_of "$URL/api/0/profiles/merge?service=shop&type=cpu&from=${DAY}T00:00:00&to=$NOW&labels=env=dev" >"$WORK/profefe.top"
diff "$WORK/file.top" "$WORK/profefe.top" || fail "go tool pprof of the profefe merge URL differs"
top_of "$URL/api/merge?id=$CPU_ID" >"$WORK/merge.top"
diff "$WORK/file.top" "$WORK/merge.top" || fail "go tool pprof of /api/merge differs"
expect_status 200 "/api/0/profiles?service=shop&type=heap&from=${DAY}T00:00:00&to=$NOW"
jq -e --arg id "$HEAP_ID" '.code == 200 and (.body | length == 1) and .body[0].id == $id and .body[0].service == "shop" and .body[0].type == "heap"' "$WORK/body" >/dev/null || fail "profefe meta: $(cat "$WORK/body")"
pass "download is the archived file; go tool pprof reads /api/download, /api/merge and /api/0/profiles/merge"

# The analysis data: its first top row is go tool pprof's first row.
expect_status 200 "/api/analysis?id=$CPU_ID&si=cpu"
FIRST=$(awk '$1 == "flat" {getline; for (i = 6; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : ""); exit}' "$WORK/file.top")
jq -e --arg f "$FIRST" '.top.rows[0].name == $f and .flame.n == "root" and .flame.v == .total' "$WORK/body" >/dev/null || fail "analysis first row is not '$FIRST'"
pass "analysis: first top row '$FIRST', as go tool pprof -top"

# Hostile paths, sent raw (no client-side normalization).
ln -s /etc "$WORK/arch/escape"
KEY=$(echo "$HEAP_ID" | cut -d- -f2)
D=$(find "$WORK/arch" -type d -name "$KEY" | head -n 1)
P=$(find "$D" -name '*-goroutine-*.pb.gz')
GID=$("$CPROFILER" query -c "$WORK/c.yml" -t goroutine -o ids)
rm "$P"; ln -s /etc/passwd "$P"
for p in "/api/download/../../../../etc/passwd" "/api/download/..%2f..%2f..%2fetc%2fpasswd" \
    "/api/download/%2e%2e/%2e%2e/etc/passwd" "/api/download/%252e%252e%252fetc%252fpasswd" \
    "/api/download/$HEAP_ID%00" "/api/download/%00" "/api/download//etc/passwd" \
    "/ui/../../../../etc/passwd" "/ui/..%2f..%2fescape%2fpasswd" "/ui/%2e%2e/CPROFILER-ARCHIVE" \
    "/api/download/escape" "/api/0/profiles/..%2f..%2fetc%2fpasswd" "/api/download/$GID" \
    "/api/0/profiles/$GID" "/api/merge?id=$GID" "/api/analysis?id=$GID" "/..%2f..%2fetc/passwd"; do
  code=$(get "$p")
  case "$code" in 400|404) ;; *) fail "GET $p: status $code";; esac
  if grep -q 'root:' "$WORK/body"; then fail "GET $p served /etc/passwd"; fi
done
pass "traversal, encoded and double-encoded, NUL, absolute paths and symlinks out of the archive: all 400/404"

# A new scrape appears without a restart.
BEFORE=$(curl -s "$URL/api/profile_meta/heap_inuse_space?$RANGE" | jq '[.[].ProfileMetas[]] | length')
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
for ((i = 0; i < 50; i++)); do
  AFTER=$(curl -s "$URL/api/profile_meta/heap_inuse_space?$RANGE" | jq '[.[].ProfileMetas[]] | length')
  [ "$AFTER" -gt "$BEFORE" ] && break
  sleep 0.1
done
[ "$AFTER" = $((BEFORE + 1)) ] || fail "a new scrape did not appear: $BEFORE then $AFTER"
pass "a new scrape appears while serving ($BEFORE -> $AFTER heap profiles)"

# A client that sends half a request does not stall the others.
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /api/healthz HTTP/1.1\r\nHost: x\r\n' >&5
START=$(date +%s%N)
expect_status 200 /api/targets
ELAPSED_MS=$((($(date +%s%N) - START) / 1000000))
exec 5>&-
[ "$ELAPSED_MS" -lt 2000 ] || fail "a request waited ${ELAPSED_MS}ms behind a slow client"
pass "a slow client does not stall others (${ELAPSED_MS}ms)"

grep -q 'GET /api/targets 200' "$WORK/serve.log" || fail "no access log line at -v"
[ -z "$(find "$WORK/arch" -newer "$WORK/c.yml" -name '.tmp-*')" ] || fail "serve left temporary files"
kill -TERM "$SERVE"
for ((i = 0; i < 50; i++)); do kill -0 "$SERVE" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVE" 2>/dev/null && fail "serve did not stop on SIGTERM"
wait "$SERVE" || fail "serve exited $? on SIGTERM"
pass "access log at -v; SIGTERM stops serve cleanly"
