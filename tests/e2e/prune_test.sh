# Every pass prunes what has expired; `expiration: 0` keeps forever.
source "$(dirname "$0")/lib.sh"
ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: short
    expiration: 2s
    enabled-profiles: [heap, goroutine]
    target-configs: [{hosts: [$ADDR]}]
  - job: forever
    expiration: 0
    enabled-profiles: [goroutine]
    target-configs: [{hosts: [$ADDR]}]
YML
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
[ "$(count_entries "$WORK/arch")" = 3 ] || fail "want 3 entries"
FIRST=$("$CPROFILER" query -c "$WORK/c.yml" -l _job=short -o ids | sort)
sleep 3
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
expect_grep "pruned 2 expired" "$WORK/err"
"$CPROFILER" query -c "$WORK/c.yml" -l _job=short -o ids >"$WORK/ids"
for id in $FIRST; do
  grep -q "$id" "$WORK/ids" && fail "expired entry $id still listed"
done
[ "$(wc -l <"$WORK/ids")" = 2 ] || fail "want the 2 fresh short-lived entries"
[ "$("$CPROFILER" query -c "$WORK/c.yml" -l _job=forever -o ids | wc -l)" = 2 ] || fail "expiration 0 must keep"
pass "expired entries pruned, expiration 0 kept"
