# The analysis page's Labels and Sandwich views in a real browser: the Go
# workload with pprof.Do endpoint labels (workload -labels) scraped into an
# archive (a CPU and a heap profile), `cprofiler serve` over it on loopback,
# and tests/ui/ui_views_test.mjs driving Debian's Chromium headless with
# every other origin refused: the CPU profile's Labels card lists the three
# endpoints as `cprofiler top --format tags` (go tool pprof -tags) does, a
# value focuses and Alt+click ignores, "Group by" endpoint draws a root
# frame per endpoint, and runtime.mallocgc's sandwich shows
# its callers above and its callees below.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser

ADDR=$(start_workload -labels)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile, heap]
    path-profiles:
      profile: /debug/pprof/profile?seconds=3
    target-configs:
      - application: wl
        hosts: [$ADDR]
YML
sleep 1  # let the workloads run a little
# A 3 s CPU profile samples runtime.mallocgc (the heap workload's
# allocations) only now and then: scrape until one has it, with callers and
# callees (pprof's peek), a few times at most.
SANDWICH_FUNC=runtime.mallocgc
for ((try = 1; ; try++)); do
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
  CPU_PATH=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o paths | tail -n 1)
  "$CPROFILER" top --peek '^runtime\.mallocgc$' "$CPU_PATH" >"$WORK/peek" 2>&1 && break
  ((try < 6)) || fail "no CPU profile of $try has $SANDWICH_FUNC: $(cat "$WORK/peek")"
done
CPU_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o ids | tail -n 1)
HEAP_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -o ids | tail -n 1)
[ -n "$CPU_ID" ] && [ -n "$HEAP_ID" ] || fail "no cpu or heap profile archived"
pass "a CPU and a heap profile archived (the CPU profile with $SANDWICH_FUNC at try $try)"

# What the browser must show: the tags as pprof prints them.
"$CPROFILER" top --format tags "$CPU_PATH" >"$WORK/tags" || fail "top --format tags failed"
for ep in /api/users /api/orders /api/health; do
  grep -q " $ep\$" "$WORK/tags" || fail "no $ep in the CPU profile's tags: $(cat "$WORK/tags")"
done
pass "the CPU profile has the three endpoints' labels"

start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
browser_test ui_views_test.mjs "CPU_ID=$CPU_ID" "HEAP_ID=$HEAP_ID" \
  "SANDWICH_FUNC=$SANDWICH_FUNC" TAGS_TEXT="$(cat "$WORK/tags")"
pass "labels and sandwich views; screenshots in $SHOTS"
