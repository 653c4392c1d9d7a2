# The goroutine-leak profile (Go 1.26's /debug/pprof/goroutineleak, issue
# 30): a target serving it (the workload's -goroutineleak handler, a
# goroutine profile's shape) is archived, queried and merged like any type;
# a target without the route (every Go before 1.26: 404) is reported once as
# not offered, is no failure, and is not asked again until the config
# changes; cprofiler targets, the state, serve and the metrics file say so.
# In Chromium (tests/ui/goroutineleak_ui_test.mjs): the chart counts the
# leaked goroutines and a bubble opens the stacks.
source "$(dirname "$0")/lib.sh"
require_browser
command -v jq >/dev/null || fail "jq is not installed"
NEW=$(start_workload -goroutineleak)
OLD=$(start_workload)
config() {  # the config, with $1 appended (a comment: another config)
  cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: leaks
    interval: 1s
    expiration: 1h
    enabled-profiles: [goroutine, goroutineleak]
    target-configs:
      - application: svc
        hosts: [$NEW, $OLD]
$1
YML
}
config ""
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml" --metrics-file "$WORK/metrics.prom"
expect_grep "pass: 3 archived .* 0 failed, .* 1 not offered" "$WORK/err"
[ "$(grep -c "not offered by this target" "$WORK/err")" = 1 ] || fail "want one not-offered line"
expect_grep "host=$OLD profile=goroutineleak .*not offered by this target \(404\)" "$WORK/err"
pass "archived from the Go 1.26 target; the older one's 404 reported once, no failure"

# Archived, queried and merged like a goroutine profile.
"$CPROFILER" query -c "$WORK/c.yml" -t goroutineleak -o json >"$WORK/meta.json"
jq -e --arg new "$NEW" 'length == 1 and .[0].Host == $new and .[0].ProfileType == "goroutineleak" and
  .[0].SampleType == "goroutineleak" and .[0].SampleTypeUnit == "count" and .[0].Value >= 25' \
  "$WORK/meta.json" >/dev/null || { cat "$WORK/meta.json"; fail "query -t goroutineleak"; }
LEAKED=$(jq '.[0].Value' "$WORK/meta.json")
FILE=$("$CPROFILER" query -c "$WORK/c.yml" -t goroutineleak -o paths)
case $FILE in *-goroutineleak-*.pb.gz) ;; *) fail "archived as $FILE" ;; esac
pprof_top "$FILE" >"$WORK/top"
expect_grep "of $LEAKED total" "$WORK/top"
expect_grep "main\.workloadGoroutine" "$WORK/top"
# The merge is go tool pprof -proto's (which leaves out stackless goroutines).
expect_exit 0 "$CPROFILER" merge -c "$WORK/c.yml" -t goroutineleak -o "$WORK/merged.pb.gz"
go tool pprof -proto "$FILE" >"$WORK/go.pb.gz" 2>/dev/null
pprof_top "$WORK/merged.pb.gz" >"$WORK/merged.top"
pprof_top "$WORK/go.pb.gz" >"$WORK/go.top"
diff "$WORK/go.top" "$WORK/merged.top" || fail "merge -t goroutineleak differs from go tool pprof -proto"
expect_grep "main\.workloadGoroutine" "$WORK/merged.top"
pass "goroutineleak: $LEAKED leaked goroutines queried, go tool pprof reads it and its merge"

expect_exit 0 "$CPROFILER" targets -c "$WORK/c.yml"
grep -q "^up .*$OLD.*goroutineleak: not offered by this target" "$WORK/out" ||
  { cat "$WORK/out"; fail "cprofiler targets: the older target is not up and not offered"; }
promtool check metrics <"$WORK/metrics.prom" >"$WORK/promtool.out" 2>&1 ||
  { cat "$WORK/promtool.out"; fail "promtool check metrics (Debian's prometheus package)"; }
expect_grep "^cprofiler_scrape_not_offered\{.*instance=\"$OLD\".*profile_type=\"goroutineleak\"\} 1" "$WORK/metrics.prom"
! grep -q "cprofiler_scrape_not_offered{.*instance=\"$NEW\"" "$WORK/metrics.prom" ||
  fail "the Go 1.26 target is reported not offered"
pass "cprofiler targets and the metrics file say not offered, the target up"

# Not asked again, pass after pass; the offering target is.
for i in 1 2; do
  sleep 1.2
  expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
  expect_grep "pass: 3 archived .* 1 not offered" "$WORK/err"
  ! grep -q "not offered by this target" "$WORK/err" || fail "pass $i asked the older target again"
done
expect_exit 0 "$CPROFILER" targets -c "$WORK/c.yml" -o json
scrapes() {  # HOST: its goroutineleak scrapes
  jq --arg h "$1" '.ActiveTargets[] | select(.Host == $h) | .Profiles[] |
    select(.Type == "goroutineleak") | .Scrapes' "$WORK/out"
}
[ "$(scrapes "$OLD")" = 1 ] || fail "the older target's goroutineleak was asked $(scrapes "$OLD") times"
[ "$(scrapes "$NEW")" = 3 ] || fail "the Go 1.26 target's goroutineleak was asked $(scrapes "$NEW") times"
pass "three passes: the older target asked once, the Go 1.26 one three times"

# Another config asks again (once).
config "# edited"
sleep 1.2
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
[ "$(grep -c "host=$OLD profile=goroutineleak .*not offered" "$WORK/err")" = 1 ] ||
  { cat "$WORK/err"; fail "a changed config did not ask again"; }
pass "a changed config asks the older target again"

# The loop (scrape without --once) reports it once too, and keeps scraping
# the rest on their interval.
"$CPROFILER" scrape -c "$WORK/c.yml" --archive "$WORK/loop" 2>"$WORK/loop.log" &
LOOP=$!
echo "$LOOP" >>"$PIDS"
sleep 4
kill "$LOOP"
wait "$LOOP" 2>/dev/null || true
[ "$(grep -c "host=$OLD profile=goroutineleak .*not offered" "$WORK/loop.log")" = 1 ] ||
  { cat "$WORK/loop.log"; fail "the loop did not report the older target once"; }
[ "$(find "$WORK/loop" -name '*-goroutineleak-*.json' | wc -l)" -ge 2 ] ||
  fail "the loop did not keep scraping the Go 1.26 target's goroutineleak"
pass "scrape's loop: reported once in 4 s of 1 s intervals"

# serve: the chart's entries and the analysis of one (a bubble's page).
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
wait_ready
RANGE="start_time=$(date -u -d '-1 hour' +%FT%TZ)&end_time=$(date -u -d '+1 hour' +%FT%TZ)"
curl -fsS "$SERVE_URL/api/profile_meta/goroutineleak?$RANGE" >"$WORK/api.json" || fail "/api/profile_meta/goroutineleak"
jq -e '[.[].ProfileMetas[]] | length == 4 and all(.Value >= 25)' "$WORK/api.json" >/dev/null ||
  { cat "$WORK/api.json"; fail "/api/profile_meta/goroutineleak: want 4 entries counting the leaked goroutines"; }
ID=$(jq -r '.[0].ProfileMetas[0].ProfileID' "$WORK/api.json")
# The bubble opens /api/pprof/ui/ID/?si=goroutineleak; the page reads the
# meta, finds no sample type of that name (it is goroutine/count) and asks
# for the default one (web/analysis.js).
curl -fsS -o /dev/null "$SERVE_URL/api/pprof/ui/$ID/?si=goroutineleak" || fail "the bubble's page"
curl -fsS "$SERVE_URL/api/meta/$ID" >"$WORK/meta1.json" || fail "/api/meta/$ID"
jq -e '.sample_types | length == 1 and .[0].type == "goroutine" and .[0].name == "goroutineleak"' \
  "$WORK/meta1.json" >/dev/null || { cat "$WORK/meta1.json"; fail "/api/meta of a goroutineleak profile"; }
curl -fsS "$SERVE_URL/api/analysis?id=$ID&si=goroutine" >"$WORK/analysis.json" ||
  fail "/api/analysis of a goroutineleak profile"
grep -q "main.workloadGoroutine" "$WORK/analysis.json" || fail "the analysis has no main.workloadGoroutine"
curl -fsS "$SERVE_URL/api/sample_types" | jq -e 'index("goroutineleak") != null' >/dev/null ||
  fail "/api/sample_types has no goroutineleak"
pass "serve: 4 goroutineleak entries over time, the analysis of one shows the stacks"

VALUES=$(jq -r '[.[].ProfileMetas[].Value] | sort | map(tostring) | join(",")' "$WORK/api.json")
browser_test goroutineleak_ui_test.mjs "EXPECT_VALUES=$VALUES"
pass "in Chromium: the goroutineleak chart's bubbles count the leaked goroutines; one opens the stacks"
