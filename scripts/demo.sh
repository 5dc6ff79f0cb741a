#!/bin/bash
# The main job: serve uvfio's edu device on a socket and drive it with the
# uvfio-edu user-level driver, with MSI and with INTx.
set -euo pipefail
B=${1:-build}
serve=$B/devices/uvfio-serve
edu=$B/drivers/edu/uvfio-edu
for p in "$serve" "$edu"; do
  [ -x "$p" ] || { echo "demo: $p not built (run make build)" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/uvfio-demo.XXXXXX)
sock=$dir/edu.sock
pid=
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== uvfio-serve edu --socket-path $sock"
"$serve" edu --socket-path "$sock" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "demo: the edu device did not come up" >&2; exit 1; }

for irq in msi intx; do
  echo
  echo "== uvfio-edu --irq $irq --dma-size 4096 unix:$sock"
  "$edu" --irq "$irq" --dma-size 4096 "unix:$sock"
done
echo
echo "demo: done"
