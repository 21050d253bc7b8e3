#!/usr/bin/env bash
# The chaos soak (docs/SOAK.md): a broker killed, stopped and starved while 32 readers, 4 ring
# followers and an exporter use it and its instances churn. Builds what it needs with
# scripts/build.sh, then runs tests/soak/soak.py in private network and mount namespaces, so
# its veth pairs, tmpfs mounts and sysfs never touch the host. Exit status: 0 when every
# assertion held.
# Usage: scripts/soak.sh MINUTES
#   SYSRING_SOAK_BUILD=DIR   use that build directory (default build/)
#   SYSRING_SOAK_NO_BUILD=1  use it as it is (its sysringd, sysring-exporter and soak_reader)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
minutes=${1:-}
if [[ ! $minutes =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: scripts/soak.sh MINUTES" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  # Like the other root-only tests (hotplug, veth, privilege drop): skipped, and said so.
  echo "soak: SKIPPED: needs root (network and mount namespaces, veth pairs, tmpfs mounts)"
  exit 0
fi
build=${SYSRING_SOAK_BUILD:-$root/build}

if [[ -z ${SYSRING_SOAK_NO_BUILD:-} ]]; then
  "$root/scripts/build.sh" "$build" -DSYSRING_BUILD_TESTS=ON
fi

work=$(mktemp -d /tmp/sysring-soak.XXXXXX)
# The namespaces end with their last process; what lives outside them (the work directory and
# the segment name under /dev/shm) is removed here, whatever happened.
cleanup() {
  rm -rf "$work"
  rm -f "/dev/shm/sysring-soak-$$"
}
trap cleanup EXIT

# In the background, so that a SIGTERM or Ctrl-C here reaches it at once (bash runs a trap only
# after its foreground command ends); soak.py then stops and removes everything it started.
unshare --net --mount --propagation private -- \
  python3 "$root/tests/soak/soak.py" --build-dir "$build" --minutes "$minutes" \
  --workdir "$work/run" --segment "/sysring-soak-$$" --summary "$build/soak-summary.json" &
soak=$!
trap 'kill -TERM "$soak" 2>/dev/null; wait "$soak"; exit 130' INT TERM
wait "$soak"
