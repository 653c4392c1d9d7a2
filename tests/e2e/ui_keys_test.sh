# The analysis page's keys and links in a real browser: an archive of the
# fixture cpu.pb.gz (make_archive), `cprofiler serve` over it on loopback,
# and tests/ui/keys_test.mjs driving Debian's Chromium headless: "/" focuses
# the search, Esc clears it, then the zoom, then closes the sandwich; the
# arrows walk the flame graph (up: parent, down: largest child, left/right:
# siblings) and Enter zooms; zoom, search and the top table's sort are in
# the URL, and a reload of it shows the same view. On the overview, "/"
# focuses the legend's box to find a group.
# Needs node, npm and /usr/bin/chromium (apt-get install -y nodejs npm chromium).
# Screenshots go to $UI_SCREENSHOTS (default: ui_screenshots/ in the directory
# the test starts in; CTest: build/tests/ui_screenshots).
UI_DIR=$(cd "$(dirname "$0")/../ui" && pwd)
SHOTS=$(mkdir -p "${UI_SCREENSHOTS:-ui_screenshots}" && cd "${UI_SCREENSHOTS:-ui_screenshots}" && pwd)
source "$(dirname "$0")/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null || fail "node is not installed (apt-get install -y nodejs npm)"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing (apt-get install -y chromium)"
: "${MAKE_ARCHIVE:?set by ctest}"

DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 2 1 "$DAY" "$TEST_DATA_DIR/cpu.pb.gz" 1 profile
CPU_ID=$("$CPROFILER" query --archive "$WORK/arch" -t profile_cpu --from "${DAY}T00:00:00Z" --to "${DAY}T23:59:59Z" -o ids | tail -n 1)
[ -n "$CPU_ID" ] || fail "no CPU profile in the archive"
pass "an archive of cpu.pb.gz"

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch"
install_playwright "$UI_DIR"
CPROFILER_URL=$SERVE_URL OUT_DIR=$SHOTS CHROMIUM=$CHROMIUM CPU_ID=$CPU_ID \
  FROM="${DAY}T00:00:00Z" TO="${DAY}T23:59:59Z" \
  node "$UI_DIR/keys_test.mjs" || fail "the browser test failed (screenshots in $SHOTS)"
pass "keys and links; screenshots in $SHOTS"
