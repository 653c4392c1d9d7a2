# SIGKILL of a running scrape loop, many times, never leaves a listed entry
# that fails to read: every sidecar the query lists has a whole profile.
source "$(dirname "$0")/lib.sh"
mapfile -t HOSTS < <(start_fake 40)
{
  echo "archive: $WORK/arch"
  echo "scrape-configs:"
  echo "  - job: churn"
  echo "    interval: 1s"
  echo "    expiration: 0"
  echo "    enabled-profiles: [heap, allocs, goroutine, mutex, block]"
  echo "    target-configs:"
  echo "      - hosts: [$(IFS=,; echo "${HOSTS[*]}")]"
} >"$WORK/c.yml"

for round in $(seq 1 12); do
  "$CPROFILER" scrape -c "$WORK/c.yml" 2>>"$WORK/loop.log" &
  LOOP=$!
  echo "$LOOP" >>"$PIDS"
  if [ "$round" -lt 12 ]; then
    sleep "0.$((RANDOM % 9 + 1))"
  else
    # The last round runs until something is archived (on a loaded machine
    # a pass may outlast every random delay), then is killed all the same.
    for _ in $(seq 300); do
      [ -d "$WORK/arch" ] && [ "$(count_entries "$WORK/arch")" -gt 0 ] && break
      sleep 0.1
    done
  fi
  kill -9 "$LOOP"
  wait "$LOOP" 2>/dev/null || true
  # Every listed entry reads: query reports no unreadable entry (exit 0) and
  # every listed profile is a whole gzip stream.
  expect_exit 0 "$CPROFILER" query -c "$WORK/c.yml" --from -1h -o paths
  if [ -s "$WORK/out" ]; then
    xargs gzip -t <"$WORK/out" || fail "round $round: a listed profile is damaged"
  fi
done
N=$(count_entries "$WORK/arch")
[ "$N" -gt 0 ] || fail "the loop never archived anything"
pass "12 SIGKILLs, $N entries, all readable"

# Leftovers of killed writers are at most temporary files and orphan
# profiles, which prune removes once stale; never a half-written sidecar.
for f in $(sidecars "$WORK/arch"); do
  grep -q '"sha256"' "$f" || fail "half-written sidecar $f"
done
# And pprof reads them.
"$CPROFILER" query -c "$WORK/c.yml" --from -1h -t heap_inuse_space -o paths >"$WORK/paths"
PROFILE=$(head -1 "$WORK/paths")
pprof_top "$PROFILE" inuse_space >"$WORK/top"
expect_grep main.workloadHeap "$WORK/top"
pass "sidecars whole, profiles read by pprof"
