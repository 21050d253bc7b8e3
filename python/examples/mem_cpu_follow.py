#!/usr/bin/env python3
"""Prints memory and per-CPU values, then follows the ring for 3 batches.

usage: mem_cpu_follow.py [SEGMENT]   (default /sysring; libsysring from SYSRING_LIBRARY or the
loader's path)"""
import itertools
import sys

import sysring


def main():
    segment = sys.argv[1] if len(sys.argv) > 1 else "/sysring"
    try:
        client = sysring.Client(segment)
    except sysring.SysringError as e:
        print(f"sysring: {e}", file=sys.stderr)
        return 1
    with client:
        print(f"broker {client.health()}; counters: {client.counters_summary or '-'}")
        for name in ("mem.total", "mem.available", "load.avg1", "kern.hostname"):
            m = client.metric(name)
            print(f"{name:16} {client.read(name)} {m.unit}")
        user = client.read_family("cpu.time.user")
        for cpu, ticks in sorted(user.items()):
            print(f"cpu.time.user{{cpu=\"{user.labels[cpu]['cpu']}\"}} {ticks}")
        for batch in itertools.islice(client.follow(poll_interval=0.05, idle_timeout=10), 3):
            kind = "snapshot" if batch.full_snapshot else "batch"
            print(f"{kind} position {batch.position} tick {batch.tick}: "
                  f"{len(batch.deltas)} values, {len(batch.events)} instance events")
            for d in batch.deltas[:3]:
                print(f"  {d.name}{'{' + d.instance + '}' if d.instance else ''} = {d.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
