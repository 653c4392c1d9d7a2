#!/usr/bin/env bash
# libFuzzer over cprofiler's parsers, with ASan and UBSan, on demand (not
# part of the test suite): builds the harnesses with clang into BUILD_DIR
# and runs each for SECONDS, printing executions per second, coverage and
# any finding.
#
#   bash tests/fuzz/run.sh [SECONDS (60)] [BUILD_DIR (build-fuzz)]
#
#   fuzz_profile  the pprof decoder and validator; summary, merge, top table
#   fuzz_text     sidecars, config and file_sd YAML/JSON, query strings,
#                 matchers, times, durations, sizes, IDs, pod and state JSON
#   fuzz_index    INDEX and TARGETS files
#
# Seeds: tests/data (profiles) and tests/fuzz/corpus/<harness>/, where every
# input that ever crashed a harness is kept, as a regression. A finding is
# written to BUILD_DIR/findings/ and fails the run (exit 1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${1:-60}
BUILD=${2:-$ROOT/build-fuzz}
command -v clang++ >/dev/null || { echo "run.sh: clang++ is needed (apt-get install clang)" >&2; exit 2; }
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCPROFILER_TESTS=OFF -DCPROFILER_FUZZ=ON >"$BUILD.cmake.log" 2>&1 ||
  { cat "$BUILD.cmake.log"; exit 2; }
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_profile fuzz_text fuzz_index >"$BUILD.build.log" 2>&1 ||
  { tail -30 "$BUILD.build.log"; exit 2; }
WORK=$(mktemp -d /tmp/cprof-fuzz.XXXXXX)
trap 'rm -rf "$WORK" /dev/shm/cprof-fuzz-index-*' EXIT
mkdir -p "$BUILD/findings"
failed=0
for harness in profile text index; do
  corpus=$WORK/$harness
  mkdir -p "$corpus" "$ROOT/tests/fuzz/corpus/$harness"
  [ "$harness" = profile ] && cp "$ROOT"/tests/data/*.pb.gz "$corpus/"
  set +e
  "$BUILD/tests/fuzz/fuzz_$harness" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -rss_limit_mb=2048 -artifact_prefix="$BUILD/findings/$harness-" \
    "$corpus" "$ROOT/tests/fuzz/corpus/$harness" >"$WORK/$harness.log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$harness.log")
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/$harness.log")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$WORK/$harness.log" | tail -1)
  if [ "$rc" = 0 ]; then
    echo "fuzz_$harness: ${execs:-?} runs in ${SECONDS_EACH}s (${per_second:-?}/s), $cov, no finding"
  else
    failed=1
    echo "fuzz_$harness: FINDING (exit $rc); input in $BUILD/findings/, copy it to tests/fuzz/corpus/$harness/ once fixed"
    grep -m 20 -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$WORK/$harness.log" || tail -20 "$WORK/$harness.log"
  fi
done
exit "$failed"
