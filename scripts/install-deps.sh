#!/usr/bin/env bash
# Installs what building and testing cprofiler needs on Debian bookworm:
# compilers, CMake, the libraries; for the tests Go, gzip, curl, jq,
# prometheus (its promtool checks the metrics: tests/e2e/metrics_test.sh),
# clang and its libFuzzer runtime (libclang-rt-14-dev, for the test "fuzz:
# short"), clang-format (the test "style: clang-format"), and Node.js, npm
# and Chromium (the browser test of the web UI). Every build compiles
# CivetWeb from its pinned Debian source (dpkg-source and xz unpack it,
# patch applies cmake/civetweb-accept-filter.patch); the static build
# (CPROFILER_STATIC) also uses the libraries' .a files (in the same -dev
# packages) and curl's pinned source; file checks the result.
# Go 1.23 (golang-1.23-go, in /usr/lib/go-1.23/bin) comes from Debian's
# bookworm-backports, which this adds as an apt source when it is missing:
# Debian's golang-go is Go 1.19, which writes the old execution-trace format
# and profiles without Function.start_line, so the trace and PGO tests need
# the newer one.
# Skips apt entirely when everything is already installed.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libcli11-dev libcurl4-openssl-dev libssl-dev libprotobuf-dev protobuf-compiler
  libdeflate-dev libcrypt-dev libyaml-cpp-dev libre2-dev rapidjson-dev catch2
  golang-go curl gzip jq openssl chromium
  dpkg-dev xz-utils patch file groff-base
  prometheus
  clang libclang-rt-14-dev clang-format
  golang-1.23-go
)
# Node.js and npm from Debian, unless some other Node.js (with its own npm,
# which Debian's npm package would conflict with) is installed already.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [[ " ${missing[*]} " == *" golang-1.23-go "* ]] &&
   ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "install-deps: adding Debian's bookworm-backports as an apt source (for golang-1.23-go)"
  printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: bookworm-backports" \
    "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
    $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
fi
echo "install-deps: installing ${#missing[@]} packages with apt (several minutes on a fresh machine): ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Only promtool is wanted: the Prometheus server the package starts under
# systemd is stopped and disabled again.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
