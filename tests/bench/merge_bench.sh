#!/usr/bin/env bash
# Merge benchmark: 1,000 real CPU profiles and 1,000 real heap profiles,
# merged by cprofiler and by `go tool pprof -proto` in the same run: wall
# time, peak RSS, and the ratios. Also checks both merges give the same top.
#
#   bash tests/bench/merge_bench.sh [BUILD_DIR]
#
# The profiles come from 10 copies of the Go workload: 1,000 heap profiles
# fetched from them, and 100 one-second CPU profiles (10 at a time, one per
# process) each stored 10 times under different names (CPU profiling takes
# a second per profile; the merge sees 1,000 files either way).
#
# MERGE_BENCH_PROFILES=DIR keeps the profiles in DIR (cpu/, heap/) and reuses
# them on the next run, so two builds can be compared on the same files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WORK=$(mktemp -d /tmp/cprof-merge-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 2; }

PROFILES=${MERGE_BENCH_PROFILES:-$WORK}
collect() {  # 10 workloads; 100 CPU profiles (each copied 10 times) and 1,000 heap
  ADDRS=()
  for i in $(seq 10); do
    "$BUILD/go-bin/workload" -addr-file "$WORK/addr.$i" >/dev/null 2>&1 &
    PIDS+=($!)
  done
  for i in $(seq 10); do
    for _ in $(seq 100); do [ -s "$WORK/addr.$i" ] && break; sleep 0.1; done
    ADDRS+=("$(cat "$WORK/addr.$i")")
  done
  sleep 2
  mkdir -p "$PROFILES/cpu" "$PROFILES/heap"
  echo "collecting profiles..."
  fetch_round() {  # dir, round, path: one profile from each process at once
    local curls=() i
    for i in $(seq 10); do
      curl -s -o "$PROFILES/$1/$2-$i.pb.gz" "http://${ADDRS[$((i - 1))]}$3" &
      curls+=($!)
    done
    wait "${curls[@]}"  # not a bare wait: that would wait for the servers too
  }
  for round in $(seq 10); do fetch_round cpu "$round" "/debug/pprof/profile?seconds=1"; done
  for f in "$PROFILES"/cpu/*.pb.gz; do
    for c in $(seq 2 10); do cp "$f" "${f%.pb.gz}.copy$c.pb.gz"; done
  done
  for round in $(seq 100); do fetch_round heap "$round" /debug/pprof/heap; done
  # The workloads burn CPU: stop them before anything is timed.
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
}
if [ -d "$PROFILES/heap" ] && [ "$(ls "$PROFILES/heap" | wc -l)" -ge 1000 ]; then
  echo "reusing the profiles in $PROFILES"
else
  collect
fi

run() {  # label, command...: the median wall time of 5 runs, and peak RSS
  local label=$1 walls=() start
  shift
  # Timed runs without a wrapper: GNU time's own fork and exec would add
  # milliseconds to a merge that takes twenty.
  for _ in 1 2 3 4 5; do
    start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
    walls+=("$(echo "$EPOCHREALTIME - $start" | bc -l)")
  done
  WALL=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 3p)
  /usr/bin/time -f "%M" -o "$WORK/time" "$@" >/dev/null 2>&1
  read -r RSS <"$WORK/time"
  printf "  %-30s wall %7.3fs (median of 5)  peak RSS %7.1f MB\n" \
    "$label" "$WALL" "$(echo "$RSS / 1024" | bc -l)"
  eval "${label//[^a-z]/_}_wall=$WALL ${label//[^a-z]/_}_rss=$RSS"
}
for kind in cpu heap; do
  N=$(ls "$PROFILES/$kind" | wc -l)
  SIZE=$(du -sh "$PROFILES/$kind" | cut -f1)
  echo "== $N $kind profiles ($SIZE)"
  run "go tool pprof -proto" go tool pprof -proto -output "$WORK/go.pb.gz" "$PROFILES/$kind"/*.pb.gz
  run "cprofiler merge" "$BUILD/cprofiler" merge "$PROFILES/$kind"/*.pb.gz -o "$WORK/ours.pb.gz"
  awk -v gw="$go_tool_pprof__proto_wall" -v cw="$cprofiler_merge_wall" \
      -v gr="$go_tool_pprof__proto_rss" -v cr="$cprofiler_merge_rss" \
      'BEGIN { printf "  ratio: %.1fx faster, %.1fx less memory (targets: 5x, 3x)\n", gw / cw, gr / cr }'
  go tool pprof -top "$WORK/go.pb.gz" 2>/dev/null | grep -v '^Time:' >"$WORK/go.top"
  go tool pprof -top "$WORK/ours.pb.gz" 2>/dev/null | grep -v '^Time:' >"$WORK/ours.top"
  if diff -q "$WORK/go.top" "$WORK/ours.top" >/dev/null; then
    echo "  same top table: yes"
  else
    echo "  same top table: NO"
  fi
done
