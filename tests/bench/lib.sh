# Shared by the benchmark scripts: source it once $WORK (the script's
# temporary directory) is set. Peak memory is the peak resident set (GNU
# time's %M, the kernel's VmHWM), in MB of 1,048,576 bytes.

# needs_gnu_time: exits 2 with how to get it when /usr/bin/time is missing.
needs_gnu_time() {
  command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 2; }
}

# measure CMD...: runs CMD under GNU time, its stdout and stderr the
# caller's; sets WALL (s, 3 decimals: from the shell's clock, so it counts
# GNU time's own fork and exec, about a millisecond), USR, SYS and CPU
# (user, system and their sum, s, 2 decimals), RSS (peak resident set, MB,
# 1 decimal) and RC; returns CMD's exit status (so under set -e a failure
# ends the script unless the caller adds `|| true`).
measure() {
  local start
  start=$EPOCHREALTIME
  RC=0
  /usr/bin/time -f "%U %S %M" -o "$WORK/measure.time" "$@" || RC=$?
  WALL=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  # The last line: GNU time puts "Command exited with non-zero status N"
  # (or "terminated by signal") before it.
  read -r USR SYS RSS < <(tail -1 "$WORK/measure.time")
  CPU=$(awk -v u="$USR" -v s="$SYS" 'BEGIN { printf "%.2f", u + s }')
  RSS=$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')
  return "$RC"
}

# hwm_mb PID: the live process's peak resident set so far (VmHWM), MB.
hwm_mb() { awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# max A B: the larger number.
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
