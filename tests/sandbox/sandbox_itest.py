"""The broker's in-process seccomp filter (issue 14), on the real /proc and /sys:

- A foreground broker is filtered once serving (`Seccomp: 2` in /proc/PID/status), keeps
  publishing while network interfaces come and go in its own network namespace (a veth pair
  added and deleted under the filter: rtnetlink dumps, new /proc and /sys files), logs no denied
  call, and stops cleanly on SIGTERM (exit 0, segment removed).
- A root broker that drops to --user is filtered too (the filter needs no privilege: it is
  installed with no_new_privs after the drop).
- A detached broker (fork, setsid, syslog) is filtered.
- `--seccomp off` leaves it unfiltered (`Seccomp: 0`); a bad value exits 2 with one line.

Needs root, unshare, nsenter and ip (exit 77, skipped, otherwise).
Paths come from the environment: SYSRINGD, SYSRING_CLI.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

SYSRINGD = os.environ.get('SYSRINGD', '')
CLI = os.environ.get('SYSRING_CLI', '')
START_TIMEOUT = 10
BROKER_USER = 'daemon'  # an account every Debian system has, standing in for `sysring`


def seccomp_mode(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Seccomp:'):
                return int(line.split()[1])
    raise AssertionError('no Seccomp: line in /proc/PID/status')


def ring(segment):
    env = dict(os.environ, SYSRING_BROKER_USER=BROKER_USER)
    out = subprocess.run([CLI, '--segment', segment, 'ring', '--json'], capture_output=True,
                         text=True, timeout=30, env=env)
    if out.returncode != 0:
        raise AssertionError(f'sysring ring: {out.returncode}: {out.stderr}')
    return json.loads(out.stdout)


def netif_names(segment):
    env = dict(os.environ, SYSRING_BROKER_USER=BROKER_USER)
    out = subprocess.run([CLI, '--segment', segment, 'instances', 'netif', '--json'],
                         capture_output=True, text=True, timeout=30, env=env)
    if out.returncode != 0:
        raise AssertionError(f'sysring instances: {out.returncode}: {out.stderr}')
    return {i['name'] for i in json.loads(out.stdout)['instances'] if i['state'] == 'live'}


def wait_for(condition, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f'timed out waiting for {what}')


class Broker:
    """One sysringd on a private segment; argv_prefix runs it in namespaces (unshare execs it,
    so the pid is the broker's). Stopped (SIGTERM, then SIGKILL) at cleanup."""

    def __init__(self, test, name, extra=(), argv_prefix=(), foreground=True):
        self.segment = f'/sysring-sandbox-{os.getpid()}-{name}'
        self.request_socket = '/run/sysring/' + self.segment[1:] + '.sock'
        self.log = os.path.join(test.tmp, name + '.log')
        argv = list(argv_prefix) + [SYSRINGD, '--segment', self.segment, '--tick-ms', '50']
        argv += ['--foreground'] if foreground else []
        argv += list(extra)
        with open(self.log, 'w') as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        # Runs after stop (cleanups are LIFO): a broker dropped to --user cannot remove its
        # request socket from a /run/sysring it may not write (docs/PROCESS_COUNTERS.md).
        test.addCleanup(lambda: os.path.lexists(self.request_socket) and
                        os.unlink(self.request_socket))
        test.addCleanup(self.stop)
        if foreground:
            wait_for(lambda: 'seccomp:' in self.log_text() or self.proc.poll() is not None,
                     'the broker to serve: ' + self.log_text())
            if self.proc.poll() is not None:
                raise AssertionError(f'broker exited {self.proc.returncode}: {self.log_text()}')
            self.pid = self.proc.pid
        else:
            # The parent exits 0 once the detached child reports the segment live.
            self.proc.wait(timeout=START_TIMEOUT)
            if self.proc.returncode != 0:
                raise AssertionError(f'daemon start exited {self.proc.returncode}: '
                                     + self.log_text())
            self.pid = ring(self.segment)['broker_pid']

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def ticks(self):
        return ring(self.segment)['tick_count']

    def assert_publishing(self):
        first = self.ticks()
        wait_for(lambda: self.ticks() >= first + 3, 'three more ticks')

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except (ProcessLookupError, AttributeError):
            return None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.exists(f'/proc/{self.pid}'):
            if self.proc.poll() is not None and self.proc.pid == self.pid:
                return self.proc.returncode
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        return self.proc.returncode


@unittest.skipUnless(SYSRINGD and CLI, 'SYSRINGD and SYSRING_CLI must name the built binaries')
class SandboxTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='sysring-sandbox-')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def assert_clean_stop(self, broker):
        self.assertEqual(broker.stop(), 0, broker.log_text())
        self.assertFalse(os.path.exists('/dev/shm' + broker.segment), 'segment left behind')
        self.assertNotIn('seccomp denied', broker.log_text())

    def test_filtered_broker_follows_interface_churn_and_stops_cleanly(self):
        broker = Broker(self, 'churn', extra=['--log-level', 'debug'],
                        argv_prefix=['unshare', '--net', '--'])
        self.assertEqual(seccomp_mode(broker.pid), 2, 'Seccomp: 2 (filter) expected')
        self.assertRegex(broker.log_text(), r'seccomp: \d+ system calls allowed')
        broker.assert_publishing()
        ip = ['nsenter', '-t', str(broker.pid), '-n', 'ip', 'link']
        added = ring(broker.segment)['instances_added']
        for round_ in range(2):
            pair = f'sbx{round_}'
            subprocess.run(ip + ['add', pair, 'type', 'veth', 'peer', 'name', pair + 'p'],
                           check=True, timeout=30)
            wait_for(lambda: pair in netif_names(broker.segment), f'{pair} published')
            subprocess.run(ip + ['del', pair], check=True, timeout=30)
            wait_for(lambda: pair not in netif_names(broker.segment), f'{pair} removed')
        self.assertGreaterEqual(ring(broker.segment)['instances_added'], added + 4)
        broker.assert_publishing()
        self.assertEqual(seccomp_mode(broker.pid), 2)
        self.assert_clean_stop(broker)

    @unittest.skipUnless(os.geteuid() == 0, 'needs root to drop to --user')
    def test_broker_dropped_to_user_is_filtered(self):
        broker = Broker(self, 'user', extra=['--user', BROKER_USER])
        self.assertEqual(seccomp_mode(broker.pid), 2)
        with open(f'/proc/{broker.pid}/status') as f:
            self.assertNotIn('Uid:\t0', f.read(), 'still root')
        broker.assert_publishing()
        self.assert_clean_stop(broker)

    def test_detached_broker_is_filtered(self):
        broker = Broker(self, 'daemon', foreground=False)
        self.assertEqual(seccomp_mode(broker.pid), 2)
        broker.assert_publishing()
        broker.stop()
        wait_for(lambda: not os.path.exists('/dev/shm' + broker.segment), 'segment removed')

    def test_seccomp_off_leaves_broker_unfiltered(self):
        broker = Broker(self, 'off', extra=['--seccomp', 'off'])
        self.assertEqual(seccomp_mode(broker.pid), 0)
        self.assertIn('seccomp: off', broker.log_text())
        broker.assert_publishing()
        self.assert_clean_stop(broker)

    def test_bad_seccomp_value_exits_2_with_one_line(self):
        out = subprocess.run([SYSRINGD, '--foreground', '--seccomp', 'maybe'],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 2)
        self.assertEqual(len(out.stderr.splitlines()), 1, out.stderr)
        self.assertIn('--seccomp must be on or off', out.stderr)


def main():
    needed = ('unshare', 'nsenter', 'ip')
    if os.geteuid() != 0 or any(shutil.which(tool) is None for tool in needed):
        print('skipped: needs root, unshare, nsenter and ip')
        return 77
    result = unittest.main(exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
