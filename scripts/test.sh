#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite (unit tests and
# end-to-end tests against real Go programs). Used by .ci/run.
# Builds the static release binary, so the tests exercise what ships
# (about 30 s more CPU than the shared build: curl and CivetWeb from source).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPROFILER_STATIC=ON
cmake --build build -j"$(nproc)"
cd build
ctest -j"$(nproc)" --output-on-failure --timeout 600
