# The targets' state: after a pass, `cprofiler targets` and serve's
# /api/targets list every target, a failing one first with its error, its
# labels before and after relabeling, the targets relabeling dropped, and
# per profile type the last attempt and success and the next due time.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is not installed"
GOOD=$(start_fake)
CLOSED=127.0.0.1:$(closed_port)
mkdir -p "$WORK/sd"
printf '[{"targets": ["127.0.0.1:1"], "labels": {"app": "old", "env": "dev"}}]\n' >"$WORK/sd/sd.json"
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: mixed
    interval: 1h
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    target-configs: [{application: shop, hosts: [$GOOD, $CLOSED], labels: {env: prod}}]
    file-sd-configs: [{files: ['$WORK/sd/*.json']}]
    relabel-configs: [{action: drop, source-labels: [env], regex: dev}]
YML
expect_exit 2 "$CPROFILER" targets -c "$WORK/c.yml"
expect_grep "no scrape pass" "$WORK/err"
expect_exit 1 "$CPROFILER" scrape --once -c "$WORK/c.yml"

expect_exit 1 "$CPROFILER" targets -c "$WORK/c.yml"
sed -n 2p "$WORK/out" | grep -q "^down .*$CLOSED.*heap: .*onnect" || { cat "$WORK/out"; fail "the failing target is not first, with its error"; }
sed -n 3p "$WORK/out" | grep -q "^up .*$GOOD env=prod" || { cat "$WORK/out"; fail "the good target is not listed up"; }
expect_grep "1 dropped by relabeling" "$WORK/out"
pass "cprofiler targets: the failing target first with its error, the good one up, one dropped"

expect_exit 1 "$CPROFILER" targets -c "$WORK/c.yml" -o json
jq -e --arg closed "$CLOSED" --arg good "$GOOD" '
  (.ActiveTargets | length) == 2 and
  .ActiveTargets[0].Host == $closed and .ActiveTargets[0].Health == "down" and
  (.ActiveTargets[0].Profiles[0].LastError | length) > 0 and
  .ActiveTargets[0].Profiles[0].LastAttempt > 0 and .ActiveTargets[0].Profiles[0].LastSuccess == 0 and
  .ActiveTargets[1].Host == $good and .ActiveTargets[1].Profiles[0].LastSuccess > 0 and
  .ActiveTargets[1].Profiles[0].NextDue > .ActiveTargets[1].Profiles[0].LastSuccess and
  .ActiveTargets[1].DiscoveredLabels.__address__ == $good and .ActiveTargets[1].Labels.env == "prod" and
  .DroppedTargets[0].DiscoveredLabels.env == "dev" and .DroppedTargets[0].DiscoveredLabels.__address__ == "127.0.0.1:1"' \
  "$WORK/out" >/dev/null || { cat "$WORK/out"; fail "targets -o json"; }
pass "targets -o json: labels before and after relabeling, dropped targets, attempts, successes, next due"

# A second pass leaves the up target (not due) and keeps its state.
expect_exit 1 "$CPROFILER" scrape --once -c "$WORK/c.yml"
expect_exit 1 "$CPROFILER" targets -c "$WORK/c.yml" -o json
jq -e '.ActiveTargets[1].Profiles[0].LastSuccess > 0 and .ActiveTargets[1].Health == "up"' "$WORK/out" >/dev/null ||
  fail "a pass that left the up target lost its state"

start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/c.yml"
curl -fs "$SERVE_URL/api/targets" >"$WORK/api.json" || fail "/api/targets"
jq -e --arg closed "$CLOSED" '.ActiveTargets[0].Host == $closed and .ActiveTargets[0].Health == "down" and
  (.DroppedTargets | length) == 1' "$WORK/api.json" >/dev/null || { cat "$WORK/api.json"; fail "/api/targets"; }
stop_serve
pass "/api/targets: the same, failing first"
