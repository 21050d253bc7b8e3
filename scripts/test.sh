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

echo "== clang ThreadSanitizer (seqlock, ring, bulk reads)"
CC=clang CXX=clang++ "$root/scripts/build.sh" "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSYSRING_SANITIZE=thread -DSYSRING_BUILD_BENCH=OFF
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$root/build-tsan" --output-on-failure \
  -R "^(seqlock_test|ring_test|read_many_test)\."
