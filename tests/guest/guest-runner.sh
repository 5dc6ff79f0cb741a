#!/bin/sh
# In-guest runner of uvfio's guest tests (busybox ash, runs as root inside the
# rig guest). run-guest-tests.sh ships every test with run-guest.sh -f, so they
# sit in /rig/files (on PATH), and names the tests to run as our arguments:
#
#   guest-runner.sh NAME...
#
# Each test's output streams indented by two spaces (so that only our own
# summary lines start a line with a count), then one result line:
#   ==== NAME: exit RC: P passed, F failed, S skipped
# and at the end:
#   GUEST-TOTAL: P passed, F failed, S skipped
# Exit status: 0 iff nothing failed.
#
# Counting, per test: the last "N passed, N failed[, N skipped]" line of its
# output. No such line: exit 0 counts as 1 passed, exit 77 as 1 skipped,
# anything else as 1 failed. A summary with 0 failed but a non-zero exit status
# adds 1 failed.
# Env: GUEST_TEST_TIMEOUT  seconds per test (default 120; 0 = none).

TMO=${GUEST_TEST_TIMEOUT:-120}
tp=0; tf=0; ts=0
for name in "$@"; do
    t=/rig/files/$name
    echo "==== $name"
    if [ ! -x "$t" ]; then
        echo "  $name: not found or not executable in the guest"
        echo "==== $name: exit 127: 0 passed, 1 failed, 0 skipped"
        tf=$((tf + 1))
        continue
    fi
    out=/tmp/guest-test.out
    rcf=/tmp/guest-test.rc
    rm -f "$out" "$rcf"
    # Stream the output live (a hang still shows where it hung) and keep a copy.
    # Not sed: busybox sed holds its output back until the test ends.
    {
        if [ "$TMO" != 0 ]; then
            timeout "$TMO" "$t" < /dev/null
        else
            "$t" < /dev/null
        fi
        echo $? > "$rcf"
    } 2>&1 | tee "$out" | awk '{ print "  " $0; fflush() }'
    rc=$(cat "$rcf" 2>/dev/null)
    rc=${rc:-255}
    if [ "$TMO" != 0 ] && [ "$rc" = 143 ]; then
        echo "  $name: killed after ${TMO}s (GUEST_TEST_TIMEOUT)"
    fi
    line=$(tr -d '\r' < "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
        f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
        s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
        p=${p:-0}; f=${f:-0}; s=${s:-0}
        if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
            echo "  $name: exit status $rc although its summary says 0 failed: counted as 1 failed"
            f=1
        fi
    else
        p=0; f=0; s=0
        case $rc in
            0) p=1; echo "  $name: no summary line, exit 0: counted as 1 passed" ;;
            77) s=1; echo "  $name: no summary line, exit 77: counted as 1 skipped" ;;
            *) f=1; echo "  $name: no summary line, exit $rc: counted as 1 failed" ;;
        esac
    fi
    echo "==== $name: exit $rc: $p passed, $f failed, $s skipped"
    tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + s))
done
echo "GUEST-TOTAL: $tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]
