# One rule for symbolic links below an archive's root (cprofiler-archive(5),
# INVARIANTS 7): a target directory that is a link is passed over alike by
# query, merge, top, serve's /api/profile_meta and download, prune and
# `cprofiler index`, which names it; scrape refuses to write through it.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 12 3 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap >/dev/null
A=(--archive "$WORK/arch")
RANGE=(--from "$DAY" --to "${DAY}T23:59:59.999Z")
DAYDIR="$WORK/arch/${DAY//-//}"
TKEY=$(ls "$DAYDIR" | grep -E '^[0-9a-f]{16}$' | head -n 1)
[ -n "$TKEY" ] || fail "make_archive wrote no target directory under $DAYDIR"
ALL=$("$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o ids | wc -l)
LINKED_IDS=$("$CPROFILER" query "${A[@]}" "${RANGE[@]}" -o ids | grep -- "-$TKEY-" | sort)
LINKED=$(echo "$LINKED_IDS" | wc -l)
KEPT=$((ALL - LINKED))
[ "$LINKED" -ge 2 ] && [ "$KEPT" -ge 2 ] || fail "want entries in and out of $TKEY: $ALL entries, $LINKED in it"
mkdir -p "$WORK/elsewhere"
mv "$DAYDIR/$TKEY" "$WORK/elsewhere/$TKEY"
ln -s "$WORK/elsewhere/$TKEY" "$DAYDIR/$TKEY"

# The CLI: the other directories' entries, none of the linked one's; an ID
# there is not found.
expect_exit 0 "$CPROFILER" query "${A[@]}" "${RANGE[@]}" -t heap_inuse_space -o ids
sort "$WORK/out" >"$WORK/cli.ids"
[ "$(wc -l <"$WORK/cli.ids")" = "$KEPT" ] || fail "query lists $(wc -l <"$WORK/cli.ids") entries, want $KEPT"
for id in $LINKED_IDS; do
  grep -q "$id" "$WORK/cli.ids" && fail "query lists $id, whose directory is a link"
done
ONE=$(echo "$LINKED_IDS" | head -n 1)
expect_exit 1 "$CPROFILER" top "${A[@]}" "$ONE"
expect_grep "no profile with ID $ONE" "$WORK/err"
pass "query: $KEPT of $ALL entries, the linked directory's $LINKED passed over; top of an ID in it: not found"

# merge of the selection reads the same profiles as of the paths query lists.
"$CPROFILER" query "${A[@]}" "${RANGE[@]}" -t heap_inuse_space -o paths >"$WORK/paths"
grep -q "$WORK/elsewhere" "$WORK/paths" && fail "query -o paths names a file behind the link"
expect_exit 0 "$CPROFILER" merge "${A[@]}" "${RANGE[@]}" -t heap_inuse_space --raw -o "$WORK/sel.pb.gz"
# shellcheck disable=SC2046
expect_exit 0 "$CPROFILER" merge $(cat "$WORK/paths") -o "$WORK/files.pb.gz"
pprof_top "$WORK/sel.pb.gz" inuse_space | grep -v '^Time:' >"$WORK/sel.top"
pprof_top "$WORK/files.pb.gz" inuse_space | grep -v '^Time:' >"$WORK/files.top"
diff "$WORK/sel.top" "$WORK/files.top" >/dev/null || fail "merge of the selection differs from merge of its $KEPT files"
pass "merge: the selection's $KEPT profiles, go tool pprof -top equal to merging query's paths"

# serve: the same IDs; the linked ones neither listed nor downloadable.
start_serve "$WORK/serve.log" "$CPROFILER" serve "${A[@]}"
for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$SERVE_URL/api/profile_meta/heap_inuse_space?start_time=${DAY}T00:00:00Z&end_time=${DAY}T23:59:59Z" >"$WORK/meta.json" ||
  fail "profile_meta failed"
jq -r '.[].ProfileMetas[].ProfileID' "$WORK/meta.json" | sort >"$WORK/serve.ids"
diff "$WORK/cli.ids" "$WORK/serve.ids" || fail "serve's profile_meta and query list different entries"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/api/download/$ONE")
[ "$code" = 404 ] || fail "download of $ONE (behind a link): status $code, want 404"
expect_grep "$TKEY: a symbolic link, not part of the archive" "$WORK/serve.log"
stop_serve
pass "serve: the same $KEPT IDs as query; the linked entry 404; the link named in its log"

# cprofiler index names the link; prune deletes nothing through it.
expect_exit 0 "$CPROFILER" index --check "${A[@]}"
expect_grep "$TKEY: a symbolic link, not part of the archive" "$WORK/err"
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
max-size: 1KiB
scrape-configs:
  - job: j
    target-configs: [{hosts: [127.0.0.1:$(closed_port)]}]
YML
"$CPROFILER" scrape --once -c "$WORK/c.yml" >/dev/null 2>&1 || true
[ "$(find "$WORK/elsewhere/$TKEY" -name '*.json' | wc -l)" = "$LINKED" ] || fail "prune deleted through the link"
pass "index names the link; prune with a size cap deletes nothing behind it"

# scrape refuses to write through a link, and says which.
ADDR=$(start_fake)
cat >"$WORK/s.yml" <<YML
archive: $WORK/scraped
scrape-configs:
  - job: j
    enabled-profiles: [heap]
    target-configs: [{hosts: [$ADDR]}]
YML
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/s.yml"
SDIR=$(dirname "$(sidecars "$WORK/scraped" | head -n 1)")
mv "$SDIR" "$WORK/elsewhere/scraped"
ln -s "$WORK/elsewhere/scraped" "$SDIR"
expect_exit 1 "$CPROFILER" scrape --once --force -c "$WORK/s.yml"
expect_grep "$SDIR is a symbolic link" "$WORK/err"
[ "$(find "$WORK/elsewhere/scraped" -name '*.json' | wc -l)" = 1 ] || fail "scrape wrote through the link"
pass "scrape --once through a linked target directory: exit 1, naming it; nothing written behind it"
