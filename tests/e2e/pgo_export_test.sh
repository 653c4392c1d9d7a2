# PGO export (issue 30): a real Go 1.23 service's CPU profiles (pgoservice:
# thousands of distinct deep stacks over a few dozen call edges), scraped
# and merged with --format pgo. go build -pgo (Go 1.23) accepts the export;
# -gcflags=-d=pgodebug=1 lists the same hot call sites for it as for
# go tool pprof -proto of the same files; --pgo-keep 2 makes it at least
# 10x smaller with the same hot call sites; serve's /api/merge?format=pgo
# sends what the CLI writes.
source "$(dirname "$0")/lib.sh"
GO123=${GO123:-/usr/lib/go-1.23/bin/go}
[ -x "$GO123" ] || fail "$GO123 is missing (scripts/install-deps.sh installs golang-1.23-go)"
export GOTOOLCHAIN=local
SRC=$(cd "$E2E_DIR/../go" && pwd)
(cd "$SRC" && "$GO123" build -o "$WORK/pgoservice" ./pgoservice) || fail "go build ./pgoservice"
spawn "$WORK/pgoservice" -addr-file "$WORK/svc.addr"
wait_file "$WORK/svc.addr"
cat >"$WORK/c.yml" <<YML
archive: arch
scrape-configs:
  - job: pgo
    interval: 1h
    expiration: 1h
    enabled-profiles: [profile]
    path-profiles:
      profile: /debug/pprof/profile?seconds=4
    target-configs:
      - application: svc
        hosts: [$(cat "$WORK/svc.addr")]
        labels: {env: ci}
YML
# Enough CPU samples for the stacks to be many, however busy the machine:
# 10x is a claim about a profile with thousands of distinct stacks.
samples=0
for ((pass = 1; samples < 1500; pass++)); do
  [ "$pass" -le 20 ] || fail "only $samples CPU samples after 20 scrapes"
  expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
  samples=$("$CPROFILER" query -c "$WORK/c.yml" -t profile_samples -o json | jq '[.[].Value] | add')
done
pass "$samples CPU samples scraped in $((pass - 1)) profiles"

Q=(-c "$WORK/c.yml" -t profile_cpu -l env=ci)
expect_exit 0 "$CPROFILER" merge "${Q[@]}" --format pgo -o "$WORK/full.pgo"
expect_exit 0 "$CPROFILER" merge "${Q[@]}" --format pgo --pgo-keep 2 -o "$WORK/keep.pgo"
mapfile -t FILES < <("$CPROFILER" query "${Q[@]}" -o paths)
"$GO123" tool pprof -proto "${FILES[@]}" >"$WORK/pprof.pb.gz" 2>/dev/null
# What go tool pprof reads of it: one sample type, no labels, the service.
"$GO123" tool pprof -raw "$WORK/full.pgo" >"$WORK/raw" 2>/dev/null
expect_grep "^PeriodType: cpu nanoseconds" "$WORK/raw"
[ "$(sed -n '/^Samples:/{n;p;q}' "$WORK/raw")" = "samples/count" ] || fail "want one sample type, samples/count"
"$GO123" tool pprof -raw "$WORK/pprof.pb.gz" >"$WORK/pprof.raw" 2>/dev/null
grep -q "worker:\[0\]" "$WORK/pprof.raw" || fail "the service's profiles have no worker label"
! grep -q "worker" "$WORK/raw" || fail "labels left in the PGO export"
pprof_top "$WORK/full.pgo" >"$WORK/top"
expect_grep "main\.mix[ABC]" "$WORK/top"
pass "go tool pprof reads the export: samples/count, no labels"

# hot_sites PROFILE OUT: the hot call sites go build -pgo=PROFILE prints for
# pgoservice's hot.go (pgodebug=1), one a line, sorted. Each build has a
# fresh cache: a cached compile prints nothing.
hot_sites() {
  (cd "$SRC/pgoservice" &&
    GOCACHE="$WORK/gocache.$(basename "$1")" "$GO123" build -pgo="$1" -gcflags=-d=pgodebug=1 \
      -o "$WORK/pgobin" hot.go pgomain.go) >"$2.log" 2>&1 ||
    { cat "$2.log"; fail "go build -pgo=$1 failed"; }
  grep '^hot-' "$2.log" | sort -u >"$2"
}
hot_sites "$WORK/pprof.pb.gz" "$WORK/hot.pprof"
hot_sites "$WORK/full.pgo" "$WORK/hot.full"
hot_sites "$WORK/keep.pgo" "$WORK/hot.keep"
SITES=$(grep -c '^hot-budget check allows inlining' "$WORK/hot.pprof" || true)
[ "$SITES" -ge 3 ] || { cat "$WORK/hot.pprof.log"; fail "only $SITES hot call sites inlined: nothing to compare"; }
diff "$WORK/hot.pprof" "$WORK/hot.full" ||
  fail "pgodebug's hot call sites differ: go tool pprof -proto (<) and --format pgo (>)"
pass "go build -pgo accepts the export; the same $(wc -l <"$WORK/hot.full") hot-* lines ($SITES call sites inlined) as go tool pprof -proto's"
diff "$WORK/hot.full" "$WORK/hot.keep" || fail "pgodebug's hot call sites differ with --pgo-keep 2 (>)"
FULL=$(stat -c %s "$WORK/full.pgo")
KEEP=$(stat -c %s "$WORK/keep.pgo")
PPROF=$(stat -c %s "$WORK/pprof.pb.gz")
[ $((KEEP * 10)) -le "$FULL" ] || fail "--pgo-keep 2: $KEEP bytes, not 10x smaller than $FULL"
pass "--pgo-keep 2: $KEEP bytes, $((FULL / KEEP))x smaller than $FULL ($PPROF for go tool pprof -proto), the same hot call sites"

# Serve: /api/merge?format=pgo is the CLI's file.
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
wait_ready
RANGE="start_time=$(date -u -d '-2 hours' +%FT%TZ)&end_time=$(date -u -d '+1 hour' +%FT%TZ)&lbs%5Benv%5D=ci"
for keep in 0 2; do
  curl -fsS -D "$WORK/headers" -o "$WORK/api.pgo" \
    "$SERVE_URL/api/merge?sample_type=profile_cpu&$RANGE&format=pgo&pgo_keep=$keep" ||
    fail "/api/merge?format=pgo&pgo_keep=$keep"
  want=$([ "$keep" = 0 ] && echo "$WORK/full.pgo" || echo "$WORK/keep.pgo")
  cmp "$WORK/api.pgo" "$want" || fail "/api/merge?format=pgo&pgo_keep=$keep differs from merge's $want"
done
expect_grep 'filename="profile_cpu.pgo"' "$WORK/headers"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/api/merge?sample_type=profile_cpu&$RANGE&format=pgo&pgo_keep=1")" = 400 ] ||
  fail "pgo_keep=1 is not a 400"
pass "/api/merge?format=pgo[&pgo_keep=2] sends the CLI's bytes"

# Not a CPU profile, or --pgo-keep without --format pgo: usage errors.
expect_exit 2 "$CPROFILER" merge "${Q[@]}" --pgo-keep 2 -o "$WORK/x.pb.gz"
expect_exit 2 "$CPROFILER" merge "${Q[@]}" --format pgo --pgo-keep 1 -o "$WORK/x.pgo"
[ ! -e "$WORK/x.pgo" ] && [ ! -e "$WORK/x.pb.gz" ] || fail "a failed merge left a file"
pass "usage errors: --pgo-keep without --format pgo, --pgo-keep 1"
