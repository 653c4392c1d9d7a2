#!/usr/bin/env bash
# Long windows from rollups, on demand (not part of the test suite): an
# archive of ROLLUP_APPS (10) apps' CPU profiles, one a minute each, over
# ROLLUP_DAYS (30) days (the real cpu fixture: 432,000 entries); then
#  - `cprofiler compact` over all of it: time, and the rollups' size;
#  - one app's merge over the whole window (raw edges at both ends), from
#    rollups, cold (page cache dropped when it can be) and warm (best of
#    5), and with --raw; equality of the two by go tool pprof -top;
#  - serve's /api/merge of the same window, warm (best of 5).
# Beside each time, the peak RSS: GNU time's of compact and merge (the
# most of the runs), serve's VmHWM after its requests.
# Target (issue 12): one app over 30 days from rollups under 1 s.
#
#   bash tests/bench/rollup_bench.sh [BUILD_DIR]
#   (ROLLUP_ARCHIVE=DIR makes the archive there, or reuses it, and keeps
#   it; otherwise it is made under /tmp and removed.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
APPS=${ROLLUP_APPS:-10}
DAYS=${ROLLUP_DAYS:-30}
ENTRIES=$((APPS * DAYS * 1440))
FIRST_DAY=2026-10-01
WORK=$(mktemp -d /tmp/cprof-rollup-bench.XXXXXX)
ARCHIVE=${ROLLUP_ARCHIVE:-$WORK/archive}
trap 'rm -rf "$WORK"' EXIT
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && echo "page cache dropped" || echo "page cache not droppable here"; }
if [ ! -e "$ARCHIVE/CPROFILER-ARCHIVE" ]; then
  echo "== making $ENTRIES entries ($APPS apps, one CPU profile a minute, $DAYS days)"
  T0=$EPOCHREALTIME
  "$BUILD/tests/make_archive" "$ARCHIVE" "$ENTRIES" "$APPS" "$FIRST_DAY" \
    "$ROOT/tests/data/cpu.pb.gz" "$DAYS" profile
  echo "   in $(since "$T0") s; $(du -sh "$ARCHIVE" | cut -f1) on disk"
fi
cat >"$WORK/c.yml" <<YML
archive: $ARCHIVE
scrape-configs:
  - job: bench
    rollups: {hourly: 0, daily: 0}
    target-configs: [{hosts: [127.0.0.1:1]}]
YML
echo "== compact"
measure "$BUILD/cprofiler" compact -c "$WORK/c.yml" >"$WORK/compact.out"
sed 's/^/   /' "$WORK/compact.out"
echo "   in $(printf %.2f "$WALL") s, peak RSS $RSS MB; rollups $(du -sh "$ARCHIVE/rollups" | cut -f1), raw $(du -sh --exclude=rollups "$ARCHIVE" | cut -f1)"

LAST_DAY=$(date -u -d "$FIRST_DAY + $((DAYS - 1)) days" +%Y-%m-%d)
SEL=(-c "$WORK/c.yml" -t profile_cpu -l _app=app-3 --from "${FIRST_DAY}T00:17:00Z" --to "${LAST_DAY}T23:41:00Z")
best_of() {  # N ARGS...: N merges; prints the best wall time (s) and the most peak RSS
  local n=$1 best=999 peak=0
  shift
  for _ in $(seq "$n"); do
    measure "$BUILD/cprofiler" merge "${SEL[@]}" "$@" 2>"$WORK/merge.log"
    best=$(awk -v a="$best" -v b="$WALL" 'BEGIN { print (b < a) ? b : a }')
    peak=$(max "$peak" "$RSS")
  done
  printf "%.2f s, peak RSS %s MB" "$best" "$peak"
}
echo "== one app over $DAYS days (app-3, $((DAYS * 1440)) profiles, raw edges at both ends)"
drop_caches
echo "   from rollups, cold: $(best_of 1 -o "$WORK/tiled.pb.gz")"
echo "   from rollups, warm: $(best_of 5 -o "$WORK/tiled.pb.gz")  ($(cat "$WORK/merge.log" | head -1 | sed 's/^cprofiler: merge: //'))"
echo "   --raw, warm:        $(best_of 2 --raw -o "$WORK/raw.pb.gz")"
if command -v go >/dev/null; then
  if diff <(go tool pprof -top "$WORK/raw.pb.gz" 2>/dev/null) <(go tool pprof -top "$WORK/tiled.pb.gz" 2>/dev/null) >/dev/null; then
    echo "   go tool pprof -top: the same for both"
  else
    echo "   go tool pprof -top: DIFFERENT"
    exit 1
  fi
fi

# serve's /api/merge of the same window (issue 25: from rollups, as the CLI
# merges, under 1 s), once serve has indexed the archive.
PORT=18932
"$BUILD/cprofiler" serve --archive "$ARCHIVE" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1200); do grep -q indexed "$WORK/serve.log" && break; sleep 0.1; done
echo "== serve: $(grep -o 'indexed.*' "$WORK/serve.log" | head -1)"
URL="http://127.0.0.1:$PORT/api/merge?sample_type=profile_cpu&start_time=${FIRST_DAY}T00:17:00Z&end_time=${LAST_DAY}T23:41:00Z&lbs%5B_app%5D=app-3"
best=999
for _ in 1 2 3 4 5; do
  T0=$EPOCHREALTIME
  curl -fs -o "$WORK/served.pb.gz" "$URL" || { echo "   /api/merge failed"; exit 1; }
  t=$(since "$T0")
  best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
done
echo "   /api/merge of the window, warm: $best s (best of 5); serve peak RSS $(hwm_mb "$SERVE") MB"
if command -v go >/dev/null; then
  if diff <(go tool pprof -top "$WORK/raw.pb.gz" 2>/dev/null) <(go tool pprof -top "$WORK/served.pb.gz" 2>/dev/null) >/dev/null; then
    echo "   go tool pprof -top: the same as merge --raw"
  else
    echo "   go tool pprof -top: DIFFERENT from merge --raw"
    exit 1
  fi
fi
kill $SERVE
