# serve --auth-file: with no token or a wrong one, every route but
# /api/healthz (the UI's files included) answers 401; a read token works as
# a bearer token and as the password of basic auth, and go tool pprof
# fetches a profile with it; a user made by `auth add-user` signs in by
# basic auth or the login form (a browser gets the form, not a basic-auth
# dialog), whose session cookie opens the UI and the API until logout;
# only the config's allowed origins get CORS headers; the config's
# auth-file works like the flag; a token added while serve runs works at
# once; after 5 failed attempts an address is refused (429) for a minute.
source "$(dirname "$0")/lib.sh"
: "${MAKE_ARCHIVE:?set by ctest}"
DAY=$(date -u -d yesterday +%Y-%m-%d)
"$MAKE_ARCHIVE" "$WORK/arch" 10 1 "$DAY" "$TEST_DATA_DIR/heap.pb.gz" 1 heap
TOKEN=$("$CPROFILER" auth add-token --role read -f "$WORK/auth")
[ "${#TOKEN}" = 64 ] || fail "add-token printed \"$TOKEN\""
[ "$(stat -c %a "$WORK/auth")" = 600 ] || fail "the auth file is not 0600"
grep -q "^read token $(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)\$" "$WORK/auth" || fail "the auth file: $(cat "$WORK/auth")"
grep -q "$TOKEN" "$WORK/auth" && fail "the auth file holds the token itself"
cat >"$WORK/cprofiler.yml" <<'YML'
serve:
  listen: 127.0.0.1:1     # start_serve's --listen wins
  cors-allowed-origins: [https://listed.example]
YML
start_serve "$WORK/serve.log" "$CPROFILER" serve -c "$WORK/cprofiler.yml" --archive "$WORK/arch" --auth-file "$WORK/auth"
for ((i = 0; i < 100; i++)); do curl -fs -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
ID=$("$CPROFILER" query --archive "$WORK/arch" --from "$DAY" --to now -o ids | head -1)
ROUTES=(/ /ui/app.css /targets /api/sample_types /api/group_labels "/api/download/$ID" /api/targets
        "/api/profile_meta/heap_inuse_space?start_time=${DAY}T00:00:00Z&end_time=${DAY}T23:59:59Z")
code() { curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@"; }
for r in "${ROUTES[@]}"; do
  [ "$(code "$SERVE_URL$r")" = 401 ] || fail "$r without a token: not 401"
done
grep -qi '^WWW-Authenticate: Basic realm="cprofiler"' "$WORK/headers" || fail "401 without WWW-Authenticate"
[ "$(code "$SERVE_URL/api/healthz")" = 200 ] || fail "healthz needs a token"
pass "without a token: 401 on ${#ROUTES[@]} routes (UI included), with a Basic challenge; healthz 200"

for r in "${ROUTES[@]}"; do
  [ "$(code -H "Authorization: Bearer $TOKEN" "$SERVE_URL$r")" = 200 ] || fail "$r with the bearer token: not 200"
  [ "$(code -u "anyone:$TOKEN" "$SERVE_URL$r")" = 200 ] || fail "$r with the token as basic password: not 200"
done
go tool pprof -top "http://x:$TOKEN@${SERVE_URL#http://}/api/download/$ID" >"$WORK/top" 2>&1 || { cat "$WORK/top"; fail "go tool pprof with the token"; }
grep -q '^Type: ' "$WORK/top" || fail "go tool pprof read no profile: $(head -3 "$WORK/top")"
pass "with the read token (bearer, or basic auth's password): 200; go tool pprof fetches a profile"

# Users: made by add-user (the password on stdin), added while serve runs.
printf 'open sesame\n' | "$CPROFILER" auth add-user alice --role read -f "$WORK/auth" 2>"$WORK/err" ||
  fail "add-user: $(cat "$WORK/err")"
grep -q '^read user alice \$2b\$12\$[./A-Za-z0-9]\{53\}$' "$WORK/auth" || fail "no bcrypt line for alice: $(cat "$WORK/auth")"
grep -q "open sesame" "$WORK/auth" && fail "the password itself is in the auth file"
printf 'other\n' | "$CPROFILER" auth add-user alice -f "$WORK/auth" 2>"$WORK/err" && fail "add-user took alice twice"
grep -q 'already' "$WORK/err" || fail "add-user alice again: $(cat "$WORK/err")"
printf '\n' | "$CPROFILER" auth add-user bob -f "$WORK/auth" 2>/dev/null && fail "add-user took an empty password"
printf 'pw\n' | "$CPROFILER" auth add-user 'b:ob' -f "$WORK/auth" 2>/dev/null && fail "add-user took a name with a colon"
[ "$(grep -c user "$WORK/auth")" = 1 ] || fail "refused users were written: $(cat "$WORK/auth")"
for r in / /api/sample_types "/api/download/$ID"; do
  [ "$(code -u 'alice:open sesame' "$SERVE_URL$r")" = 200 ] || fail "$r as alice by basic auth: not 200"
done
# Wrong attempts from another loopback address: this one's are counted below.
OTHER=(--interface 127.0.0.2)
[ "$(code "${OTHER[@]}" -u 'alice:open sesamE' "$SERVE_URL/api/sample_types")" = 401 ] || fail "a wrong password: not 401"
[ "$(code "${OTHER[@]}" -u 'mallory:open sesame' "$SERVE_URL/api/sample_types")" = 401 ] || fail "an unknown user: not 401"
pass "add-user (password from stdin; refuses a second alice, an empty password, a colon); alice by basic auth: 200; wrong password or user: 401"

# A browser's navigation gets the login form and no basic-auth challenge.
BROWSER=(-H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8')
[ "$(code "${BROWSER[@]}" "$SERVE_URL/targets?x=1")" = 401 ] || fail "a browser without credentials: not 401"
grep -qi '^WWW-Authenticate' "$WORK/headers" && fail "the browser's 401 has a basic-auth challenge"
grep -q '<form method="post" action="/login">' "$WORK/body" || fail "no login form: $(head -c 300 "$WORK/body")"
grep -q 'name="next" value="/targets?x=1"' "$WORK/body" || fail "the form does not return to /targets?x=1"
[ "$(code "$SERVE_URL/api/targets")" = 401 ] && grep -qi '^WWW-Authenticate: Basic' "$WORK/headers" ||
  fail "an API client's 401 lost its basic-auth challenge"
[ "$(code "${BROWSER[@]}" "${OTHER[@]}" -d 'user=alice&password=nope&next=/targets' "$SERVE_URL/login")" = 401 ] ||
  fail "POST /login with a wrong password: not 401"
grep -qi '^Set-Cookie' "$WORK/headers" && fail "a failed login set a cookie"
[ "$(code "${BROWSER[@]}" -d 'user=alice&password=open+sesame&next=/targets' "$SERVE_URL/login")" = 303 ] ||
  fail "POST /login as alice: not 303"
grep -qi '^Location: /targets' "$WORK/headers" || fail "the login did not go back to /targets"
SET_COOKIE=$(grep -i '^Set-Cookie:' "$WORK/headers" | tr -d '\r')
[[ "$SET_COOKIE" == *"cprofiler_session="*"HttpOnly"*"SameSite=Strict"* ]] || fail "the session cookie: $SET_COOKIE"
COOKIE=$(sed 's/^[^:]*: *//; s/;.*//' <<<"$SET_COOKIE")
for r in / /ui/app.css /targets /api/sample_types "/api/download/$ID"; do
  [ "$(code -b "$COOKIE" "$SERVE_URL$r")" = 200 ] || fail "$r with the session cookie: not 200"
done
[ "$(code -d 'token=x&next=//evil.example/' "${OTHER[@]}" "$SERVE_URL/login")" = 401 ] || fail "a wrong token at /login"
[ "$(code -d "token=$TOKEN&next=//evil.example/" "$SERVE_URL/login")" = 303 ] || fail "a token at /login: not 303"
[ "$(grep -i '^Location:' "$WORK/headers" | tr -d '\r')" = "Location: /" ] || fail "an open redirect: $(grep -i '^Location' "$WORK/headers")"
head -c 5000 /dev/zero | tr '\0' x >"$WORK/big"
[ "$(code --data-binary "@$WORK/big" "$SERVE_URL/login")" = 413 ] || fail "a 5000-byte POST /login: not 413"
[ "$(code -X POST -b "$COOKIE" "$SERVE_URL/logout")" = 303 ] || fail "POST /logout: not 303"
[ "$(code -b "$COOKIE" "$SERVE_URL/api/sample_types")" = 401 ] || fail "the session lives on after logout"
pass "a browser gets the login form (no WWW-Authenticate); POST /login sets an HttpOnly SameSite=Strict cookie that opens the UI and the API; no open redirect; a body over 4 KiB is 413; logout ends it"

# CORS: only the config's listed origin; another origin's page gets nothing.
[ "$(code -H "Origin: https://elsewhere.example" -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/sample_types")" = 200 ] ||
  fail "a cross-origin request with the token"
grep -qi '^Access-Control-Allow' "$WORK/headers" && fail "CORS headers for an origin not listed: $(grep -i '^Access-Control' "$WORK/headers")"
[ "$(code -H "Origin: https://listed.example" -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/sample_types")" = 200 ] ||
  fail "a request from the listed origin"
grep -qi '^Access-Control-Allow-Origin: https://listed.example' "$WORK/headers" || fail "no CORS for the listed origin"
grep -qi '^Access-Control-Allow-Credentials: true' "$WORK/headers" || fail "no credentials for the listed https origin"
grep -qi '^Vary: Origin' "$WORK/headers" || fail "no Vary: Origin"
pass "CORS: a listed origin is echoed with credentials; another origin gets no CORS headers"

SECOND=$("$CPROFILER" auth add-token -f "$WORK/auth")
[ "$(code -H "Authorization: Bearer $SECOND" "$SERVE_URL/api/sample_types")" = 200 ] || fail "a token added while serving"
pass "a token added while serve runs works at once"

START=$(date +%s%N)
CODES=""
for i in $(seq 8); do CODES+="$(code -H "Authorization: Bearer wrong$i" "$SERVE_URL/api/sample_types") "; done
[ "$CODES" = "401 401 401 401 401 429 429 429 " ] || fail "wrong tokens answered: $CODES"
[ "$(code -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/sample_types")" = 429 ] || fail "a throttled address got in"
grep -qi '^Retry-After: 60' "$WORK/headers" || fail "429 without Retry-After"
[ "$(code "$SERVE_URL/api/healthz")" = 200 ] || fail "healthz throttled"
pass "brute force: 5 wrong tokens, then 429 for a minute (at most 7,200 guesses a day per address)"

# The config's serve.auth-file (relative to the config) does what the flag does.
stop_serve
mkdir "$WORK/conf"
cp "$WORK/auth" "$WORK/conf/users"
printf 'serve:\n  auth-file: users\n' >"$WORK/conf/cprofiler.yml"
start_serve "$WORK/serve2.log" "$CPROFILER" serve -c "$WORK/conf/cprofiler.yml" --archive "$WORK/arch"
[ "$(code "$SERVE_URL/api/sample_types")" = 401 ] || fail "serve.auth-file: no credentials, not 401"
[ "$(code -H "Authorization: Bearer $TOKEN" "$SERVE_URL/api/sample_types")" = 200 ] || fail "serve.auth-file: the token, not 200"
printf 'serve:\n  auth-fil: users\n' >"$WORK/conf/bad.yml"
"$CPROFILER" serve -c "$WORK/conf/bad.yml" --archive "$WORK/arch" 2>"$WORK/err" && fail "serve took an unknown serve: key"
grep -q 'serve: unknown key "auth-fil"' "$WORK/err" || fail "the unknown key's error: $(cat "$WORK/err")"
pass "the config's serve.auth-file (relative to the config) guards serve like --auth-file; an unknown serve: key is an error"
