#!/usr/bin/env python3
"""The chaos soak (issue 14; docs/SOAK.md). Run by scripts/soak.sh inside private network and
mount namespaces (`unshare --net --mount`): the veth pairs and tmpfs mounts it makes and the
sysfs it remounts never touch the host, and they vanish with the namespace.

One sysringd reads a tree whose /proc/stat and CPU sysfs are a fixture (CPUs 2 and 3 go offline
and come back; every value names its CPU, field and the fixture's write counter) and whose other
files are the namespace's own (veth pairs come and go, tmpfs mounts come and go). 32 readers and
4 ring followers (tests/soak/soak_reader) check every value; an exporter is scraped all along.
For the first two thirds the broker is killed (SIGKILL) and restarted every few seconds; all
along it is stopped (SIGSTOP) for a few ticks and starved by two CPU hogs at times. The last
third has no kills: the broker's RSS and descriptors are sampled each second after a warm-up.

Exit 0 when every assertion holds, 1 with one line per failed assertion, 2 on bad usage.
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CPUS = 4  # the fixture's possible CPUs; 0 and 1 stay online
CHURNED_CPUS = (2, 3)
VETHS = 3  # svJa/svJb pairs, J < VETHS
MOUNTS = 3  # tmpfs soak-mJ, J < MOUNTS
STAT_BYTES = 4096
RSS_DRIFT_LIMIT_KIB = 64
NOTICE_WINDOW_TICKS = 30  # a change later than this is not an answer to that kill or stop
# glibc's malloc keeps freed memory and grows its heaps by 128 KiB pads, thresholds that move
# with use and an arena per thread: the broker's RSS then moves by ~100-200 KiB steps with the
# instance set, at random times, leak or not. With one arena, no pad, a fixed mmap threshold and
# every free trimmed, its RSS follows its live heap page by page, so a 64 KiB drift means growth.
BROKER_ENV = dict(os.environ, GLIBC_TUNABLES='glibc.malloc.arena_max=1:glibc.malloc.top_pad=0:'
                  'glibc.malloc.trim_threshold=0:glibc.malloc.mmap_threshold=65536')


def now_ns():
    return time.monotonic_ns()  # CLOCK_MONOTONIC, the clock of the broker and the clients


def set_parent_death_signal():
    """Children die with the soak, even if it is killed with SIGKILL."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def cpu_line(cpu, counter):
    fields = [(1000 + 10 * cpu + f) * 10**8 + counter for f in range(10)]
    return f'cpu{cpu} ' + ' '.join(str(v) for v in fields)


class Fixture:
    """The broker's --proc-root and --sys-root: fixture CPUs, the namespace for the rest."""

    def __init__(self, work):
        self.proc = os.path.join(work, 'proc')
        self.sys = os.path.join(work, 'sys')
        self.mnt = os.path.join(work, 'mnt')
        os.makedirs(self.proc)
        os.makedirs(self.mnt)
        for name in os.listdir('/proc'):
            if not name.isdigit() and name not in ('stat', 'self', 'thread-self'):
                os.symlink('/proc/' + name, os.path.join(self.proc, name))
        # <proc>/1/mountinfo: the broker's own mount table, the namespace's.
        os.symlink('/proc/self', os.path.join(self.proc, '1'))
        self.link_all_but('/sys', self.sys, 'devices')
        self.link_all_but('/sys/devices', os.path.join(self.sys, 'devices'), 'system')
        cpu_dir = os.path.join(self.sys, 'devices/system/cpu')
        self.link_all_but('/sys/devices/system', os.path.join(self.sys, 'devices/system'), 'cpu')
        os.makedirs(cpu_dir)
        for name, text in (('possible', f'0-{CPUS - 1}\n'), ('online', f'0-{CPUS - 1}\n')):
            with open(os.path.join(cpu_dir, name), 'w') as f:
                f.write(text)
        for cpu in range(CPUS):
            topology = os.path.join(cpu_dir, f'cpu{cpu}', 'topology')
            os.makedirs(topology)
            for name, value in (('core_id', cpu), ('physical_package_id', 0)):
                with open(os.path.join(topology, name), 'w') as f:
                    f.write(f'{value}\n')
        self.counter = 0
        self.online = set(range(CPUS))
        self.stat_fd = os.open(os.path.join(self.proc, 'stat'), os.O_CREAT | os.O_RDWR, 0o644)
        self.write_stat()

    @staticmethod
    def link_all_but(real, fake, keep):
        os.makedirs(fake, exist_ok=True)
        for name in os.listdir(real):
            if name != keep:
                os.symlink(os.path.join(real, name), os.path.join(fake, name))

    def write_stat(self):
        """One pwrite of a fixed-size file (the broker keeps it open); the caller makes sure
        the broker is not reading it (stopped or not running)."""
        self.counter += 1
        k = self.counter
        lines = [f'cpu  {k} 0 {k} {k} 0 0 0 0 0 0']
        lines += [cpu_line(cpu, k) for cpu in sorted(self.online)]
        lines += ['intr 1000 0', f'ctxt {5000 + k}', 'btime 1700000000', f'processes {300 + k}',
                  'procs_running 1', 'procs_blocked 0']
        text = '\n'.join(lines) + '\n'
        text = text + ' ' * (STAT_BYTES - 1 - len(text)) + '\n'
        os.pwrite(self.stat_fd, text.encode(), 0)


class Broker:
    """sysringd generations: started, killed, stopped; all calls from the chaos thread."""

    def __init__(self, args, fixture, segment, log_path):
        self.argv = [os.path.join(args.build_dir, 'broker/sysringd'), '--foreground',
                     '--segment', segment, '--tick-ms', str(args.tick_ms),
                     '--proc-root', fixture.proc, '--sys-root', fixture.sys, '--no-counters',
                     '--ring-slots', str(args.ring_slots), '--log-level', 'warn']
        self.log = open(log_path, 'a')
        self.proc = None
        self.stopped = False
        self.generations = []  # {pid, started_ns, ended_ns, how}
        self.failures = []  # one line each: refused restarts, unexpected exits

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=self.log, env=BROKER_ENV,
                                     stdin=subprocess.DEVNULL, preexec_fn=set_parent_death_signal)
        self.stopped = False
        self.generations.append({'pid': self.proc.pid, 'started_ns': now_ns(), 'ended_ns': None,
                                 'how': None, 'stopped': False})

    def check_alive(self):
        """An exit we did not cause is a failure (a refusal to start, a crash, SIGSYS)."""
        if self.proc is None or self.proc.poll() is None:
            return True
        code = self.proc.returncode
        what = f'signal {-code}' if code < 0 else f'exit {code}'
        self.failures.append(f'broker pid {self.proc.pid} ended by itself ({what}); see '
                             f'{self.log.name}')
        self.generations[-1].update(ended_ns=now_ns(), how='died')
        self.proc = None
        return False

    def kill(self):
        if not self.check_alive():
            return None
        # Timed on both sides of the signal. at_ns, once sent, is what the clients' notice time
        # is measured from: a soak thread descheduled before the call would otherwise charge
        # the broker's clients with its own delay. sent_ns, before it, is where the window for
        # their answer opens: a thread descheduled after the call (the GIL, a loaded machine)
        # takes at_ns late, and clients that saw the broker gone meanwhile did answer this kill.
        sent_ns = now_ns()
        self.proc.send_signal(signal.SIGKILL)
        event = {'kind': 'kill', 'pid': self.proc.pid, 'sent_ns': sent_ns, 'at_ns': now_ns()}
        self.proc.wait()
        self.generations[-1].update(ended_ns=now_ns(), how='SIGKILL')
        self.proc = None
        return event

    def all_tasks_stopped(self):
        for stat in glob.glob(f'/proc/{self.proc.pid}/task/*/stat'):
            try:
                with open(stat) as f:
                    state = f.read().rsplit(')', 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ('T', 't'):
                return False
        return True

    def pause(self):
        """SIGSTOP and wait until every thread is stopped: none is inside a read then."""
        self.proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 1
        while not self.all_tasks_stopped() and time.monotonic() < deadline:
            time.sleep(0.0005)

    def stop_term(self):
        if self.proc is None:
            return None
        if self.stopped:
            self.proc.send_signal(signal.SIGCONT)
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.generations[-1].update(ended_ns=now_ns(), how='SIGTERM')
        self.proc = None
        return code


class Soak:
    def __init__(self, args):
        self.args = args
        self.tick_ns = args.tick_ms * 10**6
        self.work = args.workdir
        os.makedirs(self.work, exist_ok=True)
        self.segment = args.segment
        self.fixture = Fixture(self.work)
        self.broker = Broker(args, self.fixture, self.segment, os.path.join(self.work,
                                                                             'sysringd.log'))
        self.lock = threading.Lock()  # the fixture's online set, between churn and chaos
        self.done = threading.Event()
        self.events = []  # kills and stops, with the broker pid and time
        self.clients = []  # (name, Popen, summary path)
        self.exporter = None
        self.hogs = []
        self.scrapes = {'ok': 0, 'failed': 0, 'up': 0, 'down': 0, 'errors': {}}
        self.churn = {'veth_added': 0, 'veth_removed': 0, 'mounted': 0, 'unmounted': 0,
                      'cpu_offline': 0, 'cpu_online': 0, 'errors': []}
        self.samples = []  # (seconds into the steady phase, rss KiB, fds)
        # RSS and descriptors follow the instances (a veth's sysfs files stay open while it
        # lives): they are compared at the same instances, churn paused for a few seconds at the
        # end of the warm-up and at the end, with the warm-up's instances restored.
        self.quiet = threading.Event()
        self.churn_lock = threading.Lock()
        self.reference = None  # (rss KiB, fds, churn state) at the end of the warm-up
        self.final = None  # (rss KiB, fds) at the end
        self.seccomp = None
        self.failures = []
        total = args.minutes * 60
        steady = max(60.0, total / 3)
        self.start = time.monotonic()
        self.start_ns = now_ns()
        self.end = self.start + total
        self.steady_from = self.end - steady
        self.warmup = min(60.0, steady / 2)

    # ---- processes ----
    def popen(self, argv, log_name):
        log = open(os.path.join(self.work, log_name), 'w')
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=set_parent_death_signal)
        log.close()
        return proc

    def start_clients(self):
        reader = os.path.join(self.args.build_dir, 'tests/soak/soak_reader')
        backstop = str(self.args.minutes * 60 + 60)
        # Batches come about once a second (the fixture CPUs' TTL): a pause of a second and a
        # half per slot gets a follower lapped.
        lap_pause = self.args.ring_slots * 1500
        for i in range(self.args.readers + self.args.followers):
            mode = 'reader' if i < self.args.readers else 'follower'
            out = os.path.join(self.work, f'{mode}-{i}.json')
            argv = [reader, '--mode', mode, '--segment', self.segment, '--out', out,
                    '--seconds', backstop, '--period-ms', '10']
            if mode == 'follower':
                argv += ['--lap-every-s', '12', '--lap-pause-ms', str(lap_pause)]
            self.clients.append((f'{mode}-{i}', self.popen(argv, f'{mode}-{i}.log'), out))

    def start_exporter(self):
        self.port = 19000 + os.getpid() % 1000
        self.exporter = self.popen(
            [os.path.join(self.args.build_dir, 'tools/sysring-exporter/sysring-exporter'),
             '--segment', self.segment, '--web.listen-address', f'127.0.0.1:{self.port}',
             '--log-level', 'warn'], 'exporter.log')

    # ---- threads ----
    def scraper(self):
        url = f'http://127.0.0.1:{self.port}/metrics'
        time.sleep(1)  # the exporter binds its port
        while not self.done.wait(0.25):
            try:
                with urllib.request.urlopen(url, timeout=3) as r:
                    body = r.read().decode()
                    self.scrapes['ok'] += 1
                    up = [line for line in body.splitlines()
                          if line.startswith('sysring_broker_up ')]
                    self.scrapes['up' if up and up[0].endswith(' 1') else 'down'] += 1
            except (urllib.error.URLError, ConnectionError, OSError) as e:
                self.scrapes['failed'] += 1
                kind = type(e).__name__
                self.scrapes['errors'][kind] = self.scrapes['errors'].get(kind, 0) + 1

    def churner(self):
        rng = random.Random(1)
        while not self.done.wait(self.churn_period()):
            if self.quiet.is_set():
                continue
            what = rng.choice(('veth', 'mount', 'cpu'))
            j = rng.randrange(VETHS if what == 'veth' else MOUNTS if what == 'mount' else 2)
            try:
                with self.churn_lock:
                    self.churn_one(what, j)
            except subprocess.CalledProcessError as e:
                self.churn['errors'].append(f'{" ".join(e.cmd)}: {e.stderr.decode().strip()}')

    def churn_period(self):
        """Five times faster during the warm-up: the broker's heap meets many instance sets
        (and reaches its high-water mark) before the reference sample."""
        t = time.monotonic() - self.steady_from
        return 0.12 if 3 <= t < self.warmup - 3 else 0.6

    def churn_one(self, what, j):
        if what == 'veth':
            self.toggle_veth(j)
        elif what == 'mount':
            self.toggle_mount(j)
        else:
            with self.lock:
                cpu = CHURNED_CPUS[j]
                if cpu in self.fixture.online:
                    self.fixture.online.discard(cpu)
                    self.churn['cpu_offline'] += 1
                else:
                    self.fixture.online.add(cpu)
                    self.churn['cpu_online'] += 1

    def churn_state(self):
        with self.lock:
            online = frozenset(self.fixture.online)
        veths = frozenset(j for j in range(VETHS) if os.path.exists(f'/sys/class/net/sv{j}a'))
        mounts = frozenset(j for j in range(MOUNTS) if os.path.ismount(
            os.path.join(self.fixture.mnt, f'soak-m{j}')))
        return online, veths, mounts

    def restore(self, state):
        online, veths, mounts = state
        with self.churn_lock:
            for j in range(VETHS):
                if (j in veths) != os.path.exists(f'/sys/class/net/sv{j}a'):
                    self.toggle_veth(j)
            for j in range(MOUNTS):
                if (j in mounts) != os.path.ismount(os.path.join(self.fixture.mnt,
                                                                 f'soak-m{j}')):
                    self.toggle_mount(j)
            with self.lock:
                self.fixture.online = set(online)

    def toggle_veth(self, j):
        if os.path.exists(f'/sys/class/net/sv{j}a'):
            run(['ip', 'link', 'del', f'sv{j}a'])
            self.churn['veth_removed'] += 1
        else:
            run(['ip', 'link', 'add', f'sv{j}a', 'mtu', str(1280 + 10 * j), 'type', 'veth',
                 'peer', 'name', f'sv{j}b', 'mtu', str(1281 + 10 * j)])
            self.churn['veth_added'] += 1

    def toggle_mount(self, j):
        path = os.path.join(self.fixture.mnt, f'soak-m{j}')
        os.makedirs(path, exist_ok=True)
        if os.path.ismount(path):
            run(['umount', path])
            self.churn['unmounted'] += 1
        else:
            run(['mount', '-t', 'tmpfs', '-o', f'size={(j + 1) * 4}m,nr_inodes={1000 + j}',
                 'tmpfs', path])
            self.churn['mounted'] += 1

    def hogger(self):
        while not self.done.wait(8):
            if self.hogs:
                for h in self.hogs:
                    h.kill()
                    h.wait()
                self.hogs = []
            else:
                self.hogs = [subprocess.Popen([sys.executable, '-c', 'while True: pass'],
                                              preexec_fn=set_parent_death_signal)
                             for _ in range(2)]

    def write_fixture(self):
        with self.lock:
            if self.broker.proc is not None and not self.broker.stopped:
                self.broker.pause()
                self.fixture.write_stat()
                self.broker.proc.send_signal(signal.SIGCONT)
            else:
                self.fixture.write_stat()

    def sample_broker(self):
        pid = self.broker.pid
        if pid is None:
            return None
        try:
            with open(f'/proc/{pid}/status') as f:
                status = dict(line.split(':', 1) for line in f if ':' in line)
            fds = len(os.listdir(f'/proc/{pid}/fd'))
        except OSError:
            return None
        kib = lambda key: int(status.get(key, '0 kB').split()[0])
        rss = kib('VmRSS')
        self.seccomp = status.get('Seccomp', '?').strip()
        self.samples.append((round(time.monotonic() - self.steady_from, 1), rss, fds,
                             kib('RssAnon'), kib('RssFile'), kib('RssShmem')))
        return rss, fds

    def chaos(self):
        """Kills, restarts, stops and fixture writes: everything that touches the broker."""
        rng = random.Random(2)
        t = time.monotonic()
        next_write, next_kill = t, t + rng.uniform(3, 6)
        next_stop, next_sample = t + rng.uniform(4, 8), self.steady_from
        stop_until, stop_event = None, None
        reference_at = self.steady_from + self.warmup
        restore_at = self.end - 4
        high_water_until = None
        while time.monotonic() < self.end and not self.done.is_set():
            t = time.monotonic()
            if high_water_until is None and t >= self.steady_from:
                # The warm-up begins with every instance at once: the broker's tables reach
                # their high-water mark (a one-time step of its heap) before the reference.
                self.quiet.set()
                self.restore((frozenset(range(CPUS)), frozenset(range(VETHS)),
                              frozenset(range(MOUNTS))))
                high_water_until = t + 3
            elif (self.reference is None and high_water_until is not None and
                  high_water_until < t < reference_at - 3):
                self.quiet.clear()
            elif self.reference is None and high_water_until is not None and t >= reference_at - 3:
                self.quiet.set()
                if t >= reference_at:
                    sample = self.sample_broker()
                    if sample:
                        self.reference = sample + (self.churn_state(),)
                    self.quiet.clear()
            elif self.reference is not None and t >= restore_at and not self.quiet.is_set():
                self.quiet.set()
                self.restore(self.reference[2])
            if stop_until is None and not self.broker.check_alive():
                self.broker.start()  # died by itself: counted as a failure, started again
            if t >= next_write:
                self.write_fixture()
                next_write = t + 0.5
            if stop_until is not None and t >= stop_until:
                self.broker.proc.send_signal(signal.SIGCONT)
                self.broker.stopped = False
                stop_event['cont_ns'] = now_ns()
                stop_until = None
            elif (stop_until is None and t >= next_stop and self.broker.proc is not None and
                  t + 3 < self.end and
                  now_ns() - self.broker.generations[-1]['started_ns'] > 3e9):
                ticks = rng.randint(8, 12)
                with self.lock:
                    sent_ns = now_ns()  # see Broker.kill
                    self.broker.proc.send_signal(signal.SIGSTOP)
                    self.broker.stopped = True
                    self.broker.generations[-1]['stopped'] = True
                stop_event = {'kind': 'stop', 'pid': self.broker.pid, 'sent_ns': sent_ns,
                              'at_ns': now_ns(), 'ticks': ticks}
                self.events.append(stop_event)
                stop_until = t + ticks * self.args.tick_ms / 1000
                next_stop = stop_until + rng.uniform(6, 10)
            if t < self.steady_from and t >= next_kill and stop_until is None:
                with self.lock:
                    event = self.broker.kill()
                if event:
                    self.events.append(event)
                time.sleep(rng.uniform(0, 2) * self.args.tick_ms / 1000)
                self.broker.start()
                next_kill = time.monotonic() + rng.uniform(2.5, 5)
            if t >= next_sample:
                self.sample_broker()
                next_sample += 1
            time.sleep(0.02)
        if stop_until is not None:
            self.broker.proc.send_signal(signal.SIGCONT)
            self.broker.stopped = False
            stop_event['cont_ns'] = now_ns()
        if self.quiet.is_set():
            self.final = self.sample_broker()

    # ---- the run ----
    def run(self):
        self.start_exporter()
        self.broker.start()
        self.start_clients()
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (self.scraper, self.churner, self.hogger)]
        for th in threads:
            th.start()
        try:
            self.chaos()
        finally:
            self.done.set()
            for th in threads:
                th.join(10)
            for h in self.hogs:
                h.kill()
                h.wait()
        self.finish_clients()
        code = self.broker.stop_term()
        if code != 0:
            self.failures.append(f'broker did not stop cleanly on SIGTERM (exit {code})')
        self.exporter.send_signal(signal.SIGTERM)
        try:
            code = self.exporter.wait(10)
        except subprocess.TimeoutExpired:
            self.exporter.kill()
            code = 'hung'
        if code != 0:
            self.failures.append(f'exporter ended with {code} on SIGTERM')

    def finish_clients(self):
        for _, proc, _ in self.clients:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, proc, _ in self.clients:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self.failures.append(f'{name} did not stop within 20 s of SIGTERM')

    def cleanup(self):
        """Everything this run made; the namespaces go with the process."""
        self.done.set()
        for h in self.hogs:
            h.kill()
        for p in [self.broker.proc, self.exporter] + [c[1] for c in self.clients]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        for j in range(MOUNTS):
            path = os.path.join(self.fixture.mnt, f'soak-m{j}')
            if os.path.ismount(path):
                subprocess.run(['umount', '-l', path], check=False)
        for j in range(VETHS):
            subprocess.run(['ip', 'link', 'del', f'sv{j}a'], check=False,
                           stderr=subprocess.DEVNULL)
        try:
            os.unlink('/dev/shm' + self.segment)
        except OSError:
            pass


def notice_ticks(soak, summaries):
    """For each kill and stop, and each client attached to that broker: for how many ticks
    after the signal Client::health() still said alive (its last alive answer; the client's own
    scheduling delay before its next check is not the library's), and when the client saw it.
    A change answers the signal if the health() call that saw it returned after the soak began
    to send it (sent_ns) and within NOTICE_WINDOW_TICKS of the time it was sent for sure (at_ns).
    Returns ({'kill': [ticks...], 'stop': [...]}, the same for the client's view, misses, and
    how many answers the bookkeeping before 2026-12-03 would have missed: it took each change's
    time at the start of the check and opened the window at at_ns)."""
    ticks = {'kill': [], 'stop': []}
    seen_ticks = {'kill': [], 'stop': []}
    missed = []
    old_rule_misses = 0
    for name, s in summaries.items():
        attached = {}
        for a in s['attaches']:
            if a['first_read_ns']:
                attached.setdefault(a['pid'], a['first_read_ns'])
        for e in soak.events:
            if e['kind'] == 'stop' and e['cont_ns'] - e['at_ns'] < 5 * soak.tick_ns:
                continue  # cut short at the end: too short to be seen stale for sure
            since = attached.get(e['pid'])
            if since is None or since > e['at_ns']:
                continue  # not attached to that broker yet: nothing to notice
            window_end = e['at_ns'] + NOTICE_WINDOW_TICKS * soak.tick_ns
            changes = [c for c in s['health_changes'] if c[0] == e['pid'] and c[1] != 'alive']
            seen = [(at, before) for _, _, at, before, _ in changes
                    if e['sent_ns'] <= at <= window_end]
            if not seen:
                missed.append(f'{name} never saw broker pid {e["pid"]} {e["kind"]}ped')
                continue
            if not any(e['at_ns'] <= start <= window_end for _, _, _, _, start in changes):
                old_rule_misses += 1
            at, before = min(seen)
            ticks[e['kind']].append(max(0, before - e['at_ns']) / soak.tick_ns)
            seen_ticks[e['kind']].append(max(0, at - e['at_ns']) / soak.tick_ns)
    return ticks, seen_ticks, missed, old_rule_misses


def reattach_times(soak, summaries):
    """ms from a new segment's start to each client's first ok read from it, and the broker
    generations a client never read from (those that lived at least 3 s; none is stopped
    before it is 3 s old)."""
    times, missing = [], []
    lived = [g for g in soak.broker.generations
             if (g['ended_ns'] or now_ns()) - g['started_ns'] >= 3e9]
    for name, s in summaries.items():
        pids = {a['pid'] for a in s['attaches'] if a['first_read_ns']}
        times += [(a['first_read_ns'] - a['segment_start_ns']) / 1e6 for a in s['attaches']
                  if a['reattach'] and a['first_read_ns']]
        for g in lived:
            if g['pid'] not in pids:
                missing.append(f'{name} never read from broker pid {g["pid"]}')
    return times, missing


def analyse(soak):
    """The summary and one line per failed assertion."""
    fails = list(soak.failures) + list(soak.broker.failures)
    summaries, crashes = {}, []
    for name, proc, out in soak.clients:
        if proc.returncode != 0:
            how = (f'signal {-proc.returncode}' if proc.returncode < 0
                   else f'exit {proc.returncode}')
            crashes.append(f'{name} ended with {how}')
            continue
        try:
            with open(out) as f:
                summaries[name] = json.load(f)
        except (OSError, ValueError) as e:
            crashes.append(f'{name} left no summary ({e})')
    fails += crashes
    total = lambda key: sum(s[key] for s in summaries.values())
    followers = [s['follower'] for s in summaries.values() if 'follower' in s]
    notice, seen_notice, missed, old_rule_misses = notice_ticks(soak, summaries)
    reattach, never = reattach_times(soak, summaries)
    kills = [e for e in soak.events if e['kind'] == 'kill']
    stops = [e for e in soak.events if e['kind'] == 'stop']
    steady = [s for s in soak.samples if s[0] >= soak.warmup]
    ref, final = soak.reference, soak.final
    result = {
        'minutes': soak.args.minutes, 'tick_ms': soak.args.tick_ms,
        'readers': soak.args.readers, 'followers': soak.args.followers,
        'reads': total('reads'), 'torn': total('torn'), 'wrong_instance':
            total('wrong_instance'), 'backwards': total('backwards'),
        'client_crashes': len(crashes),
        'client_errors': {k: sum(s['errors'].get(k, 0) for s in summaries.values())
                          for k in sorted({k for s in summaries.values() for k in s['errors']})},
        'first_problem': next((s['first_problem'] for s in summaries.values()
                               if s['first_problem']), ''),
        'kills': len(kills), 'restarts': len(soak.broker.generations) - 1, 'stops': len(stops),
        'fixture_writes': soak.fixture.counter, 'churn': soak.churn,
        'worst_notice_ticks_kill': max(notice['kill'], default=None),
        'worst_notice_ticks_stop': max(notice['stop'], default=None),
        'worst_seen_ticks_kill': max(seen_notice['kill'], default=None),
        'worst_seen_ticks_stop': max(seen_notice['stop'], default=None),
        'seen_after_3_ticks': sum(t > 3 for k in seen_notice for t in seen_notice[k]),
        'notices': sum(len(v) for v in notice.values()),
        'notices_before_old_window': old_rule_misses,
        'worst_signal_timing_ms': max(((e['at_ns'] - e['sent_ns']) / 1e6 for e in soak.events),
                                      default=None),
        'reattaches': len(reattach),
        'worst_reattach_ms': max(reattach, default=None),
        'median_reattach_ms': statistics.median(reattach) if reattach else None,
        'follower_batches': sum(f['batches'] for f in followers),
        'lost_reported': sum(f['lost_reported'] for f in followers),
        'lost_proven': sum(f['lost_proven'] for f in followers),
        'follower_laps': sum(f['laps'] for f in followers),
        'exporter_scrapes': soak.scrapes,
        'rss_kib_first': ref[0] if ref else None,
        'rss_kib_last': final[0] if final else None,
        'rss_drift_kib': final[0] - ref[0] if ref and final else None,
        'rss_spread_kib': (max(s[1] for s in steady) - min(s[1] for s in steady)
                           if steady else None),
        'fd_first': ref[1] if ref else None,
        'fd_drift': final[1] - ref[1] if ref and final else None,
        'rss_samples': len(steady), 'seccomp': soak.seccomp,
        'samples': '(s, rss, fds, anon, file, shmem) ' + ' '.join(
            ','.join(str(x) for x in sample) for sample in soak.samples),
        'events': [dict(e, at_s=round((e['at_ns'] - soak.start_ns) / 1e9, 3))
                   for e in soak.events],
    }
    for key in ('torn', 'wrong_instance', 'backwards'):
        if result[key]:
            fails.append(f'{result[key]} {key} reads (first: {result["first_problem"]})')
    if not result['reads']:
        fails.append('no value was read')
    fails += missed
    for kind in ('kill', 'stop'):
        late = [t for t in notice[kind] if t > 3]
        if late:
            fails.append(f'after {len(late)} {kind}s health() said alive for more than 3 ticks '
                         f'(worst {max(late):.1f})')
    if not kills or not stops:
        fails.append(f'chaos too short: {len(kills)} kills, {len(stops)} stops')
    fails += never
    for name, s in summaries.items():
        f = s.get('follower')
        if f and (f['lost_reported'] != f['lost_proven'] or f['silent_gaps'] or f['corrupt']):
            fails.append(f'{name}: lost batches reported {f["lost_reported"]}, proven '
                         f'{f["lost_proven"]} ({f["silent_gaps"]} silent gaps, {f["corrupt"]} '
                         f'corrupt)')
    if followers and not result['follower_laps']:
        fails.append('no follower was lapped: the lost-batch count was never tested')
    if soak.scrapes['failed']:
        fails.append(f'{soak.scrapes["failed"]} exporter scrapes failed '
                     f'({soak.scrapes["errors"]})')
    if not soak.scrapes['up'] or not soak.scrapes['down']:
        fails.append(f'exporter never said up and down: {soak.scrapes}')
    if not ref or not final:
        fails.append('the broker RSS and descriptors were not sampled at the end of the '
                     'warm-up and at the end')
    else:
        if result['rss_drift_kib'] > RSS_DRIFT_LIMIT_KIB:
            fails.append(f'broker RSS grew {result["rss_drift_kib"]} KiB after warm-up '
                         f'(limit {RSS_DRIFT_LIMIT_KIB})')
        if result['fd_drift'] != 0:
            fails.append(f'broker descriptors changed by {result["fd_drift"]} after warm-up')
    if soak.churn['errors']:
        fails.append(f'churn failed: {soak.churn["errors"][0]}')
    return result, fails


def print_table(r):
    rows = [
        ('reads checked', r['reads']),
        ('torn / wrong-instance / backwards', f'{r["torn"]} / {r["wrong_instance"]} / '
                                              f'{r["backwards"]}'),
        ('client crashes', r['client_crashes']),
        ('kills / restarts / stops', f'{r["kills"]} / {r["restarts"]} / {r["stops"]}'),
        ('health() alive after kill, stop: worst ticks', f'{fmt(r["worst_notice_ticks_kill"])}, '
                                               f'{fmt(r["worst_notice_ticks_stop"])} '
                                               f'({r["notices"]} notices)'),
        ('clients saw it after: worst ticks', f'{fmt(r["worst_seen_ticks_kill"])}, '
                                              f'{fmt(r["worst_seen_ticks_stop"])} '
                                              f'({r["seen_after_3_ticks"]} after 3 ticks)'),
        ('notices the old bookkeeping missed; worst signal timing ms',
         f'{r["notices_before_old_window"]}; {fmt(r["worst_signal_timing_ms"])}'),
        ('re-attaches; worst / median ms', f'{r["reattaches"]}; {fmt(r["worst_reattach_ms"])} / '
                                           f'{fmt(r["median_reattach_ms"])}'),
        ('follower batches, laps', f'{r["follower_batches"]}, {r["follower_laps"]}'),
        ('lost batches reported / proven', f'{r["lost_reported"]} / {r["lost_proven"]}'),
        ('exporter scrapes ok / failed (up, down)',
         f'{r["exporter_scrapes"]["ok"]} / {r["exporter_scrapes"]["failed"]} '
         f'({r["exporter_scrapes"]["up"]}, {r["exporter_scrapes"]["down"]})'),
        ('churn', ', '.join(f'{k} {v}' for k, v in r['churn'].items() if k != 'errors')),
        ('broker RSS drift KiB (spread), fd drift',
         f'{r["rss_drift_kib"]} ({r["rss_spread_kib"]}), {r["fd_drift"]} '
         f'over {r["rss_samples"]} s; RSS {r["rss_kib_last"]} KiB, {r["fd_first"]} fds'),
        ('broker Seccomp', r['seccomp']),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f'  {k:<{width}}  {v}')


def fmt(x):
    return '-' if x is None else f'{x:.1f}' if isinstance(x, float) else str(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--build-dir', required=True)
    p.add_argument('--minutes', type=float, required=True)
    p.add_argument('--workdir', required=True)
    p.add_argument('--summary', required=True, help='JSON summary to write')
    p.add_argument('--segment', default=f'/sysring-soak-{os.getpid()}')
    p.add_argument('--tick-ms', type=int, default=200)
    p.add_argument('--ring-slots', type=int, default=4)
    p.add_argument('--readers', type=int, default=32)
    p.add_argument('--followers', type=int, default=4)
    args = p.parse_args()
    if args.minutes <= 0 or args.minutes > 24 * 60:
        p.error('minutes must be more than 0 and at most a day')
    for path in ('broker/sysringd', 'tools/sysring-exporter/sysring-exporter',
                 'tests/soak/soak_reader'):
        if not os.access(os.path.join(args.build_dir, path), os.X_OK):
            p.error(f'{path} is not built in {args.build_dir}')

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    for ns in ('net', 'mnt'):  # never veths, mounts or a sysfs mount on the host
        if os.readlink(f'/proc/self/ns/{ns}') == os.readlink(f'/proc/{os.getppid()}/ns/{ns}'):
            p.error(f'run me in private namespaces (scripts/soak.sh does): {ns} is my parent\'s')
    run(['ip', 'link', 'set', 'lo', 'up'])
    run(['mount', '-t', 'sysfs', 'sysfs', '/sys'])  # /sys/class/net of this namespace
    soak = Soak(args)
    try:
        soak.run()
        result, fails = analyse(soak)
    except KeyboardInterrupt:
        print('soak: interrupted', file=sys.stderr)
        return 1
    finally:
        soak.cleanup()
    result['failures'] = fails
    if fails:  # the clients' own summaries, for the diagnosis (the work directory goes)
        keep = os.path.join(os.path.dirname(os.path.abspath(args.summary)), 'soak-clients')
        shutil.rmtree(keep, ignore_errors=True)
        os.makedirs(keep)
        for path in glob.glob(os.path.join(args.workdir, '*.json')) + glob.glob(
                os.path.join(args.workdir, '*.log')):
            shutil.copy(path, keep)
    with open(args.summary, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'== chaos soak: {args.minutes:g} min, tick {args.tick_ms} ms, {args.readers} readers, '
          f'{args.followers} followers (summary: {args.summary})')
    print_table(result)
    for line in fails:
        print(f'soak: FAIL: {line}', file=sys.stderr)
    print('soak: ' + ('PASS' if not fails else f'{len(fails)} assertions failed'))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
