"""Processes for the exporter tests: a broker on a private segment, sysring-exporter, Debian's
node_exporter and Prometheus, each on a free loopback port, all stopped at the end.

Paths of this build's binaries come from the environment (set by tests/exporter/CMakeLists.txt):
SYSRINGD, SYSRING_EXPORTER, SYSRING_CLI.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SYSRINGD = os.environ.get('SYSRINGD', '')
EXPORTER = os.environ.get('SYSRING_EXPORTER', '')
CLI = os.environ.get('SYSRING_CLI', '')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


class Processes:
    """Starts processes and guarantees they are stopped (SIGTERM, then SIGKILL)."""

    def __init__(self):
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix='sysring-exporter-test-')

    def start(self, argv, log_name):
        log = open(os.path.join(self.tmp, log_name), 'w')
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()  # the child holds its own descriptor
        proc.log_path = log.name
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM, timeout=5):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self):
        for proc in reversed(self.procs):
            self.stop(proc)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log_of(self, proc):
        with open(proc.log_path) as f:
            return f.read()


class ExporterTestCase(unittest.TestCase):
    """A broker on its own segment and an exporter on a free port, per test class."""
    exporter_args = []

    @classmethod
    def setUpClass(cls):
        if not (SYSRINGD and EXPORTER):
            raise unittest.SkipTest('SYSRINGD / SYSRING_EXPORTER not set')
        cls.procs = Processes()
        cls.segment = f'/sysring-xt{os.getpid() % 100000}'
        cls.broker = cls.start_broker()
        cls.port = free_port()
        cls.url = f'http://127.0.0.1:{cls.port}'
        cls.exporter = cls.procs.start(
            [EXPORTER, '--segment', cls.segment, '--web.listen-address',
             f'127.0.0.1:{cls.port}', *cls.exporter_args], 'exporter.log')
        wait_until(lambda: http_ok(cls.url + '/'), 10, 'the exporter to listen')

    @classmethod
    def start_broker(cls):
        broker = cls.procs.start([SYSRINGD, '-f', '--segment', cls.segment], 'broker.log')
        wait_until(lambda: os.path.exists('/dev/shm' + cls.segment), 10, 'the segment')
        time.sleep(0.3)
        return broker

    @classmethod
    def tearDownClass(cls):
        cls.procs.close()
        try:
            os.unlink('/dev/shm' + cls.segment)
        except FileNotFoundError:
            pass


def main():
    """unittest.main, but exit 77 (ctest's skip code here) when every test was skipped."""
    program = unittest.main(exit=False)
    result = program.result
    if result.testsRun > 0 and len(result.skipped) == result.testsRun and result.wasSuccessful():
        raise SystemExit(77)
    raise SystemExit(0 if result.wasSuccessful() else 1)
