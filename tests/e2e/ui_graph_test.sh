# The analysis page's call graph in a real browser: the Go workload with
# endpoint labels and varied work (workload -labels -graph) scraped into an archive (a CPU
# profile), beside a 21 MB synthetic heap profile (tests/bench/make_profile,
# served by the fake target), `cprofiler serve` over it on loopback, and
# tests/ui/ui_graph_test.mjs driving Debian's Chromium headless with every
# other origin refused: the graph view of the CPU profile draws the nodes and
# edges of `cprofiler top --format dot` (go tool pprof -dot: tested equal by
# pprof_dot_list_test), a click on a node focuses on it, the view lives in
# the URL, and the heap profile's graph draws in under a second once its
# data arrived (the time is printed).
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser
: "${MAKE_PROFILE:?set by ctest}"

# A heap profile of 21 MB (uncompressed; a Go heap profile's sample types
# and "bytes" labels over 20,000 functions), served as a target's heap.
"$MAKE_PROFILE" "$WORK/big-heap.pb.gz" 21 20000 heap >/dev/null || fail "make_profile failed"
BIG=$(start_fake 1 "$WORK/big-heap.pb.gz")
ADDR=$(start_workload -labels -graph)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile]
    path-profiles:
      profile: /debug/pprof/profile?seconds=4
    target-configs:
      - application: wl
        hosts: [$ADDR]
  - job: big
    interval: 1h
    expiration: 1h
    enabled-profiles: [heap]
    target-configs:
      - application: big
        hosts: [$BIG]
YML
sleep 1  # let the workloads run a little
# pprof's node fraction drops what a short profile samples rarely: scrape
# until a CPU profile's dot graph has 20 nodes or more, a few times at most.
for ((try = 1; ; try++)); do
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
  CPU_PATH=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o paths | tail -n 1)
  # What the browser must draw: go tool pprof -dot's nodes and edges.
  "$CPROFILER" top --format dot "$CPU_PATH" >"$WORK/cpu.dot" || fail "top --format dot failed"
  nodes=$(grep -c '^N[0-9]* \[label=' "$WORK/cpu.dot")
  ((nodes >= 20)) && break
  ((try < 6)) || fail "no CPU profile of $try has 20 dot nodes (the last: $nodes)"
done
CPU_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o ids | tail -n 1)
BIG_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -l _job=big -o ids | tail -n 1)
[ -n "$CPU_ID" ] && [ -n "$BIG_ID" ] || fail "no cpu or big heap profile archived"
"$CPROFILER" top --format dot --nodecount 12 "$CPU_PATH" >"$WORK/cpu12.dot" || fail "top --format dot --nodecount 12 failed"
pass "a CPU profile of $nodes dot nodes (at try $try) and a 21 MB heap profile archived"

start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
browser_test ui_graph_test.mjs "CPU_ID=$CPU_ID" "BIG_ID=$BIG_ID" \
  "CPU_DOT=$WORK/cpu.dot" "CPU_DOT_12=$WORK/cpu12.dot"
pass "call graph view; screenshots in $SHOTS"
