#!/usr/bin/env bash
# Runs the sysring benchmark suite and prints the medians and the ratios the project promises.
# Builds nothing: build first, in Release mode, e.g.
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYSRING_BUILD_TESTS=OFF
#   cmake --build build-bench --target sysring_bench
#   bench/run.sh build-bench/bench/sysring_bench
#
# Usage: bench/run.sh [BINARY] [extra benchmark flags...]
#   BINARY        default build/bench/sysring_bench
#   BENCH_OUT     JSON output path (default: sysring_bench.json next to the binary)
#   BENCH_REPS    repetitions (default 10); ratios use the medians of these repetitions
# The machine is shared: check `uptime` first, and run twice to see the spread.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${1:-build/bench/sysring_bench}"
if [[ $# -gt 0 ]]; then shift; fi
if [[ ! -x "$bin" ]]; then
  echo "run.sh: no benchmark binary at '$bin' (build the sysring_bench target first)" >&2
  exit 2
fi
out="${BENCH_OUT:-$(dirname "$bin")/sysring_bench.json}"
reps="${BENCH_REPS:-10}"

# The large server's fixture tree for BM_LargeServer* and BM_LargeReadFamily* (generated once).
large="${SYSRING_LARGE_FIXTURE:-$(dirname "$bin")/large_server_fixture}"
if [[ ! -f "$large/sysringd.conf" ]]; then
  python3 "$here/../scripts/large_server_fixture.py" "$large" >/dev/null
fi
export SYSRING_LARGE_FIXTURE="$large"

echo "load: $(uptime)"
"$bin" \
  --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true \
  --benchmark_format=json \
  --benchmark_out_format=json \
  --benchmark_out="$out" \
  "$@" >/dev/null
echo "results: $out"
python3 "$here/report.py" "$out"
