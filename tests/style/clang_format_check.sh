#!/usr/bin/env bash
# The C++ of src/ and tests/ is as clang-format (.clang-format: Google's style
# at 100 columns) writes it. Prints each file that differs, and how to fix
# them all. Exits 77 (the suite's "skipped") without clang-format, or 1 when
# CI=true.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FORMAT=$(command -v clang-format || command -v clang-format-14 || true)
if [ -z "$FORMAT" ]; then
  echo "clang_format_check: clang-format is needed (apt-get install clang-format)" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
cd "$ROOT"
mapfile -t FILES < <(find src tests \( -path tests/ui/node_modules -o -path tests/querier/node_modules \) -prune -o \( -name '*.cc' -o -name '*.h' \) -print | sort)
[ "${#FILES[@]}" -gt 100 ] || { echo "clang_format_check: only ${#FILES[@]} files found under $ROOT" >&2; exit 1; }
bad=()
for f in "${FILES[@]}"; do
  "$FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  printf 'not as clang-format writes it: %s\n' "${bad[@]}" >&2
  echo "fix: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "ok: ${#FILES[@]} files as clang-format ($("$FORMAT" --version | grep -o 'version [0-9.]*')) writes them"
