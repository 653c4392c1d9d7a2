# cprofiler diff as a CI gate, on two builds of a real Go service
# (tests/go/workload, built here twice): version 1.4 spends 1 unit of CPU per
# request in main.workloadRequest, version 1.5 (the deliberate slowdown) 4.
# Both are scraped under their `version` label.
# - diff names main.workloadRequest and exits 3 (a --fail-if rule, and
#   --max-growth); the same version against itself exits 0;
# - without normalization the changes are go tool pprof -top -diff_base's
#   flat and cum, exactly (CPU, and mutex delay intervals; windows and files);
# - markdown is a table, json parses with jq; bad input exits 2.
GO_DIR=$(cd "$(dirname "$0")/../go" && pwd)
source "$(dirname "$0")/lib.sh"
for v in 1.4:1 1.5:4; do
  (cd "$GO_DIR" && go build -ldflags "-X main.requestWork=${v#*:}" -o "$WORK/svc-${v%:*}" ./workload) ||
    fail "go build of version ${v%:*}"
done
# start_build VERSION: that build of the service; prints its host:port.
start_build() {
  local f="$WORK/svc-$1.addr"
  spawn "$WORK/svc-$1" -addr-file "$f"
  wait_file "$f"
  cat "$f"
}
OLD=$(start_build 1.4)
NEW=$(start_build 1.5)
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: svc
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile, mutex]
    path-profiles: {profile: "/debug/pprof/profile?seconds=2"}
    target-configs:
      - application: svc
        hosts: [$OLD]
        labels: {version: "1.4"}
      - application: svc
        hosts: [$NEW]
        labels: {version: "1.5"}
YML
for pass in 1 2; do
  "$CPROFILER" -c "$WORK/c.yml" scrape --once --force >/dev/null 2>&1 || fail "scrape pass $pass"
done
cd "$WORK"
DIFF=("$CPROFILER" -c "$WORK/c.yml" diff --from -1h)

expect_exit 3 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 -l version=1.5 \
  --fail-if 'cum(main.workloadRequest) > +50%'
expect_grep '^cprofiler: diff: crossed cum\(main.workloadRequest\) > \+50% by main.workloadRequest: cum .* -> ' "$WORK/err"
expect_grep '^Normalization: rate ' "$WORK/out"
expect_grep 'main\.workloadRequest$' "$WORK/out"
pass "1.4 -> 1.5: --fail-if names main.workloadRequest, exit 3 ($(grep -m1 crossed "$WORK/err" | sed 's/.*: cum //'))"
expect_exit 3 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 -l version=1.5 --max-growth 5%
expect_grep 'crossed --max-growth 5% by main.workloadRequest: ' "$WORK/err"
pass "1.4 -> 1.5: --max-growth 5% names main.workloadRequest, exit 3"
expect_exit 0 "${DIFF[@]}" -t profile_cpu --base-label version=1.5 -l version=1.5 --max-growth 5% \
  --fail-if 'total > +1%' --fail-if 'cum(main.workloadRequest) > +1%'
expect_grep '^Total: .* 0 \(\+0\.0%\)$' "$WORK/out"
pass "1.5 against itself: exit 0, no change"

# Exactness: the windows merged to files, compared by go tool pprof.
# pprof_rows FILE: "name flat cum" of pprof's rows (-unit=ns: integers;
# without pprof's "(inline)" mark).
pprof_rows() {
  sed -n '/flat%/,$p' "$1" | tail -n +2 |
    awk '{ f = $1; c = $4; sub(/ns$/, "", f); sub(/ns$/, "", c); n = $6; for (i = 7; i <= NF; i++) n = n " " $i; sub(/ \((partial-)?inline\)$/, "", n); print n, f, c }' | sort
}
# our_rows JSON: the same rows of our json, for the names pprof shows.
our_rows() {
  jq -r '.functions[] | "\(.name) \(.flat.delta) \(.cum.delta)"' "$1" | sort
}
for t in profile_cpu mutex_delay; do
  for v in 1.4 1.5; do
    "$CPROFILER" -c "$WORK/c.yml" merge -t "$t" --from -1h -l version=$v -o "$WORK/$t-$v.pb.gz" 2>/dev/null ||
      fail "merge $t $v"
  done
  si=$( [ "$t" = profile_cpu ] && echo cpu || echo delay )
  go tool pprof -top -unit=ns -sample_index=$si -diff_base "$WORK/$t-1.4.pb.gz" "$WORK/$t-1.5.pb.gz" \
    >"$WORK/pprof.top" 2>/dev/null || fail "go tool pprof -diff_base ($t)"
  pprof_rows "$WORK/pprof.top" >"$WORK/pprof.rows"
  [ -s "$WORK/pprof.rows" ] || fail "pprof shows no change for $t: $(cat "$WORK/pprof.top")"
  for how in window files; do
    if [ $how = window ]; then
      expect_exit 0 "${DIFF[@]}" -t "$t" --base-label version=1.4 -l version=1.5 --normalize none -o json
    else
      expect_exit 0 "$CPROFILER" diff --base "$WORK/$t-1.4.pb.gz" "$WORK/$t-1.5.pb.gz" \
        --sample-index $si --normalize none -o json
    fi
    cp "$WORK/out" "$WORK/ours.json"
    jq -e '.normalization == "none" and .pass' "$WORK/ours.json" >/dev/null || fail "json ($t, $how)"
    our_rows "$WORK/ours.json" | join - <(cut -d' ' -f1 "$WORK/pprof.rows") >"$WORK/ours.rows"
    diff "$WORK/pprof.rows" "$WORK/ours.rows" >"$WORK/rows.diff" ||
      { cat "$WORK/rows.diff"; fail "$t ($how): changes differ from go tool pprof -top -diff_base"; }
  done
  pass "$t: the un-normalized changes equal go tool pprof -top -diff_base's $(wc -l <"$WORK/pprof.rows") rows (window and files)"
done

expect_exit 3 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 -l version=1.5 --max-growth 5% -o markdown
expect_grep '^\| function \| flat base \| flat target \| flat Δ \| cum base \| cum target \| cum Δ \| cum change \|$' "$WORK/out"
expect_grep '^- result: \*\*fail\*\*$' "$WORK/out"
expect_grep '^\| `main.workloadRequest` \| ' "$WORK/out"
expect_exit 3 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 -l version=1.5 --max-growth 5% -o json
jq -e '.pass == false and (.breaches | map(.function) | index("main.workloadRequest") != null) and .normalization == "rate"' \
  "$WORK/out" >/dev/null || fail "json: $(head -c 400 "$WORK/out")"
pass "markdown: a pull-request table with the verdict; json parses with jq"

expect_exit 2 "${DIFF[@]}" -t profile_cpu -l version=1.5
expect_grep 'no base' "$WORK/err"
expect_exit 2 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 --fail-if 'cum(main.nosuch) > +1%'
expect_grep 'no function of either profile is named main.nosuch' "$WORK/err"
expect_exit 2 "${DIFF[@]}" -t profile_cpu --base-label version=1.4 --fail-if 'cum(x) >= 5'
expect_grep 'want total\|flat\(FUNC\)\|cum\(FUNC\)' "$WORK/err"
expect_exit 2 "$CPROFILER" diff --base "$TEST_DATA_DIR/heap.pb.gz" "$TEST_DATA_DIR/heap.pb.gz" --normalize rate
expect_grep 'has no duration' "$WORK/err"
pass "bad input: no base, an unknown function, a bad rule, rate without durations: exit 2"
