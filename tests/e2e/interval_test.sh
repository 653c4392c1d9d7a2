# Interval values of cumulative profile types, against a real Go service
# with allocation, mutex and block load: a window's top equals
# `go tool pprof -top -base FIRST LAST` for every cumulative sample type and
# index; after the service restarts, the window is (last before the restart
# - first) + last after it, with no negative value in top, folded output or
# the API; /api/profile_meta's DeltaValues are the differences of
# consecutive Values; -t TYPE_SAMPLE picks the sample index reported.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is not installed"
spawn "$GO_TEST_BIN/workload" -addr-file "$WORK/workload.addr"
WORKLOAD=$SPAWNED_PID
wait_file "$WORK/workload.addr"
ADDR=$(cat "$WORK/workload.addr")
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: iv
    enabled-profiles: [heap, allocs, mutex, block, threadcreate, goroutine]
    target-configs: [{application: app, hosts: [$ADDR]}]
YML
scrape() { expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"; }
sleep 1
for _ in 1 2 3 4; do scrape; sleep 1; done

# Everything but the Time: line (local time zone, minute resolution) and
# the Duration: line: an interval's duration is its length, where pprof's
# -base adds the two snapshots' (zero for Go's cumulative profiles).
headless() { grep -v '^Time:\|^Duration:'; }
top_of() { go tool pprof -top "$@" 2>/dev/null | headless; }
same() {  # what, file-a, file-b
  if ! diff "$2" "$3" >"$WORK/diff"; then
    cat "$WORK/diff"
    fail "$1 differs"
  fi
}
paths_of() { "$CPROFILER" query -c "$WORK/c.yml" -l "_type=$1" -o paths; }
# The time (ms) of the Nth (1-based) snapshot of a sample type.
time_of() { "$CPROFILER" query -c "$WORK/c.yml" -t "$1" -o json | jq -r ".[$(($2 - 1))].Timestamp"; }
rfc3339() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }

SAMPLE_TYPES=(heap_alloc_objects heap_alloc_space allocs_alloc_objects allocs_alloc_space
              mutex_contentions mutex_delay block_contentions block_delay threadcreate)
index_of() { [[ $1 == *_* ]] && echo "${1#*_}" || echo "$1"; }

# 1. A window that starts after the first snapshot: FIRST is its base.
for st in "${SAMPLE_TYPES[@]}"; do
  type=${st%%_*}
  si=$(index_of "$st")
  mapfile -t FILES < <(paths_of "$type")
  [ "${#FILES[@]}" = 4 ] || fail "$type: want 4 snapshots, have ${#FILES[@]}"
  FROM=$(rfc3339 "$(time_of "$st" 2)")
  top_of -sample_index="$si" -base "${FILES[0]}" "${FILES[3]}" >"$WORK/go.top"
  "$CPROFILER" top -c "$WORK/c.yml" -t "$st" --from "$FROM" 2>"$WORK/err" | headless >"$WORK/ours.top"
  same "window of $st vs go tool pprof -base FIRST LAST" "$WORK/go.top" "$WORK/ours.top"
  grep -q "^Type: $si\$" "$WORK/ours.top" || fail "$st: top reports $(grep '^Type:' "$WORK/ours.top")"
  expect_grep "interval values: 3 snapshots of 1 target, 2 profiles read" "$WORK/err"
  pass "window of $st: go tool pprof -top -base FIRST LAST, line for line ($(grep -c '%  ' "$WORK/ours.top") rows)"
done

# --cumulative is the plain merge of the snapshots, as before.
FROM=$(rfc3339 "$(time_of mutex_delay 2)")
mapfile -t FILES < <(paths_of mutex)
top_of -sample_index=delay "${FILES[@]:1}" >"$WORK/go.top"
"$CPROFILER" top -c "$WORK/c.yml" -t mutex_delay --from "$FROM" --cumulative | headless >"$WORK/ours.top"
same "--cumulative window of mutex_delay vs go tool pprof's merge" "$WORK/go.top" "$WORK/ours.top"
# --base: an explicit difference, as go tool pprof -base.
top_of -sample_index=delay -base "${FILES[1]}" "${FILES[2]}" >"$WORK/go.top"
"$CPROFILER" top --sample-index delay --base "${FILES[1]}" "${FILES[2]}" | headless >"$WORK/ours.top"
same "top --base" "$WORK/go.top" "$WORK/ours.top"
pass "--cumulative merges the snapshots; --base subtracts as go tool pprof -base"

# A window holding only a baseline has no interval.
expect_exit 1 "$CPROFILER" top -c "$WORK/c.yml" -t mutex_delay --from "$(rfc3339 "$(time_of mutex_delay 1)")" --to "$(rfc3339 "$(time_of mutex_delay 1)")"
expect_grep "baseline" "$WORK/err"
pass "a window holding only the first snapshot says it is a baseline"

# -t TYPE_SAMPLE: the named sample type is the one reported.
"$CPROFILER" top -c "$WORK/c.yml" -t heap_alloc_space --cumulative 2>/dev/null | grep -q '^Type: alloc_space$' ||
  fail "top -t heap_alloc_space does not report alloc_space"
"$CPROFILER" merge -c "$WORK/c.yml" -t heap_alloc_space --cumulative -o "$WORK/all.pb.gz"
"$CPROFILER" merge -c "$WORK/c.yml" -t heap_alloc_space --cumulative --format folded -o "$WORK/folded"
SUM=$(awk '{s += $NF} END {print s + 0}' "$WORK/folded")
WANT=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_alloc_space -o json | jq '[.[].Value] | add')
[ "$SUM" = "$WANT" ] || fail "folded -t heap_alloc_space sums to $SUM, the selection's alloc_space is $WANT"
go tool pprof -top "$WORK/all.pb.gz" 2>/dev/null | grep -q '^Type: alloc_space$' ||
  fail "merge -t heap_alloc_space: go tool pprof does not open it on alloc_space"
pass "-t heap_alloc_space reports alloc_space (top, folded sums to $SUM, merge's default)"

# 2. The service restarts: the window is (last before - first) + last after.
kill "$WORKLOAD"
wait "$WORKLOAD" 2>/dev/null || true
spawn "$GO_TEST_BIN/workload" -addr "$ADDR" -addr-file "$WORK/restarted.addr"
wait_file "$WORK/restarted.addr"
sleep 1
scrape
sleep 1
scrape
for st in heap_alloc_objects heap_alloc_space allocs_alloc_space mutex_contentions mutex_delay block_contentions block_delay; do
  type=${st%%_*}
  si=$(index_of "$st")
  mapfile -t FILES < <(paths_of "$type")
  [ "${#FILES[@]}" = 6 ] || fail "$type: want 6 snapshots, have ${#FILES[@]}"
  go tool pprof -proto -base "${FILES[0]}" "${FILES[3]}" >"$WORK/before.pb.gz" 2>/dev/null
  top_of -sample_index="$si" "$WORK/before.pb.gz" "${FILES[5]}" >"$WORK/go.top"
  FROM=$(rfc3339 "$(time_of "$st" 2)")
  "$CPROFILER" top -c "$WORK/c.yml" -t "$st" --from "$FROM" 2>"$WORK/err" | headless >"$WORK/ours.top"
  same "window of $st across a restart" "$WORK/go.top" "$WORK/ours.top"
  expect_grep "1 restart" "$WORK/err"
  if grep -Eq '^ *-' "$WORK/ours.top"; then fail "$st: negative values in top"; fi
  "$CPROFILER" merge -c "$WORK/c.yml" -t "$st" --from "$FROM" --format folded -o "$WORK/folded" 2>/dev/null
  awk '$NF < 0 {exit 1}' "$WORK/folded" || fail "$st: negative values in folded output"
  pass "window of $st across a restart: (last before - first) + last after, none negative"
done

# In-use memory (instantaneous) is each target's state at the window's end,
# counted once, not once per stretch between restarts.
mapfile -t FILES < <(paths_of heap)
"$CPROFILER" merge -c "$WORK/c.yml" -t heap_alloc_space --from "$(rfc3339 "$(time_of heap_alloc_space 2)")" -o "$WORK/w.pb.gz" 2>/dev/null
top_of -sample_index=inuse_space "${FILES[5]}" >"$WORK/last.top"
top_of -sample_index=inuse_space "$WORK/w.pb.gz" >"$WORK/w.top"
same "a window's inuse_space vs its last snapshot's" "$WORK/last.top" "$WORK/w.top"
pass "a heap window across a restart: inuse_* is the last snapshot's, once"

# 3. The API: Cumulative and DeltaValue beside Value.
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
URL=$SERVE_URL
RANGE="start_time=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000Z)&end_time=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)"
curl -fs "$URL/api/profile_meta/mutex_delay?$RANGE" >"$WORK/meta.json"
jq -e '[.[].ProfileMetas[]] | length == 6 and all(.Cumulative == true)' "$WORK/meta.json" >/dev/null ||
  fail "profile_meta: $(cat "$WORK/meta.json")"
# Consecutive Values: the first has no DeltaValue, the restart's (the
# fifth, known from its process, whether or not its Value is below the one
# before) is its Value.
jq -e '[.[].ProfileMetas[]] as $m |
  ($m[0] | has("DeltaValue") | not) and
  all(range(1; 6) as $i | $m[$i].DeltaValue ==
      (if $i == 4 then $m[$i].Value else $m[$i].Value - $m[$i - 1].Value end)) and
  all($m[1:][]; .DeltaValue >= 0)' "$WORK/meta.json" >/dev/null ||
  fail "DeltaValues: $(jq -c '[.[].ProfileMetas[] | [.Value, .DeltaValue]]' "$WORK/meta.json")"
curl -fs "$URL/api/profile_meta/goroutine?$RANGE" | jq -e '[.[].ProfileMetas[]] | all(has("Cumulative") | not)' >/dev/null ||
  fail "goroutine ProfileMetas must not be cumulative"
# query -o json answers the same.
"$CPROFILER" query -c "$WORK/c.yml" -t mutex_delay -o json >"$WORK/query.json"
[ "$(jq -c '[.[].DeltaValue]' "$WORK/query.json")" = "$(jq -c '[.[].ProfileMetas[].DeltaValue]' "$WORK/meta.json")" ] ||
  fail "query -o json's DeltaValues differ from the API's"
"$CPROFILER" query -c "$WORK/c.yml" -t mutex_delay >"$WORK/table"
expect_grep '^TIME +TYPE +VALUE +INTERVAL +JOB' "$WORK/table"
sed -n 2p "$WORK/table" | grep -q ' baseline ' || fail "the first snapshot is not shown as the baseline: $(cat "$WORK/table")"
[ "$(grep -c ' baseline ' "$WORK/table")" = 1 ] || fail "one baseline expected: $(cat "$WORK/table")"
pass "profile_meta/mutex_delay: DeltaValues are the differences of consecutive Values (baseline none, restart whole); query -o json and the table agree"

# The window through the API: the CLI's numbers, and no negative value.
FROM=$(rfc3339 "$(time_of mutex_delay 2)")
TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
curl -fs "$URL/api/analysis?sample_type=mutex_delay&start_time=$FROM&end_time=$TO" >"$WORK/analysis.json"
"$CPROFILER" merge -c "$WORK/c.yml" -t mutex_delay --from "$FROM" -o "$WORK/cli.pb.gz" 2>/dev/null
WANT=$(go tool pprof -raw -sample_index=delay "$WORK/cli.pb.gz" 2>/dev/null | awk '/^Samples:/{s=1; getline; next} /^Locations/{s=0} s && /:/{sub(":","",$2); t += $2} END {printf "%.0f\n", t}')
jq -e --argjson want "$WANT" '.interval == true and .total == $want and .resets == 1 and .profiles_read == 3 and .sample_index == "delay" and (.ids | length) == 3 and .count == 5 and .interval_start < .interval_end' "$WORK/analysis.json" >/dev/null ||
  fail "analysis: $(jq -c 'del(.flame, .top)' "$WORK/analysis.json"), want total $WANT"
jq -e '[.. | objects | select(has("v")) | .v] | all(. >= 0)' "$WORK/analysis.json" >/dev/null || fail "negative flame values"
curl -fs "$URL/api/merge?sample_type=mutex_delay&start_time=$FROM&end_time=$TO" -o "$WORK/api.pb.gz"
top_of -sample_index=delay "$WORK/api.pb.gz" >"$WORK/api.top"
top_of -sample_index=delay "$WORK/cli.pb.gz" >"$WORK/cli.top"
same "/api/merge's window vs the CLI's" "$WORK/cli.top" "$WORK/api.top"
# interval=1 where there is no interval: a clear 400.
[ "$(curl -s -o "$WORK/body" -w '%{http_code}' "$URL/api/analysis?sample_type=goroutine&start_time=$FROM&end_time=$TO&interval=1")" = 400 ] ||
  fail "interval=1 on goroutine: $(cat "$WORK/body")"
# interval=0: the snapshots merged as they are.
curl -fs "$URL/api/analysis?sample_type=mutex_delay&start_time=$FROM&end_time=$TO&interval=0" |
  jq -e '.interval == false and .count == 5' >/dev/null || fail "interval=0"
# One bubble's interval, and the baseline's answer.
SECOND=$(jq -r '[.[].ProfileMetas[]][1].ProfileID' "$WORK/meta.json")
FIRST=$(jq -r '[.[].ProfileMetas[]][0].ProfileID' "$WORK/meta.json")
DELTA=$(jq -r '[.[].ProfileMetas[]][1].DeltaValue' "$WORK/meta.json")
curl -fs "$URL/api/analysis?id=$SECOND&interval=1&si=delay" | jq -e --argjson d "$DELTA" '.interval == true and .total == $d' >/dev/null ||
  fail "the second snapshot's interval total is not its DeltaValue $DELTA"
[ "$(curl -s -o "$WORK/body" -w '%{http_code}' "$URL/api/analysis?id=$FIRST&interval=1")" = 404 ] || fail "baseline interval: $(cat "$WORK/body")"
grep -q baseline "$WORK/body" || fail "the baseline's 404 does not say why: $(cat "$WORK/body")"
pass "/api/analysis and /api/merge: the window's intervals (as the CLI), interval=0, one bubble's interval, a baseline's 404"

# 4. godeltaprof's paths serve intervals already: never differenced again.
FAKE=$(start_fake)
cat >"$WORK/d.yml" <<YML
archive: $WORK/darch
scrape-configs:
  - job: delta
    enabled-profiles: [heap]
    path-profiles: {heap: /debug/pprof/delta_heap}
    target-configs: [{hosts: [$FAKE]}]
YML
for _ in 1 2 3; do expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/d.yml"; sleep 0.01; done
"$CPROFILER" query -c "$WORK/d.yml" -t heap_alloc_space -o json >"$WORK/delta.json"
jq -e 'length == 3 and all(has("Cumulative") | not) and all(has("DeltaValue") | not)' "$WORK/delta.json" >/dev/null ||
  fail "delta_heap snapshots must not be cumulative: $(cat "$WORK/delta.json")"
mapfile -t FILES < <("$CPROFILER" query -c "$WORK/d.yml" -t heap_alloc_space -o paths)
top_of -sample_index=alloc_space "${FILES[@]}" >"$WORK/go.top"
"$CPROFILER" top -c "$WORK/d.yml" -t heap_alloc_space 2>"$WORK/err" | headless >"$WORK/ours.top"
same "a window of delta_heap profiles vs their plain merge" "$WORK/go.top" "$WORK/ours.top"
expect_grep "3 snapshots of 1 target, 3 profiles read" "$WORK/err"
pass "profiles from /debug/pprof/delta_heap (godeltaprof) are intervals already: Value is the interval, a window merges them"
