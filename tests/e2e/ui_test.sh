# The web UI in a real browser: a real Go service scraped twice (cpu, heap,
# mutex, trace), `cprofiler serve` over that archive on loopback, and
# tests/ui/ui_test.mjs driving Debian's Chromium headless against it. The top
# table's first row must be what `go tool pprof -top` prints first.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser

ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile, heap, mutex, trace]
    path-profiles:
      profile: /debug/pprof/profile?seconds=1
      trace: /debug/pprof/trace?seconds=1
    target-configs:
      - application: wl
        hosts: [$ADDR]
        labels: {env: dev}
YML
sleep 1  # let the workloads run a little
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
[ "$(count_entries "$WORK/arch")" = 8 ] || fail "want 8 entries (2 cpu, 2 heap, 2 mutex, 2 trace)"
pass "two scrapes archived"

# What go tool pprof lists first for the newest heap profile (the bubble the
# browser clicks): the name column of the first row after the header.
HEAP=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -o paths | tail -n 1)
pprof_top "$HEAP" inuse_space >"$WORK/top"
TOP_FIRST=$(awk 'seen { for (i = 6; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : ""); exit }
                 $1 == "flat" && $2 == "flat%" { seen = 1 }' "$WORK/top")
[ -n "$TOP_FIRST" ] || { cat "$WORK/top"; fail "go tool pprof -top printed no rows"; }
pass "go tool pprof -top lists $TOP_FIRST first"

start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
URL=$SERVE_URL
for ((i = 0; i < 100; i++)); do
  curl -fsS "$URL/api/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$URL/api/healthz" >/dev/null || fail "cprofiler serve did not answer on $URL"
pass "serving on $URL"

browser_test ui_test.mjs EXPECT_FUNC=main.workloadHeap "EXPECT_TOP_FIRST=$TOP_FIRST"
pass "browser test passed; screenshots in $SHOTS"

# The overview at fleet size: 1,000 targets of 20 apps, a day of heap
# profiles (tests/ui/fleet_ui_test.mjs: series by group, legend, group-by in
# the URL, drill-down from a point and from a legend entry, settling time).
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/fleet" 14000 1000 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap 20
start_serve "$WORK/fleet-serve.log" "$CPROFILER" serve --archive "$WORK/fleet"
wait_ready
browser_test fleet_ui_test.mjs FROM="${DAY}T00:00:00Z" TO="${DAY}T23:59:59Z"
pass "fleet browser test passed; screenshots in $SHOTS"

# The targets page: a target that refuses connections, first, with its error.
stop_serve
CLOSED=127.0.0.1:$(closed_port)
cat >"$WORK/t.yml" <<YML
archive: $WORK/tarch
scrape-configs:
  - job: demo
    interval: 1h
    enabled-profiles: [goroutine]
    target-configs: [{application: wl, hosts: [$ADDR, $CLOSED]}]
YML
expect_exit 1 "$CPROFILER" scrape --once -c "$WORK/t.yml"
start_serve "$WORK/targets-serve.log" "$CPROFILER" serve -c "$WORK/t.yml"
browser_test targets_ui_test.mjs "DOWN_HOST=$CLOSED" "UP_HOST=$ADDR"
pass "targets page: the failing target first, with its error"
