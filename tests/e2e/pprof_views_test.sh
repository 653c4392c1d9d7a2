# pprof-exact: `cprofiler top --format tags` prints what `go tool pprof
# -tags` prints, and `cprofiler top --peek RE` what `go tool pprof -peek RE`
# prints, and `cprofiler top --tagroot KEY` `go tool pprof -tagroot=KEY
# -top`, byte for byte and with the same exit status: on the fixtures
# cpu.pb.gz and heap.pb.gz (every sample index of heap), with pprof's
# filters, and on CPU and goroutine profiles of the workload's endpoints,
# whose handlers run under pprof.Do labels (workload -labels). Nothing is
# stripped: the one header line that could differ, Time:, is the profile's
# time in the local zone for both, and TZ pins that zone.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

CPU=$TEST_DATA_DIR/cpu.pb.gz
HEAP=$TEST_DATA_DIR/heap.pb.gz

# The fixtures: a CPU profile has no labels (both print nothing); a heap
# profile has Go's numeric "bytes" label, for every sample index.
compare_pprof "tags of cpu.pb.gz" "$CPU" -tags
[ "$COMPARED_LINES" = 0 ] || fail "tags of an unlabelled profile: $(cat "$WORK/ours.out")"
for re in 'sha256' 'main\.workloadCPU' '^runtime\.' '.'; do
  compare_pprof "peek $re of cpu.pb.gz" "$CPU" -peek="$re"
  expect_lines 9
done
compare_pprof "peek with focus" "$CPU" -peek=. -focus=sha256
compare_pprof "peek with hide" "$CPU" -peek=sha256 -hide=Sum256
compare_pprof "peek with nodecount (ignored, as pprof)" "$CPU" -peek=. -nodecount=3
expect_lines 20
pass "cpu.pb.gz: tags and peek (4 expressions, focus, hide) identical to go tool pprof"

for si in alloc_objects alloc_space inuse_objects inuse_space; do
  compare_pprof "tags of heap.pb.gz, $si" "$HEAP" -tags -sample_index="$si"
  expect_lines 10
  grep -q '^ *bytes: Total ' "$WORK/ours.out" || fail "heap tags without bytes"
  for re in 'main\.workloadHeap' 'runtime\.malg' '.'; do
    compare_pprof "peek $re of heap.pb.gz, $si" "$HEAP" -peek="$re" -sample_index="$si"
    expect_lines 9
  done
  compare_pprof "tags of heap.pb.gz, $si, focused" "$HEAP" -tags -sample_index="$si" -focus=workloadHeap
  compare_pprof "tags of heap.pb.gz, $si, ignoring" "$HEAP" -tags -sample_index="$si" -ignore=workloadHeap
  expect_lines 3
done
pass "heap.pb.gz: tags and peek of every sample index identical to go tool pprof"

# A service whose handlers carry pprof labels.
ADDR=$(start_workload -labels)
sleep 1
# The tests below want samples of every endpoint; /api/health does a sixth
# of the work, so a 2 s profile on a loaded machine can miss it (or even
# another endpoint): up to five, until all three have samples.
for attempt in 1 2 3 4 5; do
  curl -fsS -o "$WORK/labelled-cpu.pb.gz" "http://$ADDR/debug/pprof/profile?seconds=2" ||
    fail "no CPU profile from the workload"
  go tool pprof -tags "$WORK/labelled-cpu.pb.gz" 2>/dev/null >"$WORK/labelled.tags"
  missing=0
  for ep in /api/users /api/orders /api/health; do
    grep -q " $ep\$" "$WORK/labelled.tags" || missing=1
  done
  [ "$missing" = 0 ] && break
done
curl -fsS -o "$WORK/labelled-goroutine.pb.gz" "http://$ADDR/debug/pprof/goroutine" ||
  fail "no goroutine profile from the workload"
LCPU=$WORK/labelled-cpu.pb.gz
for si in samples cpu; do
  compare_pprof "tags of the labelled CPU profile, $si" "$LCPU" -tags -sample_index="$si"
  expect_lines 4
  for ep in /api/users /api/orders /api/health; do
    grep -q " $ep\$" "$WORK/ours.out" || fail "tags: no $ep in $(cat "$WORK/ours.out")"
  done
done
compare_pprof "tags, tagfocus" "$LCPU" -tags -tagfocus=endpoint=users
expect_lines 2
compare_pprof "tags, tagfocus over key:value" "$LCPU" -tags '-tagfocus=endpoint:/api/(users|orders)'
compare_pprof "tags, tagignore" "$LCPU" -tags -tagignore=endpoint=health
compare_pprof "tags, tagfocus with two expressions" "$LCPU" -tags -tagfocus=endpoint=users,orders
compare_pprof "tags, focus" "$LCPU" -tags -focus=workloadEndpoint
compare_pprof "tags, ignore" "$LCPU" -tags -ignore=workloadEndpoint
compare_pprof "tags, show" "$LCPU" -tags -show=sha256
compare_pprof "peek, tagfocus" "$LCPU" -peek=workloadEndpoint -tagfocus=endpoint=orders
expect_lines 9
compare_pprof "peek of the labelled CPU profile" "$LCPU" -peek='main\.|net/http'
expect_lines 9
compare_pprof "tags of the labelled goroutine profile" "$WORK/labelled-goroutine.pb.gz" -tags
expect_lines 2
compare_pprof "peek of the labelled goroutine profile" "$WORK/labelled-goroutine.pb.gz" -peek='main\.'
# The same service's heap and mutex profiles (every sample index).
for p in heap mutex; do
  curl -fsS -o "$WORK/labelled-$p.pb.gz" "http://$ADDR/debug/pprof/$p" || fail "no $p profile"
done
for si in alloc_objects alloc_space inuse_objects inuse_space; do
  compare_pprof "tags of the service's heap, $si" "$WORK/labelled-heap.pb.gz" -tags -sample_index=$si
  expect_lines 2
  compare_pprof "peek of the service's heap, $si" "$WORK/labelled-heap.pb.gz" -peek='main\.' -sample_index=$si
  expect_lines 5
done
for si in contentions delay; do
  compare_pprof "tags of the service's mutex profile, $si" "$WORK/labelled-mutex.pb.gz" -tags -sample_index=$si
  compare_pprof "peek of the service's mutex profile, $si" "$WORK/labelled-mutex.pb.gz" -peek='workloadMutex|Unlock' -sample_index=$si
  expect_lines 5
done
pass "a labelled service's CPU, goroutine, heap and mutex profiles: tags (with filters) and peek identical to go tool pprof"

# -tagroot and -tagleaf: a frame per label value at the root (or the leaf),
# added before the filters (so -focus can match one); numeric labels (the
# heap's bytes) as pprof scales them; a key no sample has warns.
for si in samples cpu; do
  compare_pprof "top -tagroot=endpoint, $si" "$LCPU" -top -tagroot=endpoint -sample_index="$si"
  expect_lines 10
  for ep in /api/users /api/orders /api/health; do
    grep -q "  $ep\$" "$WORK/ours.out" || fail "tagroot: no $ep frame in $(cat "$WORK/ours.out")"
  done
done
compare_pprof "top -tagleaf=endpoint" "$LCPU" -top -tagleaf=endpoint
expect_lines 10
compare_pprof "top -tagroot=endpoint -focus on a value" "$LCPU" -top -tagroot=endpoint -focus=/api/orders
expect_lines 6
compare_pprof "top -tagroot=endpoint -tagfocus" "$LCPU" -top -tagroot=endpoint -tagfocus=endpoint=users
compare_pprof "top -tagroot=endpoint -nodecount" "$LCPU" -top -tagroot=endpoint -nodecount=5
compare_pprof "dot -tagroot=endpoint" "$LCPU" -dot -tagroot=endpoint
expect_lines 20
compare_pprof "peek -tagroot=endpoint" "$LCPU" -peek=workloadEndpoint -tagroot=endpoint
expect_lines 9
compare_pprof "top -tagroot=endpoint of the goroutine profile" "$WORK/labelled-goroutine.pb.gz" -top -tagroot=endpoint
for si in alloc_space inuse_space; do
  compare_pprof "top -tagroot=bytes of heap.pb.gz, $si" "$HEAP" -top -tagroot=bytes -sample_index="$si"
  expect_lines 8
  grep -q '  16384$' "$WORK/ours.out" || fail "tagroot=bytes: no 16384 frame in $(cat "$WORK/ours.out")"
done
compare_pprof "top -tagroot on no key" "$LCPU" -top -tagroot=nosuch
expect_grep "^TagRoot expression matched no samples$" "$WORK/ours.err"
expect_grep "TagRoot expression matched no samples" "$WORK/go.err"
compare_pprof "top -tagleaf on no key" "$LCPU" -top -tagleaf=nosuch
expect_grep "^TagLeaf expression matched no samples$" "$WORK/ours.err"
pass "tagroot and tagleaf (top, dot, peek; with focus, tagfocus, nodecount; numeric labels) identical to go tool pprof"

# Errors: as pprof's, and the usage mistakes pprof cannot make.
compare_pprof "peek without a match" "$CPU" -peek=nosuchfunction
expect_exit 1 "$CPROFILER" top --peek nosuchfunction "$CPU"
expect_grep "^cprofiler: top: no matches found for regexp: nosuchfunction$" "$WORK/err"
expect_exit 2 "$CPROFILER" top --peek '(' "$CPU"
expect_grep "bad peek regular expression" "$WORK/err"
expect_exit 2 "$CPROFILER" top --format peek "$CPU"
expect_grep "needs --peek" "$WORK/err"
expect_exit 2 "$CPROFILER" top --format tags --peek sha256 "$CPU"
expect_grep "--peek prints --format peek" "$WORK/err"
expect_exit 0 "$CPROFILER" top --format peek --peek sha256 "$CPU"
pass "peek without a match exits 1 as pprof does; bad expressions and flag mixes are usage errors"
