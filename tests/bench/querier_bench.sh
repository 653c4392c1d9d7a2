#!/usr/bin/env bash
# The querier's flame graph over a day (not part of the test suite): the
# rollup benchmark's archive (tests/bench/rollup_bench.sh: ROLLUP_APPS (10)
# apps' CPU profiles, one a minute each, the real cpu fixture) over
# QUERIER_DAYS (2) days, compacted into rollups; `cprofiler serve` over it;
# then SelectMergeStacktraces of one app over 24 hours (raw edges at both
# ends), application/proto over HTTP/1.1 with curl: the first call, and the
# best of 5, and serve's peak RSS (VmHWM) after them. Then the same over the
# raw profiles (an archive without rollups: serve merges the 1,440
# snapshots), a fresh serve. Target (issue 31): under 1 s.
#
#   bash tests/bench/querier_bench.sh [BUILD_DIR]
#   (QUERIER_ARCHIVE=DIR makes the archive there, or reuses it, and keeps it;
#   otherwise it is made under /tmp and removed.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
APPS=${ROLLUP_APPS:-10}
DAYS=${QUERIER_DAYS:-2}
ENTRIES=$((APPS * DAYS * 1440))
FIRST_DAY=2026-10-01
WORK=$(mktemp -d /tmp/cprof-querier-bench.XXXXXX)
ARCHIVE=${QUERIER_ARCHIVE:-$WORK/archive}
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
source "$ROOT/tests/bench/lib.sh"
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
if [ ! -e "$ARCHIVE/CPROFILER-ARCHIVE" ]; then
  echo "== making $ENTRIES entries ($APPS apps, one CPU profile a minute, $DAYS days)"
  "$BUILD/tests/make_archive" "$ARCHIVE" "$ENTRIES" "$APPS" "$FIRST_DAY" \
    "$ROOT/tests/data/cpu.pb.gz" "$DAYS" profile >/dev/null
fi
cat >"$WORK/c.yml" <<YML
archive: $ARCHIVE
scrape-configs:
  - job: bench
    rollups: {hourly: 0, daily: 0}
    target-configs: [{hosts: [127.0.0.1:1]}]
YML
[ -d "$ARCHIVE/rollups" ] || { echo "== compact"; "$BUILD/cprofiler" compact -c "$WORK/c.yml" >/dev/null; }

# One app, 24 hours from 00:17 of the first day: rollups inside, raw
# snapshots at both edges.
FROM_MS=$(date -u -d "${FIRST_DAY}T00:17:00Z" +%s000)
TO_MS=$((FROM_MS + 24 * 3600 * 1000 - 1))
# SelectMergeStacktracesRequest: profile_typeID (1), label_selector (2),
# start (3), end (4), in protobuf's wire format.
request() {
  python3 - "$FROM_MS" "$TO_MS" <<'PY'
import sys
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
def string(field, s):
    b = s.encode()
    return varint(field << 3 | 2) + varint(len(b)) + b
sys.stdout.buffer.write(string(1, "process_cpu:cpu:nanoseconds:cpu:nanoseconds") +
                        string(2, '{service_name="app-3"}') +
                        varint(3 << 3) + varint(int(sys.argv[1])) +
                        varint(4 << 3) + varint(int(sys.argv[2])))
PY
}
request >"$WORK/request.pb"

serve() {  # ARCHIVE: starts serve on it; sets URL
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  "$BUILD/cprofiler" serve --archive "$1" --listen 127.0.0.1:0 2>"$WORK/serve.log" &
  SERVE_PID=$!
  local port=""
  for _ in $(seq 400); do
    port=$(sed -n 's/.*listening on .* (port \([0-9,]*\)).*/\1/p' "$WORK/serve.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  URL="http://127.0.0.1:${port%%,*}"
  for _ in $(seq 600); do curl -fs "$URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}
call() {
  curl -fsS -X POST -H 'Content-Type: application/proto' --data-binary @"$WORK/request.pb" \
    -o "$WORK/answer.pb" -w '%{time_total}' "$URL/querier.v1.QuerierService/SelectMergeStacktraces"
}
measure() {  # WHAT
  local first best=999 t
  first=$(call)
  for _ in 1 2 3 4 5; do
    t=$(call)
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  done
  echo "   $1: first call ${first} s, best of 5 ${best} s ($(stat -c %s "$WORK/answer.pb") bytes of FlameGraph); serve peak RSS $(hwm_mb "$SERVE_PID") MB"
}

echo "== SelectMergeStacktraces, app-3, 24 h (1,440 CPU profiles), over HTTP/1.1"
serve "$ARCHIVE"
measure "from rollups"
# The same archive without its rollups: every snapshot merged.
mkdir -p "$WORK/raw"
cp -al "$ARCHIVE"/. "$WORK/raw"/
rm -rf "$WORK/raw/rollups"
serve "$WORK/raw"
measure "from raw profiles"
