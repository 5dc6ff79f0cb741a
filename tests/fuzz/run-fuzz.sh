#!/bin/bash
# Run the libFuzzer targets of a clang -Dfuzz=true build (make fuzz).
#
# Usage: tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
#   Each TARGET (default: every BUILD_DIR/tests/fuzz/fuzz-*) runs for SECONDS
#   on BUILD_DIR/fuzz-corpus/TARGET (grown as it finds new coverage), seeded
#   from the checked-in tests/fuzz/corpus/TARGET (never written to).
#   Crashes, leaks and timeouts land in BUILD_DIR/fuzz-artifacts/ as
#   TARGET-crash-*; replay one with BUILD_DIR/tests/fuzz/fuzz-TARGET FILE.
#   Logs: BUILD_DIR/fuzz-logs/TARGET.log.  Ends with "N passed, N failed".
#   FUZZ_ARGS: extra libFuzzer options, word-split (e.g. "-jobs=2 -workers=2").
set -uo pipefail

[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
b=$(cd "$1" && pwd) || exit 2
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$b"/tests/fuzz/fuzz-*; do
    [ -x "$f" ] && [ -f "$f" ] && targets+=("${f##*/fuzz-}")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "run-fuzz: no fuzz-* programs in $b/tests/fuzz" >&2; exit 2; }

# Leaks are bugs too; UBSan findings stop the run like crashes do.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}

mkdir -p "$b/fuzz-artifacts" "$b/fuzz-logs"
pass=0 fail=0
for t in "${targets[@]}"; do
  exe="$b/tests/fuzz/fuzz-$t"
  [ -x "$exe" ] || { echo "FAIL fuzz-$t: no $exe"; fail=$((fail + 1)); continue; }
  work="$b/fuzz-corpus/$t"
  mkdir -p "$work"
  log="$b/fuzz-logs/$t.log"
  echo "fuzz-$t: ${secs}s ..."
  # shellcheck disable=SC2086 # FUZZ_ARGS is words
  "$exe" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$b/fuzz-artifacts/$t-" ${FUZZ_ARGS:-} \
    "$work" "$here/corpus/$t" >"$log" 2>&1
  rc=$?
  stats=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -n 1 | sed -E 's/ +/ /g')
  if [ $rc = 0 ]; then
    pass=$((pass + 1))
    echo "ok   fuzz-$t: $stats"
  else
    fail=$((fail + 1))
    echo "FAIL fuzz-$t (exit $rc): $(grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz check failed)' "$log" |
      head -n 2 | tr '\n' ' ')"
    grep -E '^artifact_prefix|Test unit written to' "$log" | tail -n 1
  fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
