# max-size: one scrape pass brings the archive's size on disk (as du counts
# it) under the cap, removing the oldest entries first, each whole (sidecar
# then profile), across targets; bad sizes are config errors naming the key.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 3000 10 "$DAY" "$TEST_DATA_DIR/heap.pb.gz"
# The entries make_archive wrote (yesterday's); each scrape pass adds one,
# today, from a target serving the same heap profile.
ALL=(--archive "$WORK/arch" --from "$DAY" --to "${DAY}T23:59:59.999Z")
FAKE=$(start_fake)
"$CPROFILER" query "${ALL[@]}" -o json | jq -c '[.[] | [.Timestamp, .ProfileID]] | unique' >"$WORK/before.json"
[ "$(jq length "$WORK/before.json")" = 3000 ] || fail "make_archive wrote $(jq length "$WORK/before.json") entries, want 3000"
BEFORE=$(du -s -B1 "$WORK/arch" | cut -f1)
CAP=$((BEFORE / 2))
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

# The oldest went first: every entry kept is newer than every entry removed.
"$CPROFILER" query "${ALL[@]}" -o json | jq -c '[.[] | [.Timestamp, .ProfileID]] | unique' >"$WORK/after.json"
KEPT=$(jq length "$WORK/after.json")
[ "$KEPT" -gt 0 ] && [ "$KEPT" -lt 3000 ] || fail "$KEPT entries kept"
jq -e --slurpfile after "$WORK/after.json" '
  ($after[0]) as $kept | (map(.[1]) - ($kept | map(.[1]))) as $gone |
  ([.[] | select(.[1] as $id | $gone | index($id))] | map(.[0]) | max) as $newest_gone |
  ($kept | map(.[0]) | min) >= $newest_gone and ($kept == (. - [.[] | select(.[1] as $id | $gone | index($id))]))' \
  "$WORK/before.json" >/dev/null || fail "the entries removed are not the oldest"
# Whole entries only: a profile for every sidecar, a sidecar for every
# profile, nothing temporary; query reads it without a complaint.
SIDECARS=$(find "$WORK/arch" -name '*.json' | wc -l)
PROFILES=$(find "$WORK/arch" -name '*.pb.gz' | wc -l)
[ "$SIDECARS" = "$((KEPT + 1))" ] && [ "$PROFILES" = "$((KEPT + 1))" ] ||
  fail "$SIDECARS sidecars and $PROFILES profiles for $KEPT entries and today's scrape"
[ -z "$(find "$WORK/arch" -name '.tmp-*')" ] || fail "temporary files left"
expect_exit 0 "$CPROFILER" query "${ALL[@]}" -o ids
pass "removed $((3000 - KEPT)) oldest entries, each whole; $KEPT newest kept"

# At the cap, each pass's new entry pushes out the oldest: du stays under it.
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
expect_grep "1 oldest over max-size" "$WORK/err"
[ "$(du -s -B1 "$WORK/arch" | cut -f1)" -le "$CAP" ] || fail "over the cap after a steady pass"
[ "$(find "$WORK/arch" -name '*.json' | wc -l)" = "$((KEPT + 1))" ] || fail "a steady pass removed more than the oldest"
# Well under a cap, a pass removes nothing.
sed -i "s/^max-size: .*/max-size: $((CAP * 2))/" "$WORK/c.yml"
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
if grep -q "over max-size" "$WORK/err"; then fail "a pass under the cap removed entries: $(cat "$WORK/err")"; fi
[ "$(find "$WORK/arch" -name '*.json' | wc -l)" = "$((KEPT + 2))" ] || fail "a pass under the cap removed entries"
pass "at the cap each new entry pushes out the oldest; under it nothing goes"

# Bad sizes: exit 2, naming the file, line and key.
for bad in 10XB -5 0 50GB 99999999999999999; do
  printf 'archive: %s\nmax-size: %s\n' "$WORK/arch" "$bad" >"$WORK/bad.yml"
  expect_exit 2 "$CPROFILER" scrape --once -c "$WORK/bad.yml"
  expect_grep "bad.yml:2:[0-9]+: max-size: " "$WORK/err"
done
pass "bad max-size values are config errors naming the line and key"
