# The INDEX files are derived: deleting every one, corrupting one, cutting
# one short, or editing a sidecar after it was indexed changes no answer,
# through the CLI (query) or the API (profile_meta, profefe, labels);
# readers put back what they had to read; `cprofiler index` reports damage
# and rebuilds.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY1=$(date -u -d '3 days ago' +%Y-%m-%d)
DAY2=$(date -u -d '2 days ago' +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 700 10 "$DAY1" "$TEST_DATA_DIR/heap.pb.gz"
"$MAKE_ARCHIVE" "$WORK/arch" 700 10 "$DAY2" "$TEST_DATA_DIR/heap.pb.gz"
A=(--archive "$WORK/arch")
RANGE=(--from "$DAY1" --to "${DAY2}T23:59:59.999Z")
INDEXES=$(find "$WORK/arch" -name INDEX | wc -l)
# (10 apps, each two targets: env=dev and env=prod; two days)
[ "$INDEXES" = 40 ] || fail "make_archive's scrape-like writes left $INDEXES INDEX files, want 40"

API_RANGE="start_time=${DAY1}T00:00:00Z&end_time=${DAY2}T23:59:59Z"
# answers FILE: every answer compared, from a fresh serve and the CLI.
answers() {
  local out=$1
  start_serve "$WORK/serve.log" "$CPROFILER" serve "${A[@]}"
  local URL=$SERVE_URL
  for ((i = 0; i < 100; i++)); do curl -fs "$URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  {
    "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o json
    "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -l _app=app-3 -t heap_a -o json
    "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -l 'env=~p.*' -t mutex_b -o paths
    curl -fs "$URL/api/profile_meta/heap_a?$API_RANGE"
    curl -fs "$URL/api/profile_meta/mutex_b?$API_RANGE&lbs%5B_app%5D=app-4"
    curl -fs "$URL/api/0/profiles?service=app-2&type=heap&from=${DAY1}T00:00:00Z&to=${DAY2}T23:59:59Z"
    curl -fs "$URL/api/group_labels"
    curl -fs "$URL/api/group_sample_types"
  } >"$out" 2>>"$WORK/cli.err" || true  # (query exits 1 for an unreadable sidecar)
  stop_serve
}
answers "$WORK/truth"
listed() { "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o ids 2>/dev/null | wc -l; }
[ "$(listed)" = 1400 ] || fail "the query did not list the 1,400 entries"

find "$WORK/arch" -name INDEX -delete
answers "$WORK/no-index"
cmp -s "$WORK/truth" "$WORK/no-index" || { diff "$WORK/truth" "$WORK/no-index" | head; fail "answers changed with every INDEX deleted"; }
[ "$(find "$WORK/arch" -name INDEX | wc -l)" = 40 ] || fail "readers did not write the INDEX files back"
pass "every INDEX deleted: the same answers; readers wrote them back"

# One corrupted in its middle, one cut short, one replaced by another's.
mapfile -t FILES < <(find "$WORK/arch" -name INDEX | sort)
SIZE=$(stat -c %s "${FILES[0]}")
printf 'garbage!' | dd of="${FILES[0]}" bs=1 seek=$((SIZE / 2)) conv=notrunc 2>/dev/null
truncate -s $(($(stat -c %s "${FILES[1]}") - 7)) "${FILES[1]}"
cp "${FILES[3]}" "${FILES[2]}"
expect_exit 0 "$CPROFILER" index --check "${A[@]}"
expect_grep '^damaged +3 ' "$WORK/out"
expect_grep "${FILES[0]}: checksum mismatch" "$WORK/err"
answers "$WORK/damaged"
cmp -s "$WORK/truth" "$WORK/damaged" || { diff "$WORK/truth" "$WORK/damaged" | head; fail "answers changed with damaged INDEX files"; }
expect_exit 0 "$CPROFILER" index --check "${A[@]}"
expect_grep '^damaged +0 ' "$WORK/out"
pass "INDEX files corrupted, cut short, swapped: the same answers; readers replaced them"

# A sidecar edited after it was indexed, to the same length: its new content
# is the answer (the index's record no longer holds for it).
SIDECAR=$(find "$WORK/arch" -name '*-heap-*.json' | sort | head -1)
sed -i 's/"env": "dev"/"env": "DEV"/; s/"env": "prod"/"env": "PROD"/' "$SIDECAR"
answers "$WORK/edited"
find "$WORK/arch" -name INDEX -delete
answers "$WORK/edited-no-index"
cmp -s "$WORK/edited" "$WORK/edited-no-index" || fail "an edited sidecar reads differently with and without the index"
# (it no longer hashes to its directory: both report and skip it)
[ "$(listed)" = 1399 ] || fail "the edited sidecar was not left out"
expect_grep "$(basename "$SIDECAR")" "$WORK/cli.err"
pass "a sidecar edited after indexing: the same answers as without the index"

# (exit 1: the edited sidecar is unreadable, and named)
expect_exit 1 "$CPROFILER" index --rebuild "${A[@]}"
expect_grep '^rebuilt +40 ' "$WORK/out"
expect_exit 1 "$CPROFILER" index --check "${A[@]}"
expect_grep '^indexed +1399 ' "$WORK/out"
expect_grep '^unreadable +1 ' "$WORK/out"
expect_grep "$(basename "$SIDECAR")" "$WORK/err"
expect_exit 2 "$CPROFILER" index "${A[@]}"
expect_exit 2 "$CPROFILER" index --check --archive "$WORK/nothing-here"
pass "index --rebuild, --check; bad invocations are usage errors"
