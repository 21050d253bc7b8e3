#!/usr/bin/env bash
# Builds sysring, starts the broker (unless one is already live on the segment) and shows live
# data in the inspector until Ctrl-C. Stops only a broker it started itself.
# Usage: scripts/run.sh [SEGMENT]        (default /sysring)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
segment=${1:-/sysring}
build=$root/build

"$root/scripts/build.sh" "$build"
sysringd=$build/broker/sysringd
sysring=$build/tools/sysring/sysring

started=""
if "$sysring" --segment "$segment" ring >/dev/null 2>&1; then
  echo "run: a live broker already serves $segment; attaching to it"
else
  "$sysringd" --foreground --segment "$segment" --tick-ms 500 2>"$build/sysringd.log" &
  started=$!
  for _ in $(seq 50); do  # the first tick takes milliseconds; allow 5 s
    "$sysring" --segment "$segment" ring >/dev/null 2>&1 && break
    kill -0 "$started" 2>/dev/null || { cat "$build/sysringd.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "run: started sysringd (pid $started) on $segment; its log: $build/sysringd.log"
fi
cleanup() { if [[ -n $started ]]; then kill "$started" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

"$sysring" --segment "$segment" ring
echo
"$sysring" --segment "$segment" cat vm.load
echo
echo "run: following the delta ring; Ctrl-C to stop"
"$sysring" --segment "$segment" watch
