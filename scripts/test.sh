#!/usr/bin/env bash
# Builds and runs the whole test suite: a normal build, then ASan+UBSan, then clang TSan over
# the concurrency tests (gcc's TSan misses seqlock races). Exit status: non-zero on any failure.
# Usage: scripts/test.sh [--quick]      (--quick: the normal build only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=${1:-}
jobs=$(nproc)

"$root/scripts/bootstrap.sh"

echo "== build and test (RelWithDebInfo)"
"$root/scripts/build.sh" "$root/build" -DSYSRING_BUILD_TESTS=ON
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

if [[ $quick == --quick ]]; then exit 0; fi

echo "== ASan + UBSan"
"$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug \
  -DSYSRING_SANITIZE=address,undefined -DSYSRING_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -LE bench

echo "== chaos soak (2 minutes)"
# The broker killed, stopped and starved under 36 clients and an exporter (docs/SOAK.md); uses
# build/'s binaries.
"$root/scripts/soak.sh" 2

echo "== clang ThreadSanitizer (latch, seqlock, ring, bulk reads, instance churn)"
# Only the concurrency suites: TSan replaces operator new, which the allocation-counting
# sources test replaces too.
tsan_tests=(seqlock_test latch_test ring_test read_many_test instance_churn_stress_test)
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-tsan" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYSRING_SANITIZE=thread -DSYSRING_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-tsan" --parallel "$jobs" --target "${tsan_tests[@]}"
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$root/build-tsan" --output-on-failure \
  -R "^($(IFS='|'; echo "${tsan_tests[*]}"))\."

echo "== cross build aarch64-macos"
# Compiles the broker, client library and tools for macOS on Apple silicon and links the darwin
# smoke binary (scripts/cross_darwin.sh says what is left out and why).
"$root/scripts/cross_darwin.sh"

echo "== fuzz (5 s per target)"
# Every libFuzzer target (fuzz/, docs/FUZZING.md) for a short fixed budget on a clang ASan+UBSan
# build in build-fuzz/: a crash, leak, timeout or memory blow-up fails the stage, and its input is
# left in fuzz/regressions/<target>/ to commit with the fix.
"$root/scripts/fuzz.sh" 5
