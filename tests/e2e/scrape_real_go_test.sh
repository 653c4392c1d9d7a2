# A real Go service, all 8 profile types scraped with `scrape --once`, and
# every archived profile read back by go tool pprof (go tool trace for the
# trace), showing the workload's own functions.
source "$(dirname "$0")/lib.sh"
ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [all, trace]
    path-profiles:
      profile: /debug/pprof/profile?seconds=2
      trace: /debug/pprof/trace?seconds=1
    target-configs:
      - application: wl
        hosts: [$ADDR]
        labels: {env: dev}
YML
sleep 1  # let the workloads run a little
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "pass: 8 archived" "$WORK/err"
[ "$(count_entries "$WORK/arch")" = 8 ] || fail "want 8 entries"
pass "8 profile types archived"

check() {  # sample type, pprof sample index, function
  local path
  path=$("$CPROFILER" query -c "$WORK/c.yml" -t "$1" -o paths)
  [ -f "$path" ] || fail "$1: no archived file ($path)"
  pprof_top "$path" "$2" >"$WORK/top"
  expect_grep "$3" "$WORK/top"
  pass "$1: go tool pprof shows $3"
}
check profile_cpu cpu main.workloadCPU
check heap_inuse_space inuse_space main.workloadHeap
check allocs_alloc_space alloc_space main.workloadHeap
check goroutine "" main.workloadGoroutine
check mutex_delay delay main.workloadMutex
check block_delay delay main.workloadBlock
check threadcreate "" main.workloadThreads

TRACE=$("$CPROFILER" query -c "$WORK/c.yml" -t trace -o paths)
go tool trace -pprof=sync "$TRACE" >"$WORK/sync.pb" 2>/dev/null
pprof_top "$WORK/sync.pb" >"$WORK/top"
expect_grep main.workloadBlock "$WORK/top"
pass "trace: go tool trace reads it and shows main.workloadBlock"

# The sidecar's totals are pprof's totals.
"$CPROFILER" query -c "$WORK/c.yml" -t goroutine -o json >"$WORK/meta.json"
VALUE=$(grep -o '"Value":[0-9]*' "$WORK/meta.json" | cut -d: -f2)
pprof_top "$("$CPROFILER" query -c "$WORK/c.yml" -t goroutine -o paths)" >"$WORK/top"
expect_grep "of $VALUE total" "$WORK/top"
pass "goroutine Value $VALUE equals pprof's total"

# Files are stored as served, and the sidecar's hash says so.
HEAP=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_inuse_space -o paths)
SUM=$(sha256sum "$HEAP" | cut -d' ' -f1)
grep -q "\"sha256\": \"$SUM\"" "${HEAP%.pb.gz}.json" || fail "sha256 mismatch"
pass "sidecar sha256 matches the profile file"

# Not due: a second --once scrapes nothing; --force scrapes again.
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "pass: 0 archived .* 8 not due" "$WORK/err"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml" --archive "$WORK/arch"
[ "$(count_entries "$WORK/arch")" = 16 ] || fail "want 16 entries after --force"
pass "--once honours the interval, --force does not"
