#!/usr/bin/env bash
# What sysringd.service gives the broker, rebuilt without systemd as PID 1 (this machine has
# none): an IPC namespace (PrivateIPC=yes); a mount namespace (PrivateMounts=yes) with a private
# /tmp bound from a directory of the host's /tmp (PrivateTmp=yes), a private tmpfs /dev holding
# a bind of the host's /dev/shm (PrivateDevices=yes, as systemd's mount_private_dev builds it),
# and every other mount remounted read-only but /dev, /proc, /sys and the private /tmp
# (ProtectSystem=strict, which covers ProtectHome=read-only's /home, /root and /run/user; as
# systemd's bind_remount_recursive does it, mount by mount); an unprivileged user with
# CAP_PERFMON as its only ambient and bounding capability; no_new_privs. Then: / must be
# read-only for statvfs inside (the remount took), the segment must appear in this (the host's)
# /dev/shm, an unprivileged client here must read it, the counters must be counted, and the
# filesystem values of every mount the broker publishes must be the host's: fs.readonly and
# fs.size_bytes against statvfs here (read-only remounts keep the sizes; fs.readonly comes from
# the host's mount table, not from the sandbox's statvfs, which says read-only for all). The same
# run without CAP_PERFMON must lose the counters, which shows the capability is what grants them.
# And the exporter, sandboxed as its unit has it, serves it.
#   service_sandbox_test.sh SYSRINGD SYSRING_CLI SYSRING_EXPORTER
set -euo pipefail
sysringd=$1 cli=$2 exporter=$3
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: rebuilding the sandbox (unshare, mount, setpriv) needs root"
  exit 77
fi
user=65534  # nobody: an unprivileged uid, as the sysring user is
segment=/pkgsb-$$
log=$(mktemp)
private_tmp=$(mktemp -d)  # on the host's /tmp, as systemd's /tmp/systemd-private-*/tmp is
chmod 1777 "$private_tmp"
# The build may itself live under /tmp (a CI clone), which the private /tmp hides: the broker
# runs from a copy inside the private /tmp, where the sandbox sees it as /tmp/sysringd.
cp "$sysringd" "$private_tmp/sysringd"
# The client and the exporter run as other users on the host: copies they can reach whatever the
# build directory's permissions.
cp "$cli" "$private_tmp/sysring" && cli=$private_tmp/sysring
cp "$exporter" "$private_tmp/sysring-exporter" && exporter=$private_tmp/sysring-exporter
trap 'rm -f "$log" "/dev/shm$segment"; rm -rf "$private_tmp"' EXIT

# ProtectSystem=strict, inside the sandbox: every mount point of the namespace (escapes
# decoded) remounted read-only, one by one, but the API filesystems and the private /tmp. Then
# statvfs("/") there must say ST_RDONLY, or the rest of the test proves nothing.
# shellcheck disable=SC2016  # python, not shell
protect_system_strict='
import os, re, subprocess, sys
points = []
for line in open("/proc/self/mountinfo"):
    point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
    if point not in points and point != "/tmp" and not re.match(r"/(dev|proc|sys)(/|$)", point):
        points.append(point)
for point in points:
    subprocess.run(["mount", "-o", "remount,bind,ro", point], check=True)
if not os.statvfs("/").f_flag & os.ST_RDONLY:
    sys.exit("sandbox: / is still writable after the read-only remounts")
print(f"sandbox: {len(points)} mounts read-only, / among them (statvfs ST_RDONLY)")
'

run_broker() {  # $1: the capabilities the broker keeps (setpriv syntax)
  # shellcheck disable=SC2016  # expanded by the inner shell
  timeout 60 unshare --ipc --mount --propagation slave -- sh -c '
    set -e
    mount --bind "$5" /tmp
    dev=$(mktemp -d /tmp/dev.XXXXXX)
    mount -t tmpfs -o mode=755,nosuid tmpfs "$dev"
    mkdir "$dev/shm" && mount --bind /dev/shm "$dev/shm"
    touch "$dev/null" && mount --bind /dev/null "$dev/null"
    mount --move "$dev" /dev
    cd /  # the caller'"'"'s directory may be under the hidden /tmp
    python3 -c "$6"
    exec setpriv --reuid="$1" --regid="$1" --clear-groups --no-new-privs \
      --inh-caps="$2" --ambient-caps="$2" --bounding-set="$2" \
      "$3" --foreground --segment "$4" --tick-ms 100 --max-ticks 60' \
    sh "$user" "$1" /tmp/sysringd "$segment" "$private_tmp" "$protect_system_strict" >"$log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do
    [[ -e /dev/shm$segment ]] && return 0
    sleep 0.05
  done
  echo "FAIL: no /dev/shm$segment in the host's /dev/shm"
  cat "$log"
  return 1
}

# A client in the host's namespaces, as the same unprivileged user (a client trusts a segment
# of its own uid, as it trusts the sysring user's).
client() { timeout 20 setpriv --reuid=$user --regid=$user --clear-groups "$cli" --segment "$segment" "$@"; }

status=0
run_broker -all,+perfmon
if [[ $(stat -c %u "/dev/shm$segment") != "$user" ]]; then
  echo "FAIL: the segment is not owned by the broker's user"
  status=1
fi
sleep 0.5  # a few ticks: the statfs worker's first round
if ! grep -q '^sandbox: .* read-only, / among them' "$log"; then
  echo "FAIL: the sandbox's mounts were not remounted read-only"
  status=1
fi
if ! json=$(client get fs.readonly fs.size_bytes load.avg1 --json 2>&1); then
  printf 'FAIL: the client could not read the segment:\n%s\n' "$json"
  status=1
else
  # Every published mount against statvfs here, in the host's namespace; "/" must be one.
  if ! python3 -c 'import json, os, sys
seen = {}
for m in json.loads(sys.argv[1])["metrics"]:
    if m["name"] in ("fs.readonly", "fs.size_bytes") and m.get("status") == "ok":
        seen.setdefault(m["labels"]["mountpoint"], {})[m["name"]] = m["value"]
bad = "/" not in seen
for point, v in sorted(seen.items()):
    s = os.statvfs(point)
    host = {"fs.readonly": int(bool(s.f_flag & os.ST_RDONLY)), "fs.size_bytes": s.f_blocks * s.f_frsize}
    bad |= v != host
    print(point, "readonly, size: host", *host.values(), "| sandboxed broker",
          v.get("fs.readonly"), v.get("fs.size_bytes"), "" if v == host else "<- differs")
sys.exit(1 if bad else 0)' "$json"; then
    echo "FAIL: the sandboxed broker's filesystems differ from the host's (or / is missing)"
    status=1
  fi
fi

# sysring-exporter.service's view: another unprivileged uid (as a DynamicUser is), no
# capabilities, its own IPC namespace and private /dev holding the host's /dev/shm. It must map
# the broker's segment and serve it (SYSRING_BROKER_USER names the broker's user, as the
# sysring user is trusted by name in the package).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# shellcheck disable=SC2016  # expanded by the inner shell
timeout 30 unshare --ipc --mount --propagation slave -- sh -c '
  set -e
  dev=$(mktemp -d /tmp/dev.XXXXXX)
  mount -t tmpfs -o mode=755,nosuid tmpfs "$dev"
  mkdir "$dev/shm" && mount --bind /dev/shm "$dev/shm"
  touch "$dev/null" && mount --bind /dev/null "$dev/null"
  mount --move "$dev" /dev
  exec setpriv --reuid=61234 --regid=61234 --clear-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all env SYSRING_BROKER_USER=nobody \
    "$1" --segment "$2" --web.listen-address="127.0.0.1:$3"' sh "$exporter" "$segment" "$port" \
  >"$log.exporter" 2>&1 &
exporter_pid=$!
up=
for _ in $(seq 50); do
  up=$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | grep '^sysring_broker_up ' || true)
  [[ -n $up ]] && break
  sleep 0.1
done
kill "$exporter_pid" 2>/dev/null || true
wait "$exporter_pid" || true
echo "sandboxed exporter: ${up:-no answer}"
if [[ $up != "sysring_broker_up 1" ]]; then
  echo "FAIL: the sandboxed exporter did not serve the broker's segment"
  cat "$log.exporter"
  status=1
fi
rm -f "$log.exporter"

wait "$broker" || { echo "FAIL: the sandboxed broker exited non-zero"; status=1; }
cat "$log"
if ! grep -q "counters: perf_event:.* events on [0-9]* CPUs" "$log"; then
  echo "FAIL: the broker with CAP_PERFMON did not count"
  status=1
fi

# The control: the same sandbox without CAP_PERFMON.
run_broker -all
wait "$broker" || true
if grep -q "counters: perf_event:.* events on [0-9]* CPUs" "$log"; then
  if [[ $(cat /proc/sys/kernel/perf_event_paranoid) -ge 1 ]]; then
    echo "FAIL: counted system-wide without CAP_PERFMON at perf_event_paranoid >= 1"
    status=1
  fi
else
  echo "without CAP_PERFMON: $(grep -m1 -i "perf_event" "$log" || echo "no counters")"
fi
exit $status
