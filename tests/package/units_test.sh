#!/usr/bin/env bash
# systemd-analyze verify on both units (clean: any output fails), and their exposure scores
# from `systemd-analyze security --offline=yes` against ceilings set from what they scored when
# written (sysringd 1.7 with ProtectSystem=strict and ProtectHome=read-only, sysring-exporter
# 1.2; ceiling = that + 0.5).
#   units_test.sh UNIT_DIR SYSRINGD SYSRING_EXPORTER
set -euo pipefail
unit_dir=$(realpath "$1") sysringd=$(realpath "$2") exporter=$(realpath "$3")
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is not installed"; exit 1; }
declare -A ceiling=([sysringd]=2.2 [sysring-exporter]=1.7)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify checks that ExecStart's binary exists and is executable: the units' /usr paths are not
# installed here, so verify copies whose ExecStart names the binaries just built (only that path
# changes; the rest of each unit is byte for byte the packaged one).
sed "s#^ExecStart=/usr/sbin/sysringd #ExecStart=$sysringd #" \
  "$unit_dir/sysringd.service" >"$work/sysringd.service"
sed "s#^ExecStart=/usr/bin/sysring-exporter\$#ExecStart=$exporter#" \
  "$unit_dir/sysring-exporter.service" >"$work/sysring-exporter.service"
for unit in sysringd sysring-exporter; do
  if cmp -s "$unit_dir/$unit.service" "$work/$unit.service"; then
    echo "FAIL: ExecStart of $unit.service was not rewritten (did its path change?)"
    exit 1
  fi
done

# verify also looks up each Documentation=man: page with man(1): the pages the package installs
# (packaging/man/), found through MANPATH since they are not installed here.
mkdir -p "$work/man/man1" "$work/man/man8"
cp "$unit_dir/../man/"*.1 "$work/man/man1/"
cp "$unit_dir/../man/"*.8 "$work/man/man8/"
export MANPATH=$work/man

cd "$work"
status=0
# The broker statfs()es the host's mount points from its own mount namespace. Read-only
# remounts keep each mount's superblock (the sizes are the host's) and fs.readonly comes from
# the host's mount table, so ProtectSystem=strict and ProtectHome=read-only are wanted
# (service_sandbox_test.sh rebuilds them). An option that hides a path or puts something else
# over it would publish the stand-in's sizes for that mount: refused.
if grep -nE '^(ProtectHome=(yes|true|on|1|tmpfs)|InaccessiblePaths=|TemporaryFileSystem=|BindPaths=|BindReadOnlyPaths=)' \
  "$unit_dir/sysringd.service"; then
  echo "FAIL: sysringd.service hides paths or mounts over them (above): fs.* values would be the sandbox's"
  status=1
fi
for want in ProtectSystem=strict ProtectHome=read-only; do
  if ! grep -qx "$want" "$unit_dir/sysringd.service"; then
    echo "FAIL: sysringd.service has no $want"
    status=1
  fi
done
# Both at once: the exporter's Wants=/After= name sysringd.service, found beside it.
if ! out=$(timeout 60 systemd-analyze verify ./sysringd.service ./sysring-exporter.service 2>&1); then
  echo "FAIL: systemd-analyze verify exited non-zero"
  status=1
fi
if [[ -n $out ]]; then
  printf 'FAIL: systemd-analyze verify said:\n%s\n' "$out"
  status=1
else
  echo "systemd-analyze verify: clean"
fi

for unit in sysringd sysring-exporter; do
  out=$(timeout 60 systemd-analyze security --offline=yes "./$unit.service" 2>&1) || true
  score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' <<<"$out")
  if [[ -z $score ]]; then
    printf 'FAIL: no exposure score for %s:\n%s\n' "$unit" "$out"
    status=1
    continue
  fi
  echo "exposure $unit.service: $score (ceiling ${ceiling[$unit]})"
  if awk -v s="$score" -v c="${ceiling[$unit]}" 'BEGIN { exit !(s > c) }'; then
    echo "FAIL: $unit.service exposure $score is above ${ceiling[$unit]}; what it still allows:"
    grep '✗' <<<"$out" || true
    status=1
  fi
done
exit $status
