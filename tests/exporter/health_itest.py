"""The exporter when things go wrong: no broker yet, a broker killed, stopped (stale) and
restarted, a corrupt segment, bad flags and a port in use. It keeps serving with
sysring_broker_up 0 and no stale values (unless --allow-stale), re-attaches by itself, and
refuses bad input with one line and a non-zero exit."""
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import exposition_parse as xp  # noqa: E402
from harness import (EXPORTER, SYSRINGD, Processes, free_port, http_ok, main,  # noqa: E402
                     wait_until)

TICKS_TO_NOTICE = 6  # the library says stale after 3 missed ticks; gone at once for a dead pid


def metrics(url):
    samples, _ = xp.parse(xp.scrape(url + '/metrics')[2])
    return samples


def value(samples, name):
    return samples.get((name, frozenset()))


def has_node_values(samples):
    return any(k[0].startswith('node_') and not k[0].startswith('node_time_') for k in samples)


class HealthTest(unittest.TestCase):

    def setUp(self):
        if not (SYSRINGD and EXPORTER):
            self.skipTest('SYSRINGD / SYSRING_EXPORTER not set')
        self.procs = Processes()
        self.segment = f'/sysring-xh{os.getpid() % 100000}'
        self.shm = '/dev/shm' + self.segment

    def tearDown(self):
        self.procs.close()
        if os.path.exists(self.shm):
            os.unlink(self.shm)

    def start_broker(self):
        broker = self.procs.start([SYSRINGD, '-f', '--segment', self.segment], 'broker.log')
        wait_until(lambda: os.path.exists(self.shm), 10, 'the segment')
        return broker

    def start_exporter(self, *extra):
        port = free_port()
        url = f'http://127.0.0.1:{port}'
        proc = self.procs.start([EXPORTER, '--segment', self.segment, '--web.listen-address',
                                 f'127.0.0.1:{port}', *extra], f'exporter{port}.log')
        wait_until(lambda: http_ok(url + '/'), 10, 'the exporter to listen')
        return proc, url

    def test_starts_without_a_broker_and_attaches_when_it_comes(self):
        exporter, url = self.start_exporter()
        samples = metrics(url)
        self.assertEqual(value(samples, 'sysring_broker_up'), 0)
        self.assertFalse(has_node_values(samples))
        self.start_broker()
        wait_until(lambda: value(metrics(url), 'sysring_broker_up') == 1, 10, 'broker_up 1')
        self.assertIsNotNone(value(metrics(url), 'node_load1'))
        self.assertIsNone(exporter.poll())

    def test_killed_broker_is_down_without_values_and_a_restart_is_reattached(self):
        broker = self.start_broker()
        exporter, url = self.start_exporter()
        wait_until(lambda: value(metrics(url), 'sysring_broker_up') == 1, 10, 'broker_up 1')
        broker.send_signal(signal.SIGKILL)
        broker.wait()
        wait_until(lambda: value(metrics(url), 'sysring_broker_up') == 0, TICKS_TO_NOTICE,
                   'broker_up 0 after SIGKILL')
        self.assertFalse(has_node_values(metrics(url)))
        self.start_broker()
        wait_until(lambda: value(metrics(url), 'sysring_broker_up') == 1, 10,
                   're-attach to the restarted broker')
        samples = metrics(url)
        self.assertEqual(value(samples, 'sysring_broker_restarts_total'), 1)
        self.assertIsNotNone(value(samples, 'node_load1'))
        self.assertIsNone(exporter.poll(), 'the exporter must not restart itself')

    def test_stale_broker_serves_values_only_with_allow_stale(self):
        broker = self.start_broker()
        _, strict = self.start_exporter()
        _, lenient = self.start_exporter('--allow-stale')
        wait_until(lambda: value(metrics(strict), 'sysring_broker_up') == 1, 10, 'broker_up 1')
        broker.send_signal(signal.SIGSTOP)
        try:
            wait_until(lambda: value(metrics(strict), 'sysring_broker_up') == 0, TICKS_TO_NOTICE,
                       'broker_up 0 while stopped')
            self.assertFalse(has_node_values(metrics(strict)))
            lenient_samples = metrics(lenient)
            self.assertEqual(value(lenient_samples, 'sysring_broker_up'), 0)
            self.assertIsNotNone(value(lenient_samples, 'node_load1'))
            self.assertGreater(value(lenient_samples, 'sysring_broker_heartbeat_age_seconds'), 2)
        finally:
            broker.send_signal(signal.SIGCONT)
        wait_until(lambda: value(metrics(strict), 'sysring_broker_up') == 1, 10, 'broker_up 1')

    def test_corrupt_segment_is_refused_and_served_as_down(self):
        with open(self.shm, 'wb') as f:
            f.write(os.urandom(1 << 16))
        os.chmod(self.shm, 0o644)
        exporter, url = self.start_exporter()
        for _ in range(3):
            samples = metrics(url)
            self.assertEqual(value(samples, 'sysring_broker_up'), 0)
            self.assertFalse(has_node_values(samples))
        self.assertIsNone(exporter.poll())
        log = self.procs.log_of(exporter)
        self.assertEqual(log.count('level=warn msg="broker not available"'), 1, log)

    def run_exporter(self, *args):
        return subprocess.run([EXPORTER, *args], capture_output=True, text=True, timeout=10)

    def assert_one_line_error(self, run, code, fragment):
        self.assertEqual(run.returncode, code, run.stderr)
        lines = run.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, run.stderr)
        self.assertTrue(lines[0].startswith('sysring-exporter: error: '), lines[0])
        self.assertIn(fragment, lines[0])

    def test_bad_flags_exit_2_with_one_line(self):
        cases = [
            (['--no-such-flag'], 'no-such-flag'),
            (['--web.listen-address', 'nohost'], 'no port'),
            (['--web.listen-address', ':99999'], 'bad port'),
            (['--web.telemetry-path', 'metrics'], 'must start with'),
            (['--log-level', 'loud'], 'loud'),
            (['--segment', 'no-slash'], '--segment'),
            (['--collector.filesystem.fs-types-exclude', '('], 'bad regular expression'),
            (['--collector.cpu', '--no-collector.cpu'], 'collector.cpu'),
            (['--gzip-level', '0'], '--gzip-level'),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.assert_one_line_error(self.run_exporter(*args), 2, fragment)

    def test_port_in_use_exits_1_with_one_line(self):
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen()
            port = taken.getsockname()[1]
            run = self.run_exporter('--web.listen-address', f'127.0.0.1:{port}',
                                    '--segment', self.segment)
            self.assert_one_line_error(run, 1, f'cannot listen on 127.0.0.1:{port}')

    def test_disabled_collectors_are_absent(self):
        self.start_broker()
        _, url = self.start_exporter('--collector.disable-defaults', '--collector.loadavg')
        wait_until(lambda: value(metrics(url), 'sysring_broker_up') == 1, 10, 'broker_up 1')
        names = {k[0] for k in metrics(url)}
        self.assertIn('node_load1', names)
        self.assertEqual({n for n in names if n.startswith('node_') and not n.startswith('node_load')},
                         set())
        self.assertFalse(any(n.startswith('sysring_') and not n.startswith(
            ('sysring_broker_', 'sysring_exporter_')) for n in names))

    def test_sigterm_stops_cleanly(self):
        exporter, _ = self.start_exporter()
        exporter.send_signal(signal.SIGTERM)
        self.assertEqual(exporter.wait(10), 0)

    def test_sighup_stops_cleanly(self):
        # Its terminal closed: a clean stop like SIGTERM (as sysringd does), not a signal death.
        exporter, _ = self.start_exporter()
        exporter.send_signal(signal.SIGHUP)
        self.assertEqual(exporter.wait(10), 0)


if __name__ == '__main__':
    main()
