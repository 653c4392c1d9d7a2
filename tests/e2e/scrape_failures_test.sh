# Bad targets fail alone, in bounded time and memory, with one line each
# naming job, host and profile type; the good target beside them is archived;
# nothing of a bad response reaches the archive.
source "$(dirname "$0")/lib.sh"
GOOD=$(start_workload)
FAKE=$(start_fake 1)
CLOSED=127.0.0.1:$(closed_port)

job() {  # name, heap path, host
  cat <<YML
  - job: $1
    timeout: 2s
    max-response-size: 1MiB
    enabled-profiles: [heap]
    path-profiles: {heap: $2}
    target-configs: [{hosts: [$3]}]
YML
}
{
  echo "scrape-configs:"
  echo "  - job: good"
  echo "    enabled-profiles: [heap, goroutine]"
  echo "    target-configs: [{hosts: [$GOOD]}]"
  job garbage /garbage "$FAKE"
  job truncated /truncated "$FAKE"
  job error500 /error500 "$FAKE"
  job huge /huge "$FAKE"
  job stall /stall "$FAKE"
  job redirect /redirect "$FAKE"
  job gzipbomb /gzipbomb "$FAKE"
  job closed /debug/pprof/heap "$CLOSED"
} >"$WORK/c.yml"

START=$(date +%s)
# 1 GiB of address space: an unbounded read (200 MiB body, 1 GiB gzip bomb)
# would abort the process instead of failing one request.
expect_exit 1 bash -c "ulimit -v 1048576; exec \"$CPROFILER\" scrape --once -c \"$WORK/c.yml\" --archive \"$WORK/arch\""
ELAPSED=$(($(date +%s) - START))
[ "$ELAPSED" -le 8 ] || fail "pass took ${ELAPSED}s; the 2s timeouts should bound it"
pass "pass finished in ${ELAPSED}s with exit 1"

expect_grep "job=garbage host=$FAKE profile=heap .*not a valid profile" "$WORK/err"
expect_grep "job=truncated host=$FAKE profile=heap .*not a valid profile" "$WORK/err"
expect_grep "job=error500 .*HTTP 500: profile not available" "$WORK/err"
expect_grep "job=huge .*larger than 1048576 bytes" "$WORK/err"
expect_grep "job=stall .*timed out after 2s" "$WORK/err"
expect_grep "job=redirect .*HTTP 302 \(redirects are not followed\)" "$WORK/err"
expect_grep "job=gzipbomb .*decompressed size exceeds" "$WORK/err"
expect_grep "job=closed host=$CLOSED profile=heap .*(refused|Failed to connect)" "$WORK/err"
expect_grep "pass: 2 archived .* 8 failed" "$WORK/err"
[ "$(grep -c 'scrape failed' "$WORK/err")" = 8 ] || fail "want exactly 8 failure lines"
pass "each bad target named on one line"

[ "$(count_entries "$WORK/arch")" = 2 ] || fail "want only the good target's 2 entries"
[ -z "$(find "$WORK/arch" -name '.tmp-*')" ] || fail "temporary files left behind"
"$CPROFILER" query --archive "$WORK/arch" -o table >"$WORK/q"
expect_grep "good .*$GOOD" "$WORK/q"
[ "$(grep -c "$FAKE\|$CLOSED" "$WORK/q" || true)" = 0 ] || fail "a bad target reached the archive"
pass "good target archived, nothing of the bad ones"

# No config anywhere: the built-in default (127.0.0.1:6060), said so, into
# ./cprofiler-archive (whether or not something answers on 6060 here).
if [ ! -e /etc/cprofiler/cprofiler.yml ]; then
  mkdir -p "$WORK/bare/cwd" && cd "$WORK/bare/cwd"
  env -u CPROFILER_CONFIG "$CPROFILER" scrape --once >"$WORK/out" 2>"$WORK/err" || true
  expect_grep 'built-in default, which scrapes 127.0.0.1:6060' "$WORK/err"
  expect_grep 'host=127.0.0.1:6060|pass: [1-9]' "$WORK/err"
  [ -f cprofiler-archive/CPROFILER-ARCHIVE ] || fail "no ./cprofiler-archive with the built-in config"
  pass "no config found: the built-in default scrapes 127.0.0.1:6060 into ./cprofiler-archive"
fi
