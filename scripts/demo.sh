#!/usr/bin/env bash
# The demo: builds cprofiler (the static release binary), starts a small Go
# service serving net/http/pprof on 127.0.0.1:6060, scrapes it every 10 s
# into ./build/demo/archive, and serves the archive and the web UI on
# 127.0.0.1:8080 (loopback: the demo has no auth file; DEMO_LISTEN=:8080
# opens it to other hosts), until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPROFILER_STATIC=ON >/dev/null
cmake --build build -j"$(nproc)"
DEMO=build/demo
mkdir -p "$DEMO"
rm -f "$DEMO/service.addr"
build/go-bin/workload -addr 127.0.0.1:6060 -addr-file "$DEMO/service.addr" >"$DEMO/service.log" 2>&1 &
SERVICE=$!
SCRAPER=""
SERVER=""
trap 'kill $SERVICE $SCRAPER $SERVER 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$DEMO/service.addr" ] && break; sleep 0.1; done
[ -s "$DEMO/service.addr" ] || { echo "demo: the Go service did not start (is :6060 taken?)"; cat "$DEMO/service.log"; exit 1; }
cat >"$DEMO/cprofiler.yml" <<YML
archive: archive
scrape-configs:
  - job: demo
    interval: 10s
    expiration: 1h
    enabled-profiles: [all, trace]
    path-profiles:
      profile: /debug/pprof/profile?seconds=5
      trace: /debug/pprof/trace?seconds=1
    target-configs:
      - application: demo-service
        hosts: [127.0.0.1:6060]
        labels: {env: demo}
YML
build/cprofiler scrape -c "$DEMO/cprofiler.yml" &
SCRAPER=$!
echo "demo: scraping the Go service on 127.0.0.1:6060 every 10s into $DEMO/archive"
build/cprofiler serve -c "$DEMO/cprofiler.yml" --listen "${DEMO_LISTEN:-127.0.0.1:8080}" &
SERVER=$!
sleep 7
build/cprofiler query -c "$DEMO/cprofiler.yml" --from -1m || true
cat <<TXT

demo: running; Ctrl-C stops it.
  Open http://localhost:8080 for the web UI (bubbles appear as scrapes land).
  In another shell, try:
  build/cprofiler query -c $DEMO/cprofiler.yml -t heap_inuse_space
  build/cprofiler top -c $DEMO/cprofiler.yml -t mutex_delay --from -5m    # lock contention in the last 5 minutes
  build/cprofiler query -c $DEMO/cprofiler.yml -t profile_cpu -o paths | tail -1 | xargs go tool pprof -top
  go tool pprof -top http://localhost:8080/api/merge?sample_type=profile_cpu\&start_time=$(date -u +%Y-%m-%d)T00:00:00Z\&end_time=$(date -u -d tomorrow +%Y-%m-%d)T00:00:00Z
TXT
wait $SCRAPER
