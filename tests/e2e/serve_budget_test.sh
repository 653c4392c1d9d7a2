# serve --index-memory: the index holds the newest days that fit; answers
# over older days are read per request and are the same as an unlimited
# serve's; a range whose older days alone exceed the budget gets 413, never
# a partial answer; answers of no time range say which days they cover.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
FIRST=$(date -u -d '6 days ago' +%Y-%m-%d)
LAST=$(date -u -d '2 days ago' +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 3500 10 "$FIRST" "$TEST_DATA_DIR/heap.pb.gz" 5
start_serve "$WORK/all.log" "$CPROFILER" serve --archive "$WORK/arch" --index-memory 0
ALL=$SERVE_URL
start_serve "$WORK/budget.log" "$CPROFILER" serve --archive "$WORK/arch" --index-memory 110KiB
BUDGET=$SERVE_URL
for url in "$ALL" "$BUDGET"; do
  for ((i = 0; i < 100; i++)); do curl -fs "$url/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
# (a day of 700 profiles takes about 50 KB: two days fit)
HELD=$(date -u -d '3 days ago' +%Y-%m-%d)
expect_grep "holds the days from ${HELD}T00:00:00" "$WORK/budget.log"

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
DAY3=$(date -u -d '3 days ago' +%Y-%m-%d)
DAY4=$(date -u -d '4 days ago' +%Y-%m-%d)
# (mutex_b is cumulative: its intervals need the 48 hours before the range)
for route in "profile_meta/heap_a?start_time=${DAY4}T00:00:00Z&end_time=$NOW" \
             "profile_meta/heap_a?start_time=${DAY3}T00:00:00Z&end_time=$NOW" \
             "profile_meta/mutex_b?start_time=${DAY3}T00:00:00Z&end_time=$NOW&lbs%5B_app%5D=app-4" \
             "0/profiles?service=app-2&type=heap&from=${DAY4}T00:00:00Z&to=$NOW"; do
  curl -fs "$ALL/api/$route" >"$WORK/all.json" || fail "unlimited serve: /api/$route"
  curl -fs "$BUDGET/api/$route" >"$WORK/budget.json" || fail "budgeted serve: /api/$route"
  [ "$(jq length "$WORK/all.json")" -gt 0 ] || fail "/api/$route: empty"
  cmp -s "$WORK/all.json" "$WORK/budget.json" || fail "/api/$route differs with a budget"
done
pass "with --index-memory 110KiB (holds from $HELD): answers over older days are the unlimited serve's"

CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' "$BUDGET/api/profile_meta/heap_a?start_time=${FIRST}T00:00:00Z&end_time=${LAST}T23:59:59Z")
[ "$CODE" = 413 ] || fail "a range past the budget got $CODE, want 413"
expect_grep "index-memory" "$WORK/body"
curl -fs -D "$WORK/headers" -o /dev/null "$BUDGET/api/group_labels"
expect_grep "^X-Cprofiler-Index-Holds-From: ${HELD}T00:00:00" "$WORK/headers"
curl -fs -D "$WORK/headers" -o /dev/null "$ALL/api/group_labels"
grep -q "X-Cprofiler-Index-Holds-From" "$WORK/headers" && fail "an unlimited serve says it holds part"
pass "a range whose older days exceed the budget: 413 naming --index-memory; group_labels says which days it covers"
