#!/bin/bash
# Run every test binary of the given meson build dirs, then the guest tests,
# and sum their closing "N passed, N failed[, N skipped]" lines.
#
# Usage: tests/run-tests.sh BUILD_DIR [BUILD_DIR...]
#   The first build dir also runs the guest tests (tests/guest), unless
#   UVFIO_NO_GUEST=1.  Logs: BUILD_DIR/test-logs/NAME.log
#   UVFIO_TEST_TIMEOUT: seconds per test binary (default 600).
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${UVFIO_TEST_TIMEOUT:-600}
total_pass=0 total_fail=0 total_skip=0
failed_names=()

# add_summary LABEL LOGFILE EXIT_STATUS: fold one binary's result into the totals.
add_summary() {
  local label=$1 log=$2 rc=$3 line p f s
  line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    p=0 f=1 s=0
    line="no summary line (exit status $rc)"
  else
    p=$(sed -E 's/.*(^|[ :])([0-9]+) passed.*/\2/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line"); s=${s:-0}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
      f=1; line="$line (but exit status $rc)"
    fi
  fi
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
  if [ "$f" != 0 ]; then
    failed_names+=("$label")
    printf 'FAIL %-40s %s\n' "$label" "$line"
    echo "---- last lines of $log ----"; tail -n 25 "$log"; echo "----"
  else
    printf 'ok   %-40s %s\n' "$label" "$line"
  fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=24}

first=1
for b in "$@"; do
  [ -d "$b" ] || { echo "run-tests: no build dir $b" >&2; exit 2; }
  b=$(cd "$b" && pwd)
  mkdir -p "$b/test-logs"
  tag=$(basename "$b")
  while IFS= read -r t; do
    name=$(basename "$t")
    log="$b/test-logs/$name.log"
    timeout --kill-after=10 "$timeout_s" "$t" >"$log" 2>&1 </dev/null
    add_summary "$name [$tag]" "$log" $?
  done < <(find "$b/tests" -type f -perm -u+x -name 'test-*' 2>/dev/null | sort)
  if [ $first = 1 ] && [ "${UVFIO_NO_GUEST:-0}" != 1 ]; then
    if [ -x "$here/guest/run-guest-tests.sh" ]; then
      log="$b/test-logs/guest.log"
      "$here/guest/run-guest-tests.sh" "$b" >"$log" 2>"$b/test-logs/guest.stderr"
      add_summary "guest tests [$tag]" "$log" $?
      grep -E '^SKIP' "$log" || true
    fi
  fi
  first=0
done

if [ ${#failed_names[@]} -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "TOTAL: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
