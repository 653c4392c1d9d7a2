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
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WORK=$(mktemp -d /tmp/cprof-merge-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 2; }

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
mkdir -p "$WORK/cpu" "$WORK/heap"
echo "collecting profiles..."
fetch_round() {  # dir, round, path: one profile from each process at once
  local curls=() i
  for i in $(seq 10); do
    curl -s -o "$WORK/$1/$2-$i.pb.gz" "http://${ADDRS[$((i - 1))]}$3" &
    curls+=($!)
  done
  wait "${curls[@]}"  # not a bare wait: that would wait for the servers too
}
for round in $(seq 10); do fetch_round cpu "$round" "/debug/pprof/profile?seconds=1"; done
for f in "$WORK"/cpu/*.pb.gz; do
  for c in $(seq 2 10); do cp "$f" "${f%.pb.gz}.copy$c.pb.gz"; done
done
for round in $(seq 100); do fetch_round heap "$round" /debug/pprof/heap; done
# The workloads burn CPU: stop them before anything is timed.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait "${PIDS[@]}" 2>/dev/null || true
PIDS=()

run() {  # label, command...: prints wall seconds and peak RSS
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
  read -r WALL RSS <"$WORK/time"
  printf "  %-30s wall %6.2fs  peak RSS %7.1f MB\n" "$label" "$WALL" "$(echo "$RSS / 1024" | bc -l)"
  eval "${label//[^a-z]/_}_wall=$WALL ${label//[^a-z]/_}_rss=$RSS"
}
for kind in cpu heap; do
  N=$(ls "$WORK/$kind" | wc -l)
  SIZE=$(du -sh "$WORK/$kind" | cut -f1)
  echo "== $N $kind profiles ($SIZE)"
  run "go tool pprof -proto" go tool pprof -proto -output "$WORK/go.pb.gz" "$WORK/$kind"/*.pb.gz
  run "cprofiler merge" "$BUILD/cprofiler" merge "$WORK/$kind"/*.pb.gz -o "$WORK/ours.pb.gz"
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
