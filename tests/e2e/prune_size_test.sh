# max-size: one scrape pass brings the archive's size on disk (as du counts
# it) under the cap, removing the oldest entries first, across days and
# targets, each whole (sidecar then profile); a cap that removing every
# entry would not meet removes none; bad sizes are config errors naming the
# key.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
# Two days of entries (make_archive: 10 apps, 7 types), then each scrape
# pass adds one, today, from a target serving the same heap profile.
OLDER=$(date -u -d '2 days ago' +%Y-%m-%d)
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 1500 10 "$OLDER" "$TEST_DATA_DIR/heap.pb.gz"
"$MAKE_ARCHIVE" "$WORK/arch" 1500 10 "$DAY" "$TEST_DATA_DIR/heap.pb.gz"
ALL=(--archive "$WORK/arch" --from "$OLDER" --to "${DAY}T23:59:59.999Z")
FAKE=$(start_fake)
entries() { "$CPROFILER" query "${ALL[@]}" -o json | jq -c '[.[] | [.Timestamp, .ProfileID]] | unique'; }
entries >"$WORK/before.json"
[ "$(jq length "$WORK/before.json")" = 3000 ] || fail "make_archive wrote $(jq length "$WORK/before.json") entries, want 3000"
BEFORE=$(du -s -B1 "$WORK/arch" | cut -f1)
CAP=$((BEFORE * 2 / 5))
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
max-size: $CAP
scrape-configs:
  - job: one
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    target-configs: [{hosts: [$FAKE]}]
YML
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_grep "oldest over max-size" "$WORK/err"
AFTER=$(du -s -B1 "$WORK/arch" | cut -f1)
[ "$AFTER" -le "$CAP" ] || fail "du says $AFTER bytes after the pass, over the cap of $CAP (was $BEFORE)"
pass "one pass: du $BEFORE -> $AFTER bytes, under max-size $CAP"

# The oldest went first: every entry kept is newer than every entry removed
# (the older day went whole, then the oldest of the next).
entries >"$WORK/after.json"
KEPT=$(jq length "$WORK/after.json")
[ "$KEPT" -gt 0 ] && [ "$KEPT" -lt 1500 ] || fail "$KEPT entries kept; the older day should be gone, and part of the next"
oldest_kept_is_newer() {  # BEFORE.json AFTER.json
  jq -e --slurpfile after "$2" '
    ($after[0] | map(.[1])) as $kept |
    [.[] | select(.[1] as $id | $kept | index($id) | not) | .[0]] as $gone |
    ($after[0] | map(.[0]) | min) >= ($gone | max)' "$1" >/dev/null
}
oldest_kept_is_newer "$WORK/before.json" "$WORK/after.json" || fail "the entries removed are not the oldest"
[ -z "$(find "$WORK/arch/${OLDER//-//}" 2>/dev/null)" ] || fail "the older day's directory is left"
# Whole entries only: a profile for every sidecar, a sidecar for every
# profile, nothing temporary; query reads it without a complaint.
SIDECARS=$(count_entries "$WORK/arch")
PROFILES=$(find "$WORK/arch" -name '*.pb.gz' | wc -l)
[ "$SIDECARS" = "$((KEPT + 1))" ] && [ "$PROFILES" = "$((KEPT + 1))" ] ||
  fail "$SIDECARS sidecars and $PROFILES profiles for $KEPT entries and today's scrape"
[ -z "$(find "$WORK/arch" -name '.tmp-*')" ] || fail "temporary files left"
expect_exit 0 "$CPROFILER" query "${ALL[@]}" -o ids
pass "removed $((3000 - KEPT)) oldest entries across two days, each whole; $KEPT newest kept"

# At the cap, a pass's new entry pushes out the oldest: du stays under it,
# and today's entries stay.
cp "$WORK/after.json" "$WORK/steady-before.json"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
[ "$(du -s -B1 "$WORK/arch" | cut -f1)" -le "$CAP" ] || fail "over the cap after a steady pass"
entries >"$WORK/steady-after.json"
oldest_kept_is_newer "$WORK/steady-before.json" "$WORK/steady-after.json" || fail "a steady pass removed other than the oldest"
[ "$("$CPROFILER" query --archive "$WORK/arch" --from -1h -o ids | wc -l)" = 2 ] || fail "today's scrapes were removed"
# Well under a cap, a pass removes nothing.
sed -i "s/^max-size: .*/max-size: $((CAP * 2))/" "$WORK/c.yml"
COUNT=$(count_entries "$WORK/arch")
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
if grep -q "over max-size" "$WORK/err"; then fail "a pass under the cap removed entries: $(cat "$WORK/err")"; fi
[ "$(count_entries "$WORK/arch")" = "$((COUNT + 1))" ] || fail "a pass under the cap removed entries"
pass "at the cap new entries push out the oldest; under it nothing goes"

# Foreign files larger than the cap: removing every entry would not meet
# it, so none is removed, and the pass says why.
"$MAKE_ARCHIVE" "$WORK/small" 50 2 "$DAY" "$TEST_DATA_DIR/heap.pb.gz"
head -c $((4 << 20)) /dev/zero >"$WORK/small/foreign.bin"
printf 'archive: %s\nmax-size: 1MiB\nscrape-configs:\n  - job: one\n    enabled-profiles: [heap]\n    path-profiles: {heap: /good/heap}\n    target-configs: [{hosts: [%s]}]\n' \
  "$WORK/small" "$FAKE" >"$WORK/small.yml"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/small.yml"
expect_grep "no entry removed for max-size" "$WORK/err"
[ "$(count_entries "$WORK/small")" = 51 ] || fail "entries removed to no avail"
pass "a cap that removing every entry would not meet removes none, and says why"

# Bad sizes: exit 2, naming the file, line and key.
for bad in 10XB -5 0 1000 50GB 99999999999999999; do
  printf 'archive: %s\nmax-size: %s\n' "$WORK/arch" "$bad" >"$WORK/bad.yml"
  expect_exit 2 "$CPROFILER" scrape --once -c "$WORK/bad.yml"
  expect_grep "bad.yml:2:[0-9]+: max-size: " "$WORK/err"
done
pass "bad max-size values are config errors naming the line and key"
