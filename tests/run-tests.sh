#!/bin/bash
# Run every test binary of the given meson build dirs, then the guest tests,
# and sum their closing "N passed, N failed[, N skipped]" lines.
#
# Usage: tests/run-tests.sh [--valgrind] BUILD_DIR [BUILD_DIR...]
#   The first build dir also runs the guest tests (tests/guest), unless
#   UVFIO_NO_GUEST=1.  Logs: BUILD_DIR/test-logs/NAME.log
#   Binaries run UVFIO_TEST_JOBS at a time (default 2; every test uses its
#   own temporary directory and sockets, so they may run side by side); the
#   results are reported in a fixed order whatever finishes first.
#   UVFIO_TEST_TIMEOUT: seconds per test binary (default 600).
#
#   A ThreadSanitizer build (b_sanitize=thread, found from the build dir's
#   meson-info) runs its binaries under `setarch -R` (no ASLR: TSan's fixed
#   shadow layout and high vm.mmap_rnd_bits do not mix, "FATAL:
#   ThreadSanitizer: unexpected memory mapping") and skips the names matching
#   UVFIO_TSAN_SKIP (an extended regex; default: the single-threaded fuzz
#   smoke programs).  Its logs: BUILD_DIR/test-logs/.
#
#   --valgrind: run only the integration tests (BUILD_DIR/tests/integration)
#   under valgrind's memcheck, following child processes, with
#   tests/valgrind.supp; any error or definite leak, in the test or in any
#   process it started, fails the binary.  No guest tests.  Logs:
#   BUILD_DIR/test-logs/valgrind/NAME.log, valgrind's NAME.log.vg.PID.
set -uo pipefail

valgrind=0
if [ "${1:-}" = --valgrind ]; then
  valgrind=1
  shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--valgrind] BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${UVFIO_TEST_TIMEOUT:-600}
jobs_max=${UVFIO_TEST_JOBS:-2}
tsan_skip=${UVFIO_TSAN_SKIP:-^test-fuzz-}
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

# sanitizer BUILD_DIR: the build's b_sanitize value ("none" if unknown).
sanitizer() {
  python3 - "$1/meson-info/intro-buildoptions.json" 2>/dev/null <<'EOF' || echo none
import json, sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "b_sanitize":
        v = o["value"]
        print(",".join(v) if isinstance(v, list) else v)
        break
else:
    print("none")
EOF
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=24}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:exitcode=66:second_deadlock_stack=1}

# Children (uvfiod, uvfio-serve ...) run under memcheck too, except the
# command-line tools the tests give only a few hundred milliseconds to act
# (uvfioctl, uvfio-serial): under valgrind they miss those deadlines.  Their
# library code runs under memcheck in-process in other tests.
vg_opts=(--tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
         --show-leak-kinds=definite --track-fds=yes --trace-children=yes
         --trace-children-skip='*/uvfioctl,*/uvfio-serial' --child-silent-after-fork=yes
         --num-callers=30 --suppressions="$here/valgrind.supp")

# The job list: label, log, and the command (a prefix, then the binary).
J_LABEL=() J_LOG=() J_PREFIX=() J_BIN=()
add_job() { J_LABEL+=("$1"); J_LOG+=("$2"); J_PREFIX+=("$3"); J_BIN+=("$4"); }

# valgrind_verdict LOG RC: every process valgrind followed wrote LOG.vg.PID;
# a child's errors reach no exit status we see, so read them all: any error
# (definite leaks count) fails the binary.  Prints the final exit status.
valgrind_verdict() {
  local log=$1 rc=$2 bad
  bad=$(grep -lE 'ERROR SUMMARY: [1-9]' "$log".vg.* 2>/dev/null)
  if [ -n "$bad" ]; then
    { echo "valgrind: errors reported in:"; echo "$bad"; cat $bad; } >>"$log"
    [ "$rc" = 0 ] && rc=98
  fi
  echo "$rc"
}

guest_dir=""
first=1
for b in "$@"; do
  [ -d "$b" ] || { echo "run-tests: no build dir $b" >&2; exit 2; }
  b=$(cd "$b" && pwd)
  tag=$(basename "$b")
  prefix="" skip_re="" search="$b/tests" logdir="$b/test-logs"
  if [ $valgrind = 1 ]; then
    command -v valgrind >/dev/null || { echo "run-tests: valgrind is not installed" >&2; exit 2; }
    prefix="valgrind ${vg_opts[*]}" search="$b/tests/integration" logdir="$b/test-logs/valgrind"
    tag="$tag, valgrind"
  elif [[ "$(sanitizer "$b")" == *thread* ]]; then
    if setarch "$(uname -m)" -R true 2>/dev/null; then
      prefix="setarch $(uname -m) -R"
    fi
    skip_re=$tsan_skip
  fi
  mkdir -p "$logdir"
  while IFS= read -r t; do
    name=$(basename "$t")
    if [ -n "$skip_re" ] && [[ "$name" =~ $skip_re ]]; then
      continue
    fi
    p=$prefix
    if [ $valgrind = 1 ]; then
      rm -f "$logdir/$name.log".vg.*
      p="$prefix --log-file=$logdir/$name.log.vg.%p"
    fi
    add_job "$name [$tag]" "$logdir/$name.log" "$p" "$t"
  done < <(find "$search" -type f -perm -u+x -name 'test-*' 2>/dev/null | sort)
  if [ $first = 1 ] && [ $valgrind = 0 ] && [ "${UVFIO_NO_GUEST:-0}" != 1 ]; then
    guest_dir=$b
  fi
  first=0
done

# Run the jobs, jobs_max at a time; report each in list order as soon as it
# and every job before it have finished.  Each job leaves LOG.rc behind.
next_report=0
report_ready() {
  while [ $next_report -lt ${#J_LABEL[@]} ] && [ -f "${J_LOG[$next_report]}.rc" ]; do
    add_summary "${J_LABEL[$next_report]}" "${J_LOG[$next_report]}" \
      "$(cat "${J_LOG[$next_report]}.rc")"
    rm -f "${J_LOG[$next_report]}.rc"
    next_report=$((next_report + 1))
  done
}
for i in "${!J_LABEL[@]}"; do
  rm -f "${J_LOG[$i]}.rc"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
    wait -n
    report_ready
  done
  (
    set -f # the prefix is split into words, never globbed
    # shellcheck disable=SC2086
    timeout --kill-after=10 "$timeout_s" ${J_PREFIX[$i]} "${J_BIN[$i]}" \
      >"${J_LOG[$i]}" 2>&1 </dev/null
    rc=$?
    [ $valgrind = 1 ] && rc=$(valgrind_verdict "${J_LOG[$i]}" $rc)
    echo $rc >"${J_LOG[$i]}.rc"
  ) &
  report_ready
done
wait
report_ready

# The guest tests boot QEMU: alone, after the binaries.
if [ -n "$guest_dir" ] && [ -x "$here/guest/run-guest-tests.sh" ]; then
  log="$guest_dir/test-logs/guest.log"
  "$here/guest/run-guest-tests.sh" "$guest_dir" >"$log" 2>"$guest_dir/test-logs/guest.stderr"
  add_summary "guest tests [$(basename "$guest_dir")]" "$log" $?
  grep -E '^SKIP' "$log" || true
fi

if [ ${#failed_names[@]} -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "TOTAL: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
