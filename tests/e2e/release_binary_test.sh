# What the binary says it is, it is: --version names a revision, date and
# linkage; a "static" binary is statically linked and runs alone in an empty
# chroot (as root), resolving localhost from /etc/hosts to scrape a real Go
# service and serve it (API and built-in UI); --licenses prints the notices
# of what it links.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$CPROFILER" --version
expect_grep '^cprofiler [0-9]+\.[0-9]+\.[0-9]+ \(revision ([0-9a-f]{12}(-dirty)?|unknown), built [0-9]{4}-[0-9]{2}-[0-9]{2}, (static|shared)\)$' "$WORK/out"
linkage=$(sed -E 's/.*, (static|shared)\)$/\1/' "$WORK/out")
pass "--version: $(cat "$WORK/out")"

expect_exit 0 "$CPROFILER" --licenses
expect_grep '^==== cli11 ' "$WORK/out"
expect_grep '^==== rapidjson ' "$WORK/out"
if [ "$linkage" = static ]; then
  for lib in glibc gcc-12 protobuf libdeflate libxcrypt openssl yaml-cpp re2 curl civetweb; do
    expect_grep "^==== $lib " "$WORK/out"
  done
fi
pass "--licenses: $(grep -c '^==== ' "$WORK/out") notices"

if [ "$linkage" = shared ]; then
  ldd "$CPROFILER" >"$WORK/ldd"
  expect_grep 'libcurl' "$WORK/ldd"
  pass "shared build links libcurl dynamically"
  exit 0
fi

file -L "$CPROFILER" >"$WORK/file"
expect_grep 'statically linked' "$WORK/file"
expect_exit 1 ldd "$CPROFILER"
expect_grep 'not a dynamic executable' "$WORK/err"
pass "file: statically linked; ldd: not a dynamic executable"

if [ "$(id -u)" != 0 ]; then
  echo "skip: the chroot part needs root"
  exit 0
fi
ROOT="$WORK/root"
mkdir -p "$ROOT/etc" "$ROOT/w"
cp "$CPROFILER" "$ROOT/cprofiler"
echo '127.0.0.1 localhost' >"$ROOT/etc/hosts"
[ "$(find "$ROOT" -type f | wc -l)" = 2 ] || fail "the chroot holds more than the binary and /etc/hosts"
expect_exit 0 chroot "$ROOT" /cprofiler --version
pass "--version in an empty chroot"

ADDR=$(start_workload)
PORT=${ADDR##*:}
cat >"$ROOT/w/c.yml" <<YML
archive: /w/arch
scrape-configs:
  - job: demo
    interval: 1h
    expiration: 1h
    enabled-profiles: [heap]
    target-configs:
      - application: wl
        hosts: [localhost:$PORT]
YML
expect_exit 0 chroot "$ROOT" /cprofiler scrape --once -c /w/c.yml
expect_grep "pass: 1 archived" "$WORK/err"
path=$(chroot "$ROOT" /cprofiler query -c /w/c.yml -t heap_inuse_space -o paths)
pprof_top "$ROOT$path" inuse_space >"$WORK/top"
expect_grep main.workloadHeap "$WORK/top"
pass "scraped localhost:$PORT from an empty chroot; go tool pprof reads it"

# serve from the same empty chroot: the API answers, the UI is inside.
start_serve "$WORK/chroot-serve.log" chroot "$ROOT" /cprofiler serve -c /w/c.yml
for ((i = 0; i < 100; i++)); do curl -fs "$SERVE_URL/api/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$SERVE_URL/api/group_sample_types" >"$WORK/gst" || fail "serve in the chroot did not answer"
expect_grep '"heap":\["heap_alloc_objects"' "$WORK/gst"
curl -fs "$SERVE_URL/" | grep -q '<html' || fail "the built-in UI is missing"
stop_serve
pass "served the archive and the built-in UI from an empty chroot"
