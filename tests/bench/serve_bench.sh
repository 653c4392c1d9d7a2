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
URL="http://127.0.0.1:$PORT"
# start_server: until the archive is read (serve listens before that).
start_server() {
  local t0=$EPOCHREALTIME
  "$BUILD/cprofiler" serve --archive "$ARCHIVE" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
  SERVE=$!
  for _ in $(seq 600); do curl -fs "$URL/api/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  HEALTHZ_AFTER=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  for _ in $(seq 3000); do grep -q indexed "$WORK/serve.log" && break; sleep 0.05; done
}
stop_server() { kill "$SERVE"; wait "$SERVE" 2>/dev/null || true; SERVE=""; }
start_server
echo "   /api/healthz answered ${HEALTHZ_AFTER}s after start"
grep indexed "$WORK/serve.log"
echo "   RSS after indexing: $(awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' /proc/$SERVE/status)"
RANGE="start_time=2026-11-20T00:00:00Z&end_time=2026-11-20T23:59:59Z"
# make_archive's sidecars name synthetic sample types: take the heap's first.
ST=$(curl -s "$URL/api/group_sample_types" | jq -r '.heap[0]')
stop_server
run() {  # NAME PATH: a fresh server each, so its peak RSS is this load's
  local hits bytes
  start_server
  hits=$(curl -s "$URL$2" | jq '[.[].ProfileMetas[]] | length')
  [ "$hits" -gt 0 ] || { echo "no profiles at $2"; exit 1; }
  bytes=$(curl -s "$URL$2" | wc -c)
  echo "== $1: $hits profiles a response ($((bytes / 1024)) KiB)"
  wrk -t2 -c64 -d30s --latency "$URL$2" >"$WORK/wrk.out"
  grep -E "Requests/sec|Non-2xx|Socket errors|requests in" "$WORK/wrk.out" | sed 's/^/   /'
  grep -A4 "Latency Distribution" "$WORK/wrk.out" | tail -4 | sed 's/^ */   p/'
  echo "   serve peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' /proc/$SERVE/status) (target < 100 MB)"
  stop_server
}
run "one app's $ST over the day (what a UI chart asks)" \
  "/api/profile_meta/$ST?$RANGE&lbs%5B_app%5D=app-7"
run "every app's $ST over the day" "/api/profile_meta/$ST?$RANGE"
