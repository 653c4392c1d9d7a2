# The foreground loop: scrapes on the job's interval, reloads the config
# when the file changes (keeping the old one when the new one is bad), and
# exits cleanly on SIGTERM and SIGINT.
source "$(dirname "$0")/lib.sh"
ADDR=$(start_workload)
config() {  # profiles
  cat >"$WORK/c.yml.new" <<YML
archive: $WORK/arch
scrape-configs:
  - job: loop
    interval: 1s
    enabled-profiles: [$1]
    target-configs: [{hosts: [$ADDR]}]
YML
  mv "$WORK/c.yml.new" "$WORK/c.yml"
}
entries_of() { find "$WORK/arch" -name "*-$1-*.json" 2>/dev/null | wc -l; }
wait_entries() {  # type, count
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(entries_of "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "waited for $2 $1 entries, have $(entries_of "$1")"
}

config heap
"$CPROFILER" scrape -c "$WORK/c.yml" 2>"$WORK/loop.log" &
LOOP=$!
echo "$LOOP" >>"$PIDS"
wait_entries heap 3
pass "scrapes every interval"

echo "scrape-configs: [" >"$WORK/c.yml"  # broken: kept the old config
sleep 1.5
expect_grep "config not reloaded" "$WORK/loop.log"
config "heap, goroutine"
wait_entries goroutine 2
expect_grep "config reloaded" "$WORK/loop.log"
pass "reloads a changed config, keeps the old one when broken"

kill -TERM "$LOOP"
for ((i = 0; i < 30; i++)); do kill -0 "$LOOP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$LOOP" 2>/dev/null && fail "still running 3s after SIGTERM"
wait "$LOOP" || fail "exit status $? after SIGTERM"
expect_grep "scrape: stopped" "$WORK/loop.log"
[ -z "$(find "$WORK/arch" -name '.tmp-*')" ] || fail "temporary files left"
pass "SIGTERM: clean exit 0"

"$CPROFILER" scrape -c "$WORK/c.yml" 2>"$WORK/loop2.log" &
LOOP=$!
echo "$LOOP" >>"$PIDS"
sleep 1
kill -INT "$LOOP"
wait "$LOOP" || fail "exit status $? after SIGINT"
pass "SIGINT: clean exit 0"
