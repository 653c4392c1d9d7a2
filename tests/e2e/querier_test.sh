# Grafana Pyroscope's querier API (POST /querier.v1.QuerierService/...):
# two real Go services scraped twice (cpu, heap, mutex, goroutine), `serve`
# with a read token, and tests/querier/querier_test.mjs, a Connect client
# (@connectrpc/connect-node, @bufbuild/protobuf) over proto/pyroscope, calls
# every route in both encodings: the flame graph's totals and flat values
# equal `cprofiler top`'s (and, exactly, `merge --format folded`'s),
# SelectSeries equals /api/series, SelectMergeProfile equals /api/merge byte
# for byte after gunzip; a malformed selector or an unknown profile type is
# invalid_argument, and a range beyond serve's --index-memory is
# resource_exhausted. Needs node, npm (the client installs from
# tests/querier's lock file) and protoc.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
command -v node >/dev/null || fail "node is not installed (apt-get install -y nodejs npm)"
command -v protoc >/dev/null || fail "protoc is not installed (apt-get install -y protobuf-compiler)"
CLIENT_DIR=$(cd "$E2E_DIR/../querier" && pwd)
PROTO_DIR=$(cd "$E2E_DIR/../../proto/pyroscope" && pwd)
if [ ! -d "$CLIENT_DIR/node_modules/@connectrpc/connect-node" ]; then
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  (cd "$CLIENT_DIR" && npm ci --no-audit --no-fund) >"$WORK/npm.log" 2>&1 || { cat "$WORK/npm.log"; fail "npm ci failed"; }
fi
# The client's message types: the protos' descriptors, read at run time.
protoc -I "$PROTO_DIR" --include_imports --descriptor_set_out="$WORK/querier.pb" querier/v1/querier.proto

A=$(start_workload)
B=$(start_workload)
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: demo
    interval: 1h
    enabled-profiles: [profile, heap, mutex, goroutine]
    path-profiles:
      profile: /debug/pprof/profile?seconds=1
    target-configs:
      - application: api
        hosts: [$A]
        labels: {env: prod-eu}
      - application: worker
        hosts: [$B]
        labels: {env: staging}
YML
sleep 1  # let the workloads run a little
FROM_MS=$(date +%s%3N)
expect_exit 0 "$CPROFILER" scrape --once -c "$WORK/c.yml"
sleep 1
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
TO_MS=$(date +%s%3N)
[ "$(count_entries "$WORK/arch")" = 16 ] || fail "want 16 entries (2 targets x 4 types x 2 scrapes)"
pass "two Go services scraped twice"

# What the client compares with, over the same selection and range.
FROM=$(date -u -d "@$((FROM_MS / 1000))" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "@$(((TO_MS + 999) / 1000))" +%Y-%m-%dT%H:%M:%SZ)
FROM_MS=$(date -u -d "$FROM" +%s000)
TO_MS=$(date -u -d "$TO" +%s000)
for st in profile_cpu heap_inuse_space mutex_delay; do
  "$CPROFILER" top --archive "$WORK/arch" -t "$st" -l _app=api --from "$FROM" --to "$TO" >"$WORK/top.$st" ||
    fail "cprofiler top -t $st"
  "$CPROFILER" merge --archive "$WORK/arch" -t "$st" -l _app=api --from "$FROM" --to "$TO" \
    --format folded -o "$WORK/folded.$st" || fail "cprofiler merge -t $st --format folded"
done

TOKEN=$("$CPROFILER" auth add-token --role read -f "$WORK/auth")
start_serve "$WORK/serve.log" "$CPROFILER" serve --archive "$WORK/arch" --auth-file "$WORK/auth"
for ((i = 0; i < 100; i++)); do curl -fs -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
get() { curl -fsS -H "Authorization: Bearer $TOKEN" "$SERVE_URL$1" -o "$2" || fail "GET $1"; }
SEL="start_time=$FROM&end_time=$TO&lbs%5B_app%5D=api"
get "/api/merge?sample_type=profile_cpu&$SEL" "$WORK/merge.profile_cpu.pb.gz"
get "/api/merge?sample_type=mutex_delay&$SEL" "$WORK/merge.mutex_delay.pb.gz"
get "/api/series/profile_cpu?start_time=$FROM&end_time=$TO&group_by=_app&step=1s&agg=sum" "$WORK/series.profile_cpu.json"
get "/api/series/heap_alloc_space?start_time=$FROM&end_time=$TO&group_by=_app&step=1s&agg=avg" "$WORK/series.heap_alloc_space.json"

# Plain HTTP: the Connect error shapes, auth, and POST only.
Q="$SERVE_URL/querier.v1.QuerierService"
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$Q/ProfileTypes")
[ "$CODE" = 401 ] || fail "ProfileTypes without a token: $CODE, want 401"
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -u "grafana:$TOKEN" -X POST -H 'Content-Type: application/json' -d '{}' "$Q/ProfileTypes")
[ "$CODE" = 200 ] || fail "ProfileTypes with the token as basic auth's password: $CODE"
expect_grep '"ID":"process_cpu:cpu:nanoseconds:cpu:nanoseconds"' "$WORK/body"
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$Q/ProfileTypes")
[ "$CODE" = 405 ] || fail "GET of a querier route: $CODE, want 405"
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -X POST -H 'Content-Type: application/json' \
  -d "{\"profileTypeID\":\"process_cpu:cpu:nanoseconds:cpu:nanoseconds\",\"labelSelector\":\"{service_name=\\\"api\\\"\",\"start\":\"$FROM_MS\",\"end\":\"$TO_MS\"}" "$Q/SelectMergeStacktraces")
[ "$CODE" = 400 ] || fail "a malformed selector: $CODE, want 400"
[ "$(jq -r .code "$WORK/body")" = invalid_argument ] || fail "a malformed selector: $(cat "$WORK/body")"
pass "plain HTTP: 401 without a token, basic auth and bearer work, GET is 405, errors are Connect's JSON"

env QUERIER_URL="$SERVE_URL" TOKEN="$TOKEN" DESCRIPTORS="$WORK/querier.pb" DATA="$WORK" \
  FROM_MS="$FROM_MS" TO_MS="$TO_MS" node "$CLIENT_DIR/querier_test.mjs" || fail "the Connect client's test failed"
pass "the Connect client: every route in both encodings agrees with top, /api/series and /api/merge"

# A range past serve's index budget: resource_exhausted, not a partial answer.
stop_serve
FIRST=$(date -u -d '6 days ago' +%Y-%m-%d)
LAST=$(date -u -d '2 days ago' +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/big" 3500 10 "$FIRST" "$TEST_DATA_DIR/heap.pb.gz" 5
start_serve "$WORK/budget.log" "$CPROFILER" serve --archive "$WORK/big" --index-memory 110KiB
wait_ready
B_FROM=$(date -u -d "$FIRST" +%s000)
B_TO=$(date -u -d "$LAST 23:59:59" +%s999)
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "{\"profileTypeID\":\"memory:a:bytes:space:bytes\",\"start\":\"$B_FROM\",\"end\":\"$B_TO\"}" "$SERVE_URL/querier.v1.QuerierService/SelectMergeStacktraces")
[ "$CODE" = 429 ] || fail "a range past the budget: $CODE, want 429: $(cat "$WORK/body")"
[ "$(jq -r .code "$WORK/body")" = resource_exhausted ] || fail "a range past the budget: $(cat "$WORK/body")"
expect_grep "index-memory" "$WORK/body"
pass "a range past --index-memory: resource_exhausted (429) naming --index-memory"
