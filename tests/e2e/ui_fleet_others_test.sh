# The overview's chart of a fleet of 1,000 apps in a real browser: a day of
# heap profiles of app-0 .. app-999 (14 each), and three apps with one
# profile each of ten times the heap (spike-0 .. spike-2: a total below
# every app's, so past the legend's top 10, but the highest points of the
# chart). `cprofiler serve` over it on loopback and
# tests/ui/fleet_others_test.mjs driving Debian's Chromium headless: the
# top groups' lines span the plot's height while the others are off (the
# default), the "N others" switch draws them (others=1 in the URL, kept
# across a reload) and switches them off again.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser
: "${MAKE_ARCHIVE:?set by ctest}"

DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/fleet" 14000 1000 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap
# Ten times the heap: the fixture merged with itself ten times.
expect_exit 0 "$CPROFILER" merge -o "$WORK/big.pb.gz" $(for i in 1 2 3 4 5 6 7 8 9 10; do echo "$TEST_DATA_DIR/heap.pb.gz"; done)
"$MAKE_ARCHIVE" "$WORK/fleet" 3 3 "$DAY" "$WORK/big.pb.gz" 1 heap 3 - spike
pass "an archive of 1,003 apps"

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/fleet"
wait_ready
browser_test fleet_others_test.mjs FROM="${DAY}T00:00:00Z" TO="${DAY}T23:59:59Z"
pass "the top groups readable, the others a click away; screenshots in $SHOTS"
