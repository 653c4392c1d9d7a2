# `cprofiler query`: every option and matcher over a synthetic archive of
# known content, bad input (exit 2), unreadable entries (named, skipped,
# exit 1), and config errors naming file and line.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?}"
A="$WORK/arch"
# 70 entries over 2026-11-20: app-(i/7%5), type i%7, env prod for odd i.
"$MAKE_ARCHIVE" "$A" 70 5 2026-11-20
DAY=(--archive "$A" --from 2026-11-20 --to 2026-11-20T23:59:59.999Z)

count() {  # expected, query args...
  local want=$1
  shift
  expect_exit 0 "$CPROFILER" query "${DAY[@]}" -o ids "$@"
  local got
  got=$(wc -l <"$WORK/out")
  [ "$got" = "$want" ] || fail "query $*: $got entries, want $want"
  pass "query $* -> $want"
}
count 70
count 10 -t heap_a
count 10 -t profile_b
count 0 -t heap_nope
count 14 -l _app=app-1
count 7 -l _app=app-1 -l env=prod
count 28 --any -l _app=app-1 -l _app=app-2
count 28 -l '_app=~app-[12]'
count 42 -l '_app!~app-[12]'
count 56 -l '_app!=app-1'
count 10 -l _type=heap
count 70 -l _job=bench
count 0 -l _host=nowhere
count 35 -l env=prod
count 70 -l zone=
count 34 --from 2026-11-20T12:00:00Z  # entry 35 is at 11:59:59.999
count 36 --to 2026-11-20T12:00:00Z

# Default range is the last 24 hours: this archive is older.
expect_exit 0 "$CPROFILER" query --archive "$A"
expect_grep "no profiles match" "$WORK/err"
pass "default range: last 24h"

expect_exit 0 "$CPROFILER" query "${DAY[@]}" -o json
[ "$(grep -o '"ProfileID"' "$WORK/out" | wc -l)" = 140 ] || fail "json: want 140 metas (2 sample types each)"
expect_exit 0 "$CPROFILER" query "${DAY[@]}" -o json -t heap_b -l _app=app-0
expect_grep '^\[\{"ProfileID":"20261120-[0-9a-f]{16}-[0-9]{9}-heap-[0-9a-f]{10}","ProfileType":"heap","SampleType":"heap_b","JobName":"bench","Host":"10.0.0.0:6060","App":"app-0","SampleTypeUnit":"bytes","Value":[0-9]+,"Timestamp":[0-9]+,"Duration":0,"Labels":\[\{"Key":"env","Value":"(dev|prod)"\}\]\},' "$WORK/out"
pass "json: the seed's ProfileMeta shape"

expect_exit 0 "$CPROFILER" query "${DAY[@]}" -o paths -t goroutine_a
while read -r p; do [ -f "$p" ] || fail "listed path $p is not a file"; done <"$WORK/out"
[ "$(wc -l <"$WORK/out")" = 10 ] || fail "paths: want 10"
pass "paths: one existing file a line"

expect_exit 0 "$CPROFILER" query "${DAY[@]}" -t mutex_b -l _app=app-3
# mutex is cumulative: an INTERVAL column (each of these the first of its
# target, so its baseline).
expect_grep "^TIME +TYPE +VALUE +INTERVAL +JOB +APP +HOST +LABELS +ID" "$WORK/out"
expect_grep "^2026-11-20T[0-9:]{8}Z +mutex_b +[0-9.]+[kMG]?B +baseline +bench +app-3 +10.0.0.3:6060 +env=(dev|prod) +20261120-" "$WORK/out"
expect_exit 0 "$CPROFILER" query "${DAY[@]}" -t goroutine_b -l _app=app-3
expect_grep "^TIME +TYPE +VALUE +JOB +APP +HOST +LABELS +ID" "$WORK/out"
expect_grep "^2026-11-20T[0-9:]{8}Z +goroutine_b +[0-9.]+[kMG]?B +bench +app-3 +10.0.0.3:6060 +env=(dev|prod) +20261120-" "$WORK/out"
pass "table (an INTERVAL column for a cumulative type only)"

# Environment and the seed's flag spelling.
CPROFILER_ARCHIVE="$A" expect_exit 0 "$CPROFILER" query --from 2026-11-20 --to 2026-11-21 -o ids
[ "$(wc -l <"$WORK/out")" = 70 ] || fail "\$CPROFILER_ARCHIVE not honoured"
printf 'archive: %s\n' "$A" >"$WORK/c.yml"
expect_exit 0 "$CPROFILER" query -config-path "$WORK/c.yml" --from 2026-11-20 --to 2026-11-21 -o ids
[ "$(wc -l <"$WORK/out")" = 70 ] || fail "-config-path not honoured"
printf 'archive: arch\n' >"$WORK/rel.yml"
expect_exit 0 "$CPROFILER" query -c "$WORK/rel.yml" --from 2026-11-20 --to 2026-11-21 -o ids
[ "$(wc -l <"$WORK/out")" = 70 ] || fail "a relative archive is relative to the config's directory"
pass "\$CPROFILER_ARCHIVE, -config-path, relative archive"

# Bad input: exit 2 and a one-line reason.
bad() {  # pattern, args...
  local pattern=$1
  shift
  expect_exit 2 "$CPROFILER" "$@"
  expect_grep "$pattern" "$WORK/err"
  pass "rejects $* ($pattern)"
}
bad "unknown sample type \"cmdline\"" query --archive "$A" -t cmdline
bad "bad matcher" query --archive "$A" -l nonsense
bad "bad regular expression" query --archive "$A" -l 'a=~('
bad "bad label name" query --archive "$A" -l '_nope=x'
bad "bad time \"yesterday\"" query --archive "$A" --from yesterday
bad "bad relative time" query --archive "$A" --from -3x
bad "ends before it starts" query --archive "$A" --from now --to -1h
bad "xml not in" query --archive "$A" -o xml
bad "no archive at" query --archive "$WORK/none"
bad "does not exist" query -c "$WORK/missing.yml"
bad "--frm" query --archive "$A" --frm -1h
printf 'scrape-configs:\n  - job: a\n    interval: 6x\n    target-configs: [{hosts: [h:1]}]\n' >"$WORK/bad.yml"
bad "bad.yml:3:15: scrape-configs\[0\].interval: bad duration \"6x\"" scrape --once -c "$WORK/bad.yml"
bad "no config file|does not exist" scrape --once -c "$WORK/nothing.yml"
bad "--force goes with --once" scrape --force -c "$WORK/bad.yml"

# An unreadable sidecar is named and skipped; the rest still answers.
mapfile -t SIDECARS < <(sidecars "$A")
VICTIM=${SIDECARS[0]}
head -c 40 "$VICTIM" >"$VICTIM.cut" && mv "$VICTIM.cut" "$VICTIM"
expect_exit 1 "$CPROFILER" query "${DAY[@]}" -o ids
expect_grep "skipping $VICTIM: sidecar: bad JSON" "$WORK/err"
[ "$(wc -l <"$WORK/out")" = 69 ] || fail "want the 69 readable entries"
pass "corrupt sidecar: named, skipped, exit 1"
