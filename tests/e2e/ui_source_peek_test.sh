# The analysis page's source panel and Peek card, API and browser: the Go
# workload (workload -labels) scraped into an archive (a CPU profile that
# holds crypto/sha256.Sum256 with its callers and callees), `cprofiler
# serve --source-path` over a copy of the workload's source and GOROOT/src:
# /api/analysis?list=RE's text equals `go tool pprof -list RE -source_path`
# of the same profile byte for byte (the copy's marked line read, not the
# original's), its lines equal the listing's; peek=RE's text equals `go tool
# pprof -peek RE`; a serve without a source path gives every sampled line's
# number and values, no text; then tests/ui/ui_source_peek_test.mjs drives
# Debian's Chromium headless (every other origin refused): a click on a
# flame graph frame of main.workloadCPU shows its source lines with values
# beside the flame graph and zooms to the frame (zoom= in the URL), Esc
# resets the zoom and then closes the panel, in the call graph view a row's
# Source action opens it beside the call graph, a row's Peek action shows
# Sum256's callers and callees as pprof -peek does, source=, zoom= and peek=
# come back from the URL.
# Needs node, npm and Chromium; screenshots in $SHOTS (require_browser in lib.sh).
source "$(dirname "$0")/lib.sh"
export TZ=UTC  # the peek's Time: line, ours and pprof's
require_browser
GOROOT_SRC=$(go env GOROOT)/src
[ -f "$GOROOT_SRC/crypto/sha256/sha256.go" ] || fail "no $GOROOT_SRC/crypto/sha256/sha256.go"

ADDR=$(start_workload -labels)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile]
    path-profiles:
      profile: /debug/pprof/profile?seconds=2
    target-configs:
      - application: wl
        hosts: [$ADDR]
YML
sleep 1
PEEK_FUNC=crypto/sha256.Sum256
PEEK_RE='^crypto/sha256\.Sum256$'
for ((try = 1; ; try++)); do
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
  CPU_PATH=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o paths | tail -n 1)
  # (Sum256 called by main.workloadCPU: a caller line "... |   main.workloadCPU")
  if go tool pprof -peek="$PEEK_RE" "$CPU_PATH" >"$WORK/peek.want" 2>/dev/null &&
    grep -q '| *main\.workloadCPU$' "$WORK/peek.want"; then
    break
  fi
  ((try < 6)) || fail "no CPU profile of $try has $PEEK_FUNC called by main.workloadCPU"
done
CPU_ID=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_cpu -o ids | tail -n 1)
pass "a CPU profile archived with $PEEK_FUNC and its callers (try $try)"

# The workload's source, copied with a line marked: what is read is the
# copy, found through the source path's last element (pprof's rule).
mkdir -p "$WORK/copy/workload"
sed 's/^\t\t\tsum := sha256\.Sum256(buf)$/&  \/\/ the copy/' \
  "$TEST_DATA_DIR/../go/workload/main.go" >"$WORK/copy/workload/main.go"
grep -q '// the copy$' "$WORK/copy/workload/main.go" || fail "the copy has no marked line"
SP="$WORK/copy/workload:$GOROOT_SRC"
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml" --source-path "$SP"

# api FIELD QUERY: the field of /api/analysis?id=CPU_ID&QUERY as JSON, in
# $WORK/api.json; its text in $WORK/api.text.
api() {
  curl -fsS -o "$WORK/api.json" "$SERVE_URL/api/analysis?id=$CPU_ID&maxnodes=1&$2" ||
    fail "/api/analysis?$2 failed: $(cat "$WORK/api.json" 2>/dev/null)"
  python3 - "$1" "$WORK/api.json" >"$WORK/api.text" <<'PY'
import json, sys
field = json.load(open(sys.argv[2]))[sys.argv[1]]
sys.stdout.write(field["text"])
PY
}
# same_text WHAT WANT: $WORK/api.text is WANT byte for byte.
same_text() {
  diff "$2" "$WORK/api.text" >"$WORK/diff" || { head -40 "$WORK/diff"; fail "$1 differs"; }
}

for re in 'main\.workloadCPU' 'main\.workload' "$PEEK_RE"; do
  go tool pprof -list="$re" -source_path="$SP" "$CPU_PATH" >"$WORK/list.want" 2>/dev/null ||
    fail "go tool pprof -list=$re failed"
  api list "list=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$re")"
  same_text "list=$re against go tool pprof -list -source_path" "$WORK/list.want"
  case $re in
    main*) grep -q 'sum := sha256\.Sum256(buf)  // the copy$' "$WORK/list.want" ||
      fail "pprof's list of $re did not read the copy: $(cat "$WORK/list.want")" ;;
    *) grep -q '[0-9]:.*d\.Write(data)$' "$WORK/list.want" ||
      fail "pprof's list of $re did not read GOROOT's source: $(cat "$WORK/list.want")" ;;
  esac
done
pass "list=RE's text is go tool pprof -list -source_path's (the workload's copy, GOROOT's crypto/sha256)"

# source=FUNC: its lines are the listing's, line for line.
api list "source=main.workloadCPU"
go tool pprof -list='^main\.workloadCPU$' -source_path="$SP" "$CPU_PATH" >"$WORK/list.want" 2>/dev/null
same_text "source=main.workloadCPU" "$WORK/list.want"
python3 - "$WORK/api.json" "$WORK/list.want" <<'PY' || fail "source=main.workloadCPU's lines are not the listing's"
import json, sys
fn = json.load(open(sys.argv[1]))["list"]["functions"]
assert [f["name"] for f in fn] == ["main.workloadCPU"], fn
want = [l for l in open(sys.argv[2]).read().split("\n")[3:] if l]  # after the (flat, cum) line
got = ["%10s %10s %6d:%s" % (l["flat_formatted"], l["cum_formatted"], l["n"], l["text"])
       for l in fn[0]["files"][0]["lines"]]
assert got == want, (got, want)
assert any(l["cum"] > 0 for l in fn[0]["files"][0]["lines"])
PY
pass "source=main.workloadCPU: each line (number, flat, cum, text) as go tool pprof -list prints it"

api peek "peek=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$PEEK_RE")"
same_text "peek=$PEEK_RE against go tool pprof -peek" "$WORK/peek.want"
pass "peek=RE's text is go tool pprof -peek's"

# Without a source path: no text, every sampled line's number and values.
SERVE_URL_SRC=$SERVE_URL
start_serve "$WORK/serve2.log" "$CPROFILER" serve -c "$WORK/c.yml"
api list "source=main.workloadCPU"
python3 - "$WORK/api.json" <<'PY' || fail "without a source path: $(head -c 600 "$WORK/api.json")"
import json, sys
f = json.load(open(sys.argv[1]))["list"]["functions"][0]["files"][0]
assert f["error"].startswith("no source path to read "), f["error"]
assert f["lines"] and all("text" not in l and l["n"] > 0 and l["cum"] > 0 for l in f["lines"]), f["lines"]
PY
stop_serve
SERVE_URL=$SERVE_URL_SRC
pass "without --source-path: the sampled lines' numbers with flat and cum, no text"

browser_test ui_source_peek_test.mjs "CPU_ID=$CPU_ID" "PEEK_FUNC=$PEEK_FUNC" \
  PEEK_TEXT="$(cat "$WORK/peek.want")"
pass "source panel and peek card; screenshots in $SHOTS"
