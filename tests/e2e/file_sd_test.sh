# Fleet targets from file_sd (Prometheus's format) with relabeling: a file
# lists two services with labels and both are archived with them; rewriting
# the file (a third added, one dropped) changes the next pass's targets; a
# keep rule drops a target, labelmap copies labels; hashmod over two
# scrapers splits six targets into two disjoint sets whose union is all six;
# a broken file keeps its last good targets, and says where it broke.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is not installed"
mapfile -t HOSTS < <(start_fake 6)
[ "${#HOSTS[@]}" = 6 ] || fail "the fake target listens on ${#HOSTS[@]} ports, want 6"
mkdir -p "$WORK/sd"
config() {  # ARCHIVE [RELABEL_RULES]
  cat <<YML
archive: $1
scrape-configs:
  - job: fleet
    interval: 1s
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    file-sd-configs: [{files: ['$WORK/sd/*.json', '$WORK/sd/*.yml']}]
    relabel-configs: ${2:-[]}
YML
}
# The archived targets: "app host labels" a line.
targets() {  # CONFIG
  "$CPROFILER" query -c "$1" --from -1h -o json |
    jq -r '.[] | "\(.App) \(.Host) \([.Labels[] | "\(.Key)=\(.Value)"] | join(","))"' | sort -u
}

cat >"$WORK/sd/a.json" <<JSON
[{"targets": ["${HOSTS[0]}"], "labels": {"app": "shop", "env": "prod"}},
 {"targets": ["${HOSTS[1]}"], "labels": {"app": "cart", "env": "dev", "__meta_team": "pay"}}]
JSON
config "$WORK/a1" >"$WORK/a1.yml"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/a1.yml"
targets "$WORK/a1.yml" >"$WORK/got"
printf '%s\n' "cart ${HOSTS[1]} env=dev" "shop ${HOSTS[0]} env=prod" >"$WORK/want"
diff "$WORK/want" "$WORK/got" || fail "file_sd targets archived wrongly"
pass "file_sd: two services archived with their app and labels"

# Rewritten: the next pass follows (a third in a YAML file, one dropped).
cat >"$WORK/sd/a.json" <<JSON
[{"targets": ["${HOSTS[0]}"], "labels": {"app": "shop", "env": "prod"}}]
JSON
printf -- '- targets: ["%s"]\n  labels: {app: search}\n' "${HOSTS[2]}" >"$WORK/sd/b.yml"
config "$WORK/a2" >"$WORK/a2.yml"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/a2.yml"
targets "$WORK/a2.yml" >"$WORK/got"
printf '%s\n' "search ${HOSTS[2]} " "shop ${HOSTS[0]} env=prod" >"$WORK/want"
diff "$WORK/want" "$WORK/got" || fail "the rewritten file_sd was not followed"
pass "file_sd rewritten: the next pass scrapes the new list"

# keep drops a target; labelmap copies __meta_ labels.
cat >"$WORK/sd/a.json" <<JSON
[{"targets": ["${HOSTS[0]}"], "labels": {"app": "shop", "env": "prod", "__meta_team": "pay"}},
 {"targets": ["${HOSTS[1]}"], "labels": {"app": "cart", "env": "dev", "__meta_team": "ops"}}]
JSON
rm "$WORK/sd/b.yml"
config "$WORK/a3" "[{action: keep, source-labels: [env], regex: prod}, {action: labelmap, regex: '__meta_(team)'}]" >"$WORK/a3.yml"
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/a3.yml"
targets "$WORK/a3.yml" >"$WORK/got"
echo "shop ${HOSTS[0]} env=prod,team=pay" >"$WORK/want"
diff "$WORK/want" "$WORK/got" || fail "keep and labelmap"
pass "relabel: keep drops the dev target, labelmap copies __meta_team"

# hashmod: two scrapers, one shard each, over six targets.
printf '[{"targets": [%s], "labels": {"app": "big"}}]\n' "$(printf '"%s",' "${HOSTS[@]}" | sed 's/,$//')" >"$WORK/sd/a.json"
for shard in 0 1; do
  config "$WORK/s$shard" "[{action: hashmod, source-labels: [__address__], modulus: 2, target-label: __shard},
      {action: keep, source-labels: [__shard], regex: '$shard'}]" >"$WORK/s$shard.yml"
  expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/s$shard.yml"
  targets "$WORK/s$shard.yml" | cut -d' ' -f2 >"$WORK/shard$shard"
done
[ -s "$WORK/shard0" ] && [ -s "$WORK/shard1" ] || fail "a shard is empty: $(cat "$WORK/shard0") / $(cat "$WORK/shard1")"
[ -z "$(comm -12 "$WORK/shard0" "$WORK/shard1")" ] || fail "both shards scraped $(comm -12 "$WORK/shard0" "$WORK/shard1")"
sort "$WORK/shard0" "$WORK/shard1" >"$WORK/union"
printf '%s\n' "${HOSTS[@]}" | sort >"$WORK/all"
diff "$WORK/all" "$WORK/union" || fail "the shards' union is not the six targets"
pass "hashmod: two scrapers archive $(wc -l <"$WORK/shard0") and $(wc -l <"$WORK/shard1") of the six, disjoint, together all"

# A broken file: an error naming it and where; the loop keeps its last
# good targets.
config "$WORK/loop" >"$WORK/loop.yml"
printf '[{"targets": ["%s"], "labels": {"app": "shop"}}]\n' "${HOSTS[0]}" >"$WORK/sd/a.json"
spawn "$CPROFILER" scrape -c "$WORK/loop.yml"
LOOP=$SPAWNED_PID
for ((i = 0; i < 50; i++)); do [ "$(count_entries "$WORK/loop")" -ge 1 ] && break; sleep 0.2; done
printf '[{"targets": [' >"$WORK/sd/a.json"
sleep 3
grep -q "file-sd: $WORK/sd/a.json:1:" "$WORK/spawn.log" || { cat "$WORK/spawn.log"; fail "no error naming the broken file and its line"; }
BEFORE=$(count_entries "$WORK/loop")
sleep 2.5
[ "$(count_entries "$WORK/loop")" -gt "$BEFORE" ] || fail "the loop stopped scraping when its file broke"
kill "$LOOP"
pass "a broken file is reported with its line; its last good targets are still scraped"
