#!/usr/bin/env bash
# Prints the cprof_debian_source() pins (cmake/StaticDeps.cmake, cmake/CivetWeb.cmake) of the
# source packages named, as Debian bookworm has them now. Every hash comes
# from Debian's signed chain: InRelease (checked with gpgv against
# debian-archive-keyring) -> Sources.xz (its SHA-256 in InRelease) -> the
# package's files (their SHA-256 in Sources); the SHA-1 (snapshot.debian.org's
# file address) is computed from the downloaded file once its SHA-256 matched.
#
#   scripts/debian-source-pins.sh curl civetweb
set -euo pipefail
MIRROR=${CPROFILER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ $# -gt 0 ] || { echo "usage: $0 SOURCE-PACKAGE..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One suite's verified Sources index on stdout.
sources() {
  local suite=$1
  curl -fsS -o "$tmp/$suite.InRelease" "$MIRROR/dists/$suite/InRelease"
  gpgv --quiet --keyring "$KEYRING" --output "$tmp/$suite.Release" "$tmp/$suite.InRelease" 2>/dev/null ||
    { echo "$suite: InRelease signature does not verify" >&2; exit 1; }
  curl -fsS -o "$tmp/$suite.Sources.xz" "$MIRROR/dists/$suite/main/source/Sources.xz"
  local want have
  want=$(awk '/^SHA256:/{s=1;next} /^[^ ]/{s=0} s && $3=="main/source/Sources.xz"{print $1}' "$tmp/$suite.Release")
  have=$(sha256sum "$tmp/$suite.Sources.xz" | cut -d' ' -f1)
  [ -n "$want" ] && [ "$want" = "$have" ] || { echo "$suite: Sources.xz hash mismatch" >&2; exit 1; }
  xz -dc "$tmp/$suite.Sources.xz"
}
# Point releases land in bookworm; security fixes first in bookworm-security,
# which is a different archive, so only bookworm is read: it is what stays in
# the pool for the release's lifetime between point releases.
sources bookworm >"$tmp/Sources"

for pkg in "$@"; do
  stanza=$(awk -v p="$pkg" '$0=="Package: " p {s=1} s {print} s && /^$/ {exit}' "$tmp/Sources")
  [ -n "$stanza" ] || { echo "$pkg: not in bookworm's Sources" >&2; exit 1; }
  version=$(sed -n 's/^Version: //p' <<<"$stanza")
  dir=$(sed -n 's/^Directory: //p' <<<"$stanza")
  echo "cprof_debian_source($pkg VERSION $version POOL $dir FILES"
  files=$(sed -n '/^Checksums-Sha256:/,/^[^ ]/p' <<<"$stanza" | awk '/^ /{print $1, $3}')
  # .dsc first: cprof_debian_source unpacks the first file.
  { grep '\.dsc$' <<<"$files"; grep -v '\.dsc$' <<<"$files"; } |
  while read -r sha256 file; do
    curl -fsS -o "$tmp/$file" "$MIRROR/$dir/$file"
    [ "$(sha256sum "$tmp/$file" | cut -d' ' -f1)" = "$sha256" ] || { echo "$file: sha256 mismatch" >&2; exit 1; }
    printf '  %s\n    %s\n    %s\n' "$file" "$sha256" "$(sha1sum "$tmp/$file" | cut -d' ' -f1)"
  done
  echo ")"
done
