# The analysis page's keys and links in a real browser: an archive of the
# fixture cpu.pb.gz (make_archive), `cprofiler serve` over it on loopback,
# and tests/ui/keys_test.mjs driving Debian's Chromium headless: "/" focuses
# the search, Esc clears it, then the zoom, then closes the sandwich; the
# arrows walk the flame graph (up: parent, down: largest child, left/right:
# siblings) and Enter zooms; zoom, search and the top table's sort are in
# the URL, and a reload of it shows the same view. On the overview, "/"
# focuses the legend's box to find a group.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser
: "${MAKE_ARCHIVE:?set by ctest}"

DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 2 1 "$DAY" "$TEST_DATA_DIR/cpu.pb.gz" 1 profile
CPU_ID=$("$CPROFILER" query --archive "$WORK/arch" -t profile_cpu --from "${DAY}T00:00:00Z" --to "${DAY}T23:59:59Z" -o ids | tail -n 1)
[ -n "$CPU_ID" ] || fail "no CPU profile in the archive"
pass "an archive of cpu.pb.gz"

start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch"
browser_test keys_test.mjs "CPU_ID=$CPU_ID" FROM="${DAY}T00:00:00Z" TO="${DAY}T23:59:59Z"
pass "keys and links; screenshots in $SHOTS"
