"""Fixtures: a real sysringd (env SYSRINGD) on a private segment, libsysring from env
SYSRING_LIBRARY, and a per-test time limit so nothing here can hang."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
sys.path.insert(0, str(PYTHON_DIR))  # the package under test: this tree, not an installed one

import sysring  # noqa: E402

SYSRINGD = os.environ.get("SYSRINGD")
TEST_SECONDS = 30  # each test; the ctest TIMEOUT bounds the whole run


def wait_until(predicate, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def shm_path(segment):
    return "/dev/shm" + segment


class Broker:
    """One sysringd --foreground process on `segment`."""

    def __init__(self, segment, tmpdir):
        self.segment = segment
        self.log_path = os.path.join(tmpdir, segment.strip("/") + ".log")
        self.proc = None

    def start(self, *extra):
        if not SYSRINGD:
            pytest.fail("set SYSRINGD to the built sysringd (ctest does)")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SYSRINGD, "--foreground", "--segment", self.segment,
                                      "--tick-ms", "100", *extra],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        self.wait_live()
        return self

    def wait_live(self, timeout=10):
        def live():
            if self.proc.poll() is not None:
                raise AssertionError(f"sysringd exited {self.proc.returncode}: {self.log()}")
            try:
                with sysring.Client(self.segment) as c:
                    if c.health() != sysring.Health.ALIVE:
                        return False
                    c.read("mem.total")  # the first tick has published values
                    return c.read("kern.boot_time") > 0
            except (sysring.NotFound, sysring.NotLive, sysring.Empty):
                return False
        wait_until(live, timeout, f"sysringd to serve {self.segment}")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            return
        if sig == signal.SIGTERM:
            self.proc.send_signal(signal.SIGCONT)  # a stopped broker cannot handle SIGTERM
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)

    def cleanup(self):
        self.stop()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        try:
            os.unlink(shm_path(self.segment))
        except FileNotFoundError:
            pass


@pytest.fixture(scope="session")
def tmpdir_session():
    with tempfile.TemporaryDirectory(prefix="sysring-py-") as d:
        yield d


@pytest.fixture(scope="session")
def broker(tmpdir_session):
    b = Broker(f"/sysring-pyt{os.getpid()}", tmpdir_session)
    try:
        b.start()
        yield b
    finally:
        b.cleanup()
        if b.proc is not None:
            assert b.proc.returncode == 0, f"sysringd exited {b.proc.returncode}: {b.log()}"
        assert not os.path.exists(shm_path(b.segment)), "SIGTERM must remove the segment"


@pytest.fixture(scope="session")
def make_broker(tmpdir_session):
    """Starts extra brokers (segment suffix -> Broker), all stopped at the end of the session."""
    made = []

    def make(suffix):
        b = Broker(f"/sysring-pyt{os.getpid()}-{suffix}", tmpdir_session)
        made.append(b)
        return b
    try:
        yield make
    finally:
        for b in made:
            b.cleanup()


@pytest.fixture
def client(broker):
    with sysring.Client(broker.segment) as c:
        yield c


@pytest.fixture
def scratch_segment():
    """A segment name nobody serves; its /dev/shm file is removed afterwards."""
    name = f"/sysring-pyt{os.getpid()}-scratch"
    yield name
    try:
        os.unlink(shm_path(name))
    except FileNotFoundError:
        pass


@pytest.fixture(autouse=True)
def time_limit():
    """Fails a test that runs longer than TEST_SECONDS instead of hanging the suite."""
    def expired(signum, frame):
        raise TimeoutError(f"test ran longer than {TEST_SECONDS} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, TEST_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
