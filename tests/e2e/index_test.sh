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
index_count() { find "$WORK/arch" -name INDEX | wc -l; }
N=$(index_count)
# (10 apps, each two targets: env=dev and env=prod; two days)
[ "$N" = 40 ] || fail "make_archive's scrape-like writes left $N INDEX files, want 40"

API_RANGE="start_time=${DAY1}T00:00:00Z&end_time=${DAY2}T23:59:59Z"
# ask NAME CMD...: CMD's answer under a "== NAME" line, a JSON array's
# objects one a line (so a diff names the entries that differ), then its exit
# status (query exits 1 for an unreadable sidecar; curl 22 for an HTTP
# error); its stderr to $WORK/cli.err.
ask() {
  local status=0
  echo "== $1"
  shift
  "$@" 2>>"$WORK/cli.err" | sed 's/},{/},\n{/g' || status=$?
  echo "== exit $status"
}
# answers FILE: every answer compared, from a fresh serve and the CLI.
answers() {
  local out=$1 i
  start_serve "$WORK/serve.log" "$CPROFILER" serve "${A[@]}"
  local URL=$SERVE_URL
  for ((i = 0; i < 200; i++)); do curl -fs "$URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$URL/api/readyz" >/dev/null 2>&1 || fail "serve did not read the archive within 20 s: $(cat "$WORK/serve.log")"
  {
    ask "query" "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o json
    ask "query app-3 heap_a" "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -l _app=app-3 -t heap_a -o json
    ask "query env=~p.* mutex_b" "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -l 'env=~p.*' -t mutex_b -o paths
    ask "profile_meta heap_a" curl -fsS "$URL/api/profile_meta/heap_a?$API_RANGE"
    ask "profile_meta mutex_b app-4" curl -fsS "$URL/api/profile_meta/mutex_b?$API_RANGE&lbs%5B_app%5D=app-4"
    ask "profefe app-2 heap" curl -fsS "$URL/api/0/profiles?service=app-2&type=heap&from=${DAY1}T00:00:00Z&to=${DAY2}T23:59:59Z"
    ask "group_labels" curl -fsS "$URL/api/group_labels"
    ask "group_sample_types" curl -fsS "$URL/api/group_sample_types"
  } >"$out"
  stop_serve
}
# same_answers WANT GOT WHAT: fails, with the first lines of their diff, if
# the answer files WANT and GOT differ.
same_answers() {
  cmp -s "$1" "$2" && return 0
  echo "--- diff $1 $2 (of $(wc -l <"$1") and $(wc -l <"$2") lines)"
  diff "$1" "$2" | head -40 || true
  fail "$3"
}
answers "$WORK/truth"
# The truth itself: no command failed.
grep -q '^== exit [^0]' "$WORK/truth" && { grep -B1 '^== exit [^0]' "$WORK/truth"; fail "an answer failed before any change"; }
# listed: how many entries the query lists (it exits 1 after an unreadable
# sidecar: not this count's concern).
listed() { { "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o ids 2>/dev/null || true; } | wc -l; }
N=$(listed)
[ "$N" = 1400 ] || fail "the query listed $N entries, want 1400"

find "$WORK/arch" -name INDEX -delete
answers "$WORK/no-index"
same_answers "$WORK/truth" "$WORK/no-index" "answers changed with every INDEX deleted"
N=$(index_count)
[ "$N" = 40 ] || fail "readers wrote $N INDEX files back, want 40"
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
same_answers "$WORK/truth" "$WORK/damaged" "answers changed with damaged INDEX files"
expect_exit 0 "$CPROFILER" index --check "${A[@]}"
expect_grep '^damaged +0 ' "$WORK/out"
pass "INDEX files corrupted, cut short, swapped: the same answers; readers replaced them"

# A sidecar edited after it was indexed, to the same length: its new content
# is the answer (the index's record no longer holds for it).
# (mapfile, not `find | sort | head -1`: head exits after the first line,
# and sort, still writing the other ~17 KB, dies of SIGPIPE, which pipefail
# makes this assignment's status, 141, and set -e the test's: a CI run
# stopped here without a word.)
mapfile -t HEAP_SIDECARS < <(find "$WORK/arch" -name '*-heap-*.json' | sort)
SIDECAR=${HEAP_SIDECARS[0]:?no heap sidecar in the archive}
BEFORE=$(stat -c '%s %.9Y' "$SIDECAR")
sed -i 's/"env": "dev"/"env": "DEV"/; s/"env": "prod"/"env": "PROD"/' "$SIDECAR"
AFTER=$(stat -c '%s %.9Y' "$SIDECAR")
# (Same size; a new file, so a new modification time: were that the old one
# to the nanosecond, the record would rightly be trusted, the documented
# limit that `index --check` finds.)
[ "${BEFORE%% *}" = "${AFTER%% *}" ] && [ "$BEFORE" != "$AFTER" ] ||
  fail "the edit was to keep the sidecar's size and change its mtime: size mtime $BEFORE, then $AFTER"
answers "$WORK/edited"
find "$WORK/arch" -name INDEX -delete
answers "$WORK/edited-no-index"
same_answers "$WORK/edited" "$WORK/edited-no-index" "an edited sidecar reads differently with and without the index"
# (it no longer hashes to its directory: both report and skip it)
N=$(listed)
[ "$N" = 1399 ] || fail "the query listed $N entries, want 1399: the edited sidecar was not left out"
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
