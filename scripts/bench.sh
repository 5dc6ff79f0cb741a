#!/bin/bash
# make bench: build uvfio-bench in a release build and run every benchmark.
#
# Usage: scripts/bench.sh [BUILD_DIR] [uvfio-bench options: --quick, --only GROUP, --rounds N]
#   BUILD_DIR defaults to build-bench.  Results: bench/results/latest.json
#   (fields: bench/results/README.md); the table is printed at the end.
#
# The build is buildtype=release at -O2: at release's default -O3, GCC 12's
# -Wmaybe-uninitialized false positives in lib/driver/device.c and
# tests/unit/device/harness.c stop a -Werror build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build-bench}
[ $# -gt 0 ] && shift
cd "$root"

if [ ! -f "$B/build.ninja" ]; then
  meson setup "$B" -Dbuildtype=release -Doptimization=2 >/dev/null
else
  bt=$(meson introspect --buildoptions "$B" |
       python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["buildtype"], o["optimization"])')
  if [ "$bt" != "release 2" ]; then
    meson configure "$B" -Dbuildtype=release >/dev/null
    meson configure "$B" -Doptimization=2 >/dev/null
  fi
fi
ninja -C "$B" bench/uvfio-bench

mkdir -p bench/results
UVFIO_BENCH_GIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- lib include bench 2>/dev/null || UVFIO_BENCH_GIT+="-dirty"
export UVFIO_BENCH_GIT
export UVFIO_BENCH_BUILD="buildtype=release optimization=2 ($(cc --version | head -n 1))"
exec "$B/bench/uvfio-bench" --json bench/results/latest.json "$@"
