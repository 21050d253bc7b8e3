#!/usr/bin/env python3
"""`sysring stat` against `perf stat` on the same command (issue 15): what counting through the
broker costs a whole run, next to what perf's own counting costs.

A fixed workload (default: a shell loop of 100000 iterations, no syscalls in the loop, the same
page faults every run) is run --runs times in each of three ways, interleaved round by round
(the order rotates each round, so that drift on a shared machine hits all three alike):

  bare     CMD
  sysring  sysring -s SEG stat --request-socket SOCK --json -e EVENTS -- CMD
  perf     perf stat -x, -e EVENTS -- CMD

Wall time is measured here, around each whole process (start-up, the request to the broker, the
command, the report): the medians of each, the overhead of each tool over the bare command
(median tool - median bare, and the median over rounds of tool - bare of the same round) and the
ratios. Counts: the medians of what each tool reports
(sysring's --json on stderr, perf's CSV on stderr). The broker counts user mode only by default
(`kernel = no`), where perf run as root counts kernel mode too: page-faults taken in the kernel
(execve, copy_to_user) appear in perf's count only.

A broker is started on a private segment and socket (in a temporary directory) and stopped at
the end; everything is bounded: --runs rounds, each run killed after --timeout seconds.
Needs root (the broker opening counters; perf stat), or run it with --user to count as that user
(both tools, through setpriv; perf then needs perf_event_paranoid <= 2).

Usage: bench/stat_vs_perf.py --build build-bench [--runs 30] [--loop 100000]
       [--events task-clock,page-faults] [--user nobody] [--json OUT]
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def start_broker(sysringd, directory, segment, socket):
    log = open(os.path.join(directory, "sysringd.log"), "w+")
    proc = subprocess.Popen([sysringd, "--foreground", "--segment", segment, "--tick-ms", "1000",
                             "--log-level", "warn", "--request-socket", socket],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while not (os.path.exists(socket) and os.path.exists("/dev/shm" + segment)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            sys.exit("stat_vs_perf: sysringd did not start: " + log.read()[:500])
        time.sleep(0.05)
    time.sleep(1.2)  # the segment goes LIVE after its first tick
    return proc, log


def stop_broker(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def timed(argv, timeout):
    t0 = time.perf_counter_ns()
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=timeout)
    wall_ms = (time.perf_counter_ns() - t0) / 1e6
    if result.returncode != 0:
        sys.exit(f"stat_vs_perf: {' '.join(argv)} exited {result.returncode}: "
                 f"{result.stderr.strip()[:500]}")
    return wall_ms, result.stderr


def parse_sysring(stderr, events):
    report = json.loads(stderr.strip().splitlines()[-1])
    counts = {}
    for e in report["events"]:
        if e["event"] in events and e.get("supported") and e.get("counted"):
            v = e["value"]
            counts[e["event"]] = v / 1e6 if e.get("unit") == "ns" else v  # clocks: ms, as perf
    missing = set(events) - set(counts)
    if missing:
        sys.exit(f"stat_vs_perf: sysring stat did not count {sorted(missing)}: {stderr[:500]}")
    return counts


def parse_perf(stderr, events):
    counts = {}
    for line in stderr.splitlines():
        fields = line.split(",")
        if len(fields) >= 3:
            name = fields[2].split(":")[0]
            if name in events:
                try:
                    counts[name] = float(fields[0])  # task-clock: msec
                except ValueError:
                    pass
    missing = set(events) - set(counts)
    if missing:
        sys.exit(f"stat_vs_perf: perf stat did not count {sorted(missing)}: {stderr[:500]}")
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="build tree (broker/sysringd, "
                        "tools/sysring/sysring)")
    parser.add_argument("--runs", type=int, default=30, help="rounds (one run of each per round)")
    parser.add_argument("--loop", type=int, default=100000, help="iterations of the shell loop")
    parser.add_argument("--events", default="task-clock,page-faults")
    parser.add_argument("--user", help="run the three as this user (setpriv)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per run")
    parser.add_argument("--json", help="also write the samples and medians here")
    args = parser.parse_args()
    if not 1 <= args.runs <= 10000:
        sys.exit("stat_vs_perf: --runs must be 1..10000")

    sysringd = os.path.join(args.build, "broker/sysringd")
    cli = os.path.join(args.build, "tools/sysring/sysring")
    for path in (sysringd, cli):
        if not os.access(path, os.X_OK):
            sys.exit(f"stat_vs_perf: no executable {path} (build sysringd and sysring_cli)")
    for tool in ("perf",) + (("setpriv",) if args.user else ()):
        if shutil.which(tool) is None:
            sys.exit(f"stat_vs_perf: needs {tool}")
    events = args.events.split(",")

    directory = tempfile.mkdtemp(prefix="sysring-statbench-")
    os.chmod(directory, 0o755)
    segment = f"/sr-statbench-{os.getpid()}"
    socket = os.path.join(directory, "requests.sock")
    if args.user:  # a copy the user may execute whatever the build tree's permissions
        shutil.copy(cli, os.path.join(directory, "sysring"))
        cli = os.path.join(directory, "sysring")
        os.chmod(cli, 0o755)
    prefix = (["setpriv", f"--reuid={args.user}", f"--regid={pwd.getpwnam(args.user).pw_gid}",
               "--clear-groups"] if args.user else [])
    command = ["sh", "-c", f"i=0; while [ $i -lt {args.loop} ]; do i=$((i+1)); done"]
    argv = {
        "bare": prefix + command,
        "sysring": prefix + [cli, "-s", segment, "stat", "--request-socket", socket, "--json",
                             "-e", args.events, "--"] + command,
        "perf": prefix + ["perf", "stat", "-x,", "-e", args.events, "--"] + command,
    }
    broker, log = start_broker(sysringd, directory, segment, socket)
    walls = {k: [] for k in argv}
    counts = {"sysring": {e: [] for e in events}, "perf": {e: [] for e in events}}
    try:
        print(f"load: {os.getloadavg()}; {args.runs} rounds of {' '.join(command)}",
              file=sys.stderr)
        for name in argv:  # one warm-up run each (page cache, the broker's first request)
            timed(argv[name], args.timeout)
        order = list(argv)
        for r in range(args.runs):
            for name in order[r % 3:] + order[:r % 3]:
                wall, stderr = timed(argv[name], args.timeout)
                walls[name].append(wall)
                if name == "sysring":
                    parsed = parse_sysring(stderr, events)
                elif name == "perf":
                    parsed = parse_perf(stderr, events)
                else:
                    continue
                for e in events:
                    counts[name][e].append(parsed[e])
    finally:
        stop_broker(broker)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in walls.items()}
    print(f"wall time, median of {args.runs} runs each (ms)")
    for name in argv:
        spread = f"[{min(walls[name]):.1f} .. {max(walls[name]):.1f}]"
        over = "" if name == "bare" else f"  overhead over bare {med[name] - med['bare']:+.2f} ms"
        print(f"  {name:<8} {med[name]:9.2f} {spread:>20}{over}")
    print(f"  ratio sysring / perf (wall):           {med['sysring'] / med['perf']:.3f}x")
    # Paired: each tool's run against the bare run of the same round (drift cancels out).
    paired = {name: statistics.median(t - b for t, b in zip(walls[name], walls["bare"]))
              for name in ("sysring", "perf")}
    print(f"  overhead over bare, median of the {args.runs} paired differences: "
          f"sysring {paired['sysring']:+.2f} ms, perf {paired['perf']:+.2f} ms")
    if paired["perf"] > 0 and paired["sysring"] > 0:
        print(f"  ratio of paired overheads sysring / perf: "
              f"{paired['sysring'] / paired['perf']:.2f}x")
    else:
        print("  ratio of paired overheads: n/a (an overhead within the noise, <= 0)")
    print("counts, median (task-clock in ms)")
    for e in events:
        s, p = statistics.median(counts["sysring"][e]), statistics.median(counts["perf"][e])
        print(f"  {e:<14} sysring {s:12.3f}   perf {p:12.3f}   ratio {s / p if p else 0:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "command": command, "events": events,
                       "wall_ms": walls, "counts": counts, "median_wall_ms": med,
                       "paired_overhead_ms": paired}, f, indent=1)


if __name__ == "__main__":
    main()
