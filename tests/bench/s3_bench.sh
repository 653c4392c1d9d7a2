#!/usr/bin/env bash
# The archive in a bucket (issue 14), on demand (not part of the test
# suite): `scrape --once` passes of 1,001 profiles (143 local fake targets,
# each a port of one Go process serving the real recorded heap profile, x 7
# profile types), as in run.sh's scrape benchmark:
#  - into an archive on local disk, for comparison;
#  - into s3://bench/archive on a loopback moto_server (Python's moto: a real
#    S3 API, but a slow server: one Python process): cprofiler's wall time,
#    CPU per profile, peak RSS and profiles/s, the bytes uploaded, and moto_server's
#    own CPU over the pass, which bounds the wall time here;
#  - with the endpoint dead: the pass into the spool alone (and the retries
#    that find the endpoint down); then, the endpoint back and nothing due,
#    the upload of that spool alone;
#  - readers on a fresh cache: `query` (lists the bucket's days, fetches
#    every sidecar), and `top` over the last pass's heap profiles (fetches
#    them); then the same on the warm cache, and on the local archive.
# Figures only, no targets: a real S3 endpoint's latency and throughput are
# another matter than moto's on loopback.
#
#   bash tests/bench/s3_bench.sh [BUILD_DIR]
#   (needs moto_server: pip install 'moto[server]'; S3_BENCH_TARGETS=N
#   changes the 143 targets.)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
CPROFILER=$BUILD/cprofiler
TARGETS=${S3_BENCH_TARGETS:-143}
command -v moto_server >/dev/null || { echo "needs moto_server (Python's moto: pip install 'moto[server]')"; exit 2; }
WORK=$(mktemp -d /tmp/cprof-s3-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time
TICKS=$(getconf CLK_TCK)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# cpu_ticks PID: the process's user + system time so far, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# sidecars DIR: the entries archived in DIR.
sidecars() { (find "$1" -name '*.json' -not -path '*/.state/*' 2>/dev/null || true) | wc -l; }
# timed CMD...: runs CMD (its stdout and stderr to $WORK/out, $WORK/err)
# under lib.sh's measure: WALL, USR, SYS, RSS (peak, MB) and RC set.
timed() { measure "$@" >"$WORK/out" 2>"$WORK/err" || true; }

"$BUILD/go-bin/faketarget" -profile "$ROOT/tests/data/heap.pb.gz" -listeners "$TARGETS" \
  -addr-file "$WORK/addrs" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/addrs" ] && break; sleep 0.1; done
[ -s "$WORK/addrs" ] || { echo "faketarget did not start"; exit 1; }
PORT=$(free_port)
END=http://127.0.0.1:$PORT
moto_server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO=$!
PIDS+=("$MOTO")
for _ in $(seq 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$END/")" != 000 ] && break; sleep 0.1; done
curl -fs -X PUT "$END/bench" >/dev/null || { echo "moto_server on $END: cannot create the bucket"; exit 1; }

# config FILE ARCHIVE [ENDPOINT CACHE_DIR]: every profile type of every target.
config() {
  {
    echo "archive: $2"
    [ $# -lt 3 ] || echo "s3: {endpoint: \"$3\", region: us-east-1, path-style: true, cache-dir: $4}"
    echo "scrape-configs:"
    echo "  - job: bench"
    echo "    enabled-profiles: [all]"
    echo "    path-profiles: {profile: /debug/pprof/profile}"
    echo "    target-configs:"
    echo "      - hosts: [$(paste -sd, "$WORK/addrs")]"
  } >"$1"
}
# pass CONFIG COUNT_DIR FLAGS...: one timed `scrape --once`; prints its log,
# the entries it added to COUNT_DIR, wall and CPU per profile, and
# moto_server's CPU over the pass.
pass() {
  local config=$1 dir=$2 before after m0 m1 wall usr sys moto=0
  shift 2
  if grep -q '^s3:' "$config"; then moto=1; fi
  before=$(sidecars "$dir")
  m0=$(cpu_ticks "$MOTO")
  timed "$CPROFILER" scrape --once "$@" -c "$config"
  m1=$(cpu_ticks "$MOTO")
  wall=$WALL usr=$USR sys=$SYS
  after=$(sidecars "$dir")
  head -5 "$WORK/err" | sed 's/^cprofiler: /    /'
  [ "$RC" = 0 ] || echo "    (exit status $RC)"
  awk -v w="$wall" -v u="$usr" -v s="$sys" -v n="$((after - before))" \
    -v m="$((m1 - m0))" -v hz="$TICKS" -v moto="$moto" -v rss="$RSS" 'BEGIN {
      if (n > 0) {
        printf "  %d profiles archived; wall %.2fs = %.0f profiles/s; cprofiler cpu %.2fs (user %.2fs + sys %.2fs) = %.3f ms/profile",
               n, w, n / w, u + s, u, s, (u + s) * 1000 / n
        if (moto) printf "; moto_server cpu %.2fs = %.2f ms/profile", m / hz, m / hz * 1000 / n
      } else {
        printf "  no profile archived; wall %.2fs; cprofiler cpu %.2fs", w, u + s
        if (moto) printf "; moto_server cpu %.2fs", m / hz
      }
      printf "; peak RSS %.1f MB\n", rss }'
}
# read_cost LABEL CMD...: one timed reader; prints its wall and CPU, and the
# bucket's sync (with -v) when there is one.
read_cost() {
  local label=$1 wall usr sys m0 m1 moto=0
  shift
  if [[ " $* " == *" s3://"* ]]; then moto=1; fi
  m0=$(cpu_ticks "$MOTO")
  timed "$@"
  m1=$(cpu_ticks "$MOTO")
  wall=$WALL usr=$USR sys=$SYS
  awk -v l="$label" -v w="$wall" -v u="$usr" -v s="$sys" -v m="$((m1 - m0))" -v hz="$TICKS" \
    -v moto="$moto" -v rss="$RSS" 'BEGIN {
      printf "  %s: wall %.2fs; cprofiler cpu %.2fs (user %.2fs + sys %.2fs)", l, w, u + s, u, s
      if (moto) printf "; moto_server cpu %.2fs", m / hz
      printf "; peak RSS %.1f MB\n", rss }'
  { grep 'synced' "$WORK/err" || true; } | sed 's/^cprofiler: /    /'
  if [ "$RC" != 0 ]; then
    echo "    (exit status $RC)"
    head -3 "$WORK/err" | sed 's/^/    /'
  fi
}

PROFILES=$((TARGETS * 7))
echo "== scrape: $TARGETS targets x 7 profile types = $PROFILES profiles a pass, --once passes"
echo " ($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before)"
LOCAL=$WORK/local-archive
config "$WORK/local.yml" "$LOCAL"
echo " archive on local disk ($(df --output=fstype "$WORK" | tail -1) under $WORK):"
echo " -- first pass of the day:"
pass "$WORK/local.yml" "$LOCAL"
echo " -- the next passes, two of them:"
pass "$WORK/local.yml" "$LOCAL" --force
sleep 1
LOCAL_LAST=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pass "$WORK/local.yml" "$LOCAL" --force

CACHE=$WORK/cache-scrape
config "$WORK/s3.yml" s3://bench/archive "$END" "$CACHE"
echo " archive in s3://bench/archive (moto_server on $END; cache and spool $CACHE):"
echo " -- first pass of the day:"
pass "$WORK/s3.yml" "$CACHE/archive"
echo " -- the next passes, two of them:"
pass "$WORK/s3.yml" "$CACHE/archive" --force
sleep 1
S3_LAST=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pass "$WORK/s3.yml" "$CACHE/archive" --force

echo " spool only: s3://bench/spooled with the endpoint dead (a closed port), first pass of the day:"
DEAD=http://127.0.0.1:$(free_port)
config "$WORK/dead.yml" s3://bench/spooled "$DEAD" "$WORK/cache-spool"
pass "$WORK/dead.yml" "$WORK/cache-spool/spool"
echo "  (the wall time counts the 4 attempts at the start and at the end that find the endpoint dead; the pass's own is in its log line)"
echo " upload only: the same spool, the endpoint back, nothing due:"
config "$WORK/back.yml" s3://bench/spooled "$END" "$WORK/cache-spool"
pass "$WORK/back.yml" "$WORK/cache-spool/archive"

echo "== readers of s3://bench/archive ($(sidecars "$CACHE/archive") entries in 3 passes)"
W=(--from -1h --to now)
FRESH=(-c "$WORK/s3.yml" --archive s3://bench/archive --cache-dir "$WORK/cache-read")
read_cost "query -o ids, fresh cache (every sidecar fetched)" "$CPROFILER" -v query "${FRESH[@]}" "${W[@]}" -o ids
echo "    $(wc -l <"$WORK/out") IDs listed"
read_cost "the same, warm cache (the days listed again)" "$CPROFILER" -v query "${FRESH[@]}" "${W[@]}" -o ids
read_cost "query -o ids, local disk" "$CPROFILER" query --archive "$LOCAL" "${W[@]}" -o ids
echo "    $(wc -l <"$WORK/out") IDs listed"
TOP=(top -t heap_inuse_space --to now --nodecount 5)
FRESH2=(-c "$WORK/s3.yml" --archive s3://bench/archive --cache-dir "$WORK/cache-top")
read_cost "top of the last pass's $TARGETS heap profiles, fresh cache (the day's sidecars and the pass's profiles fetched)" \
  "$CPROFILER" -v "${TOP[@]}" "${FRESH2[@]}" --from "$S3_LAST"
echo "    $(find "$WORK/cache-top/archive" -name '*.pb.gz' | wc -l) profiles fetched into the cache"
cp "$WORK/out" "$WORK/top-s3"
read_cost "the same, warm cache" "$CPROFILER" -v "${TOP[@]}" "${FRESH2[@]}" --from "$S3_LAST"
read_cost "the same, local disk" "$CPROFILER" "${TOP[@]}" --archive "$LOCAL" --from "$LOCAL_LAST"
if cmp -s "$WORK/top-s3" "$WORK/out"; then
  echo "    (the same top table as from the bucket)"
else
  echo "    (the top table differs from the bucket's:)"
  diff "$WORK/top-s3" "$WORK/out" >"$WORK/top.diff" || true
  sed -n '1,10s/^/    /p' "$WORK/top.diff"
fi
