#!/usr/bin/env bash
# Merge benchmark (issue 29): each figure ours against go tool pprof's, from
# the same run: wall time (best of 5) beside peak RSS (GNU time's maximum
# resident set), and whether both give the same top table.
#
#   bash tests/bench/merge_bench.sh [BUILD_DIR]
#
# - cpu 600: 20 ten-second CPU profiles of the Go workload (10 processes,
#   two rounds), each stored 30 times under different names; merged by
#   cprofiler merge and go tool pprof -proto. Beside it, the RSS of
#   cprofiler --version (target: the merge at most 10 MB above it).
# - heap 200: 200 heap profiles of one synthetic program (make_profile
#   OUT 1 20000 heap SEED: 20,000 functions, 10,000 samples drawn from one
#   pool of 20,000 stacks, 2.2 MB each uncompressed); merged likewise, and
#   go tool pprof -top of both results compared for every sample index.
#   go tool pprof takes about a minute and 11 GB here: one run of it
#   (MERGE_BENCH_PPROF_HEAP=0 leaves it out).
# - top 21 MB: cprofiler top against go tool pprof -top of make_profile's
#   21 MB heap profile (240,000 samples).
# - interval day: a cumulative type's one-day window (heap_alloc_space,
#   1,440 snapshots a minute apart of one target, each a production
#   service's size: interval_bench's archive) by cprofiler top, against
#   go tool pprof -top -base of its first and last snapshot (what the
#   window's intervals add up to).
#
# MERGE_BENCH_PROFILES=DIR keeps the inputs in DIR and reuses them on the
# next run, so two builds can be compared on the same files; else they go
# in a temporary directory removed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
CPROFILER=$BUILD/cprofiler
WORK=$(mktemp -d /tmp/cprof-merge-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; rm -rf "$WORK"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 2; }
PROFILES=${MERGE_BENCH_PROFILES:-$WORK/profiles}
mkdir -p "$PROFILES"

collect_cpu() {  # 10 workloads, two rounds of 10 s CPU profiles, 30 copies each
  local addrs=() curls=() i round f c
  for i in $(seq 10); do
    "$BUILD/go-bin/workload" -addr-file "$WORK/addr.$i" >/dev/null 2>&1 &
    PIDS+=($!)
  done
  for i in $(seq 10); do
    for _ in $(seq 100); do [ -s "$WORK/addr.$i" ] && break; sleep 0.1; done
    addrs+=("$(cat "$WORK/addr.$i")")
  done
  mkdir -p "$PROFILES/cpu"
  for round in 1 2; do
    curls=()
    for i in $(seq 10); do
      curl -s -o "$PROFILES/cpu/$round-$i.pb.gz" \
        "http://${addrs[$((i - 1))]}/debug/pprof/profile?seconds=10" &
      curls+=($!)
    done
    wait "${curls[@]}"  # not a bare wait: that would wait for the servers too
  done
  # The workloads burn CPU: stop them before anything is timed.
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
  for f in "$PROFILES"/cpu/*-*.pb.gz; do
    for c in $(seq 2 30); do cp "$f" "${f%.pb.gz}.copy$c.pb.gz"; done
  done
}

echo "preparing inputs in $PROFILES..."
[ "$(ls "$PROFILES/cpu" 2>/dev/null | wc -l)" -ge 600 ] || collect_cpu
if [ "$(ls "$PROFILES/heap" 2>/dev/null | wc -l)" -lt 200 ]; then
  mkdir -p "$PROFILES/heap"
  for i in $(seq 200); do
    "$BUILD/tests/make_profile" "$PROFILES/heap/$i.pb.gz" 1 20000 heap "$i" >/dev/null
  done
fi
[ -s "$PROFILES/big21.pb.gz" ] || "$BUILD/tests/make_profile" "$PROFILES/big21.pb.gz" 21 20000 heap >/dev/null
if [ ! -d "$PROFILES/interval" ]; then
  "$BUILD/tests/interval_bench" "$PROFILES/interval" 1440 50 >/dev/null
fi

# run LABEL RUNS COMMAND...: sets WALL (best of RUNS, seconds) and RSS (MB).
run() {
  local label=$1 runs=$2 best="" start wall
  shift 2
  for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
    wall=$(echo "$EPOCHREALTIME - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then best=$wall; fi
  done
  /usr/bin/time -f "%M" -o "$WORK/time" "$@" >/dev/null 2>&1
  WALL=$best
  RSS=$(echo "$(cat "$WORK/time") / 1024" | bc -l)
  printf "  %-24s %8.3f s (best of %d)  peak RSS %8.1f MB\n" "$label" "$WALL" "$runs" "$RSS"
}
# ratio: ours against pprof's, from the last two runs.
ratio() {
  awk -v gw="$1" -v gr="$2" -v cw="$3" -v cr="$4" \
    'BEGIN { printf "  ratio: %.1fx the speed, %.2fx the memory of go tool pprof\n", gw / cw, cr / gr }'
}
# same_top A B [SAMPLE_INDEX...]: go tool pprof -top of two profiles, compared.
same_top() {
  local a=$1 b=$2 si same=yes
  shift 2
  for si in "${@:-}"; do
    go tool pprof -top ${si:+-sample_index=$si} "$a" 2>/dev/null | grep -v '^Time:' >"$WORK/a.top"
    go tool pprof -top ${si:+-sample_index=$si} "$b" 2>/dev/null | grep -v '^Time:' >"$WORK/b.top"
    cmp -s "$WORK/a.top" "$WORK/b.top" || same="NO (${si:-default})"
  done
  echo "  same go tool pprof -top: $same"
}

uptime
echo "== cprofiler --version"
run "cprofiler --version" 5 "$CPROFILER" --version
VERSION_RSS=$RSS

echo "== cpu 600: $(du -shL --apparent-size "$PROFILES/cpu" | cut -f1)"
run "go tool pprof -proto" 5 go tool pprof -proto -output "$WORK/go.pb.gz" "$PROFILES"/cpu/*.pb.gz
gw=$WALL gr=$RSS
run "cprofiler merge" 5 "$CPROFILER" merge "$PROFILES"/cpu/*.pb.gz -o "$WORK/ours.pb.gz"
ratio "$gw" "$gr" "$WALL" "$RSS"
printf "  above --version: %.1f MB (target: 10)\n" "$(echo "$RSS - $VERSION_RSS" | bc -l)"
same_top "$WORK/go.pb.gz" "$WORK/ours.pb.gz"

echo "== heap 200: $(du -shL --apparent-size "$PROFILES/heap" | cut -f1)"
run "cprofiler merge" 5 "$CPROFILER" merge "$PROFILES"/heap/*.pb.gz -o "$WORK/ours.pb.gz"
cw=$WALL cr=$RSS
if [ "${MERGE_BENCH_PPROF_HEAP:-1}" = 1 ]; then
  run "go tool pprof -proto" 1 go tool pprof -proto -output "$WORK/go.pb.gz" "$PROFILES"/heap/*.pb.gz
  ratio "$WALL" "$RSS" "$cw" "$cr"
  same_top "$WORK/go.pb.gz" "$WORK/ours.pb.gz" alloc_objects alloc_space inuse_objects inuse_space
fi

echo "== top 21 MB: $(du -shL --apparent-size "$PROFILES/big21.pb.gz" | cut -f1) gzipped"
run "go tool pprof -top" 5 go tool pprof -top "$PROFILES/big21.pb.gz"
gw=$WALL gr=$RSS
run "cprofiler top" 5 "$CPROFILER" top "$PROFILES/big21.pb.gz"
ratio "$gw" "$gr" "$WALL" "$RSS"
go tool pprof -top "$PROFILES/big21.pb.gz" 2>/dev/null | sed 1,2d >"$WORK/a.top"
"$CPROFILER" top "$PROFILES/big21.pb.gz" 2>/dev/null | sed 1,2d >"$WORK/b.top"
cmp -s "$WORK/a.top" "$WORK/b.top" && echo "  same top table: yes" || echo "  same top table: NO"

echo "== interval day: 1,440 heap snapshots of one target"
window=(--archive "$PROFILES/interval" -t heap_alloc_space
  --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z)
mapfile -t paths < <("$CPROFILER" query "${window[@]}" -o paths 2>/dev/null)
run "go tool pprof -top -base" 5 go tool pprof -top -sample_index=alloc_space \
  -base "${paths[0]}" "${paths[-1]}"
gw=$WALL gr=$RSS
run "cprofiler top" 5 "$CPROFILER" top "${window[@]}"
ratio "$gw" "$gr" "$WALL" "$RSS"
go tool pprof -top -sample_index=alloc_space -base "${paths[0]}" "${paths[-1]}" 2>/dev/null |
  sed -n '/flat%/,$p' >"$WORK/a.top"
"$CPROFILER" top "${window[@]}" 2>/dev/null | sed -n '/flat%/,$p' >"$WORK/b.top"
cmp -s "$WORK/a.top" "$WORK/b.top" && echo "  same rows: yes" || echo "  same rows: NO"
uptime
