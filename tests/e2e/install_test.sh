# `cmake --install` into a DESTDIR puts the binary, the man pages, the
# config, the systemd units (pointing at the installed binary) and the
# notices in place; the man pages render without warnings; the units are
# valid where systemd-analyze exists; a second install keeps an edited config.
source "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$CPROFILER")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D="$WORK/dest"
DESTDIR="$D" cmake --install "$BUILD" --prefix /usr/local >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; fail "cmake --install failed"; }
for f in usr/local/bin/cprofiler usr/local/share/man/man1/cprofiler.1 \
    usr/local/share/man/man5/cprofiler.yml.5 usr/local/share/man/man5/cprofiler-archive.5 \
    usr/local/share/doc/cprofiler/THIRD_PARTY_NOTICES etc/cprofiler/cprofiler.yml \
    etc/systemd/system/cprofiler-scrape.service etc/systemd/system/cprofiler-scrape.timer \
    etc/systemd/system/cprofiler-serve.service usr/lib/sysusers.d/cprofiler.conf; do
  [ -s "$D/$f" ] || fail "not installed: /$f"
done
grep -q '^ExecStart=/usr/local/bin/cprofiler scrape --once' "$D/etc/systemd/system/cprofiler-scrape.service" || fail "scrape unit ExecStart"
grep -q '^ExecStart=/usr/local/bin/cprofiler serve' "$D/etc/systemd/system/cprofiler-serve.service" || fail "serve unit ExecStart"
grep -q '^ProtectSystem=strict' "$D/etc/systemd/system/cprofiler-serve.service" || fail "serve unit hardening"
"$D/usr/local/bin/cprofiler" scrape --once -c "$D/etc/cprofiler/cprofiler.yml" --archive "$WORK/a" >/dev/null 2>&1 || [ $? = 1 ] ||
  fail "the installed config does not load"
pass "installed: binary, man pages, config, units, sysusers entry, notices"

echo "# edited" >>"$D/etc/cprofiler/cprofiler.yml"
DESTDIR="$D" cmake --install "$BUILD" --prefix /usr/local >/dev/null 2>&1
grep -q '^# edited' "$D/etc/cprofiler/cprofiler.yml" || fail "reinstall overwrote the edited config"
pass "a second install keeps the edited config"

for m in "$ROOT"/man/*.[15]; do
  groff -man -ww -z "$m" 2>"$WORK/groff" || true
  [ ! -s "$WORK/groff" ] || { cat "$WORK/groff"; fail "groff warnings in $m"; }
done
pass "man pages render without warnings (groff -ww)"

if command -v systemd-analyze >/dev/null; then
  # Only problems of the units themselves: the binary and man pages are not
  # where the units expect them on this machine.
  systemd-analyze verify "$D"/etc/systemd/system/cprofiler-*.{service,timer} 2>&1 |
    grep -v -e 'is not executable' -e "Command 'man " >"$WORK/verify" || true
  [ ! -s "$WORK/verify" ] || { cat "$WORK/verify"; fail "systemd-analyze verify"; }
  pass "systemd-analyze verify: units valid"
fi
