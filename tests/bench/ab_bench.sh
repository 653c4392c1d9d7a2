#!/usr/bin/env bash
# Two builds of cprofiler against each other, run after run in turn so
# that both meet the same load: the "no regression" check of a change
# (issue 25: within 10%). Prints each figure's median for both and the
# change. On demand, not part of the test suite.
#
#   bash tests/bench/ab_bench.sh OLD_CPROFILER NEW_CPROFILER [ROUNDS] [BUILD_DIR]
#
# OLD_CPROFILER: e.g. a build of the commit before the change
#   (git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build
#   && cmake --build /tmp/old/build). BUILD_DIR (default: build) gives the
#   test tools (faketarget, make_archive) and the merge inputs' fixtures.
# Figures, each ROUNDS (default 5) times per build, each beside its peak
# RSS (*_rss_mb: GNU time's maximum resident set, serve's VmHWM):
#   scrape: CPU (user+system) per profile of `scrape --once --force` passes
#     over 200 fake targets x 7 types into tmpfs (the file system's cost out
#     of the way: on a disk, other processes' writes swamp the difference);
#   query: CPU of `query` of all 100,000 entries, and of one app's;
#   merge: CPU of merging 1,000 heap profiles;
#   serve: seconds until "indexed 100000 profiles", and its peak RSS then.
# Needs GNU time.
set -euo pipefail
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROUNDS=${3:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${4:-$ROOT/build}" && pwd)
WORK=$(mktemp -d /tmp/cprof-ab.XXXXXX)
SHM=$(mktemp -d /dev/shm/cprof-ab.XXXXXX)
FAKE=""
trap '[ -n "$FAKE" ] && kill $FAKE 2>/dev/null; [ -n "${AB_KEEP:-}" ] || rm -rf "$WORK"; rm -rf "$SHM"' EXIT
source "$ROOT/tests/bench/lib.sh"
needs_gnu_time
RESULTS=$WORK/results

# cpu LABEL COMMAND...: runs it, appends "LABEL_cpu_s seconds" (user+system)
# and "LABEL_rss_mb MB" (its peak RSS).
cpu() {
  local label=$1
  shift
  measure "$@" >/dev/null 2>"$WORK/err" ||
    { cat "$WORK/err" >&2; echo "ab_bench: $label failed" >&2; exit 1; }
  echo "${label}_cpu_s $CPU" >>"$RESULTS"
  echo "${label}_rss_mb $RSS" >>"$RESULTS"
}

echo "setting up: 200 fake targets, a 100,000-entry archive, 1,000 heap profiles"
"$BUILD/go-bin/faketarget" -profile "$ROOT/tests/data/heap.pb.gz" -listeners 200 \
  -addr-file "$WORK/addrs" >/dev/null 2>&1 &
FAKE=$!
for _ in $(seq 100); do [ -s "$WORK/addrs" ] && break; sleep 0.1; done
[ -s "$WORK/addrs" ] || { echo "ab_bench: the fake targets did not start" >&2; exit 1; }
"$BUILD/tests/make_archive" "$WORK/archive" 100000 50 2026-11-20 >/dev/null
mkdir -p "$WORK/heap"
for i in $(seq 1000); do cp "$ROOT/tests/data/heap.pb.gz" "$WORK/heap/$i.pb.gz"; done

for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS"
  # Alternate which build goes first.
  builds=(old new)
  [ $((round % 2)) = 0 ] && builds=(new old)
  for which in "${builds[@]}"; do
    C=$OLD
    [ "$which" = new ] && C=$NEW
    # scrape: a first pass, then three forced ones, into a fresh archive.
    rm -rf "$SHM/archive"
    {
      echo "archive: $SHM/archive"
      echo "scrape-configs:"
      echo "  - job: bench"
      echo "    enabled-profiles: [all]"
      echo "    path-profiles: {profile: /debug/pprof/profile}"
      echo "    target-configs:"
      echo "      - hosts: [$(paste -sd, "$WORK/addrs")]"
    } >"$WORK/scrape.yml"
    "$C" scrape --once -c "$WORK/scrape.yml" >/dev/null 2>&1 || true
    for _ in 1 2 3; do
      before=$(find "$SHM/archive" -name '*.json' | wc -l)
      measure "$C" scrape --once --force -c "$WORK/scrape.yml" >/dev/null 2>&1 || true
      n=$(($(find "$SHM/archive" -name '*.json' | wc -l) - before))
      [ "$n" -gt 0 ] || { echo "ab_bench: $which: a scrape pass archived nothing" >&2; exit 1; }
      awk -v l="$which scrape_cpu_ms_per_profile" -v n="$n" -v c="$CPU" \
        'BEGIN { print l, c * 1000 / n }' >>"$RESULTS"
      echo "$which scrape_rss_mb $RSS" >>"$RESULTS"
    done
    cpu "$which query_all" "$C" query --archive "$WORK/archive" --from 2026-11-20 \
      --to 2026-11-21 -o ids
    cpu "$which query_app" "$C" query --archive "$WORK/archive" --from 2026-11-20 \
      --to 2026-11-21 -l _app=app-7 -o ids
    cpu "$which merge_1000_heap" "$C" merge "$WORK"/heap/*.pb.gz -o "$WORK/merged.pb.gz"
    # serve: until the index is read.
    "$C" serve --archive "$WORK/archive" --listen 127.0.0.1:0 2>"$WORK/serve.log" >/dev/null &
    pid=$!
    for _ in $(seq 3000); do grep -q "indexed" "$WORK/serve.log" && break; sleep 0.01; done
    echo "$which serve_rss_mb $(hwm_mb "$pid")" >>"$RESULTS"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    sed -n 's/.*indexed [0-9]* profiles of .* in \([0-9.]*\)s.*/\1/p' "$WORK/serve.log" |
      awk -v l="$which serve_indexed_s" '{ print l, $1 }' >>"$RESULTS"
  done
done

echo
printf '%-28s %12s %12s %8s\n' figure old new change
awk 'function median(list,   a, k, i, j, t) {
    k = split(list, a, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  { v[$1 " " $2] = v[$1 " " $2] " " $3; figures[$2] = 1 }
  END {
    for (f in figures) {
      before = median(v["old " f]); after = median(v["new " f])
      change = before > 0 ? 100 * (after - before) / before : 0
      printf "%-28s %12.4f %12.4f %+7.1f%%\n", f, before, after, change
    }
  }' "$RESULTS" | sort
