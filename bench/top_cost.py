#!/usr/bin/env python3
"""What `sysring top` costs: its CPU time per second and per refresh against a live broker.

`sysring top` runs under a pseudo-terminal (so it draws the full-screen view: raw keys,
alternate screen, colours, one write per frame) for --seconds, after a warm-up of two ticks
that is not counted (start-up: exec, loader, opening the segment). CPU is the process's time on
CPU from /proc/PID/schedstat (ns, its only thread), read at both ends of the window; refreshes
are the frames it wrote in the window (each begins with cursor-home, ESC [ H), read from the
pty master. With --pipe it runs with stdout a pipe instead and counts plain blocks.

The broker is started on a private segment (--tick-ms, default 1000), or an existing one is
used with --segment. Its own CPU is not counted: it runs whether or not anyone watches.

Usage: bench/top_cost.py --build build-top [--seconds 60] [--tick-ms 1000] [--pipe]
       [--columns 120 --rows 40] [--segment /sysring]
"""
import argparse
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


def cpu_ns(pid):
    with open(f'/proc/{pid}/schedstat') as f:
        return int(f.read().split()[0])


def start_broker(build, segment, tick_ms):
    proc = subprocess.Popen([os.path.join(build, 'broker/sysringd'), '--foreground', '--segment',
                             segment, '--tick-ms', str(tick_ms)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists('/dev/shm' + segment):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            sys.exit(f'sysringd did not publish {segment}')
        time.sleep(0.05)
    time.sleep(2 * tick_ms / 1000)
    return proc


def run(args, segment, tick_s):
    cli = os.path.join(args.build, 'tools/sysring/sysring')
    argv = [cli, '--segment', segment, 'top']
    if args.pipe:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        reader, marker = proc.stdout.fileno(), b'sysring top  '
    else:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', args.rows, args.columns, 0, 0))
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                start_new_session=True, env=dict(os.environ, TERM='xterm'))
        os.close(slave)
        reader, marker = master, b'\x1b[H'

    window = bytearray()  # what it wrote inside the measured window

    def pump(until, keep):
        """Reads its output until `until` (it must never block on a full pty)."""
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            if select.select([reader], [], [], left)[0]:
                try:
                    chunk = os.read(reader, 1 << 16)
                except OSError:
                    chunk = b''
                if not chunk:
                    sys.exit('sysring top stopped early')
                if keep:
                    window.extend(chunk)

    try:
        pump(time.monotonic() + 2 * tick_s + 0.5, keep=False)  # warm-up, not counted
        start_cpu, start = cpu_ns(proc.pid), time.monotonic()
        pump(start + args.seconds, keep=True)
        end_cpu, end = cpu_ns(proc.pid), time.monotonic()
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        if not args.pipe:
            os.close(master)
    refreshes = bytes(window).count(marker)
    seconds = end - start
    cpu_s = (end_cpu - start_cpu) / 1e9
    return seconds, cpu_s, refreshes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--build', default='build-top')
    parser.add_argument('--seconds', type=float, default=60)
    parser.add_argument('--tick-ms', type=int, default=1000)
    parser.add_argument('--segment', help='an existing broker\'s segment (default: start one)')
    parser.add_argument('--pipe', action='store_true', help='stdout a pipe: plain blocks')
    parser.add_argument('--columns', type=int, default=120)
    parser.add_argument('--rows', type=int, default=40)
    args = parser.parse_args()

    broker = None
    segment = args.segment
    if segment is None:
        segment = f'/sysring-topcost-{os.getpid()}'
        broker = start_broker(args.build, segment, args.tick_ms)
    try:
        tick_s = args.tick_ms / 1000
        seconds, cpu_s, refreshes = run(args, segment, tick_s)
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=5)
    mode = 'pipe (plain blocks)' if args.pipe else f'pty {args.columns}x{args.rows}'
    print(f'sysring top, {mode}, broker tick {args.tick_ms} ms, {seconds:.1f} s measured')
    print(f'refreshes:          {refreshes} ({refreshes / seconds:.2f}/s)')
    print(f'CPU:                {cpu_s * 1e3:.2f} ms in {seconds:.1f} s')
    print(f'CPU per second:     {cpu_s / seconds * 1e6:.0f} us/s = {cpu_s / seconds * 100:.4f} % '
          'of a core')
    if refreshes:
        print(f'CPU per refresh:    {cpu_s / refreshes * 1e6:.0f} us')
    budget = 0.1
    verdict = 'within' if cpu_s / seconds * 100 <= budget else 'OVER'
    print(f'budget:             {budget} % of a core: {verdict}')


if __name__ == '__main__':
    main()
