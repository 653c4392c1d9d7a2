# Prometheus metrics, checked by promtool (Debian's prometheus package):
# the scrape loop's /metrics (--metrics-listen) with a real Go service up
# and a failing target down and counting errors, profile-metrics from the
# real profiles; `scrape --once --metrics-file` (the textfile collector's
# file, counters carried from the loop); serve's /metrics (archive series,
# request counters that count, a token needed with --auth-file).
source "$(dirname "$0")/lib.sh"
if ! command -v promtool >/dev/null; then
  [ "${CI:-}" = true ] && fail "promtool is not installed (apt-get install prometheus; scripts/install-deps.sh)"
  echo "skip: promtool is not installed (apt-get install prometheus)"
  exit 0
fi

# promtool_ok FILE: promtool check metrics passes on FILE, lint warnings too.
promtool_ok() {
  promtool check metrics <"$1" >"$WORK/promtool.out" 2>&1 ||
    { cat "$WORK/promtool.out"; echo "--- $1"; cat "$1"; fail "promtool check metrics: $1"; }
}
# value FILE SERIES: the value of the series line starting with SERIES
# ("name{labels}"), or "" when there is none.
value() { awk -v s="$2" 'index($0, s " ") == 1 { print $2 }' "$1"; }

GOOD=$(start_workload)
FAKE=$(start_fake 1)
cat >"$WORK/c.yml" <<YML
profile-metrics:
  - name: goroutines
    sample-type: goroutine
  - name: goroutines_in_workload
    sample-type: goroutine
    function: 'main\.workloadGoroutine'
  - name: heap_inuse
    sample-type: heap_inuse_space
scrape-configs:
  - job: good
    interval: 1s
    enabled-profiles: [heap, goroutine]
    target-configs: [{application: shop, hosts: [$GOOD]}]
  - job: bad
    interval: 1s
    timeout: 2s
    enabled-profiles: [heap]
    path-profiles: {heap: /error500}
    target-configs: [{hosts: [$FAKE]}]
YML

# --- the scrape loop's /metrics --------------------------------------------------
expect_exit 2 "$CPROFILER" scrape --once -c "$WORK/c.yml" --archive "$WORK/arch" --metrics-listen 127.0.0.1:0
expect_exit 2 "$CPROFILER" scrape -c "$WORK/c.yml" --archive "$WORK/arch" --metrics-file "$WORK/x.prom"
# (The log exists before the scraper starts: its port is read from it.)
: >"$WORK/loop.log"
"$CPROFILER" scrape -c "$WORK/c.yml" --archive "$WORK/arch" --metrics-listen 127.0.0.1:0 \
  2>>"$WORK/loop.log" </dev/null &
LOOP=$!
echo "$LOOP" >>"$PIDS"
PORT=""
for ((i = 0; i < 200; i++)); do
  PORT=$(sed -n 's/.*metrics at .* (port \([0-9]*\)).*/\1/p' "$WORK/loop.log")
  [ -n "$PORT" ] && break
  sleep 0.05
done
[ -n "$PORT" ] || fail "no metrics port: $(cat "$WORK/loop.log")"
M="$WORK/loop.prom"
UP_GOOD="cprofiler_target_up{job=\"good\",instance=\"$GOOD\",app=\"shop\"}"
UP_BAD="cprofiler_target_up{job=\"bad\",instance=\"$FAKE\",app=\"bad\"}"
ERR_BAD="cprofiler_scrape_errors_total{job=\"bad\",instance=\"$FAKE\",app=\"bad\",profile_type=\"heap\"}"
# Until both targets were tried and the state written (every 5 s).
for ((i = 0; i < 300; i++)); do
  curl -sf "http://127.0.0.1:$PORT/metrics" >"$M" || true
  [ -n "$(value "$M" "$UP_GOOD")" ] && [ -n "$(value "$M" "$UP_BAD")" ] && break
  sleep 0.1
done
promtool_ok "$M"
[ "$(value "$M" "$UP_GOOD")" = 1 ] || fail "the good target is not up: $(cat "$M")"
[ "$(value "$M" "$UP_BAD")" = 0 ] || fail "the failing target is not down: $(cat "$M")"
[ "$(value "$M" "$ERR_BAD")" -ge 1 ] || fail "no errors counted for the failing target: $(cat "$M")"
GOOD_LABELS="job=\"good\",instance=\"$GOOD\",app=\"shop\""
[ "$(value "$M" "cprofiler_scrape_success{$GOOD_LABELS,profile_type=\"heap\"}")" = 1 ] || fail "heap scrape not a success"
[ "$(value "$M" "cprofiler_scrape_errors_total{$GOOD_LABELS,profile_type=\"heap\"}")" = 0 ] || fail "good target errors"
[ "$(value "$M" "cprofiler_scrape_bytes_total{$GOOD_LABELS,profile_type=\"heap\"}")" -gt 0 ] || fail "no bytes counted"
[ -n "$(value "$M" "cprofiler_target_last_success_timestamp_seconds{$GOOD_LABELS,profile_type=\"goroutine\"}")" ] ||
  fail "no last success time"
[ -z "$(value "$M" "cprofiler_target_last_success_timestamp_seconds{job=\"bad\",instance=\"$FAKE\",app=\"bad\",profile_type=\"heap\"}")" ] ||
  fail "a last success for a target that never succeeded"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other" | grep -q 404 || fail "/other is not a 404"
pass "scrape loop: promtool passes; good target up 1, failing one up 0 with its errors counted"

GOROUTINES=$(value "$M" "cprofiler_profile_goroutines{$GOOD_LABELS,profile_type=\"goroutine\"}")
SHARE=$(value "$M" "cprofiler_profile_goroutines_in_workload_ratio{$GOOD_LABELS,profile_type=\"goroutine\"}")
HEAP=$(value "$M" "cprofiler_profile_heap_inuse_bytes{$GOOD_LABELS,profile_type=\"heap\"}")
[ "${GOROUTINES:-0}" -gt 1 ] || fail "goroutines: '$GOROUTINES'"
awk -v s="$SHARE" 'BEGIN { exit !(s > 0 && s < 1) }' || fail "share of main.workloadGoroutine: '$SHARE'"
awk -v h="$HEAP" 'BEGIN { exit !(h > 0) }' || fail "heap inuse bytes: '$HEAP'"
grep -q '^cprofiler_profile_.*profile_type="heap".*_ratio' "$M" && fail "a goroutine rule reported on heap"
pass "profile-metrics: $GOROUTINES goroutines, $SHARE of them in main.workloadGoroutine, $HEAP heap bytes"
LOOP_ERRORS=$(value "$M" "$ERR_BAD")
kill "$LOOP"
wait "$LOOP" 2>/dev/null || true

# --- scrape --once --metrics-file ------------------------------------------------
mkdir "$WORK/textfile"
F="$WORK/textfile/cprofiler.prom"
expect_exit 1 "$CPROFILER" scrape --once --force -c "$WORK/c.yml" --archive "$WORK/arch" --metrics-file "$F"
promtool_ok "$F"
[ "$(value "$F" "$UP_GOOD")" = 1 ] || fail "--once: the good target is not up"
[ "$(value "$F" "$UP_BAD")" = 0 ] || fail "--once: the failing target is not down"
[ "$(value "$F" "$ERR_BAD")" -gt "$LOOP_ERRORS" ] || fail "--once: the errors did not count on from the loop's $LOOP_ERRORS"
[ -n "$(value "$F" "cprofiler_profile_goroutines{$GOOD_LABELS,profile_type=\"goroutine\"}")" ] || fail "--once: no profile metric"
[ -z "$(find "$WORK/textfile" -name '.tmp-*')" ] || fail "a temporary file was left"
pass "--once --metrics-file: promtool passes; counters carried from the loop ($LOOP_ERRORS -> $(value "$F" "$ERR_BAD"))"

# --- serve's /metrics --------------------------------------------------------------
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch"
for ((i = 0; i < 100; i++)); do curl -sf "$SERVE_URL/api/readyz" >/dev/null && break; sleep 0.1; done
curl -sf -D "$WORK/headers" "$SERVE_URL/metrics" >"$WORK/serve1.prom"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/headers" || fail "content type: $(cat "$WORK/headers")"
for i in 1 2 3; do curl -sf "$SERVE_URL/api/version" >/dev/null; done
curl -s "$SERVE_URL/api/download/nonsense" >/dev/null || true
curl -s "$SERVE_URL/no/such/$RANDOM" >/dev/null || true
curl -sf "$SERVE_URL/metrics" >"$WORK/serve2.prom"
promtool_ok "$WORK/serve2.prom"
V='cprofiler_http_requests_total{route="/api/version",code="200"}'
[ "$(value "$WORK/serve2.prom" "$V")" = $(($(value "$WORK/serve1.prom" "$V" | sed 's/^$/0/') + 3)) ] ||
  fail "3 requests not counted: $(grep requests_total "$WORK/serve2.prom")"
expect_grep '^cprofiler_http_requests_total\{route="/api/download/\{id\}",code="[0-9]+"\} 1$' "$WORK/serve2.prom"
expect_grep '^cprofiler_http_requests_total\{route="other",code="404"\} 1$' "$WORK/serve2.prom"
grep -q 'no/such' "$WORK/serve2.prom" && fail "a raw path became a label"
expect_grep '^cprofiler_http_request_duration_seconds_bucket\{route="/api/version",le="\+Inf"\} 3$' "$WORK/serve2.prom"
[ "$(value "$WORK/serve2.prom" 'cprofiler_archive_entries{job="good"}')" -ge 2 ] || fail "archive entries of job good"
[ "$(value "$WORK/serve2.prom" 'cprofiler_archive_bytes{job="good"}')" -gt 0 ] || fail "archive bytes of job good"
[ -z "$(value "$WORK/serve2.prom" 'cprofiler_archive_entries{job="bad"}')" ] || fail "entries for the failing job"
expect_grep '^cprofiler_archive_newest_entry_timestamp_seconds\{job="good"\} [0-9.e+]+$' "$WORK/serve2.prom"
expect_grep '^cprofiler_index_ready 1$' "$WORK/serve2.prom"
expect_grep '^cprofiler_index_load_seconds [0-9.e+-]+$' "$WORK/serve2.prom"
expect_grep '^cprofiler_build_info\{version="[^"]+",revision="[^"]+"\} 1$' "$WORK/serve2.prom"
stop_serve
pass "serve: promtool passes; requests counted by route pattern; archive series per job"

TOKEN=$("$CPROFILER" auth add-token --role read -f "$WORK/auth")
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch" --auth-file "$WORK/auth"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/metrics")" = 401 ] || fail "/metrics without a token"
curl -sf -H "Authorization: Bearer $TOKEN" "$SERVE_URL/metrics" >"$WORK/serve3.prom" || fail "/metrics with a token"
promtool_ok "$WORK/serve3.prom"
expect_grep '^cprofiler_http_requests_total\{route="/metrics",code="401"\} 1$' "$WORK/serve3.prom"
stop_serve
pass "serve --auth-file: /metrics needs a token, as every route but healthz"
