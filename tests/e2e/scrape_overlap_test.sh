# Overlapping `scrape --once` runs on one archive produce one pass of
# profiles: the first holds the lock, the others say so and do nothing.
source "$(dirname "$0")/lib.sh"
ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: demo
    interval: 1h
    enabled-profiles: [profile, heap, goroutine]
    path-profiles: {profile: "/debug/pprof/profile?seconds=2"}
    target-configs: [{hosts: [$ADDR]}]
YML
for i in 1 2 3; do
  "$CPROFILER" scrape --once -c "$WORK/c.yml" >"$WORK/out.$i" 2>"$WORK/err.$i" &
  eval "P$i=\$!"
  sleep 0.3
done
for i in 1 2 3; do
  eval "wait \$P$i" || fail "run $i exited non-zero"
done
cat "$WORK"/err.*
[ "$(count_entries "$WORK/arch")" = 3 ] || fail "want one pass (3 entries), got $(count_entries "$WORK/arch")"
[ "$(grep -l 'is scraping into' "$WORK"/err.* | wc -l)" = 2 ] || fail "two runs should have found the lock held"
pass "three overlapping runs, one pass"

# After the pass, a fourth run finds nothing due.
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "0 archived .* 3 not due" "$WORK/err"
[ "$(count_entries "$WORK/arch")" = 3 ] || fail "a later run scraped again"
pass "a later run finds nothing due"

# The foreground loop started while a --once pass holds the lock waits for
# it, then runs (it must not exit and stop scraping for good).
"$CPROFILER" scrape --once --force -c "$WORK/c.yml" 2>"$WORK/once.log" &
ONCE=$!
sleep 0.5
"$CPROFILER" scrape -c "$WORK/c.yml" 2>"$WORK/daemon.log" &
DAEMON=$!
echo "$DAEMON" >>"$PIDS"
wait "$ONCE"
for ((i = 0; i < 50; i++)); do grep -q "scrape: running" "$WORK/daemon.log" && break; sleep 0.1; done
expect_grep "waiting for it" "$WORK/daemon.log"
expect_grep "scrape: running" "$WORK/daemon.log"
kill -0 "$DAEMON" || fail "the loop exited instead of waiting for the lock"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "loop exit status $?"
pass "the loop waits for a --once pass holding the lock"
