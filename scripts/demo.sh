#!/bin/bash
# The main job: start uvfiod, create an edu and an mtty instance with
# uvfioctl, drive them with the user-level drivers uvfio-edu and uvfio-serial,
# and show uvfioctl list and uvfioctl lspci -vv.
set -euo pipefail
B=${1:-build}
uvfiod=$B/daemon/uvfiod
ctl=$B/tools/uvfioctl
edu=$B/drivers/edu/uvfio-edu
serial=$B/drivers/serial/uvfio-serial
for p in "$uvfiod" "$ctl" "$edu" "$serial"; do
  [ -x "$p" ] || { echo "demo: $p not built (run make build)" >&2; exit 1; }
done

# A private runtime and config directory, so the demo touches nothing else.
dir=$(mktemp -d /tmp/uvfio-demo.XXXXXX)
export UVFIO_RUNTIME_DIR=$dir/run UVFIO_CONFIG_DIR=$dir/etc
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

say "uvfiod (runtime dir $UVFIO_RUNTIME_DIR)"
"$uvfiod" -q &
pid=$!
for _ in $(seq 100); do [ -S "$UVFIO_RUNTIME_DIR/control.sock" ] && break; sleep 0.05; done
[ -S "$UVFIO_RUNTIME_DIR/control.sock" ] || { echo "demo: uvfiod did not come up" >&2; exit 1; }

say "uvfioctl types"
"$ctl" types

say "uvfioctl start --type edu"
read -r edu_uuid edu_sock < <("$ctl" start --type edu)
echo "$edu_uuid $edu_sock"
say "uvfioctl start --type mtty-1"
read -r mtty_uuid mtty_sock < <("$ctl" start --type mtty-1)
echo "$mtty_uuid $mtty_sock"

say "uvfioctl list"
"$ctl" list

for irq in msi intx; do
  say "uvfio-edu --irq $irq --dma-size 4096 unix:$edu_sock"
  "$edu" --irq "$irq" --dma-size 4096 "unix:$edu_sock"
done

say "uvfio-serial --baud 115200 --line 8N1 --loopback --test-pattern 4096 unix:$mtty_sock"
"$serial" --baud 115200 --line 8N1 --loopback --test-pattern 4096 "unix:$mtty_sock"

say "uvfioctl lspci -vv unix:$edu_sock"
"$ctl" lspci -vv "unix:$edu_sock"
say "uvfioctl lspci -vv unix:$mtty_sock"
"$ctl" lspci -vv "unix:$mtty_sock"

say "uvfioctl stop"
"$ctl" stop --uuid "$edu_uuid"
"$ctl" stop --uuid "$mtty_uuid"
"$ctl" list
echo
echo "demo: done"
