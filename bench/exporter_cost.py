#!/usr/bin/env python3
"""CPU, RSS and bytes per scrape: sysring-exporter against Debian's prometheus-node-exporter,
both on this machine in the same run, scraped by the same client (gzip).

Each round: both exporters are scraped once a second for --seconds (the two scrapes of a second
back to back, their order alternating), then in a burst of --burst scrapes each, back to back.
The client keeps one connection open to each exporter, as Prometheus does.
CPU is each process's time on CPU from /proc/PID/task/*/schedstat (ns, every thread; the
exporters keep their threads), divided by the scrapes of the phase; sysring-exporter's includes
the renders its cache makes once per broker tick. RSS is VmRSS at the end of the round. The
broker's own CPU is reported apart: it runs whether or not anyone scrapes.

Usage: bench/exporter_cost.py --build build-bench [--seconds 30] [--burst 300] [--rounds 3]
"""
import argparse
import gzip
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def cpu_ns(pid):
    total = 0
    for task in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{task}/schedstat') as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that just exited
    return total


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class Scraper:
    """One keep-alive connection per exporter, as Prometheus keeps one per target."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.conn = None

    def __call__(self):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request('GET', self.path, headers={'Accept-Encoding': 'gzip'})
                response = self.conn.getresponse()
                return parse_body(response.read())
            except (http.client.HTTPException, OSError):
                self.conn = None  # the server closed an idle connection: open a new one
                if attempt:
                    raise
        return None


def parse_body(body):
    text = gzip.decompress(body).decode()
    series = sum(1 for line in text.splitlines() if line and not line.startswith('#'))
    return len(body), len(text), series


def wait_http(url, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f'exporter_cost: {url} did not answer')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build-bench')
    ap.add_argument('--seconds', type=int, default=30)
    ap.add_argument('--burst', type=int, default=300)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--json', help='write the figures here too')
    args = ap.parse_args()

    node_bin = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
    if node_bin is None:
        sys.exit('exporter_cost: prometheus-node-exporter is not installed (scripts/bootstrap.sh)')
    sysringd = os.path.join(args.build, 'broker/sysringd')
    exporter = os.path.join(args.build, 'tools/sysring-exporter/sysring-exporter')
    segment = f'/sysring-cost{os.getpid() % 100000}'
    tmp = tempfile.mkdtemp(prefix='exporter-cost-')
    procs = []

    def start(argv):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        procs.append(p)
        return p

    try:
        broker = start([sysringd, '-f', '--segment', segment])
        time.sleep(1.5)
        ours_port, node_port = free_port(), free_port()
        ours = start([exporter, '--segment', segment, '--web.listen-address',
                      f'127.0.0.1:{ours_port}'])
        node = start([node_bin, f'--web.listen-address=127.0.0.1:{node_port}'])
        urls = {'sysring-exporter': f'http://127.0.0.1:{ours_port}/metrics',
                'node_exporter': f'http://127.0.0.1:{node_port}/metrics'}
        pids = {'sysring-exporter': ours.pid, 'node_exporter': node.pid}
        for url in urls.values():
            wait_http(url)
        scrapers = {n: Scraper(u) for n, u in urls.items()}
        # Warm: first scrapes allocate, build plans, start goroutines; sysring-exporter learns
        # which families change (its first dozen renders).
        for _ in range(15):
            for scrape in scrapers.values():
                scrape()
            time.sleep(1)

        rounds = []
        for r in range(args.rounds):
            names = list(urls)
            steady = {n: 0 for n in names}
            burst = {n: 0 for n in names}
            sizes = {}
            broker_before = cpu_ns(broker.pid)
            start_cpu = {n: cpu_ns(pids[n]) for n in names}
            t0 = time.monotonic()
            for i in range(args.seconds):
                order = names if i % 2 == 0 else names[::-1]
                for n in order:
                    sizes[n] = scrapers[n]()
                next_second = t0 + i + 1
                time.sleep(max(0.0, next_second - time.monotonic()))
            for n in names:
                steady[n] = (cpu_ns(pids[n]) - start_cpu[n]) / args.seconds
            broker_cpu = (cpu_ns(broker.pid) - broker_before) / (time.monotonic() - t0)
            for n in names:
                before = cpu_ns(pids[n])
                for _ in range(args.burst):
                    scrapers[n]()
                burst[n] = (cpu_ns(pids[n]) - before) / args.burst
            rss = {n: rss_kib(pids[n]) for n in names}
            rounds.append({'steady_ns': steady, 'burst_ns': burst, 'rss_kib': rss,
                           'sizes': sizes, 'broker_cpu_share': broker_cpu / 1e9})
            print(f'round {r + 1}: ' + ', '.join(
                f'{n} {steady[n] / 1e6:.3f} ms/scrape (burst {burst[n] / 1e6:.3f}), '
                f'RSS {rss[n] / 1024:.1f} MiB' for n in names), flush=True)

        def median(key, name):
            return statistics.median(rnd[key][name] for rnd in rounds)

        ours_n, node_n = 'sysring-exporter', 'node_exporter'
        report = {}
        print(f'\n{"":26}{"sysring-exporter":>18}{"node_exporter":>16}{"ratio":>10}')
        for key, label, scale, unit in [('steady_ns', 'CPU/scrape, 1 per second', 1e6, 'ms'),
                                        ('burst_ns', 'CPU/scrape, burst', 1e6, 'ms'),
                                        ('rss_kib', 'RSS', 1024, 'MiB')]:
            a, b = median(key, ours_n), median(key, node_n)
            report[key] = {'sysring_exporter': a, 'node_exporter': b, 'ratio': a / b}
            print(f'{label:26}{a / scale:>15.3f} {unit}{b / scale:>13.3f} {unit}{a / b:>10.4f}')
        last = rounds[-1]['sizes']
        for i, label in enumerate(['gzip bytes', 'text bytes', 'series']):
            a, b = last[ours_n][i], last[node_n][i]
            print(f'{label:26}{a:>18}{b:>16}{a / b:>10.3f}')
        report['sizes'] = last
        report['broker_cpu_share'] = statistics.median(r['broker_cpu_share'] for r in rounds)
        print(f'broker CPU meanwhile: {100 * report["broker_cpu_share"]:.3f} % of a core '
              '(it ticks whether or not anyone scrapes)')
        if args.json:
            with open(args.json, 'w') as f:
                json.dump({'rounds': rounds, 'median': report}, f, indent=1)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.unlink('/dev/shm' + segment)
        except FileNotFoundError:
            pass


if __name__ == '__main__':
    main()
