#!/bin/sh
# Install the Debian 12 packages uvfio needs that are missing, and nothing else.
#
# Usage: scripts/install-deps.sh build|check|fuzz
#   build: compiler, meson, ninja, json-c, libuuid, cmocka (the tests are part of the build)
#   check: build + pciutils (lspci -F reads our dumps), valgrind (make check-valgrind)
#   fuzz:  build + clang and its sanitizer/libFuzzer runtimes (make fuzz)
# The guest rig (tests/guest/rig/setup.sh) installs QEMU and the guest kernel
# itself when the guest tests run.
set -eu

want="gcc libc6-dev meson ninja-build pkg-config libjson-c-dev uuid-dev libcmocka-dev"
case "${1:-build}" in
build) ;;
check) want="$want pciutils valgrind" ;;
fuzz) want="$want clang libclang-rt-14-dev" ;;
*) echo "usage: $0 build|check|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages:$missing" >&2
  echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
  exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are absent or the install fails.
if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
  apt-get update -q >&2
fi
apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends $missing >&2 || {
  apt-get update -q >&2
  apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends $missing >&2
}
