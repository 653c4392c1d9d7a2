# pprof-exact: `cprofiler merge` of real profiles read by `go tool pprof
# -top` gives the same output as go tool pprof's own merge (`-proto a b c`),
# for every sample index; `cprofiler top` prints what `go tool pprof -top`
# prints, with and without filters; folded output sums to the total; bad
# merges fail cleanly and leave no output file.
source "$(dirname "$0")/lib.sh"
ADDR=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: m
    enabled-profiles: [profile, heap, mutex, block, goroutine]
    path-profiles: {profile: "/debug/pprof/profile?seconds=1"}
    target-configs: [{hosts: [$ADDR]}]
YML
sleep 1
for i in 1 2 3; do expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"; done

# Everything but the Time: line (local time zone, minute resolution).
top_of() { go tool pprof -top "$@" 2>/dev/null | grep -v '^Time:'; }
same() {  # what, file-a, file-b
  if ! diff "$2" "$3" >"$WORK/diff"; then
    cat "$WORK/diff"
    fail "$1 differs"
  fi
}

for t in profile heap mutex block goroutine; do
  "$CPROFILER" query -c "$WORK/c.yml" -l "_type=$t" -o paths >"$WORK/paths"
  [ "$(wc -l <"$WORK/paths")" = 3 ] || fail "$t: want 3 archived profiles"
  mapfile -t FILES <"$WORK/paths"
  go tool pprof -proto "${FILES[@]}" >"$WORK/go.pb.gz" 2>/dev/null
  SAMPLE=$("$CPROFILER" query -c "$WORK/c.yml" -l "_type=$t" -o json | grep -o '"SampleType":"[^"]*"' | head -1 | cut -d'"' -f4)
  expect_exit 0 "$CPROFILER" merge -c "$WORK/c.yml" -t "$SAMPLE" --cumulative -o "$WORK/ours.pb.gz"
  mapfile -t INDEXES < <(go tool pprof -raw "$WORK/go.pb.gz" 2>/dev/null | sed -n '/^Samples:/{n;p;q}' | tr -s ' ' '\n' | sed 's#/.*##' | grep .)
  for si in "${INDEXES[@]}"; do
    top_of -sample_index="$si" "$WORK/go.pb.gz" >"$WORK/go.top"
    top_of -sample_index="$si" "$WORK/ours.pb.gz" >"$WORK/ours.top"
    same "merge of $t, sample index $si" "$WORK/go.top" "$WORK/ours.top"
    grep -q '^ *[0-9.]*[a-zA-Z]* *[0-9.]*%' "$WORK/ours.top" || fail "$t/$si: no rows compared"
    pass "merge $t -sample_index=$si: identical to go tool pprof -proto's ($(grep -c '%  ' "$WORK/ours.top") rows)"

    # top of one profile, and of the three merged, as go tool pprof -top.
    top_of -sample_index="$si" "${FILES[0]}" >"$WORK/go1.top"
    "$CPROFILER" top --sample-index "$si" "${FILES[0]}" | grep -v '^Time:' >"$WORK/ours1.top"
    same "top of one $t, $si" "$WORK/go1.top" "$WORK/ours1.top"
    top_of -sample_index="$si" "${FILES[@]}" >"$WORK/go3.top"
    "$CPROFILER" top --sample-index "$si" "${FILES[@]}" | grep -v '^Time:' >"$WORK/ours3.top"
    same "top of three $t, $si" "$WORK/go3.top" "$WORK/ours3.top"

    # Folded stacks sum to the merged profile's total for that index.
    "$CPROFILER" merge "${FILES[@]}" --format folded --sample-index "$si" -o "$WORK/folded" 2>/dev/null
    SUM=$(awk '{s += $NF} END {print s + 0}' "$WORK/folded")
    TOTAL=$(go tool pprof -raw -sample_index="$si" "$WORK/ours.pb.gz" 2>/dev/null |
            awk -v col="$(printf '%s\n' "${INDEXES[@]}" | grep -nx "$si" | cut -d: -f1)" \
              '/^Samples:/{s=1; getline; next} /^Locations/{s=0} s && /:/{sub(":","",$col); t += $col} END {print t + 0}')
    [ "$SUM" = "$TOTAL" ] || fail "folded $t/$si sums to $SUM, profile total $TOTAL"
  done
  pass "$t: top (1 and 3 profiles) identical to go tool pprof -top; folded sums to the total"
done

# Many small inputs are merged in runs (workers merge consecutive files,
# then the runs are folded in order): still exactly pprof's merge.
for t in heap goroutine; do
  mapfile -t FILES < <("$CPROFILER" query -c "$WORK/c.yml" -l "_type=$t" -o paths)
  MANY=()
  for _ in $(seq 40); do MANY+=("${FILES[@]}"); done
  go tool pprof -proto "${MANY[@]}" >"$WORK/go-many.pb.gz" 2>/dev/null
  expect_exit 0 "$CPROFILER" merge "${MANY[@]}" -o "$WORK/ours-many.pb.gz"
  mapfile -t INDEXES < <(go tool pprof -raw "$WORK/go-many.pb.gz" 2>/dev/null | sed -n '/^Samples:/{n;p;q}' | tr -s ' ' '\n' | sed 's#/.*##' | grep .)
  for si in "${INDEXES[@]}"; do
    top_of -sample_index="$si" "$WORK/go-many.pb.gz" >"$WORK/go.top"
    top_of -sample_index="$si" "$WORK/ours-many.pb.gz" >"$WORK/ours.top"
    same "merge of ${#MANY[@]} $t profiles, sample index $si" "$WORK/go.top" "$WORK/ours.top"
  done
  pass "merge of ${#MANY[@]} $t profiles (in runs): identical to go tool pprof -proto's"
done

# Filters, as pprof's -focus -ignore -hide -show.
CPU=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o paths | tail -1)
HEAP=$("$CPROFILER" query -c "$WORK/c.yml" -t heap_alloc_space -o paths | tail -1)
for filter in "focus=workloadCPU" "ignore=runtime" "focus=sha256" "hide=runtime" "show=main|sha256" \
              "focus=main.workload" "ignore=sha256.block"; do
  for f in "$CPU" "$HEAP"; do
    top_of -"$filter" "$f" >"$WORK/go.top"
    "$CPROFILER" top --"$filter" "$f" | grep -v '^Time:' >"$WORK/ours.top"
    same "top -$filter of $(basename "$f")" "$WORK/go.top" "$WORK/ours.top"
  done
  pass "top -$filter: identical to go tool pprof"
done

# Bad merges: clear errors, the right exit status, no output left behind.
GOROUTINE=$("$CPROFILER" query -c "$WORK/c.yml" -t goroutine -o paths | tail -1)
expect_exit 2 "$CPROFILER" merge "$CPU" "$GOROUTINE" -o "$WORK/bad.pb.gz"
expect_grep "cannot merge .*goroutine.*must have the same sample types" "$WORK/err"
head -c 100 "$CPU" >"$WORK/cut.pb.gz"
expect_exit 1 "$CPROFILER" merge "$CPU" "$WORK/cut.pb.gz" -o "$WORK/bad.pb.gz"
expect_grep "cut.pb.gz: gunzip: bad or truncated gzip data" "$WORK/err"
expect_exit 1 "$CPROFILER" merge -c "$WORK/c.yml" -t profile_cpu --from -2h --to -1h -o "$WORK/bad.pb.gz"
expect_grep "no profiles match" "$WORK/err"
expect_exit 2 "$CPROFILER" merge -c "$WORK/c.yml" -o "$WORK/bad.pb.gz"
expect_grep "select archived profiles with -t" "$WORK/err"
expect_exit 2 "$CPROFILER" merge "$WORK/nope.pb.gz" -o "$WORK/bad.pb.gz"
expect_grep "no such file, and not a profile ID" "$WORK/err"
expect_exit 2 "$CPROFILER" top --sample-index nonsense "$CPU"
expect_grep "sample index \"nonsense\" must be one of: samples, cpu" "$WORK/err"
expect_exit 2 "$CPROFILER" top --focus '(' "$CPU"
expect_grep "bad focus regular expression" "$WORK/err"
[ ! -e "$WORK/bad.pb.gz" ] || fail "a failed merge left an output file"
[ -z "$(find "$WORK" -maxdepth 1 -name '.tmp-*')" ] || fail "a failed merge left a temporary file"
pass "bad merges: clear errors, exit 1/2, nothing left behind"

# IDs work wherever files do, and -o - writes to stdout.
ID=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o ids | tail -1)
"$CPROFILER" merge -c "$WORK/c.yml" "$ID" -o - >"$WORK/stdout.pb.gz"
go tool pprof -top "$WORK/stdout.pb.gz" >/dev/null 2>&1 || fail "merge -o - output unreadable"
"$CPROFILER" top -c "$WORK/c.yml" "$ID" | grep -q main.workloadCPU || fail "top ID"
pass "IDs as inputs, -o -"

# -o onto something that is not a regular file (a FIFO here; /dev/null is
# the same case) is written in place: renaming a temporary file over it, as
# a regular output is written, would replace the FIFO (as root, /dev/null).
mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/from-fifo.pb.gz" &
reader=$!
expect_exit 0 "$CPROFILER" merge -c "$WORK/c.yml" "$ID" -o "$WORK/fifo"
if [ ! -p "$WORK/fifo" ]; then
  kill "$reader" 2>/dev/null  # (still waiting for a writer)
  fail "merge -o FIFO replaced the FIFO with a file"
fi
wait "$reader"
cmp -s "$WORK/from-fifo.pb.gz" "$WORK/stdout.pb.gz" || fail "merge -o FIFO: the reader got other bytes than -o -"
pass "-o onto a FIFO writes through it and leaves it a FIFO"
