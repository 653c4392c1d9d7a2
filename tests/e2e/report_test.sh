# The self-contained HTML reports: `merge --format html`, `top --format
# html`, `diff -o html` and serve's /api/report.html (a profile, and a diff
# against a base) open in headless Chromium with networking off and show
# frames, search and zoom (tests/ui/report_test.mjs); no file holds an http
# URL.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
require_browser

# open_report FILE FUNC DIFF: the browser checks, and no http URL in FILE.
open_report() {
  local name
  name=$(basename "$1" .html)
  if grep -qE 'https?://' "$1"; then fail "$1 holds an http URL: $(grep -oE 'https?://[^ "]*' "$1" | head -3)"; fi
  CHROMIUM=$CHROMIUM node "$UI_DIR/report_test.mjs" "$1" "$2" "$3" "$SHOTS/report-$name.png" ||
    fail "the browser test of $1 failed"
}

"$CPROFILER" merge "$TEST_DATA_DIR/cpu.pb.gz" --format html -o "$WORK/merge.html" 2>/dev/null || fail "merge --format html"
open_report "$WORK/merge.html" crypto/sha256.block 0
pass "merge --format html: frames, search and zoom offline; no http URL"
"$CPROFILER" top "$TEST_DATA_DIR/heap.pb.gz" --sample-index alloc_space --format html >"$WORK/top.html" ||
  fail "top --format html"
grep -q '"sample_index":"alloc_space"' "$WORK/top.html" || fail "top --format html ignored --sample-index"
open_report "$WORK/top.html" main.workloadHeap 0
pass "top --format html: the same, for the sample index asked"
expect_exit 0 "$CPROFILER" diff --base "$TEST_DATA_DIR/heap.pb.gz" "$TEST_DATA_DIR/heap.pb.gz" -o html
cp "$WORK/out" "$WORK/diff.html"
open_report "$WORK/diff.html" main.workloadHeap 1
pass "diff -o html: the diff flame graph and the Δ column"

DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 4 1 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap >/dev/null
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch"
wait_ready
mapfile -t IDS < <("$CPROFILER" query --archive "$WORK/arch" --from "$DAY" --to now -o ids)
[ "${#IDS[@]}" -ge 2 ] || fail "the archive holds ${#IDS[@]} profiles"
curl -fsS -o "$WORK/api.html" -D "$WORK/headers" "$SERVE_URL/api/report.html?id=${IDS[1]}" || fail "/api/report.html"
expect_grep '^Content-Type: text/html' "$WORK/headers"
open_report "$WORK/api.html" main.workloadHeap 0
curl -fsS -o "$WORK/api-diff.html" "$SERVE_URL/api/report.html?id=${IDS[1]}&base=${IDS[0]}&si=alloc_space" ||
  fail "/api/report.html with a base"
open_report "$WORK/api-diff.html" main.workloadHeap 1
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/api/report.html?id=${IDS[1]}&base=20260101-nosuch")
[ "$code" = 400 ] || [ "$code" = 404 ] || fail "/api/report.html with a bad base: $code"
pass "/api/report.html: a profile, and a diff against a base, offline; a bad base is $code"
stop_serve
