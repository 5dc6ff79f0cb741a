#!/bin/bash
# Run uvfio's guest tests: every BUILD_DIR/tests/guest/guest-test-* binary plus
# the rig's own raw-uAPI smoke test (vfio_edu_test), all in ONE boot of a real
# Debian kernel in QEMU with edu and nvme bound to the real vfio-pci
# (tests/guest/rig, see its README.md).
#
# Usage: tests/guest/run-guest-tests.sh BUILD_DIR
#   BUILD_DIR   a meson build dir (e.g. build)
#
# The final stdout line is "P passed, F failed, S skipped" (totals). Exit 0 iff
# nothing failed. Not root, or no usable QEMU/TCG, kernel or toolchain (and
# setup.sh cannot install them): "SKIP: guest tests: <reason>", then
# "0 passed, 0 failed, 1 skipped", exit 0; but with CI=true as root such a
# setup failure is a FAILURE ("0 passed, 1 failed", exit 1).
#
# Env:
#   GUEST_EXTRA_FILES   space-separated files to ship into the guest as well
#                       (/rig/files/<basename>, on PATH); default: the project's
#                       BUILD_DIR/drivers/edu/uvfio-edu and BUILD_DIR/devices/uvfio-serve,
#                       which guest-test-edu-compare runs on both backends
#   RIG_EXTRA_MODULES   modules packed into the guest (default "ahci": the
#                       kernel-errors test binds a device to a host driver)
#   GUEST_TIMEOUT       host timeout of the whole boot in seconds (default 300)
#   GUEST_TEST_TIMEOUT  per-test timeout inside the guest (default 120; 0 = none)
#   GUEST_RIG_OPTS      extra run-guest.sh options, word-split (e.g. "-H 8 -k")
#   RIG_BUILD_DIR       the rig's build output (default tests/guest/rig/build)
#   RIG_SKIP_SETUP=1    do not run rig/setup.sh (no apt)
#   CI                  "true": setup problems fail instead of skipping (as root)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG=$HERE/rig
RIG_BUILD=${RIG_BUILD_DIR:-$RIG/build}
TIMEOUT=${GUEST_TIMEOUT:-300}

if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    echo "usage: $0 BUILD_DIR   (runs BUILD_DIR/tests/guest/guest-test-* in the VFIO guest rig)" >&2
    exit 2
fi
BUILD_DIR=$1
[ -d "$BUILD_DIR" ] || { echo "run-guest-tests: $BUILD_DIR: not a directory" >&2; exit 2; }
if [ -z "${GUEST_EXTRA_FILES+set}" ]; then
    GUEST_EXTRA_FILES=""
    for f in "$BUILD_DIR/drivers/edu/uvfio-edu" "$BUILD_DIR/devices/uvfio-serve"; do
        [ -x "$f" ] && GUEST_EXTRA_FILES="$GUEST_EXTRA_FILES $f"
    done
fi
export RIG_EXTRA_MODULES=${RIG_EXTRA_MODULES-ahci}

fail_run() {   # a real failure: message, totals line, exit 1
    echo "FAIL: guest tests: $*"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}

# Setup problems skip, except in CI as root, where they fail.
setup_problem() {
    if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ]; then
        fail_run "$* (CI=true: the guest tests must run)"
    fi
    echo "SKIP: guest tests: $*"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}

# ---- can the rig run here? ---------------------------------------------------------
[ "$(id -u)" = 0 ] || setup_problem "not root (the rig needs root for apt and the initramfs)"

if [ "${RIG_SKIP_SETUP:-0}" != 1 ]; then
    "$RIG/setup.sh" >&2 || setup_problem "tests/guest/rig/setup.sh failed (qemu-system-x86, linux-image-amd64, busybox-static, gcc not installable)"
fi
QEMU=${RIG_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || setup_problem "$QEMU not found"
# The accelerator and machine run-guest.sh will use (same rules as its -a auto).
ACCEL=${RIG_ACCEL:-auto}
if [ "$ACCEL" = auto ]; then
    ACCEL=tcg
    if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
        ACCEL=kvm
    fi
fi
# shellcheck disable=SC2054  # the commas are QEMU syntax
case $ACCEL in
    kvm) PROBE=(-M q35,kernel-irqchip=split -accel kvm -cpu "${RIG_CPU:-host}") ;;
    *) PROBE=(-M q35 -accel "$ACCEL" -cpu "${RIG_CPU:-max}") ;;
esac
# Can QEMU create the rig's machine (q35 + intel-iommu + edu) with it? (~0.1 s)
if ! probe_err=$(echo quit | timeout 30 "$QEMU" "${PROBE[@]}" -m 64M -nodefaults -display none \
        -monitor stdio -S -device intel-iommu,intremap=on -device edu 2>&1 >/dev/null); then
    setup_problem "$QEMU cannot start a q35 + intel-iommu + edu machine with accel=$ACCEL: $(echo "${probe_err:-no message}" | tr '\n' ' ')"
fi
mkdir -p "$RIG_BUILD" || setup_problem "cannot create $RIG_BUILD"
export RIG_BUILD_DIR=$RIG_BUILD
# Kernel image, modules, busybox: the cached base initramfs (run-guest.sh reuses it).
build_log=$("$RIG/build-initramfs.sh" 2>&1 >/dev/null) ||
    setup_problem "guest kernel/initramfs not available: $(echo "$build_log" | grep ERROR | tail -n 1)"

# The rig's own smoke test, rebuilt when its source changes.
EDU_SRC=$RIG/tests/vfio_edu_test.c
EDU_BIN=$RIG_BUILD/vfio_edu_test
if [ ! -x "$EDU_BIN" ] || [ "$EDU_SRC" -nt "$EDU_BIN" ]; then
    tmp=$(mktemp "$RIG_BUILD/vfio_edu_test.XXXXXX")
    gcc_err=$(gcc -static -O2 -Wall -Wextra -o "$tmp" "$EDU_SRC" 2>&1) || {
        rm -f "$tmp"
        setup_problem "cannot build a static binary with gcc (libc6-dev?): $(echo "$gcc_err" | tail -n 1)"
    }
    chmod 755 "$tmp" && mv -f "$tmp" "$EDU_BIN"
fi

# ---- what to run -------------------------------------------------------------------
TESTS=()
FILES=()
declare -A SEEN=()
add_file() {   # $1 = path; the guest sees it as /rig/files/<basename>
    local b
    b=$(basename "$1")
    [ -z "${SEEN[$b]:-}" ] || fail_run "two files named $b (${SEEN[$b]} and $1): /rig/files would clash"
    SEEN[$b]=$1
    FILES+=(-f "$1")
}
for t in "$BUILD_DIR"/tests/guest/guest-test-*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    add_file "$t"
    TESTS+=("$(basename "$t")")
done
add_file "$EDU_BIN"
TESTS+=(vfio_edu_test)
for f in ${GUEST_EXTRA_FILES:-}; do
    [ -e "$f" ] || fail_run "GUEST_EXTRA_FILES: $f: no such file"
    add_file "$f"
done
echo "guest tests: ${TESTS[*]} (one boot, timeout ${TIMEOUT}s)"

# ---- one boot ------------------------------------------------------------------------
OUT=$(mktemp "${TMPDIR:-/tmp}/guest-tests.XXXXXX")
trap 'rm -f "$OUT"' EXIT
# shellcheck disable=SC2086  # GUEST_RIG_OPTS is meant to be word-split
RIG_SKIP_SETUP=1 "$RIG/run-guest.sh" -t "$TIMEOUT" \
    -e "GUEST_TEST_TIMEOUT=${GUEST_TEST_TIMEOUT:-120}" ${GUEST_RIG_OPTS:-} \
    "${FILES[@]}" "$HERE/guest-runner.sh" "${TESTS[@]}" | tee "$OUT"
RC=${PIPESTATUS[0]}

# ---- totals ------------------------------------------------------------------------
out=$(tr -d '\r' < "$OUT")
total=$(echo "$out" | sed -n 's/^GUEST-TOTAL: \([0-9]* passed, [0-9]* failed, [0-9]* skipped\)$/\1/p' | tail -n 1)
if [ -z "$total" ]; then
    # The boot did not finish: sum the tests that did, and count the crash as a failure.
    read -r p f s < <(echo "$out" | sed -n 's/^==== .*: exit [0-9]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' |
        awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
    case $RC in
        124) why="the guest timed out after ${TIMEOUT}s (run-guest.sh exit 124)" ;;
        125) why="the guest crashed or the rig failed: no exit marker (run-guest.sh exit 125)" ;;
        *) why="the in-guest runner printed no totals (run-guest.sh exit $RC)" ;;
    esac
    done_n=$(echo "$out" | grep -c '^==== .*: exit [0-9]*: ')
    echo "FAIL: guest tests: $why; $done_n of ${#TESTS[@]} tests finished; rig messages and the guest console are on stderr"
    echo "$p passed, $((f + 1)) failed, $s skipped"
    exit 1
fi
read -r p f s < <(echo "$total" | sed 's/\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped/\1 \2 \3/')
if [ "$RC" != 0 ] && [ "$f" = 0 ]; then
    # cannot normally happen: the runner exits 1 iff something failed
    echo "FAIL: guest tests: run-guest.sh exit status $RC with no failed test"
    f=1
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
