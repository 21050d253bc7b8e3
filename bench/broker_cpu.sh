#!/usr/bin/env bash
# Measures sysringd's CPU use at its default cadence: starts a broker on a private segment,
# lets it settle, then reads its on-CPU time (ns, /proc/PID/schedstat) over a window.
# Usage: bench/broker_cpu.sh [SYSRINGD] [SECONDS]      (defaults: build/broker/sysringd, 60)
set -euo pipefail
bin=${1:-build/broker/sysringd}
seconds=${2:-60}
segment=/sysring-cpu-$$

"$bin" --foreground --segment "$segment" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 3  # past the first ticks (STATIC reads, buffer growth)

on_cpu() { cut -d' ' -f1 "/proc/$pid/schedstat"; }
start_cpu=$(on_cpu)
start_wall=$(date +%s%N)
sleep "$seconds"
end_cpu=$(on_cpu)
end_wall=$(date +%s%N)

python3 - "$start_cpu" "$end_cpu" "$start_wall" "$end_wall" <<'PY'
import sys
c0, c1, w0, w1 = map(int, sys.argv[1:])
cpu, wall = c1 - c0, w1 - w0
print(f"sysringd on-CPU {cpu / 1e6:.2f} ms over {wall / 1e9:.1f} s wall: "
      f"{100 * cpu / wall:.4f}% of one core ({cpu / (wall / 1e9) / 1e3:.1f} us per second)")
PY
