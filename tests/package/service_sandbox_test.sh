#!/usr/bin/env bash
# What sysringd.service gives the broker, rebuilt without systemd as PID 1 (this machine has
# none): an IPC namespace (PrivateIPC=yes), a mount namespace whose / is read-only
# (ProtectSystem=strict; /dev/shm is its own mount and stays writable), an unprivileged user
# with CAP_PERFMON as its only ambient and bounding capability, no_new_privs. The segment must
# appear in this (the host's) /dev/shm, an unprivileged client here must read it, and the
# counters must be counted. The same run without CAP_PERFMON must lose the counters, which
# shows the capability is what grants them.
#   service_sandbox_test.sh SYSRINGD SYSRING_CLI
set -euo pipefail
sysringd=$1 cli=$2
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: rebuilding the sandbox (unshare, mount, setpriv) needs root"
  exit 77
fi
user=65534  # nobody: an unprivileged uid, as the sysring user is
segment=/pkgsb-$$
log=$(mktemp)
trap 'rm -f "$log"; rm -f "/dev/shm$segment"' EXIT

run_broker() {  # $1: the capabilities the broker keeps (setpriv syntax)
  timeout 60 unshare --ipc --mount --propagation slave -- sh -c '
    mount -o remount,bind,ro / || exit 90
    exec setpriv --reuid="$1" --regid="$1" --clear-groups --no-new-privs \
      --inh-caps="$2" --ambient-caps="$2" --bounding-set="$2" \
      "$3" --foreground --segment "$4" --tick-ms 100 --max-ticks 60' \
    sh "$user" "$1" "$sysringd" "$segment" >"$log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do
    [[ -e /dev/shm$segment ]] && return 0
    sleep 0.05
  done
  echo "FAIL: no /dev/shm$segment in the host's /dev/shm"
  cat "$log"
  return 1
}

status=0
run_broker -all,+perfmon
if [[ $(stat -c %u "/dev/shm$segment") != "$user" ]]; then
  echo "FAIL: the segment is not owned by the broker's user"
  status=1
fi
# A client in the host's namespaces, as the same unprivileged user (a client trusts a segment
# of its own uid, as it trusts the sysring user's).
if ! out=$(timeout 20 setpriv --reuid=$user --regid=$user --clear-groups "$cli" --segment "$segment" \
  get load.avg1 2>&1); then
  printf 'FAIL: the client could not read the segment:\n%s\n' "$out"
  status=1
else
  echo "client: $(tail -n 1 <<<"$out")"
fi
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
