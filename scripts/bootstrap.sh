#!/usr/bin/env bash
# Installs the Debian packages sysring builds with, only when one is missing (idempotent).
set -euo pipefail

packages=(
  build-essential cmake ninja-build python3
  libboost-dev libboost-program-options-dev
  flatbuffers-compiler libflatbuffers-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-dev
  lld  # sysringd is linked with its hot code laid out together (broker/hot_text.order)
  libpfm4-dev
  libcap-dev  # sysringd --user: drops to its user keeping only CAP_PERFMON
  libseccomp-dev  # sysringd's in-process seccomp allow-list (broker/sandbox/)
  iproute2  # `ip link`: the veth pair of the real-machine instance test
  zlib1g-dev libdeflate-dev  # sysring-exporter's gzip: zlib for the cached chunks, libdeflate for the tail
  # The exporter's tests and benchmark run these binaries directly (never as services):
  # promtool and a Prometheus server, and Debian's node_exporter to compare with.
  prometheus prometheus-node-exporter
  python3-pytest python3-venv python3-pip python3-setuptools python3-wheel  # python/: its pytest suite, offline `pip install` into a venv
  pkg-config groff-base man-db  # tests/install: the C consumer through pkg-config; man pages checked by groff and lexgrog
  lintian dpkg-dev shellcheck strace  # tests/package: the .deb (dpkg-shlibdeps; cpack sets owners itself, no fakeroot), lintian, maintainer scripts, the services' system calls
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
