#!/usr/bin/env bash
# Trace benchmark: a ~50 MB execution trace of the Go 1.23 traceservice
# (tests/go/traceservice -pingpong 2), read by cprofiler and by Go 1.23's
# go tool trace -pprof=sched in the same run: wall time, CPU time, peak
# RSS, and the ratios (issue 27: at least 5x faster, under 2x the trace's
# size in memory). Also checks the sched profiles give the same top. Then
# the latency of the trace page's zoom: `cprofiler serve` over an archive
# holding the trace, /api/trace/ID/timeline of a window a tenth of the trace
# with a goroutine lane, the first request (reads the trace, as every one
# did before the trace cache) and the next ones (the trace cache), median
# of 5, and serve's peak RSS (VmHWM) after them.
#
#   bash tests/bench/trace_bench.sh [BUILD_DIR] [SECONDS (5)]
#
# TRACE_BENCH_FILE=FILE reads FILE instead of tracing the service (and keeps
# the trace it makes there when FILE does not exist yet).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SECONDS_TRACED=${2:-5}
GO123=${GO123:-/usr/lib/go-1.23/bin/go}
WORK=$(mktemp -d /tmp/cprof-trace-bench.XXXXXX)
PID=""
SERVE=""
trap '[ -z "$PID" ] || kill $PID 2>/dev/null; [ -z "$SERVE" ] || kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time

TRACE=${TRACE_BENCH_FILE:-$WORK/bench.trace}
if [ ! -s "$TRACE" ]; then
  "$BUILD/go-bin/traceservice" -addr-file "$WORK/addr" -pingpong 2 >/dev/null 2>&1 &
  PID=$!
  for _ in $(seq 100); do [ -s "$WORK/addr" ] && break; sleep 0.1; done
  curl -sf -o "$TRACE" "http://$(cat "$WORK/addr")/debug/pprof/trace?seconds=$SECONDS_TRACED"
  kill $PID
  PID=""
fi
SIZE=$(stat -c %s "$TRACE")
echo "trace: $TRACE, $((SIZE / 1000000)) MB"

# run NAME CMD...: wall s, CPU s (user+sys), peak RSS kB into $WORK/NAME.
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>/dev/null
  read -r wall user sys rss <"$WORK/$name.time"
  cpu=$(echo "$user + $sys" | bc)
  echo "$wall $cpu $rss" >"$WORK/$name"
  printf '%-34s wall %6.2f s  cpu %6.2f s  peak RSS %7d kB (%.2fx the trace)\n' "$name" "$wall" "$cpu" \
    "$rss" "$(echo "$rss * 1024 / $SIZE" | bc -l)"
}
run "go tool trace -pprof=sched" "$GO123" tool trace -pprof=sched "$TRACE"
cp "$WORK/go tool trace -pprof=sched.out" "$WORK/go.pb"
run "cprofiler trace summary" "$BUILD/cprofiler" trace summary "$TRACE"
for kind in sched net sync syscall; do
  run "cprofiler trace pprof --kind $kind" "$BUILD/cprofiler" trace pprof --kind "$kind" "$TRACE"
done
cp "$WORK/cprofiler trace pprof --kind sched.out" "$WORK/ours.pb.gz"
go tool pprof -top "$WORK/go.pb" 2>/dev/null | grep -v '^Time:' >"$WORK/go.top"
go tool pprof -top "$WORK/ours.pb.gz" 2>/dev/null | grep -v '^Time:' >"$WORK/ours.top"
diff -q "$WORK/go.top" "$WORK/ours.top" >/dev/null && echo "sched: same go tool pprof -top" ||
  echo "sched: go tool pprof -top DIFFERS"

read -r gw gc gr <"$WORK/go tool trace -pprof=sched"
for name in "cprofiler trace summary" "cprofiler trace pprof --kind sched"; do
  read -r w c r <"$WORK/$name"
  printf '%-34s %5.1fx faster (wall), %5.1fx less CPU, %5.1fx less memory\n' "$name" \
    "$(echo "$gw / $w" | bc -l)" "$(echo "$gc / $c" | bc -l)" "$(echo "$gr / $r" | bc -l)"
done

# The zoom: the trace scraped from a static file server into an archive.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$WORK/www"
cp "$TRACE" "$WORK/www/trace"
WWW=$(free_port)
python3 -m http.server -b 127.0.0.1 -d "$WORK/www" "$WWW" >/dev/null 2>&1 &
PID=$!
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: bench
    interval: 1h
    expiration: 1h
    max-response-size: 4GiB
    enabled-profiles: [trace]
    path-profiles:
      trace: /trace
    target-configs:
      - application: bench
        hosts: [127.0.0.1:$WWW]
YML
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$WWW/trace" && break; sleep 0.1; done
"$BUILD/cprofiler" scrape --once -c "$WORK/c.yml" >/dev/null 2>&1
kill $PID
PID=""
ID=$("$BUILD/cprofiler" query -c "$WORK/c.yml" -t trace -o ids)
PORT=$(free_port)
"$BUILD/cprofiler" serve -c "$WORK/c.yml" --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVE=$!
U="http://127.0.0.1:$PORT/api/trace/$ID"
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/readyz" && break; sleep 0.1; done
read -r T0 T1 < <(curl -sf "$U/summary" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["start_ns"], s["end_ns"])')
# The lane: the first goroutine of the group that ran longest.
G=$(python3 - "$U" <<'PY'
import json, sys, urllib.parse, urllib.request
get = lambda path: json.load(urllib.request.urlopen(sys.argv[1] + path))
name = get("/goroutines")[0]["name"]
print(get("/goroutines?name=" + urllib.parse.quote(name))[0]["id"])
PY
)
# zoom I: the window [T0 + I/20, T0 + I/20 + 1/10] of the trace, in ms.
zoom() {
  local a=$((T0 + (T1 - T0) * $1 / 20))
  curl -sf -o /dev/null -w '%{time_total}' "$U/timeline?start=$a&end=$((a + (T1 - T0) / 10))&goroutines=$G" |
    awk '{printf "%.0f", $1 * 1000}'
}
first=$(zoom 0)
warm=$(for i in 1 2 3 4 5; do zoom "$i"; echo; done | sort -n | sed -n 3p)
printf '%-34s first %6d ms (reads the trace), then %4d ms (median of 5, from the trace cache); serve peak RSS %s MB\n' \
  "serve: zoom with a goroutine lane" "$first" "$warm" "$(hwm_mb "$SERVE")"
