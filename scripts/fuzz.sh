#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, leak detection on) in build-fuzz/ and
# runs each one for SECONDS on a working corpus under build-fuzz/fuzz-corpus/, seeded from
# fuzz/corpus/ and fuzz/regressions/. A crash, leak, timeout or out-of-memory input is copied
# into fuzz/regressions/<target>/ (commit it: the fuzz-replay ctests then run it in every build)
# and makes the script exit non-zero once every target has run. docs/FUZZING.md says more.
#
# Usage: scripts/fuzz.sh [SECONDS] [--only NAME[,NAME...]] [--jobs N] [--build DIR]
#   SECONDS   per target (default 60)
#   --only    the targets to run, by name without _fuzz (default: every fuzz/targets/*_fuzz.cpp)
#   --jobs    targets run at once (default 1)
# Environment: FUZZ_TIMEOUT_S per-input timeout (default 10), FUZZ_RSS_MB memory limit (2048).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
only=""
jobs=1
build="$root/build-fuzz"
while [[ $# -gt 0 ]]; do
  case $1 in
    --only) only=${2:?--only needs a name}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *[!0-9]*|"") echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) seconds=$1; shift ;;
  esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs wants a positive number" >&2; exit 2; }
input_timeout=${FUZZ_TIMEOUT_S:-10}
rss_mb=${FUZZ_RSS_MB:-2048}

if [[ -n $only ]]; then
  IFS=, read -r -a targets <<<"$only"
else
  targets=()
  for f in "$root"/fuzz/targets/*_fuzz.cpp; do
    name=$(basename "$f" _fuzz.cpp)
    targets+=("$name")
  done
fi
for t in "${targets[@]}"; do
  [[ -f $root/fuzz/targets/${t}_fuzz.cpp ]] || { echo "fuzz.sh: no target '$t'" >&2; exit 2; }
done

"$root/scripts/bootstrap.sh"
# -O1 -gline-tables-only as OSS-Fuzz builds: quick to compile, symbolized stacks, and asserts on.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DSYSRING_BUILD_FUZZ=ON -DSYSRING_SANITIZE=address,undefined -DSYSRING_BUILD_TESTS=OFF \
  -DSYSRING_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/%/_fuzz}"

results="$build/fuzz-results"
rm -rf "$results"
mkdir -p "$results"

# Runs one target; writes its summary line to $results/<name>.summary and, on a finding, copies
# the artifacts into fuzz/regressions/<name>/ and writes $results/<name>.failed.
run_target() {
  local name=$1
  local work="$build/fuzz-corpus/$name" artifacts="$build/fuzz-artifacts/$name"
  local log="$results/$name.log" rc=0
  mkdir -p "$work" "$artifacts"
  rm -f "$artifacts"/*
  local seeds=("$root/fuzz/corpus/$name")
  [[ -d $root/fuzz/regressions/$name ]] && seeds+=("$root/fuzz/regressions/$name")
  # The working corpus comes first: new inputs go there, never into the repository.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    timeout --signal=KILL $((seconds + 300)) \
    "$build/fuzz/${name}_fuzz" -max_total_time="$seconds" -timeout="$input_timeout" \
      -rss_limit_mb="$rss_mb" -detect_leaks=1 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  local pid_shm
  for pid_shm in /dev/shm/sysring-fuzz-*; do  # objects of a target that crashed
    [[ -e $pid_shm ]] && ! kill -0 "${pid_shm##*-}" 2>/dev/null && rm -f "$pid_shm"
  done
  local execs rate cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(find "$work" -type f | wc -l)
  local verdict=ok
  if [[ $rc -ne 0 ]]; then
    verdict="FAILED (exit $rc)"
    mkdir -p "$root/fuzz/regressions/$name"
    local a
    for a in "$artifacts"/*; do
      [[ -e $a ]] || continue
      cp "$a" "$root/fuzz/regressions/$name/"
      verdict+=" kept fuzz/regressions/$name/$(basename "$a")"
    done
    touch "$results/$name.failed"
  fi
  printf '%-18s execs %-11s exec/s %-8s cov %-6s ft %-6s corpus %-6s %s\n' "$name" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$verdict" >"$results/$name.summary"
  cat "$results/$name.summary"
  if [[ $rc -ne 0 ]]; then
    echo "---- $name: the end of its log ($log)"
    grep -v '^#[0-9]' "$log" | tail -40
  fi
}

echo "== fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

echo "== fuzz summary (${seconds}s per target)"
failed=0
for t in "${targets[@]}"; do
  cat "$results/$t.summary"
  [[ -e $results/$t.failed ]] && failed=1
done
if ((failed)); then
  echo "fuzz.sh: findings above; their inputs are in fuzz/regressions/ (commit them with the fix)" >&2
  exit 1
fi
