# http_sd: target groups served over HTTP (Prometheus's HTTP SD format) by a
# local server; a malformed response, one too large and then the server's
# outage are reported, and the passes go on scraping the last good list, which the
# archive's state directory keeps between `--once` passes.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || fail "python3 is needed for the SD server"
mapfile -t HOSTS < <(start_fake 2)
mkdir -p "$WORK/www"
printf '[{"targets": ["%s", "%s"], "labels": {"app": "shop", "env": "prod"}}]\n' "${HOSTS[0]}" "${HOSTS[1]}" >"$WORK/good.json"
cp "$WORK/good.json" "$WORK/www/sd.json"
# Serves www/ to requests bearing the token only (401 otherwise).
cat >"$WORK/sd_server.py" <<'PY'
import http.server, os, sys, time
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer secret-token":
            self.send_error(401, "no token")
            return
        if os.path.exists("slow"):  # a server that hangs
            time.sleep(10)
        super().do_GET()
os.chdir(sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("serving on port", server.server_address[1], flush=True)
server.serve_forever()
PY
python3 -u "$WORK/sd_server.py" "$WORK/www" >"$WORK/http.log" 2>&1 &
SD=$!
echo "$SD" >>"$PIDS"
for ((i = 0; i < 100; i++)); do grep -q 'port [0-9]' "$WORK/http.log" && break; sleep 0.1; done
SD_PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -1)
[ -n "$SD_PORT" ] || fail "the SD server did not start: $(cat "$WORK/http.log")"
URL="http://127.0.0.1:$SD_PORT/sd.json"
echo "secret-token" >"$WORK/token"
cat >"$WORK/c.yml" <<YML
archive: $WORK/arch
scrape-configs:
  - job: fleet
    enabled-profiles: [heap]
    path-profiles: {heap: /good/heap}
    http-sd-configs: [{url: "$URL", refresh-interval: 1s, bearer-token-file: $WORK/token}]
YML
hosts() { "$CPROFILER" query -c "$WORK/c.yml" --from -1h -o json | jq -r '.[] | "\(.App) \(.Host) \(.Labels[0].Value)"' | sort -u; }
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
printf '%s\n' "shop ${HOSTS[0]} prod" "shop ${HOSTS[1]} prod" | sort >"$WORK/want"
hosts >"$WORK/got"
diff "$WORK/want" "$WORK/got" || fail "the http_sd targets were not archived with their labels"
[ -n "$(find "$WORK/arch/.state" -name 'http-sd-*.json')" ] || fail "no last good list in the state directory"
pass "http_sd (with a bearer token): the served targets archived with their app and labels; the list kept in .state"

# A malformed response: reported, the last good list scraped.
echo '[{"targets": [' >"$WORK/www/sd.json"
N=$(count_entries "$WORK/arch")
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
expect_grep "http-sd: $URL: .*keeping its last good 1 target groups" "$WORK/err"
[ "$(count_entries "$WORK/arch")" = $((N + 2)) ] || fail "the last good targets were not scraped"
pass "a malformed response is reported; the pass scrapes the last good list"

# A huge response (over 16 MiB): refused, bounded, the last good list kept.
head -c $((17 << 20)) /dev/zero | tr '\0' ' ' >"$WORK/www/sd.json"
N=$(count_entries "$WORK/arch")
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
expect_grep "http-sd: $URL: .*larger than .*keeping its last good 1 target groups" "$WORK/err"
[ "$(count_entries "$WORK/arch")" = $((N + 2)) ] || fail "a huge SD response stopped the scraping"
pass "a response over 16 MiB is refused; the pass scrapes the last good list"

# A server that hangs: given up on after the refresh interval (1 s here, 30 s
# at most), the last good list kept.
cp "$WORK/good.json" "$WORK/www/sd.json"
touch "$WORK/www/slow"
N=$(count_entries "$WORK/arch")
START=$(date +%s)
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
ELAPSED=$(($(date +%s) - START))
expect_grep "http-sd: $URL: timed out after .*keeping its last good 1 target groups" "$WORK/err"
[ "$ELAPSED" -le 6 ] || fail "a hanging SD server held the pass for ${ELAPSED}s"
[ "$(count_entries "$WORK/arch")" = $((N + 2)) ] || fail "a hanging SD server stopped the scraping"
rm "$WORK/www/slow"
pass "a hanging SD server is given up on after the refresh interval (${ELAPSED}s); the last good list scraped"

# The server goes away: the same.
kill "$SD"
wait "$SD" 2>/dev/null || true
N=$(count_entries "$WORK/arch")
expect_exit 0 "$CPROFILER" scrape --once --force -c "$WORK/c.yml"
expect_grep "http-sd: $URL: .*(Couldn't connect|refused|connect).*keeping its last good 1 target groups" "$WORK/err"
[ "$(count_entries "$WORK/arch")" = $((N + 2)) ] || fail "the outage stopped the scraping"
pass "an SD outage is reported; --once passes go on with the last good list from the state directory"
