# kubernetes-sd (role pod) against tests/k8s/fake_apiserver.py, which speaks
# the API server's list and watch JSON: a --once pass lists the pods and
# archives the annotated ones (relabeled as documented: keep on
# cprofiler.io/scrape, the port from cprofiler.io/port, pod labels mapped);
# a running scrape watches, and pods added, deleted and relabeled through the
# watch change its targets; when the watch breaks it lists again and
# resumes.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed for the fake API server"
command -v jq >/dev/null || fail "jq is not installed"
mapfile -t HOSTS < <(start_fake 3)
PORT() { echo "${HOSTS[$1]##*:}"; }
mkdir -p "$WORK/k8s"
# A pod as the API server returns it.
pod() {  # NAME UID APP PORT SCRAPE [EXTRA_LABELS_JSON]
  jq -nc --arg name "$1" --arg uid "$2" --arg app "$3" --argjson port "$4" --arg scrape "$5" \
    --argjson extra "${6:-{\}}" '{
    apiVersion: "v1", kind: "Pod",
    metadata: {name: $name, namespace: "default", uid: $uid, resourceVersion: "90",
      creationTimestamp: "2026-12-01T10:00:00Z",
      labels: ({app: $app, "pod-template-hash": "7d9f8c6b5"} + $extra),
      annotations: {"cprofiler.io/scrape": $scrape, "cprofiler.io/port": ($port | tostring)},
      ownerReferences: [{apiVersion: "apps/v1", kind: "ReplicaSet", name: ($app + "-7d9f8c6b5"),
        uid: "0d0c1e2f-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true}]},
    spec: {nodeName: "node-1", containers: [{name: $app, image: ("registry.local/" + $app + ":1.0"),
      ports: [{name: "http", containerPort: 8080, protocol: "TCP"}]}]},
    status: {phase: "Running", hostIP: "10.0.0.7", podIP: "127.0.0.1", podIPs: [{ip: "127.0.0.1"}],
      conditions: [{type: "Ready", status: "True"}]}}'
}
{
  echo '{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "100"}, "items": ['
  pod shop-1 uid-a shop "$(PORT 0)" true; echo ,
  pod cart-1 uid-b cart "$(PORT 1)" true; echo ,
  pod batch-1 uid-x batch 1 false
  echo ']}'
} >"$WORK/k8s/pods.json"
{
  echo "{\"after\": 1, \"type\": \"ADDED\", \"object\": $(pod search-1 uid-c search "$(PORT 2)" true)}"
  echo "{\"after\": 1, \"type\": \"DELETED\", \"object\": $(pod shop-1 uid-a shop "$(PORT 0)" true)}"
  echo "{\"after\": 1, \"type\": \"MODIFIED\", \"object\": $(pod cart-1 uid-b cart "$(PORT 1)" true '{"team": "blue"}')}"
} >"$WORK/k8s/events.jsonl"
echo "k8s-token" >"$WORK/token"
python3 -u "$(dirname "$0")/../k8s/fake_apiserver.py" "$WORK/k8s" "$WORK/token" >"$WORK/api.log" 2>&1 &
echo $! >>"$PIDS"
for ((i = 0; i < 100; i++)); do grep -q '^port ' "$WORK/api.log" && break; sleep 0.1; done
API=http://127.0.0.1:$(sed -n 's/^port //p' "$WORK/api.log")
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: k8s
    interval: 1s
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    kubernetes-sd-configs: [{api-server: "$API", bearer-token-file: $WORK/token, namespaces: [default]}]
    relabel-configs:
      - {action: keep, source-labels: [__meta_kubernetes_pod_annotation_cprofiler_io_scrape], regex: "true"}
      - {source-labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_cprofiler_io_port],
         separator: ":", target-label: __address__}
      - {action: labelmap, regex: "__meta_kubernetes_pod_label_(app|team)"}
YML
targets() { jq -r '.ActiveTargets[] | "\(.App) \(.Host) \([.Labels | to_entries[] | "\(.key)=\(.value)"] | join(","))"' \
  "$WORK/arch/.state/targets.json" | sort; }

expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
printf '%s\n' "cart ${HOSTS[1]} " "shop ${HOSTS[0]} " >"$WORK/want"
targets >"$WORK/got"
diff "$WORK/want" "$WORK/got" || fail "the listed pods' targets"
jq -e '.DroppedTargets | length == 1 and .[0].DiscoveredLabels.__meta_kubernetes_pod_name == "batch-1"' \
  "$WORK/arch/.state/targets.json" >/dev/null || fail "the unannotated pod was not dropped"
jq -e '.ActiveTargets[0].DiscoveredLabels | .__meta_kubernetes_pod_controller_kind == "ReplicaSet" and
  .__meta_kubernetes_pod_ready == "true" and .__meta_kubernetes_pod_container_port_number == "8080" and
  .__meta_kubernetes_pod_labelpresent_pod_template_hash == "true"' "$WORK/arch/.state/targets.json" >/dev/null ||
  fail "__meta_kubernetes_* labels: $(jq -c '.ActiveTargets[0].DiscoveredLabels' "$WORK/arch/.state/targets.json")"
[ "$(count_entries "$WORK/arch")" = 2 ] || fail "want 2 profiles archived"
pass "--once lists the pods: the two annotated ones archived, the other dropped; __meta_kubernetes_* labels"

spawn "$CPROFILER" scrape -c "$WORK/c.yml"
LOOP=$SPAWNED_PID
printf '%s\n' "cart ${HOSTS[1]} team=blue" "search ${HOSTS[2]} " >"$WORK/want"
for ((i = 0; i < 100; i++)); do
  targets >"$WORK/got" 2>/dev/null
  cmp -s "$WORK/want" "$WORK/got" && [ "$(grep -c '^LIST' "$WORK/api.log")" -ge 3 ] && break
  sleep 0.2
done
diff "$WORK/want" "$WORK/got" || fail "the watch's changes did not reach the targets"
[ "$(grep -c '^LIST' "$WORK/api.log")" -ge 3 ] || fail "no list after the broken watch: $(cat "$WORK/api.log")"
grep -q "kubernetes-sd: watch of /api/v1/namespaces/default/pods ended" "$WORK/spawn.log" || fail "the broken watch was not reported"
apps() { "$CPROFILER" query -c "$WORK/c.yml" --from -1h -o json | jq -r '.[].App' | sort -u; }
for ((i = 0; i < 50; i++)); do apps | grep -qx search && break; sleep 0.2; done
kill "$LOOP"
apps | grep -qx search || fail "the pod added through the watch was not scraped"
pass "a watch adds, deletes and relabels pods in the running scrape; a broken watch is listed again and resumed"
