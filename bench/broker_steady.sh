#!/usr/bin/env bash
# The broker at its default settings, in steady state: starts sysringd on a private segment,
# lets it settle past the first ticks, then measures over a window (default 60 s):
#   - on-CPU time of all its threads (/proc/PID/task/*/schedstat), as a share of one core;
#   - the delta ring: bytes published per delta (ring_bytes_total / ring_deltas_total over the
#     window, from `sysring ring --json`), deltas and batches per second;
#   - the segment's size, and the broker's RSS.
# Usage: bench/broker_steady.sh [BUILD_DIR] [SECONDS] [extra sysringd flags...]
#        (defaults: build, 60)
set -euo pipefail
build=${1:-build}
seconds=${2:-60}
shift 2 2>/dev/null || shift $# || true
segment=/sysring-steady-$$
sysringd=$build/broker/sysringd
sysring=$build/tools/sysring/sysring

"$sysringd" --foreground --segment "$segment" --log-level warn "$@" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 5  # past the first ticks (STATIC reads, the first snapshot, buffer growth)

# Every thread's on-CPU time (the statfs worker's too): /proc/PID/schedstat is the main thread's.
on_cpu() { cat /proc/$pid/task/*/schedstat | awk '{s += $1} END {print s}'; }
ring() { "$sysring" --segment "$segment" ring --json --sample-ms 0; }
start_cpu=$(on_cpu)
start_wall=$(date +%s%N)
start_ring=$(ring)
sleep "$seconds"
end_cpu=$(on_cpu)
end_wall=$(date +%s%N)
end_ring=$(ring)
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")

python3 - "$start_cpu" "$end_cpu" "$start_wall" "$end_wall" "$rss_kb" "$start_ring" "$end_ring" <<'PY'
import json, sys
c0, c1, w0, w1, rss = map(int, sys.argv[1:6])
r0, r1 = json.loads(sys.argv[6]), json.loads(sys.argv[7])
cpu, wall = c1 - c0, w1 - w0
secs = wall / 1e9
deltas = r1["ring_deltas_total"] - r0["ring_deltas_total"]
nbytes = r1["ring_bytes_total"] - r0["ring_bytes_total"]
batches = r1["ring_head"] - r0["ring_head"]
print(f"window {secs:.1f} s")
print(f"broker on-CPU {cpu / 1e6:.2f} ms: {100 * cpu / wall:.4f}% of one core "
      f"({cpu / secs / 1e3:.1f} us per second)")
print(f"ring: {deltas} deltas in {batches} batches, {nbytes} bytes: "
      f"{nbytes / deltas if deltas else float('nan'):.2f} bytes per delta "
      f"({deltas / secs:.0f} deltas/s)")
print(f"segment {r1['total_size']} bytes ({r1['total_size'] / 1048576:.2f} MiB), "
      f"broker RSS {rss / 1024:.1f} MiB")
PY
