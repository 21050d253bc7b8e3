#!/usr/bin/env bash
# One metric read by a whole process: `sysring get kern.pid_max` against `sysctl -n
# kernel.pid_max`, the same value straight from /proc/sys. Both are run by hyperfine without a
# shell (-N), interleaved over several rounds so that drift on a noisy machine hits both alike;
# reports the median wall time of each and their ratio.
# Usage: bench/get_vs_sysctl.sh [BUILD_DIR] [ROUNDS] [RUNS_PER_ROUND]   (defaults: build, 5, 200)
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
runs=${3:-200}
for tool in hyperfine sysctl python3; do
  command -v "$tool" >/dev/null || { echo "get_vs_sysctl: needs $tool" >&2; exit 1; }
done
segment=/sysring-getbench-$$
"$build/broker/sysringd" --foreground --segment "$segment" --log-level warn --no-counters &
pid=$!
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
sleep 2
"$build/tools/sysring/sysring" --segment "$segment" get kern.pid_max >/dev/null

for round in $(seq 1 "$rounds"); do
  hyperfine -N --style none -w 20 -r "$runs" --export-json "$tmp/round$round.json" \
    "$build/tools/sysring/sysring --segment $segment get kern.pid_max" \
    "sysctl -n kernel.pid_max" >/dev/null 2>"$tmp/hyperfine.err"
done

python3 - "$tmp" <<'PY'
import glob, json, statistics, sys
times = {"sysring get": [], "sysctl -n": []}
for path in sorted(glob.glob(sys.argv[1] + "/round*.json")):
    results = json.load(open(path))["results"]
    times["sysring get"] += results[0]["times"]
    times["sysctl -n"] += results[1]["times"]
med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
for k, v in med.items():
    print(f"{k:12s} median {v:7.0f} us over {len(times[k])} runs")
print(f"ratio sysring get / sysctl -n: {med['sysring get'] / med['sysctl -n']:.2f}x")
PY
