# Shared by the end-to-end tests. Source it first; it sets -euo pipefail,
# makes $WORK (removed on exit) and stops every process started with `spawn`.
# Environment (set by CTest): CPROFILER, GO_TEST_BIN, TEST_DATA_DIR, MAKE_ARCHIVE.
set -euo pipefail
: "${CPROFILER:?set by ctest}" "${GO_TEST_BIN:?set by ctest}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cprof-e2e.XXXXXX")
# Pids of spawned processes, one a line: a file, because spawn also runs in
# subshells ($(start_workload)).
PIDS="$WORK/pids"
: >"$PIDS"
# Hermetic: no config found by search (../conf, /etc) unless a test puts one.
unset CPROFILER_ARCHIVE
: >"$WORK/empty.yml"
export CPROFILER_CONFIG="$WORK/empty.yml"
# Where the test started and this directory, before the cd.
START_DIR=$PWD
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"

cleanup() {
  local pid
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$PIDS"
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# A command that ends the test through set -e (a pipeline that pipefail
# fails, say) says so, with its file, line, exit status and text: else the
# test stops without a word. -E: in functions too. (A $(...) runs without
# set -e: the assignment that takes its status is the one named.)
on_err() {
  case $- in *e*) echo "FAIL: $1 line $2: exit $3: $4" >&2 ;; esac
}
set -E
trap 'on_err "${BASH_SOURCE[0]##*/}" "$LINENO" "$?" "$BASH_COMMAND"' ERR

# spawn CMD...: runs CMD in the background, stopped when the test ends; its
# pid is in $SPAWNED_PID, its output in $WORK/spawn.<pid>.log (never on the
# caller's stdout: that may be a $(...) that would wait for it).
spawn() {
  "$@" >>"$WORK/spawn.log" 2>&1 </dev/null &
  SPAWNED_PID=$!
  echo "$SPAWNED_PID" >>"$PIDS"
}

# wait_file FILE [SECONDS]: until FILE exists and is not empty.
wait_file() {
  local i
  for ((i = 0; i < ${2:-20} * 10; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  fail "timed out waiting for $1"
}

# start_workload [FLAG...]: the Go workload app, with FLAGs; prints its
# host:port.
start_workload() {
  local f="$WORK/workload.$RANDOM.addr"
  spawn "$GO_TEST_BIN/workload" -addr-file "$f" "$@"
  wait_file "$f"
  cat "$f"
}

# Go 1.23 (set by CTest from tests/CMakeLists.txt): go tool trace for the
# trace format of Go 1.22 and later (Debian's default go, 1.19, reads only
# the old one).
GO123=${GO123:-/usr/lib/go-1.23/bin/go}

# start_traceservice: the Go 1.23 service of tests/go/traceservice; prints
# its host:port.
start_traceservice() {
  local f="$WORK/traceservice.$RANDOM.addr"
  spawn "$GO_TEST_BIN/traceservice" -addr-file "$f"
  wait_file "$f"
  cat "$f"
}

# scrape_trace SECONDS: starts the traceservice, writes $WORK/c.yml (an
# archive of its traces of SECONDS, job demo, application ts) and scrapes
# one trace of it with scrape --once.
scrape_trace() {
  local addr
  addr=$(start_traceservice)
  cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [trace]
    path-profiles:
      trace: /debug/pprof/trace?seconds=$1
    target-configs:
      - application: ts
        hosts: [$addr]
YML
  sleep 0.5  # let its goroutines start
  expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
}

# start_fake [LISTENERS [PROFILE]]: the misbehaving fake target serving the
# heap fixture (or PROFILE); prints its host:port addresses, one a line.
start_fake() {
  local f="$WORK/fake.$RANDOM.addr"
  spawn "$GO_TEST_BIN/faketarget" -profile "${2:-$TEST_DATA_DIR/heap.pb.gz}" -listeners "${1:-1}" -addr-file "$f"
  wait_file "$f"
  cat "$f"
}

# start_serve LOG CMD...: runs CMD (`cprofiler serve ...`) with
# --listen 127.0.0.1:0, a port the kernel picks (tests running at once never
# race for one), its stderr to LOG, stopped when the test ends; returns once
# it listens, with $SERVE_PID, $SERVE_URL and $SERVE_PORTS (every bound
# port, comma-separated: --redirect-listen's second) set.
start_serve() {
  local log=$1 port="" i
  shift
  : >"$log"
  "$@" --listen 127.0.0.1:0 2>>"$log" </dev/null &
  SERVE_PID=$!
  echo "$SERVE_PID" >>"$PIDS"
  for ((i = 0; i < 400; i++)); do
    port=$(sed -n 's/.*listening on .* (port \([0-9,]*\)).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || fail "serve exited: $(cat "$log")"
    sleep 0.05
  done
  [ -n "$port" ] || fail "serve did not listen within 20 s"
  SERVE_PORTS=$port
  SERVE_URL="http://127.0.0.1:${port%%,*}"
}

# stop_serve: stops the server start_serve started.
stop_serve() {
  kill "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
}

# A loopback port nothing listens on (for a target that refuses; servers
# use port 0: see start_serve).
closed_port() {
  local port
  for port in $(seq 20000 20100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  fail "no closed port found"
}

# count_entries DIR: sidecars in an archive.
# sidecars DIR: the sidecar files of the archive DIR (not the scraper's
# .state/ files); count_entries DIR: how many.
sidecars() { find "$1" -path "$1/.state" -prune -o -name '*.json' -print; }
count_entries() { sidecars "$1" | wc -l; }
# pprof_top PROFILE: go tool pprof -top, without its Time: line.
pprof_top() { go tool pprof -top "$1" 2>/dev/null | grep -v '^Time:'; }

# expect_rollups_exact WHAT SELECTION...: merge and top of the selection
# read rollups (WHAT: where from) and give what the raw profiles give
# (--raw): go tool pprof -top line for line, and cprofiler's top. Leaves
# $WORK/tiled.top and $WORK/raw.top.
expect_rollups_exact() {
  local what=$1
  shift
  expect_exit 0 "$CPROFILER" merge "$@" -o "$WORK/tiled.pb.gz"
  expect_grep "rollups" "$WORK/err"
  expect_exit 0 "$CPROFILER" merge "$@" --raw -o "$WORK/raw.pb.gz"
  pprof_top "$WORK/tiled.pb.gz" >"$WORK/tiled.top"
  pprof_top "$WORK/raw.pb.gz" >"$WORK/raw.top"
  diff "$WORK/raw.top" "$WORK/tiled.top" || fail "merge from $what differs from merge --raw (go tool pprof -top)"
  expect_grep "^Duration: " "$WORK/tiled.top"
  "$CPROFILER" top "$@" 2>/dev/null >"$WORK/ours.top"
  "$CPROFILER" top "$@" --raw 2>/dev/null >"$WORK/ours_raw.top"
  diff "$WORK/ours_raw.top" "$WORK/ours.top" || fail "top from $what differs from top --raw"
}

# sidecar_keys [FILE]: the sidecars in a bucket's key listing (not the
# scrapers' .state/ files).
sidecar_keys() { grep -v '/\.state/' "${1:-/dev/stdin}" | grep -c '\.json$' || true; }

# expect_exit CODE CMD...: runs CMD, output to $WORK/out and $WORK/err.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; cat "$WORK/out"; echo "--- stderr"; cat "$WORK/err"
    fail "exit $got, want $want: $*"
  fi
}

# expect_grep PATTERN FILE: FILE has a line matching PATTERN (grep -E).
expect_grep() {
  grep -Eq -- "$1" "$2" || { echo "--- $2"; cat "$2"; fail "no line matching '$1' in $2"; }
}

# pprof_top FILE [SAMPLE_INDEX]: go tool pprof -top.
pprof_top() {
  if [ -n "${2:-}" ]; then
    go tool pprof -top -sample_index="$2" "$1" 2>/dev/null
  else
    go tool pprof -top "$1" 2>/dev/null
  fi
}

# install_playwright UI_DIR: playwright-core into UI_DIR/node_modules (npm ci
# of tests/ui's lock file), unless it is there already.
install_playwright() {
  [ -d "$1/node_modules/playwright-core" ] && return 0
  # Node.js trusts its own CA list only; let it trust the system's too (a
  # proxy's CA installed there, say), as curl and apt do.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  (cd "$1" && npm ci --no-audit --no-fund) >"$WORK/npm.log" 2>&1 || { cat "$WORK/npm.log"; fail "npm ci failed"; }
}

# require_browser: what the browser tests (tests/ui/*.mjs) need: node, npm
# and Chromium ($CHROMIUM, default /usr/bin/chromium: apt-get install -y
# nodejs npm chromium), playwright-core installed; sets CHROMIUM, UI_DIR
# (tests/ui) and SHOTS, where the screenshots go: $UI_SCREENSHOTS (default:
# ui_screenshots/ in the directory the test started in; CTest:
# build/tests/ui_screenshots), made.
require_browser() {
  CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
  command -v node >/dev/null || fail "node is not installed (apt-get install -y nodejs npm)"
  [ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing (apt-get install -y chromium)"
  UI_DIR=$(cd "$E2E_DIR/../ui" && pwd)
  SHOTS=$(cd "$START_DIR" && mkdir -p "${UI_SCREENSHOTS:-ui_screenshots}" && cd "${UI_SCREENSHOTS:-ui_screenshots}" && pwd)
  install_playwright "$UI_DIR"
}

# browser_test SCRIPT [NAME=VALUE...]: node runs tests/ui/SCRIPT against
# $SERVE_URL (CPROFILER_URL), with OUT_DIR=$SHOTS, CHROMIUM and the
# NAME=VALUEs in its environment; the test fails if it does.
browser_test() {
  local script=$1
  shift
  env CPROFILER_URL="$SERVE_URL" OUT_DIR="$SHOTS" CHROMIUM="$CHROMIUM" "$@" node "$UI_DIR/$script" ||
    fail "the browser test $script failed (screenshots in $SHOTS)"
}

# wait_ready: until the server start_serve started answers /api/readyz (10 s
# at most).
wait_ready() {
  local i
  for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}

# start_moto [ENV=VALUE...]: a moto_server (Python's moto: a real S3 API)
# on a free loopback port, with ENV set for it (e.g.
# INITIAL_NO_AUTH_ACTION_COUNT=0 checks credentials); prints its endpoint
# URL; its pid is in $WORK/moto.pid.
start_moto() {
  local port i
  command -v moto_server >/dev/null || fail "moto_server (Python's moto) is not installed"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  spawn env "$@" moto_server -H 127.0.0.1 -p "$port"
  echo "$SPAWNED_PID" >"$WORK/moto.pid"
  # (any answer: with credentials checked, "/" is refused)
  for ((i = 0; i < 200; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" != 000 ] && break
    sleep 0.1
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" != 000 ] ||
    fail "moto_server did not start on $port"
  echo "http://127.0.0.1:$port"
}

# compare_pprof WHAT PROFILE FLAG...: go tool pprof FLAG... PROFILE and
# cprofiler top with the same flags (pprof's spelling: -top, -tags, -dot,
# -peek=RE, -list=RE, -focus=RE, -nodecount=N, -sample_index=NAME,
# -source_path=DIRS, -trim_path=PREFIX, ...) give the same stdout and exit
# status, both run in the working directory (where -list looks for relative
# source files). Sets COMPARED_LINES for expect_compared.
compare_pprof() {
  local what=$1 file=$2 flag go_rc=0 ours_rc=0
  shift 2
  local ours=()
  for flag in "$@"; do
    case $flag in
      -top) ;;  # cprofiler top's default
      -tags) ours+=(--format tags) ;;
      -dot) ours+=(--format dot) ;;
      -sample_index=*) ours+=("--sample-index=${flag#*=}") ;;
      -source_path=*) ours+=("--source-path=${flag#*=}") ;;
      -trim_path=*) ours+=("--trim-path=${flag#*=}") ;;
      -*) ours+=("-$flag") ;;
    esac
  done
  go tool pprof "$@" "$file" >"$WORK/go.out" 2>"$WORK/go.err" || go_rc=$?
  "$CPROFILER" top "${ours[@]}" "$file" >"$WORK/ours.out" 2>"$WORK/ours.err" || ours_rc=$?
  if ! diff "$WORK/go.out" "$WORK/ours.out" >"$WORK/diff"; then
    head -40 "$WORK/diff"
    fail "$what: cprofiler top ${ours[*]} differs from go tool pprof $*"
  fi
  [ "$go_rc" = "$ours_rc" ] ||
    fail "$what: exit $ours_rc, go tool pprof's $go_rc ($(cat "$WORK/go.err" "$WORK/ours.err"))"
  COMPARED_LINES=$(wc -l <"$WORK/ours.out")
  COMPARED_WHAT=$what
}

# expect_lines MIN: the last compare_pprof compared at least MIN lines (a
# test that compares two empty outputs proves nothing).
expect_lines() {
  [ "$COMPARED_LINES" -ge "$1" ] ||
    { cat "$WORK/ours.out"; fail "$COMPARED_WHAT: only $COMPARED_LINES lines compared"; }
}
