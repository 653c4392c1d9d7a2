# The overview's chart of a fleet of 1,000 apps in a real browser: a day of
# heap profiles of app-0 .. app-999 (14 each), and three apps with one
# profile each of ten times the heap (spike-0 .. spike-2: a total below
# every app's, so past the legend's top 10, but the highest points of the
# chart). `cprofiler serve` over it on loopback and
# tests/ui/fleet_others_test.mjs driving Debian's Chromium headless: the
# top groups' lines span the plot's height while the others are off (the
# default), the "N others" switch draws them (others=1 in the URL, kept
# across a reload) and switches them off again.
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
"$MAKE_ARCHIVE" "$WORK/fleet" 14000 1000 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap
# Ten times the heap: the fixture merged with itself ten times.
expect_exit 0 "$CPROFILER" merge -o "$WORK/big.pb.gz" $(for i in 1 2 3 4 5 6 7 8 9 10; do echo "$TEST_DATA_DIR/heap.pb.gz"; done)
"$MAKE_ARCHIVE" "$WORK/fleet" 3 3 "$DAY" "$WORK/big.pb.gz" 1 heap 3 - spike
pass "an archive of 1,003 apps"

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/fleet"
for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
install_playwright "$UI_DIR"
CPROFILER_URL=$SERVE_URL OUT_DIR=$SHOTS CHROMIUM=$CHROMIUM FROM="${DAY}T00:00:00Z" TO="${DAY}T23:59:59Z" \
  node "$UI_DIR/fleet_others_test.mjs" || fail "the browser test failed (screenshots in $SHOTS)"
pass "the top groups readable, the others a click away; screenshots in $SHOTS"
