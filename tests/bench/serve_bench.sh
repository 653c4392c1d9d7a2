#!/usr/bin/env bash
# `cprofiler serve` under load: wrk, 64 connections for 30 s, against
# /api/profile_meta over a synthetic archive of 100,000 entries (one day, 50
# apps, 7 profile types). Prints requests/s, latency percentiles, errors,
# and the server's peak RSS. Target: p99 < 100 ms, RSS < 100 MB.
#
#   bash tests/bench/serve_bench.sh [BUILD_DIR]
#   (SERVE_BENCH_ARCHIVE=DIR reuses an archive made by an earlier run.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
WORK=$(mktemp -d /tmp/cprof-serve-bench.XXXXXX)
SERVE=""
trap '[ -n "$SERVE" ] && kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
ARCHIVE=${SERVE_BENCH_ARCHIVE:-$WORK/archive}
if [ ! -e "$ARCHIVE/CPROFILER-ARCHIVE" ]; then
  echo "== making 100,000 entries (one day, 50 apps)"
  "$BUILD/tests/make_archive" "$ARCHIVE" 100000 50 2026-11-20 "$ROOT/tests/data/heap.pb.gz"
fi
PORT=18931
"$BUILD/cprofiler" serve --archive "$ARCHIVE" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$PORT/api/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
grep indexed "$WORK/serve.log"
echo "   RSS after indexing: $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$SERVE/status)"
RANGE="start_time=2026-11-20T00:00:00Z&end_time=2026-11-20T23:59:59Z"
run() {  # NAME URL
  local hits bytes
  hits=$(curl -s "$2" | jq '[.[].ProfileMetas[]] | length')
  bytes=$(curl -s "$2" | wc -c)
  echo "== $1: $hits profiles a response ($((bytes / 1024)) KiB)"
  wrk -t2 -c64 -d30s --latency "$2" >"$WORK/wrk.out"
  grep -E "Requests/sec|Non-2xx|Socket errors|requests in" "$WORK/wrk.out" | sed 's/^/   /'
  grep -A4 "Latency Distribution" "$WORK/wrk.out" | tail -4 | sed 's/^ */   p/'
}
run "one app's heap_inuse_space over the day (what a UI chart asks)" \
  "http://127.0.0.1:$PORT/api/profile_meta/heap_inuse_space?$RANGE&lbs%5B_app%5D=app-7"
run "every app's heap_inuse_space over the day" \
  "http://127.0.0.1:$PORT/api/profile_meta/heap_inuse_space?$RANGE"
echo "== serve peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' /proc/$SERVE/status) (target < 100 MB)"
