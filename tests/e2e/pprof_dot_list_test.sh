# pprof-exact: `cprofiler top --format dot` prints what `go tool pprof -dot`
# prints, and `cprofiler top --list RE` (with --source-path and --trim-path)
# what `go tool pprof -list RE` (-source_path, -trim_path) prints, byte for
# byte and with the same exit status: on the fixtures cpu.pb.gz and
# heap.pb.gz (every sample index), and on the workload's own CPU (labelled),
# goroutine, heap, mutex and block profiles; -list with the workload's
# sources found (where the build had them, or a copy found through
# --source-path) and not found. TZ pins the legend's Time: line.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

# expect_out RE: the last comparison's output has a line matching RE.
expect_out() {
  grep -qE -- "$1" "$WORK/ours.out" || { cat "$WORK/ours.out"; fail "$COMPARED_WHAT: no $1"; }
}

CPU=$TEST_DATA_DIR/cpu.pb.gz
HEAP=$TEST_DATA_DIR/heap.pb.gz
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"

# The dot graph of the fixtures: the default 80 nodes and smaller node
# counts (whose rebuilt graphs have residual edges), filters, and a heap
# profile's "bytes" boxes for every sample index.
compare_pprof "dot of cpu.pb.gz" "$CPU" -dot
expect_lines 30
expect_out '^N1 \[label="sha256\\nblock\\n'
for n in 3 8 15; do
  compare_pprof "dot of cpu.pb.gz, nodecount $n" "$CPU" -dot -nodecount=$n
done
compare_pprof "dot with focus" "$CPU" -dot -focus=sha256
compare_pprof "dot with hide" "$CPU" -dot -hide=runtime
compare_pprof "dot without a node" "$CPU" -dot -focus=nosuchfunction
expect_out '^}$'
for si in alloc_objects alloc_space inuse_objects inuse_space; do
  compare_pprof "dot of heap.pb.gz, $si" "$HEAP" -dot -sample_index="$si"
  expect_lines 7
  expect_out '^NN1_0 \[label = "[0-9.]+[kMG]?B" '
  for n in 4 12; do
    compare_pprof "dot of heap.pb.gz, $si, nodecount $n" "$HEAP" -dot -sample_index="$si" -nodecount=$n
  done
  compare_pprof "dot of heap.pb.gz, $si, ignoring" "$HEAP" -dot -sample_index="$si" -ignore=workloadHeap
done
compare_pprof "dot of heap.pb.gz, residual edges" "$HEAP" -dot -sample_index=alloc_space
expect_out 'style="dotted"'
pass "cpu.pb.gz and heap.pb.gz (every sample index): dot identical to go tool pprof -dot"

# The list of the fixtures: their sources are wherever the fixture was
# built (found or not on this host, pprof and cprofiler alike).
for re in '.' 'main\.' 'Sum256'; do
  compare_pprof "list $re of cpu.pb.gz" "$CPU" -list="$re"
  expect_out '^ROUTINE ======================== '
done
for si in alloc_objects inuse_space; do
  compare_pprof "list of heap.pb.gz, $si" "$HEAP" -list='main\.' -sample_index="$si"
  expect_lines 3
done
compare_pprof "list without a match" "$CPU" -list=nosuchfunction
pass "cpu.pb.gz and heap.pb.gz: list identical to go tool pprof -list"

# The workload's own profiles: labelled CPU, goroutine, heap, mutex, block.
ADDR=$(start_workload -labels)
sleep 1
for p in goroutine heap mutex block; do
  curl -fsS -o "$WORK/w-$p.pb.gz" "http://$ADDR/debug/pprof/$p" || fail "no $p profile"
done
curl -fsS -o "$WORK/w-cpu.pb.gz" "http://$ADDR/debug/pprof/profile?seconds=2" ||
  fail "no CPU profile from the workload"
LCPU=$WORK/w-cpu.pb.gz
compare_pprof "dot of the labelled CPU profile" "$LCPU" -dot
expect_out '\[label = "endpoint:/api/(users|orders|health)" id="N[0-9]+_[0-9]+" fontsize=8 shape=box3d'
compare_pprof "dot of the labelled CPU profile, samples" "$LCPU" -dot -sample_index=samples -nodecount=12
compare_pprof "dot, tagfocus" "$LCPU" -dot -tagfocus=endpoint=users
compare_pprof "dot of the goroutine profile" "$WORK/w-goroutine.pb.gz" -dot
expect_out 'endpoint:/api/'
expect_out '\(inline\)'
for si in alloc_objects alloc_space inuse_objects inuse_space; do
  compare_pprof "dot of the workload's heap, $si" "$WORK/w-heap.pb.gz" -dot -sample_index=$si
done
compare_pprof "dot of the mutex profile" "$WORK/w-mutex.pb.gz" -dot
expect_out 'workloadMutex'
compare_pprof "dot of the mutex profile, contentions" "$WORK/w-mutex.pb.gz" -dot -sample_index=contentions
compare_pprof "dot of the block profile" "$WORK/w-block.pb.gz" -dot
expect_out 'workloadBlock'
pass "the workload's CPU (labels drawn as pprof draws them), goroutine, heap, mutex and block profiles: dot identical"

# -list of the workload with its sources: where the build had them (an
# absolute name), and a copy found through --source-path (pprof's rule: a
# name containing /<last element of the source dir>/ is cut after it).
compare_pprof "list of the workload's handlers, sources in place" "$LCPU" -list='main\.workload'
expect_out '^ROUTINE ======================== main\.workload[A-Za-z]+ in /.*/workload/main\.go$'
expect_out '^ +[.0-9a-z]+ +[.0-9a-z]+ +[0-9]+:func workload'
compare_pprof "list of the mutex profile, sources in place" "$WORK/w-mutex.pb.gz" -list='workloadMutex|Unlock'
expect_out '[0-9.]+m?s +[0-9]+:[[:space:]]+mu\.Unlock\(\)$'
mkdir -p "$WORK/copy/workload"
sed 's/^\t\tmu\.Unlock()$/&  \/\/ the copy/' \
  "$TEST_DATA_DIR/../go/workload/main.go" >"$WORK/copy/workload/main.go"
compare_pprof "list through the source path's last element" "$WORK/w-mutex.pb.gz" -list=workloadMutex \
  -source_path="$WORK/nowhere:$WORK/copy/workload"
expect_out 'mu\.Unlock\(\)  // the copy$'
for si in alloc_space inuse_objects; do
  compare_pprof "list of the workload's heap, $si, through the source path" "$WORK/w-heap.pb.gz" \
    -list='main\.workload' -sample_index=$si -source_path="$WORK/nowhere:$WORK/copy/workload"
  expect_out '^ROUTINE ======================== main\.workloadHeap in '
done
# Without sources: a trimmed (relative) name not found under the source path.
SRC_PREFIX=$(go tool pprof -raw "$LCPU" 2>/dev/null | grep -o '/[^ ]*/workload/main\.go' | head -1)
[ -n "$SRC_PREFIX" ] || fail "no workload source file in the CPU profile"
SRC_PREFIX=${SRC_PREFIX%/workload/main.go}
mkdir -p "$WORK/empty"
compare_pprof "list without sources" "$LCPU" -list='main\.workload' -trim_path="$SRC_PREFIX" \
  -source_path="$WORK/empty"
expect_out '^ Error: could not find file workload/main\.go on path '
compare_pprof "list with a trimmed name found under the source path" "$LCPU" -list='main\.workload' \
  -trim_path="$SRC_PREFIX" -source_path="$WORK/copy"
expect_out 'func workloadCPU'
pass "the workload's list: its sources where they were built, a copy through --source-path, none found"

# Usage: the flags pprof cannot get wrong.
expect_exit 1 "$CPROFILER" top --list nosuchfunction "$CPU"
expect_grep "^cprofiler: top: no matches found for regexp: nosuchfunction$" "$WORK/err"
expect_exit 2 "$CPROFILER" top --format list "$CPU"
expect_grep "needs --list" "$WORK/err"
expect_exit 2 "$CPROFILER" top --list . --peek . "$CPU"
expect_exit 2 "$CPROFILER" top --list . --format dot "$CPU"
expect_grep "--list prints --format list" "$WORK/err"
expect_exit 2 "$CPROFILER" top --list '(' "$CPU"
pass "list without a match exits 1 as pprof does; flag mixes are usage errors"
