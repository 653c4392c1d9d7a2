# Rollups on an archive in a bucket (moto_server on loopback): an on-disk
# archive moves into the bucket through a scraper's spool; a scrape pass
# compacts the targets it scrapes (and only those) from the bucket and
# uploads the rollups; `cprofiler compact` on another host's cache sees
# them, writes the rest, and replaces a rollup that a late entry made stale
# (the stale one deleted from the bucket); merge on a fresh cache reads the
# rollups and gives what go tool pprof gives for the raw profiles.
source "$(dirname "$0")/lib.sh"
: "${S3_TOOL:?set by ctest}" "${MAKE_ARCHIVE:?set by ctest}"
export AWS_ACCESS_KEY_ID=AKIATESTKEY AWS_SECRET_ACCESS_KEY=secret
END=$(start_moto)
curl -fs -X PUT "$END/profiles" >/dev/null || fail "creating the bucket"
FAKE=$(start_fake)
# Yesterday's rollups are due 5 minutes after midnight (UTC).
SINCE_MIDNIGHT=$(($(date -u +%s) % 86400))
if [ "$SINCE_MIDNIGHT" -lt 330 ]; then
  echo "waiting $((330 - SINCE_MIDNIGHT)) s for yesterday's rollups to come due"
  sleep $((330 - SINCE_MIDNIGHT))
fi
# Yesterday: two apps' CPU profiles, one every 5 minutes each, on the fake
# target's host (app-0 {env=dev}, app-1 {env=prod}).
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 576 2 "$DAY" "$TEST_DATA_DIR/cpu.pb.gz" 1 profile 2 "$FAKE"

config() {  # FILE CACHE ROLLUPS [APP ENV]
  cat >"$1" <<YML
archive: s3://profiles/arch
s3: {endpoint: "$END", path-style: true, cache-dir: $2}
scrape-configs:
  - job: bench
    expiration: 0
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    $3
    target-configs: [{application: ${4:-app-0}, hosts: ["$FAKE"], labels: {env: ${5:-dev}}}]
YML
}
rollups_in_bucket() { "$S3_TOOL" "$END" s3://profiles list arch/rollups/ | grep -c '\.json$' || true; }

# An archive on disk moves into the bucket: its entries copied into a
# scraper's spool go up with its next pass.
config "$WORK/u.yml" "$WORK/cache-u" ""
mkdir -p "$WORK/cache-u/spool"
cp -r "$WORK/arch/." "$WORK/cache-u/spool/"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/u.yml"
expect_grep "uploaded 577 entries" "$WORK/err"
[ "$("$S3_TOOL" "$END" s3://profiles list arch/ | sidecar_keys)" = 577 ] || fail "the bucket lacks entries"
[ "$(rollups_in_bucket)" = 0 ] || fail "a job without rollups wrote some"
pass "an on-disk archive's 576 entries, copied into the spool, went up with a pass (and its own 1)"

# A scraper that keeps rollups, on a fresh cache, compacts app-0 (which it
# scrapes) from the bucket: yesterday's 24 hours and the day; not app-1.
config "$WORK/s.yml" "$WORK/cache-s" "rollups: {hourly: 0, daily: 0}"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/s.yml"
expect_grep "25 rollups written" "$WORK/err"
[ "$(count_entries "$WORK/cache-s/spool")" = 0 ] || fail "rollups were left in the spool"
[ "$(rollups_in_bucket)" = 25 ] || fail "the bucket has $(rollups_in_bucket) rollups, want app-0's 25"
"$S3_TOOL" "$END" s3://profiles list arch/rollups/1d.merged/ >"$WORK/daily"
grep -Eq "^arch/rollups/1d.merged/${DAY//-//}/[0-9a-f]{16}/000000000-profile-[0-9a-f]{10}\.pb\.gz$" "$WORK/daily" ||
  fail "no daily rollup at the archive's path: $(cat "$WORK/daily")"
pass "a scrape pass on a fresh cache compacts its own target from the bucket: 25 rollups uploaded"

# A running scrape (of app-1) compacts in the background, off its scraping
# thread, and uploads the rollups.
config "$WORK/d.yml" "$WORK/cache-d" "rollups: {hourly: 0, daily: 0}" app-1 prod
spawn "$CPROFILER" scrape -c "$WORK/d.yml"
DAEMON=$SPAWNED_PID
for ((i = 0; i < 300; i++)); do [ "$(rollups_in_bucket)" = 50 ] && break; sleep 0.1; done
[ "$(rollups_in_bucket)" = 50 ] || fail "a running scrape did not upload app-1's 25 rollups: $(tail -5 "$WORK/spawn.log")"
expect_grep "scrape: 25 rollups written to s3://profiles/arch, 0 replaced" "$WORK/spawn.log"
kill -TERM "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
pass "a running scrape compacts its target in the background: 25 more rollups uploaded"

# compact on another host's cache: the scrapers' 50 are up to date.
config "$WORK/c.yml" "$WORK/cache-c" "rollups: {hourly: 0, daily: 0}"
expect_exit 0 "$CPROFILER" compact -c "$WORK/c.yml"
expect_grep "^written +0 " "$WORK/out"
expect_grep "^up to date +50 " "$WORK/out"
pass "compact on another cache: the scrapers' 50 rollups up to date, none written"

# A late entry in app-0's 10:00 hour makes that hour's and the day's
# rollups stale: compact replaces them, and the stale ones leave the bucket.
"$MAKE_ARCHIVE" "$WORK/late" 1 2 "${DAY}T10:17:00Z" "$TEST_DATA_DIR/cpu.pb.gz" 1 profile 2 "$FAKE"
LATE=$(sidecars "$WORK/late")
[ "$(grep -c . <<<"$LATE")" = 1 ] || fail "want one late entry"
grep -q '"app": "app-0"' "$LATE" || fail "the late entry is not app-0's"
REL=${LATE#"$WORK/late/"}
"$S3_TOOL" "$END" s3://profiles put "arch/${REL%.json}.pb.gz" "${LATE%.json}.pb.gz" >/dev/null
"$S3_TOOL" "$END" s3://profiles put "arch/$REL" "$LATE" >/dev/null
"$S3_TOOL" "$END" s3://profiles list arch/rollups/ | sort >"$WORK/before"
expect_exit 0 "$CPROFILER" compact -c "$WORK/c.yml"
expect_grep "^written +2 " "$WORK/out"
expect_grep "^replaced +2 " "$WORK/out"
"$S3_TOOL" "$END" s3://profiles list arch/rollups/ | sort >"$WORK/after"
[ "$(sidecar_keys "$WORK/after")" = 50 ] || fail "the bucket has $(sidecar_keys "$WORK/after") rollups, want 50"
[ "$(comm -23 "$WORK/before" "$WORK/after" | wc -l)" = 4 ] ||
  fail "want the 2 stale rollups (4 objects) gone: $(comm -23 "$WORK/before" "$WORK/after")"
# The scraper's cache had them: its next sync of those days drops them.
comm -23 "$WORK/before" "$WORK/after" | sed 's|^arch/||' >"$WORK/stale"
while read -r rel; do [ -f "$WORK/cache-s/archive/$rel" ] || fail "the scraper's cache lacked $rel"; done <"$WORK/stale"
expect_exit 0 "$CPROFILER" query -c "$WORK/s.yml" --from "$DAY" --to now -o ids
while read -r rel; do [ ! -e "$WORK/cache-s/archive/$rel" ] || fail "a sync kept $rel, gone from the bucket"; done <"$WORK/stale"
pass "a late entry: compact replaced the 2 stale rollups, and deleted them from the bucket; another cache's sync drops them"

# merge and top on a fresh cache read the rollups: go tool pprof -top as
# for the raw profiles, line for line.
FROM="${DAY}T00:31:00Z"
TO="${DAY}T22:05:00Z"
SEL=(-c "$WORK/c.yml" --cache-dir "$WORK/cache-r" -t profile_cpu -l _app=app-0 --from "$FROM" --to "$TO")
expect_rollups_exact "the bucket's rollups" "${SEL[@]}"
pass "merge and top on a fresh cache read the bucket's rollups: the same as the raw profiles"

# A sidecar whose profile left the bucket (pruned meanwhile, or copied in
# sidecar first) is skipped and said, as a scan on disk skips it: top and
# merge still answer.
Q=(-c "$WORK/c.yml" --from "$DAY" --to now -o ids)
"$CPROFILER" query "${Q[@]}" --cache-dir "$WORK/cache-q1" >"$WORK/ids-before" 2>/dev/null
"$S3_TOOL" "$END" s3://profiles list "arch/${DAY//-//}/" >"$WORK/day-keys"
GONE=$(grep -m1 '\.pb\.gz$' "$WORK/day-keys")
"$S3_TOOL" "$END" s3://profiles delete "$GONE" >/dev/null
expect_exit 0 "$CPROFILER" query "${Q[@]}" --cache-dir "$WORK/cache-q2"
expect_grep "skipping 1 entries of s3://profiles/arch whose sidecar is there without its profile" "$WORK/err"
[ "$(wc -l <"$WORK/out")" = $(($(wc -l <"$WORK/ids-before") - 1)) ] || fail "query still lists the entry without its profile"
expect_exit 0 "$CPROFILER" merge -c "$WORK/c.yml" --cache-dir "$WORK/cache-q3" -t profile_cpu --from "$DAY" --to now --raw -o "$WORK/m.pb.gz"
pass "a sidecar without its profile in the bucket is skipped and said; query and merge answer"

# A reader syncs only its window's entries of its type (CPU profiles have
# no intervals: no days before): the hour's 23 and the late one, and its 2 hourly rollups,
# not the day's 1,000-odd.
expect_exit 0 "$CPROFILER" query -c "$WORK/c.yml" --cache-dir "$WORK/cache-n" -t profile_cpu \
  --from "${DAY}T10:00:00Z" --to "${DAY}T10:59:59Z" -o ids
[ "$(wc -l <"$WORK/out")" = 24 ] || fail "query of 10:00-11:00 listed $(wc -l <"$WORK/out") entries, want 24"
[ "$(count_entries "$WORK/cache-n/archive")" = 26 ] ||
  fail "a one-hour query cached $(count_entries "$WORK/cache-n/archive") sidecars, want 26"
pass "a one-hour query of one type syncs that hour's 24 entries and 2 rollups only"

# A sidecar written again in place, its length the same (a rollup rewritten
# with its own ID does that), is fetched again: by its LastModified.
sed 's/"total": 106$/"total": 107/' "$LATE" >"$WORK/late-again.json"
cmp -s "$LATE" "$WORK/late-again.json" && fail "the late sidecar has no total of 106"
[ "$(wc -c <"$LATE")" = "$(wc -c <"$WORK/late-again.json")" ] || fail "want the same length"
cmp -s "$LATE" "$WORK/cache-n/archive/$REL" || fail "the one-hour query did not cache the late sidecar"
sleep 1  # (LastModified has whole seconds)
"$S3_TOOL" "$END" s3://profiles put "arch/$REL" "$WORK/late-again.json" >/dev/null
expect_exit 0 "$CPROFILER" query -c "$WORK/c.yml" --cache-dir "$WORK/cache-n" -t profile_cpu \
  --from "${DAY}T10:00:00Z" --to "${DAY}T10:59:59Z" -o ids
cmp -s "$WORK/late-again.json" "$WORK/cache-n/archive/$REL" ||
  fail "the cache kept the sidecar as it was before it was written again"
pass "a sidecar written again in place, of the same length, is fetched again"
