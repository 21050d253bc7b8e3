#!/usr/bin/env bash
# Formatting check (clang-format), then clang-tidy and cppcheck over the project's own sources.
# Usage: scripts/lint.sh [--format-only]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')

echo "== clang-format"
clang-format --dry-run --Werror "${files[@]}"
if [[ ${1:-} == --format-only ]]; then exit 0; fi

build=$root/build
[[ -f $build/compile_commands.json ]] || "$root/scripts/build.sh" "$build"
mapfile -t sources < <(git ls-files 'broker/*.cpp' 'client-lib/*.cpp' 'tools/*.cpp')

echo "== clang-tidy"
clang-tidy -p "$build" --quiet "${sources[@]}" 2>/dev/null | grep -E "warning:|error:" && exit 1

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
  --inline-suppr --std=c++20 --suppress=missingIncludeSystem \
  -I include -I client-lib -I broker "${sources[@]}"
echo "lint: clean"
