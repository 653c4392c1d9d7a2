# The trace page in a real browser: a trace of the Go 1.23 traceservice
# scraped into an archive, `cprofiler serve` over it, and
# tests/ui/trace_ui_test.mjs driving Debian's Chromium headless: the
# timeline draws the P lanes, zooming changes the visible range, a click on
# a slice shows its goroutine, the tasks table lists the task types.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
require_browser
scrape_trace 1
ID=$("$CPROFILER" query -c "$WORK/c.yml" -t trace -o ids)
[ -n "$ID" ] || fail "no trace archived"
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
wait_ready
browser_test trace_ui_test.mjs "TRACE_ID=$ID"
pass "the trace page; screenshots in $SHOTS"
