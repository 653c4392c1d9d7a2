# Rollups: scrape passes and `cprofiler compact` write hourly and daily
# rollups for a job that keeps them; merge and top over a long window read
# them and give what `go tool pprof` gives for the raw profiles (merge
# --raw), line for line; go tool pprof reads a rollup itself; query lists
# raw profiles only; a damaged or deleted rollup changes no answer; bad
# rollup config is an error naming the key.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
# Three days of two apps' CPU profiles, one every 2 minutes each, ending
# at midnight (the real cpu fixture, decodable).
DAY=$(date -u -d '3 days ago' +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 4320 2 "$DAY" "$TEST_DATA_DIR/cpu.pb.gz" 3 profile
FAKE=$(start_fake)
config() {  # rollups value
  cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: bench
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    rollups: $1
    target-configs: [{hosts: [$FAKE]}]
YML
}

# Bad rollup config names the key.
config "{weekly: 1h}"
expect_exit 2 "$CPROFILER" compact -c "$WORK/c.yml"
expect_grep "scrape-configs\[0\]\.rollups.*weekly" "$WORK/err"
config "{hourly: 5x}"
expect_exit 2 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "rollups\.hourly.*5x" "$WORK/err"
sed '/rollups:/d' "$WORK/c.yml" >"$WORK/none.yml"
expect_exit 2 "$CPROFILER" compact -c "$WORK/none.yml"
expect_grep "no job keeps rollups" "$WORK/err"
pass "bad rollup config, and compact with no job keeping rollups: exit 2, naming the key"

# A scrape pass compacts the last two days only.
config "{hourly: 0, daily: 0}"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "rollups written" "$WORK/err"
FIRST=$(find "$WORK/arch/rollups" -name '*.json' | wc -l)
[ "$FIRST" -gt 0 ] && [ "$FIRST" -lt 150 ] || fail "a scrape pass wrote $FIRST rollups, want those of the last two days"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
grep -q "rollups written" "$WORK/err" && fail "the next pass, in the same hour, compacted again"
pass "a scrape pass writes the rollups of the last two days ($FIRST); the next, in the same hour, none"

# compact writes the rest: 2 apps x (72 hours + 3 days).
expect_exit 0 "$CPROFILER" compact -c "$WORK/c.yml"
expect_grep "^written +$((150 - FIRST)) " "$WORK/out"
[ "$(find "$WORK/arch/rollups" -name '*.json' | wc -l)" = 150 ] || fail "want 150 rollups"
expect_exit 0 "$CPROFILER" compact -c "$WORK/c.yml"
expect_grep "^written +0 " "$WORK/out"
expect_grep "^up to date +150 " "$WORK/out"
pass "compact writes every rollup due (150), then none"

# A window with raw edges: two whole days and hours around them.
FROM="${DAY}T00:31:00Z"
TO="$(date -u -d "$DAY + 2 days" +%Y-%m-%d)T17:05:00Z"
SEL=(-c "$WORK/c.yml" -t profile_cpu -l _app=app-1 --from "$FROM" --to "$TO")
expect_rollups_exact rollups "${SEL[@]}"
ROWS=$(grep -c '%  ' "$WORK/tiled.top")
pass "merge and top from rollups: go tool pprof -top as for the raw profiles, line for line ($ROWS rows)"

# go tool pprof reads a rollup; query lists raw profiles only.
# app-1's daily rollup of the window's whole day.
SIDECAR=$(grep -l '"app": "app-1"' "$WORK/arch/rollups/1d.merged/$(date -u -d "$DAY + 1 day" +%Y/%m/%d)"/*/*.json)
DAILY=${SIDECAR%.json}.pb.gz
[ -f "$DAILY" ] || fail "no daily rollup of app-1 on the window's whole day"
go tool pprof -top "$DAILY" >"$WORK/daily.top" 2>&1 || fail "go tool pprof cannot read $DAILY"
expect_grep "^Type: cpu" "$WORK/daily.top"
[ "$("$CPROFILER" query --archive "$WORK/arch" --from "$DAY" --to now -o ids | grep -c '\.')" = 0 ] ||
  fail "query lists rollups"
pass "go tool pprof reads a daily rollup; query lists raw profiles only"

# serve: a rollup downloads by its ID; profile_meta lists raw profiles only.
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch"
for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
RID=$(jq -r .id "$SIDECAR")
[[ $RID == 1d.merged.* ]] || fail "a daily rollup's ID is $RID"
curl -fs -o "$WORK/dl.pb.gz" "$SERVE_URL/api/download/$RID" || fail "GET /api/download/$RID failed"
cmp -s "$WORK/dl.pb.gz" "$DAILY" || fail "/api/download/$RID is not the rollup's file"
META=$(curl -fs "$SERVE_URL/api/profile_meta/profile_cpu?start_time=${DAY}T00:00:00Z&end_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)" |
  jq '[.[].ProfileMetas[]] | length')
[ "$META" = 4320 ] || fail "profile_meta lists $META profiles, want the 4320 raw ones"
pass "serve: a rollup downloads by its ID ($RID); profile_meta lists raw profiles only"

# serve merges the window as the CLI does: from the rollups, raw at its
# edges; the same profile as merge --raw (go tool pprof -top).
API_SEL="sample_type=profile_cpu&start_time=$FROM&end_time=$TO&lbs%5B_app%5D=app-1"
curl -fs -o "$WORK/served.pb.gz" "$SERVE_URL/api/merge?$API_SEL" || fail "GET /api/merge of the window failed"
pprof_top "$WORK/served.pb.gz" >"$WORK/served.top"
diff "$WORK/raw.top" "$WORK/served.top" || fail "serve's /api/merge differs from merge --raw (go tool pprof -top)"
curl -fs "$SERVE_URL/api/analysis?$API_SEL" >"$WORK/analysis.json" || fail "GET /api/analysis of the window failed"
jq -e '.rollups > 0 and .profiles_read < 200 and .count > 1000' "$WORK/analysis.json" >/dev/null ||
  fail "serve's analysis did not read rollups: $(jq -c '{rollups, profiles_read, count}' "$WORK/analysis.json")"
READ=$(jq '.profiles_read' "$WORK/analysis.json")
stop_serve
pass "serve's /api/merge of the window from rollups ($READ profiles read): go tool pprof -top as merge --raw"

# Derived: a damaged rollup is passed over, deleted ones change nothing.
printf 'not a profile' >"$DAILY"
expect_exit 0 "$CPROFILER" merge "${SEL[@]}" -o "$WORK/damaged.pb.gz"
expect_grep "skipping .*rollups/1d.merged" "$WORK/err"
pprof_top "$WORK/damaged.pb.gz" | diff "$WORK/raw.top" - || fail "a damaged rollup changed the answer"
rm -rf "$WORK/arch/rollups"
expect_exit 0 "$CPROFILER" merge "${SEL[@]}" -o "$WORK/none.pb.gz"
pprof_top "$WORK/none.pb.gz" | diff "$WORK/raw.top" - || fail "deleting the rollups changed the answer"
pass "a damaged rollup is passed over (reported); deleting them all changes no answer"
