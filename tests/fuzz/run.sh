#!/usr/bin/env bash
# libFuzzer over cprofiler's parsers, with ASan and UBSan: builds the
# harnesses with clang into BUILD_DIR and runs each (or the HARNESSes named)
# for SECONDS, printing executions per second, coverage and any finding.
# On demand, and briefly in the test suite ("fuzz: short").
#
#   bash tests/fuzz/run.sh [SECONDS (60)] [BUILD_DIR (build-fuzz)] [HARNESS...]
#
#   profile  the pprof decoder and validator; summary, merge, top table
#   sidecar  the sidecar reader; serialize -> read gives the same sidecar
#   config   the config loader (YAML) and file_sd files (YAML, JSON)
#   targets  a Kubernetes pod's JSON; the targets' state file, read -> write
#   query    query strings, the seed API's selection, label matchers
#   time     times (RFC 3339 round trip), durations, sizes, profile IDs
#   index    INDEX and TARGETS files
#   trace    the execution-trace reader; summary, derived profiles, reports, timeline
#
# Seeds: tests/data (profiles, traces), conf/cprofiler.yml (config) and
# tests/fuzz/corpus/<harness>/, where every input that ever crashed a harness
# is kept, as a regression. A finding is written to BUILD_DIR/findings/ and
# fails the run (exit 1), as does an input slower than 60 s; a failed build
# exits 2. Without clang++ or its libFuzzer runtime it exits 77 (the suite's
# "skipped"), or 2 when CI=true. JOBS (nproc) sets the build's parallelism;
# SOURCE_CACHE, a directory of the pinned Debian sources already fetched
# (CPROFILER_SOURCE_CACHE), spares the build fetching CivetWeb's again.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${1:-60}
BUILD=${2:-$ROOT/build-fuzz}
shift $(($# < 2 ? $# : 2))
HARNESSES=(profile sidecar config targets query time index trace)
[ $# -eq 0 ] || HARNESSES=("$@")
missing() {
  echo "run.sh: $1 is needed (apt-get install clang libclang-rt-14-dev, or scripts/install-deps.sh)" >&2
  [ "${CI:-}" = true ] && exit 2
  exit 77
}
command -v clang++ >/dev/null || missing clang++
compgen -G "$(clang++ -print-runtime-dir)/libclang_rt.fuzzer-*.a" >/dev/null || missing "libFuzzer (libclang_rt.fuzzer)"
mkdir -p "$BUILD"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCPROFILER_TESTS=OFF -DCPROFILER_FUZZ=ON ${SOURCE_CACHE:+-DCPROFILER_SOURCE_CACHE="$SOURCE_CACHE"} \
  >"$BUILD/fuzz-cmake.log" 2>&1 ||
  { cat "$BUILD/fuzz-cmake.log"; exit 2; }
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target "${HARNESSES[@]/#/fuzz_}" >"$BUILD/fuzz-build.log" 2>&1 ||
  { tail -30 "$BUILD/fuzz-build.log"; exit 2; }
WORK=$(mktemp -d /tmp/cprof-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$BUILD/findings"
failed=0
for harness in "${HARNESSES[@]}"; do
  corpus=$WORK/$harness
  mkdir -p "$corpus" "$ROOT/tests/fuzz/corpus/$harness"
  [ "$harness" = profile ] && cp "$ROOT"/tests/data/*.pb.gz "$corpus/"
  [ "$harness" = config ] && cp "$ROOT"/conf/cprofiler.yml "$corpus/"
  [ "$harness" = trace ] && cp "$ROOT"/tests/data/*.trace "$corpus/"
  set +e
  "$BUILD/tests/fuzz/fuzz_$harness" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=60 -artifact_prefix="$BUILD/findings/$harness-" \
    "$corpus" "$ROOT/tests/fuzz/corpus/$harness" >"$WORK/$harness.log" 2>&1 &
  pid=$!
  wait "$pid"
  rc=$?
  rm -rf "/dev/shm/cprof-fuzz-index-$pid"  # fuzz_index's directory, by its pid
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$harness.log")
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/$harness.log")
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$WORK/$harness.log")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$WORK/$harness.log" | tail -1)
  if [ "$rc" = 0 ]; then
    echo "fuzz_$harness: ${execs:-?} runs in ${SECONDS_EACH}s (${per_second:-?}/s), $cov, slowest input ${slowest:-?}s, no finding"
  else
    failed=1
    echo "fuzz_$harness: FINDING (exit $rc); input in $BUILD/findings/, copy it to tests/fuzz/corpus/$harness/ once fixed"
    grep -m 20 -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$WORK/$harness.log" || tail -20 "$WORK/$harness.log"
  fi
done
exit "$failed"
