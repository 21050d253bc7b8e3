#!/usr/bin/env python3
"""Runs a sysring binary under strace and fails when it makes a system call that the unit's
SystemCallFilter= would refuse (the filter as systemd builds it: the first line sets an
allow-list, later '~' lines remove from it, later plain lines add to it; groups expanded with
`systemd-analyze syscall-filter`).

  unit_syscalls.py UNIT broker BROKER_BINARY
  unit_syscalls.py UNIT exporter EXPORTER_BINARY BROKER_BINARY
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TIMEOUT = 60


def filter_groups():
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True,
                         check=True, timeout=TIMEOUT).stdout
    groups, current = {}, None
    for line in out.splitlines():
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        if line.startswith(" "):
            groups[current].append(item)
        else:
            current = item
            groups[current] = []
    return groups


def expand(names, groups):
    calls = set()
    for name in names:
        calls |= expand(groups[name], groups) if name.startswith("@") else {name}
    return calls


def allowed_calls(unit_path, groups):
    allowed = None
    for line in open(unit_path, encoding="utf-8"):
        m = re.match(r"\s*SystemCallFilter=(.*)$", line)
        if not m:
            continue
        value = m.group(1).strip()
        deny = value.startswith("~")
        names = expand(value.lstrip("~").split(), groups)
        if allowed is None:
            if deny:
                sys.exit(f"{unit_path}: a deny-list filter; this check handles allow-lists only")
            allowed = set()
        allowed = allowed - names if deny else allowed | names
    if allowed is None:
        sys.exit(f"{unit_path}: no SystemCallFilter=")
    return allowed


def strace_command(summary):
    # -f: every thread; -c: a table of calls, whose last column (the name) is what we parse.
    return ["strace", "-f", "-qq", "-c", "-o", summary]


def used_calls(summary):
    calls = set()
    for line in open(summary, encoding="utf-8"):
        fields = line.split()
        if not fields or fields[0].startswith("-") or fields[0] in ("%", "100.00") or fields[-1] == "total":
            continue
        calls.add(fields[-1])
    return calls


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_broker(broker, summary):
    segment = f"/pkgsys-{os.getpid()}"
    # The request server's calls too (accept4, SO_PEERCRED, recvmsg, sendmsg): one datagram on
    # its socket, answered with an error reply (docs/PROCESS_COUNTERS.md).
    request_socket = os.path.join(os.path.dirname(summary), "requests.sock")
    cmd = strace_command(summary) + [broker, "--foreground", "--segment", segment,
                                     "--tick-ms", "100", "--max-ticks", "30",
                                     "--request-socket", request_socket]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(request_socket):
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("the broker did not create its request socket")
            time.sleep(0.05)
        time.sleep(0.5)  # serving, under its own seccomp filter
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(10)
            s.connect(request_socket)
            s.send(b"not a request")
            s.recv(4096)
        if proc.wait(timeout=TIMEOUT) != 0:
            sys.exit(f"the broker exited with status {proc.returncode}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_exporter(exporter, broker, summary):
    segment = f"/pkgsys-{os.getpid()}"
    broker_proc = subprocess.Popen([broker, "--foreground", "--segment", segment,
                                    "--tick-ms", "100"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists("/dev/shm" + segment):
            if time.monotonic() > deadline or broker_proc.poll() is not None:
                sys.exit("the broker did not publish its segment")
            time.sleep(0.05)
        port = free_port()
        traced = subprocess.Popen(strace_command(summary) + [
            exporter, "--segment", segment, f"--web.listen-address=127.0.0.1:{port}"])
        try:
            body = None
            while body is None:
                if time.monotonic() > deadline or traced.poll() is not None:
                    sys.exit("the exporter did not answer")
                try:
                    for encoding in ("identity", "gzip"):
                        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                                     headers={"Accept-Encoding": encoding})
                        body = urllib.request.urlopen(req, timeout=5).read()
                except OSError:
                    time.sleep(0.1)
            # Its reply when the broker goes away and comes back is part of its job too.
            broker_proc.send_signal(signal.SIGTERM)
            broker_proc.wait(timeout=20)
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        finally:
            # SIGTERM the exporter itself (strace's child), so strace writes its summary.
            try:
                with open(f"/proc/{traced.pid}/task/{traced.pid}/children") as f:
                    children = f.read().split()
            except OSError:  # strace already gone
                children = []
            for child in children:
                os.kill(int(child), signal.SIGTERM)
            traced.wait(timeout=20)
    finally:
        if broker_proc.poll() is None:
            broker_proc.send_signal(signal.SIGTERM)
            broker_proc.wait(timeout=20)


def main():
    unit, kind = sys.argv[1], sys.argv[2]
    for tool in ("strace", "systemd-analyze"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
            sys.exit(f"FAIL: {tool} is not installed (scripts/bootstrap.sh)")
    groups = filter_groups()
    allowed = allowed_calls(unit, groups)
    with tempfile.TemporaryDirectory() as tmp:
        summary = os.path.join(tmp, "strace.txt")
        if kind == "broker":
            run_broker(sys.argv[3], summary)
        else:
            run_exporter(sys.argv[3], sys.argv[4], summary)
        used = used_calls(summary)
    if len(used) < 10:
        sys.exit(f"only {len(used)} calls parsed from strace's summary: format changed?")
    refused = sorted(used - allowed)
    print(f"{os.path.basename(unit)}: {len(used)} distinct calls made, {len(allowed)} allowed")
    if refused:
        print("calls the unit's SystemCallFilter= would refuse: " + " ".join(refused))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
