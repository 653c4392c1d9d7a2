# serve under a slowloris: one client address (127.0.0.2) holds 500
# half-sent requests. serve keeps at most --max-client-connections of them
# (16) and closes the rest as they arrive, so /api/healthz from another
# address answers within 1 s and an API request within 2 s; the held ones
# are cut off after --header-timeout. The same attack on a serve without
# the limit (--max-client-connections 0) does shut healthz out: the check
# can fail.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 20 2 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap >/dev/null

# attack N: slowclient from 127.0.0.2 against serve; returns once every
# connection was tried, with its counts in $WORK/slow.status.
attack() {
  rm -f "$WORK/slow.status"
  spawn "$GO_TEST_BIN/slowclient" -target "${SERVE_URL#http://}" -from 127.0.0.2 -n "$1" \
    -status "$WORK/slow.status"
  SLOW_PID=$SPAWNED_PID
  wait_file "$WORK/slow.status" 30
}
# seconds URL: how long a GET of URL takes (at most 10 s), or "fail".
seconds() {
  local t
  t=$(curl -fs -o /dev/null -m 10 -w '%{time_total}' "$1") && echo "$t" || echo fail
}
within() { [ "$1" != fail ] && awk -v t="$1" -v max="$2" 'BEGIN { exit !(t < max) }'; }

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch" --header-timeout 4s
for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
API="$SERVE_URL/api/profile_meta/heap_inuse_space?start_time=${DAY}T00:00:00Z&end_time=${DAY}T23:59:59Z"
attack 500
read -r counts <"$WORK/slow.status"
held=$(sed 's/.*held=\([0-9]*\).*/\1/' <<<"$counts")
refused=$(sed 's/.*refused=\([0-9]*\).*/\1/' <<<"$counts")
[ "$held" -le 16 ] || fail "the attacker holds $held connections (limit 16): $counts"
[ "$((held + refused))" = 500 ] || fail "not every connection was accepted then refused: $counts"
health=$(seconds "$SERVE_URL/api/healthz")
within "$health" 1 || fail "/api/healthz under the attack: ${health}s"
api=$(seconds "$API")
within "$api" 2 || fail "an API request under the attack: ${api}s"
pass "500 half-sent requests from 127.0.0.2 ($counts): healthz in ${health}s, the API in ${api}s"

# The connections held are cut off once the header timeout passes.
sleep 5
read -r counts <"$WORK/slow.status"
[[ $counts == held=0\ * ]] || fail "held connections outlived --header-timeout 4s: $counts"
pass "the held connections were cut off after --header-timeout ($counts)"
kill "$SLOW_PID"
stop_serve

# Control: without the limit, the same attack does shut healthz out.
start_serve "$WORK/serve0.log" "$CPROFILER" serve --archive "$WORK/arch" --header-timeout 4s \
  --max-client-connections 0
attack 500
health=$(seconds "$SERVE_URL/api/healthz")
within "$health" 1 && fail "without --max-client-connections healthz still answered in ${health}s: the attack is too weak to test anything"
pass "control: without the limit, healthz under the same attack: $health (10 s at most)"
kill "$SLOW_PID"
stop_serve
