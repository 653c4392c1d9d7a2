# Execution traces (issue 27): a Go 1.23 service traced by `cprofiler
# scrape --once`; for each of net, sync, syscall and sched, go tool pprof
# -top of `cprofiler trace pprof --kind K` equals that of Go 1.23's go tool
# trace -pprof=K on the same file; `cprofiler trace goroutines` has go tool
# trace's goroutine groups (start function, count, execution time);
# summary and tasks show the service's GC cycles and task types; damaged
# and old-format traces give one clear error.
source "$(dirname "$0")/lib.sh"
scrape_trace 2
TRACE=$("$CPROFILER" query -c "$WORK/c.yml" -t trace -o paths)
ID=$("$CPROFILER" query -c "$WORK/c.yml" -t trace -o ids)
[ -f "$TRACE" ] || fail "no archived trace ($TRACE)"
head -c 16 "$TRACE" | grep -aq "go 1.23 trace" || fail "not a Go 1.23 trace: $(head -c 16 "$TRACE")"
pass "scraped a go 1.23 trace"

top_of() { go tool pprof -top "$1" 2>/dev/null | grep -v '^Time:'; }
for kind in net sync syscall sched; do
  "$GO123" tool trace -pprof="$kind" "$TRACE" >"$WORK/go.$kind.pb" 2>"$WORK/go.err" ||
    fail "go tool trace -pprof=$kind: $(cat "$WORK/go.err")"
  expect_exit 0 "$CPROFILER" trace pprof --kind "$kind" "$ID" -c "$WORK/c.yml" -o "$WORK/ours.$kind.pb.gz"
  top_of "$WORK/go.$kind.pb" >"$WORK/go.$kind.top"
  top_of "$WORK/ours.$kind.pb.gz" >"$WORK/ours.$kind.top"
  if ! diff "$WORK/go.$kind.top" "$WORK/ours.$kind.top" >"$WORK/diff"; then
    head -30 "$WORK/diff"
    fail "$kind: go tool pprof -top of ours differs from go tool trace -pprof=$kind's"
  fi
  [ "$(grep -c 'main\.' "$WORK/ours.$kind.top")" -ge 1 ] ||
    { cat "$WORK/ours.$kind.top"; fail "$kind: none of the service's functions"; }
  pass "$kind: go tool pprof -top equals go tool trace -pprof=$kind's ($(wc -l <"$WORK/ours.$kind.top") lines)"
done
expect_grep "main.netClient" "$WORK/ours.net.top"
expect_grep "main.chanWaiter" "$WORK/ours.sync.top"
expect_grep "main.syscaller" "$WORK/ours.syscall.top"
# The derived profile is an ordinary pprof profile: cprofiler merges it.
expect_exit 0 "$CPROFILER" merge "$WORK/ours.sync.pb.gz" "$WORK/ours.sync.pb.gz" -o "$WORK/twice.pb.gz"
pass "a derived profile merges"

# The goroutine page of go tool trace: start function, count, execution time.
PORT=$(closed_port)
# BROWSER=true: go tool trace "opens" its page with true, not a browser.
spawn env BROWSER=true "$GO123" tool trace -http="127.0.0.1:$PORT" "$TRACE"
for ((i = 0; i < 200; i++)); do
  curl -sf "http://127.0.0.1:$PORT/goroutines" >"$WORK/goroutines.html" 2>/dev/null && break
  sleep 0.1
done
[ -s "$WORK/goroutines.html" ] || fail "go tool trace did not serve /goroutines"
# <td><code><a href="...">NAME</a></code></td> <td>COUNT</td> <td>EXEC</td>
awk '/<td><code>/ { n = $0; sub(/.*">/, "", n); sub(/<\/a>.*/, "", n); getline; c = $0; getline; e = $0;
       gsub(/[ \t]*<\/?td>[ \t]*/, "", c); gsub(/[ \t]*<\/?td>[ \t]*/, "", e); print n, c, e }' \
  "$WORK/goroutines.html" | sed 's/(Inactive, no stack trace sampled)//' | sort >"$WORK/go.groups"
expect_exit 0 "$CPROFILER" trace goroutines "$TRACE"
awk 'NR > 1 { name = $0; sub(/^.*  /, "", name); sub(/^\(inactive.*/, "", name); print name, $1, $2 }' "$WORK/out" |
  sed 's/^ //' | sort >"$WORK/ours.groups"
sed -i 's/^ //' "$WORK/go.groups"
if ! diff "$WORK/go.groups" "$WORK/ours.groups"; then
  fail "goroutine groups (start function, count, execution) differ from go tool trace's"
fi
[ "$(wc -l <"$WORK/ours.groups")" -ge 8 ] || fail "only $(wc -l <"$WORK/ours.groups") groups"
expect_grep "^main.taskRunner 2 " "$WORK/ours.groups"
pass "goroutine groups equal go tool trace's ($(wc -l <"$WORK/ours.groups") groups)"

expect_exit 0 "$CPROFILER" trace summary "$TRACE" -o json
expect_grep '"format":"go 1.23 trace"' "$WORK/out"
grep -Eq '"gcs":[1-9]' "$WORK/out" || fail "no GC cycles in $(cat "$WORK/out")"
expect_exit 0 "$CPROFILER" trace tasks "$ID" -c "$WORK/c.yml"
expect_grep "^ +order " "$WORK/out"
expect_grep "^ +refund " "$WORK/out"
expect_grep "^ +charge " "$WORK/out"
pass "summary and tasks"

# Damaged input: one line, exit 1 (2 for a format we do not read).
SIZE=$(stat -c %s "$TRACE")
head -c $((SIZE / 2)) "$TRACE" >"$WORK/half.trace"
expect_exit 1 "$CPROFILER" trace summary "$WORK/half.trace"
expect_grep "^cprofiler: trace summary: .*truncated trace" "$WORK/err"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "more than one line: $(cat "$WORK/err")"
cp "$TRACE" "$WORK/bad.trace"
printf '\377\377\377\377' | dd of="$WORK/bad.trace" bs=1 seek=$((SIZE / 3)) conv=notrunc 2>/dev/null
expect_exit 1 "$CPROFILER" trace pprof --kind sched "$WORK/bad.trace" -o "$WORK/x.pb.gz"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "more than one line: $(cat "$WORK/err")"
[ ! -e "$WORK/x.pb.gz" ] || fail "wrote a profile of a corrupt trace"
{ printf 'go 1.21 trace\0\0\0'; head -c 100 /dev/zero; } >"$WORK/old.trace"
expect_exit 2 "$CPROFILER" trace summary "$WORK/old.trace"
expect_grep "go 1.21 trace: .*not supported" "$WORK/err"
pass "truncated, corrupt and old-format traces: one clear error each"

# The HTTP routes: the CLI's answers, as JSON.
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
wait_ready
U="$SERVE_URL/api/trace/$ID"
curl -sf "$U/summary" >"$WORK/api.summary"
"$CPROFILER" trace summary "$TRACE" -o json >"$WORK/cli.summary"
diff "$WORK/cli.summary" <(cat "$WORK/api.summary"; echo) || fail "/summary differs from trace summary -o json"
curl -sf "$U/pprof?kind=sync" -o "$WORK/api.sync.pb.gz"
top_of "$WORK/api.sync.pb.gz" >"$WORK/api.sync.top"
diff "$WORK/go.sync.top" "$WORK/api.sync.top" || fail "/pprof?kind=sync differs from go tool trace's"
curl -sf "$U/goroutines" >"$WORK/api.goroutines"
expect_grep '"name":"main.taskRunner","count":2,' "$WORK/api.goroutines"
curl -sf "$U/goroutines?name=main.taskRunner" >"$WORK/api.group"
[ "$(grep -o '"id":' "$WORK/api.group" | wc -l)" = 2 ] || fail "group main.taskRunner: $(cat "$WORK/api.group")"
curl -sf "$U/tasks" >"$WORK/api.tasks"
expect_grep '"name":"refund"' "$WORK/api.tasks"
START=$(grep -o '"start_ns":[0-9]*' "$WORK/api.summary" | cut -d: -f2)
curl -sf "$U/timeline?start=$((START + 100000000))&end=$((START + 200000000))" >"$WORK/api.timeline"
expect_grep '"procs":\[0,1\]' "$WORK/api.timeline"
grep -Eq '"slices":\[[0-9]' "$WORK/api.timeline" || fail "no run slices: $(head -c 300 "$WORK/api.timeline")"
expect_grep '"names":\[[^]]*"main\.' "$WORK/api.timeline"
G=$(grep -o '"id":[0-9]*' "$WORK/api.group" | head -1 | cut -d: -f2)
curl -sf "$U/goroutine?id=$G" >"$WORK/api.goroutine"
expect_grep "\"id\":$G,\"name\":\"main.taskRunner\"" "$WORK/api.goroutine"
expect_grep '"to":"waiting","reason":"sleep"' "$WORK/api.goroutine"
expect_grep '"func":"main.taskRunner' "$WORK/api.goroutine"
# A goroutine lane: its states over the window, the sleeps it blocks in.
curl -sf "$U/timeline?goroutines=$G,999999999" >"$WORK/api.lane"
expect_grep "\"lanes\":\[{\"id\":$G,\"name\":\"main.taskRunner\",\"spans\":\[[0-9]" "$WORK/api.lane"
expect_grep '"states":\["running","runnable","syscall",[^]]*"sleep"' "$WORK/api.lane"
[ "$(grep -o '"id":' "$WORK/api.lane" | wc -l)" = 1 ] || fail "a lane for a goroutine not in the trace"
for bad in "pprof?kind=heap 400" "timeline?start=x 400" "nope 404" "goroutine?id=x 400" \
  "goroutine?id=999999999 404" "timeline?goroutines=1,x 400"; do
  code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$U/${bad% *}")
  [ "$code" = "${bad#* }" ] || fail "$U/${bad% *}: $code, want ${bad#* } ($(cat "$WORK/body"))"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/api/trace/20261207-acbd458b6da92f34-150534181-trace-d7dac64502/summary")
[ "$code" = 404 ] || fail "an unknown trace ID: $code, want 404"
pass "/api/trace/ID/{summary,goroutines,goroutine,tasks,pprof,timeline}"
