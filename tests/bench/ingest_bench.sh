#!/usr/bin/env bash
# Ingest throughput: 32 concurrent clients on loopback (tests/go/pushload,
# keep-alive) push a ~10 KB gzipped CPU profile through profefe's POST
# /api/0/profiles to one `serve --allow-push` (push.rate-limit 0) over an
# archive in tmpfs, for DURATION; prints the sustained profiles/s, the
# latency percentiles, and serve's CPU (user+system, from /proc) per
# profile and its peak RSS over the run (VmHWM), beside scrape's CPU per
# profile and peak RSS (`scrape --once --force` passes over 50 fake
# targets x 7 types into tmpfs, as tests/bench/ab_bench.sh measures it;
# GNU time's). The machine's load average is printed first: on a shared
# machine the figures are what was left of it.
#
# Usage: tests/bench/ingest_bench.sh [BUILD_DIR [DURATION [CLIENTS]]]
# (BUILD_DIR: build; DURATION: 10s; CLIENTS: 32)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DURATION=${2:-10s}
CLIENTS=${3:-32}
C=$BUILD/cprofiler
SHM=$(mktemp -d /dev/shm/cprof-ingest.XXXXXX)
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$SHM" "$WORK"' EXIT
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
start_serve() {  # LOG ARGS...: sets URL and SERVE
  local log=$1 port="" i
  shift
  "$C" serve --listen 127.0.0.1:0 --threads 64 --max-client-connections 0 "$@" 2>"$log" &
  SERVE=$!
  PIDS+=("$SERVE")
  for i in $(seq 200); do
    port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "ingest_bench: serve did not start: $(cat "$log")" >&2; exit 1; }
  URL=http://127.0.0.1:$port
}

# The profile: 90 folded stacks of 20 frames made a CPU profile by serve's
# own /ingest (format=lines), then downloaded: some 10 KB gzipped.
printf 'push: {rate-limit: 0}\n' >"$WORK/push.yml"
start_serve "$WORK/seed.log" --archive "$SHM/seed" --allow-push -c "$WORK/push.yml"
python3 -c '
import random
r = random.Random(1)
fns = ["pkg%d.(*T%d).Method%d" % (r.randrange(40), r.randrange(9), i) for i in range(600)]
for s in range(90):
    print(";".join(r.choice(fns) for _ in range(20)), r.randrange(1, 50))
' >"$WORK/stacks"
id=$(curl -fs -X POST --data-binary @"$WORK/stacks" "$URL/ingest?name=seed.cpu&format=lines" |
  sed 's/.*"id":"\([^"]*\)".*/\1/')
curl -fs -o "$WORK/profile.pb.gz" "$URL/api/download/$id"
kill "$SERVE"
echo "profile: $(stat -c %s "$WORK/profile.pb.gz") bytes gzipped, $(wc -l <"$WORK/stacks") stacks"

start_serve "$WORK/serve.log" --archive "$SHM/archive" --allow-push -c "$WORK/push.yml"
before=$(cpu_ticks "$SERVE")
"$BUILD/go-bin/pushload" -url "$URL/api/0/profiles?service=bench&type=cpu&labels=env%3Dbench" \
  -file "$WORK/profile.pb.gz" -c "$CLIENTS" -d "$DURATION" | tee "$WORK/load"
after=$(cpu_ticks "$SERVE")
pushed=$(sed -n 's/^pushed \([0-9]*\) .*/\1/p' "$WORK/load")
archived=$(find "$SHM/archive" -name '*.json' | wc -l)
echo "archived: $archived entries (pushed $pushed: identical pushes of one client in one millisecond are one entry)"
awk -v t=$((after - before)) -v n="$pushed" -v hz="$(getconf CLK_TCK)" -v r="$(hwm_mb "$SERVE")" \
  'BEGIN { printf "ingest CPU: %.3f ms a profile (serve, user+system); serve peak RSS %.1f MB\n", t * 1000 / hz / n, r }'
kill "$SERVE"

# scrape's CPU per profile, for comparison.
"$BUILD/go-bin/faketarget" -profile "$WORK/profile.pb.gz" -listeners 50 -addr-file "$WORK/addrs" \
  >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/addrs" ] && break; sleep 0.1; done
{
  echo "archive: $SHM/scraped"
  echo "scrape-configs:"
  echo "  - job: bench"
  echo "    enabled-profiles: [all]"
  echo "    path-profiles: {profile: /debug/pprof/profile}"
  echo "    target-configs:"
  echo "      - hosts: [$(paste -sd, "$WORK/addrs")]"
} >"$WORK/scrape.yml"
"$C" scrape --once -c "$WORK/scrape.yml" >/dev/null 2>&1 || true
total=0 n=0 peak=0
for _ in 1 2 3; do
  before=$(find "$SHM/scraped" -name '*.json' | wc -l)
  measure "$C" scrape --once --force -c "$WORK/scrape.yml" >/dev/null 2>&1 || true
  n=$((n + $(find "$SHM/scraped" -name '*.json' | wc -l) - before))
  total=$(awk -v t="$total" -v c="$CPU" 'BEGIN { print t + c }')
  peak=$(max "$peak" "$RSS")
done
awk -v t="$total" -v n="$n" -v r="$peak" \
  'BEGIN { printf "scrape CPU: %.3f ms a profile (%d profiles over 3 passes); peak RSS %.1f MB (the most of the 3)\n", t * 1000 / n, n, r }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
