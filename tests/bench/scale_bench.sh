#!/usr/bin/env bash
# The archive at fleet scale, on demand (not part of the test suite): a
# synthetic archive of SCALE_ENTRIES (2,000,000) entries over SCALE_DAYS (20)
# days and SCALE_APPS (1,000) targets, 7 profile types; then
#  - serve: /api/healthz after start; the last hour's /api/profile_meta for
#    one type asked right after start (page cache dropped when it can be),
#    for an instantaneous type and a cumulative one (which needs the 48
#    hours before); the same warm (best of 20); the whole archive indexed
#    (/api/readyz) and the RSS then; the peak RSS after a day of queries;
#    /api/series of a day of every target by app at 5-minute steps;
#  - serve with --index-memory SCALE_INDEX_MEMORY (48MiB; "" skips it):
#    the days it holds, RSS, and a 10-day query that reads older days;
#  - query: one app over 10 days, warm (best of 5), and its peak RSS;
#  - cprofiler index --check over the whole archive (every sidecar read:
#    minutes; SCALE_INDEX_CHECK=0 skips it), and its peak RSS.
# (The CLI's peak RSS is GNU time's: the script needs it.)
# Targets (issue 12): healthz < 1 s; last hour cold < 2 s, warm < 50 ms;
# RSS < 150 MB; one app over 10 days < 200 ms.
#
#   bash tests/bench/scale_bench.sh [BUILD_DIR]
#   (SCALE_ARCHIVE=DIR makes the archive there, or reuses it, and keeps it;
#   otherwise it is made under /tmp and removed: ~16 GB at 2M entries.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ENTRIES=${SCALE_ENTRIES:-2000000}
DAYS=${SCALE_DAYS:-20}
APPS=${SCALE_APPS:-1000}
FIRST_DAY=2026-10-01
WORK=$(mktemp -d /tmp/cprof-scale-bench.XXXXXX)
SERVE=""
ARCHIVE=${SCALE_ARCHIVE:-$WORK/archive}
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time
if [ ! -e "$ARCHIVE/CPROFILER-ARCHIVE" ]; then
  echo "== making $ENTRIES entries over $DAYS days, $APPS apps"
  T0=$EPOCHREALTIME
  "$BUILD/tests/make_archive" "$ARCHIVE" "$ENTRIES" "$APPS" "$FIRST_DAY" - "$DAYS"
  echo "   in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s; $(du -sh "$ARCHIVE" | cut -f1) on disk"
fi
LAST_DAY=$(date -u -d "$FIRST_DAY + $((DAYS - 1)) days" +%Y-%m-%d)
LAST_HOUR="start_time=${LAST_DAY}T23:00:00Z&end_time=${LAST_DAY}T23:59:59Z"
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && echo "page cache dropped" || echo "page cache not droppable here"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
PORT=18941
URL="http://127.0.0.1:$PORT"
rss() { awk -v k="$1" '$1 == k ":" {printf "%.0f MB", $2 / 1024}' /proc/$SERVE/status; }
start_server() {  # [SERVE_FLAGS...]
  T0=$EPOCHREALTIME
  "$BUILD/cprofiler" serve --archive "$ARCHIVE" --listen "127.0.0.1:$PORT" "$@" 2>"$WORK/serve.log" &
  SERVE=$!
}
stop_server() { kill "$SERVE"; wait "$SERVE" 2>/dev/null || true; SERVE=""; }
# first_answer PATH: seconds from the server's start to PATH's first 200.
first_answer() {
  until curl -fs -o /dev/null "$URL$1" 2>/dev/null; do sleep 0.01; done
  since "$T0"
}
warm() {  # PATH: best of 20, in ms
  local best=999999 t
  for _ in $(seq 20); do
    t=$(curl -s -o /dev/null -w '%{time_total}' "$URL$1")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b * 1000 < a) ? b * 1000 : a }')
  done
  printf "%.1f ms" "$best"
}

echo "== serve ($(drop_caches))"
start_server
echo "   /api/healthz after $(first_answer /api/healthz) s (target < 1 s)"
HEAP="/api/profile_meta/heap_a?$LAST_HOUR"
MUTEX="/api/profile_meta/mutex_a?$LAST_HOUR"
echo "   last hour, heap_a: first answer $(first_answer "$HEAP") s after start (target < 2 s), $(curl -s "$URL$HEAP" | jq '[.[].ProfileMetas[]] | length') profiles"
echo "   last hour, mutex_a (cumulative: 48 h before too): $(first_answer "$MUTEX") s after start"
echo "   whole archive indexed (/api/readyz) after $(first_answer /api/readyz) s: $(grep -o 'indexed.*' "$WORK/serve.log" | head -1)"
echo "   RSS then: $(rss VmRSS)"
echo "   warm: heap_a last hour $(warm "$HEAP"), mutex_a last hour $(warm "$MUTEX") (target < 50 ms)"
echo "   a day of queries: 300 apps' heap_a and mutex_a over a day and over 10 days, type and label lists"
DAY_RANGE="start_time=${LAST_DAY}T00:00:00Z&end_time=${LAST_DAY}T23:59:59Z"
TEN_DAYS="start_time=$(date -u -d "$LAST_DAY - 9 days" +%Y-%m-%d)T00:00:00Z&end_time=${LAST_DAY}T23:59:59Z"
for app in $(seq 0 $((APPS / 300 > 0 ? APPS / 300 : 1)) $((APPS - 1)) | head -300); do
  for range in "$DAY_RANGE" "$TEN_DAYS"; do
    curl -s -o /dev/null "$URL/api/profile_meta/heap_a?$range&lbs%5B_app%5D=app-$app"
    curl -s -o /dev/null "$URL/api/profile_meta/mutex_a?$range&lbs%5B_app%5D=app-$app"
  done
  curl -s -o /dev/null "$URL/api/group_labels"
done
curl -s -o /dev/null "$URL/api/profile_meta/heap_a?$DAY_RANGE"
echo "   RSS after them: $(rss VmRSS), peak $(rss VmHWM) (target < 150 MB)"
SERIES="/api/series/heap_a?$DAY_RANGE&step=5m&group_by=_app"
echo "   /api/series: a day of heap_a, $APPS targets by _app at 5-minute steps, warm: $(warm "$SERIES") (target < 100 ms); $(curl -s "$URL$SERIES" | jq length) series"
SERIES="/api/series/mutex_a?$DAY_RANGE&step=5m&group_by=_app&agg=p95"
echo "   the same of mutex_a (interval values), p95: $(warm "$SERIES")"
stop_server

BUDGET=${SCALE_INDEX_MEMORY-48MiB}
if [ -n "$BUDGET" ]; then
  echo "== serve --index-memory $BUDGET ($(drop_caches))"
  start_server --index-memory "$BUDGET"
  echo "   indexed (/api/readyz) after $(first_answer /api/readyz) s: $(grep -o 'indexed.*' "$WORK/serve.log" | head -1)"
  echo "   RSS then: $(rss VmRSS)"
  echo "   last hour, heap_a, warm: $(warm "$HEAP")"
  for app in 7 8 9; do
    T0=$EPOCHREALTIME
    N=$(curl -s "$URL/api/profile_meta/heap_a?$TEN_DAYS&lbs%5B_app%5D=app-$app" | jq '[.[].ProfileMetas[]] | length')
    echo "   one app's heap_a over 10 days (older days read for the request): $(since "$T0") s, $N profiles"
  done
  echo "   RSS after them: $(rss VmRSS), peak $(rss VmHWM)"
  stop_server
fi

echo "== query: one app over 10 days"
Q=("$BUILD/cprofiler" query --archive "$ARCHIVE" --from "$(date -u -d "$LAST_DAY - 9 days" +%Y-%m-%d)" --to "${LAST_DAY}T23:59:59Z" -l _app=app-7 -o ids)
"${Q[@]}" >"$WORK/ids"
BEST=999 PEAK=0
for _ in 1 2 3 4 5; do
  measure "${Q[@]}" >/dev/null
  BEST=$(awk -v a="$BEST" -v b="$WALL" 'BEGIN { print (b < a) ? b : a }')
  PEAK=$(max "$PEAK" "$RSS")
done
echo "   $(wc -l <"$WORK/ids") entries; warm, best of 5: ${BEST} s (target < 0.200 s); peak RSS $PEAK MB (the most of the 5)"

[ "${SCALE_INDEX_CHECK:-1}" = 1 ] || exit 0
echo "== cprofiler index --check ($(drop_caches))"
measure "$BUILD/cprofiler" index --check --archive "$ARCHIVE" >"$WORK/check.out"
grep -E "entries|indexed|wrong" "$WORK/check.out" | sed 's/^/   /'
echo "   in $WALL s, peak RSS $RSS MB"
