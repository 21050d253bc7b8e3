"""`sysring top` against a real broker: plain blocks on a pipe (--count), the full-screen view
under a pseudo-terminal (draws, follows a resize, quits on q / Ctrl-C / SIGTERM and leaves the
terminal as it found it), and the broker going away and coming back.

Paths of this build's binaries come from the environment (tests/cli/CMakeLists.txt): SYSRINGD,
SYSRING_CLI. Every wait is bounded.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
import unittest

SYSRINGD = os.environ.get('SYSRINGD', '')
CLI = os.environ.get('SYSRING_CLI', '')
TICK_MS = 250
ENTER = b'\x1b[?1049h'
LEAVE = b'\x1b[0m\x1b[?25h\x1b[?1049l'
SGR = re.compile(rb'\x1b\[[0-9;]*m')


def online_cpus():
    with open('/sys/devices/system/cpu/online') as f:
        count = 0
        for part in f.read().strip().split(','):
            first, _, last = part.partition('-')
            count += int(last or first) - int(first) + 1
        return count


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Broker:
    def __init__(self, segment):
        self.segment = segment
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [SYSRINGD, '--foreground', '--segment', self.segment, '--tick-ms', str(TICK_MS)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists('/dev/shm' + self.segment):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError('sysringd did not publish ' + self.segment)
            time.sleep(0.05)
        time.sleep(2 * TICK_MS / 1000)  # a few ticks: values and instances published

    def stop(self):
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


class PtyTop:
    """`sysring top` with a pseudo-terminal as its controlling terminal and stdio."""

    def __init__(self, segment, columns, rows, extra_env=None, args=()):
        self.master, slave = os.openpty()
        self.set_size(columns, rows, slave)

        def take_terminal():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen([CLI, '--segment', segment, 'top', *args], stdin=slave,
                                     stdout=slave, stderr=slave, start_new_session=True,
                                     preexec_fn=take_terminal, env=dict(os.environ, TERM='xterm', **(extra_env or {})))
        self.slave = slave
        self.output = b''

    def set_size(self, columns, rows, fd=None):
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ,
                    struct.pack('HHHH', rows, columns, 0, 0))

    def read_until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate(self.output):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f'timed out waiting for {what}; output tail: '
                                     f'{self.output[-600:]!r}')
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed its side
                    chunk = b''
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f'sysring top exited ({self.proc.returncode}) before '
                                         f'{what}: {self.output[-600:]!r}')
                self.output += chunk

    def drain_until_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    break
        try:
            self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None
        while select.select([self.master], [], [], 0)[0]:  # what it wrote last
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.output += chunk
        return self.proc.returncode

    def frames(self):
        return PtyTop.frames_of(self.output)

    @staticmethod
    def frames_of(output):
        """Each repaint's rows as plain text (colours removed)."""
        result = []
        # The alternate screen is entered with a home and clear of its own: not a frame.
        output = output.replace(ENTER + b'\x1b[?25l\x1b[H\x1b[2J', b'')
        for frame in output.split(b'\x1b[H')[1:]:
            frame = frame.split(b'\x1b[J')[0]
            # Rows end in \r\n (the line discipline may add one more \r).
            rows = [SGR.sub(b'', row).replace(b'\x1b[K', b'').replace(b'\r', b'')
                    .decode('ascii', 'replace') for row in frame.split(b'\n')]
            result.append(rows)
        return result

    def last_frame(self):
        """The last complete repaint (ended by erase-below), or []."""
        complete = self.output[:self.output.rfind(b'\x1b[J') + 1]
        frames = PtyTop.frames_of(complete)
        return frames[-1] if frames else []

    def close(self):
        stop(self.proc)
        os.close(self.master)
        os.close(self.slave)


def cpu_meter_width(rows):
    """The width of the cpu0 meter row: the terminal's width when the frame fills it."""
    for row in rows:
        if row.startswith('cpu0 ['):
            return len(row)
    return None


class TopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SYSRINGD or not CLI:
            raise unittest.SkipTest('SYSRINGD and SYSRING_CLI must name the binaries')
        cls.segment = f'/sysring-topit-{os.getpid()}'
        cls.broker = Broker(cls.segment)
        cls.broker.start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def assert_cooked_with_echo(self, top):
        """The terminal is given back: canonical mode and echo, as before top ran."""
        attrs = termios.tcgetattr(top.slave)
        self.assertTrue(attrs[3] & termios.ICANON and attrs[3] & termios.ECHO)

    def test_pipe_prints_count_plain_blocks(self):
        result = subprocess.run([CLI, '--segment', self.segment, 'top', '--count', '3'],
                                capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(b'\x1b', result.stdout)  # no escapes on a pipe
        text = result.stdout.decode()
        blocks = [b for b in text.split('\n\n') if b.strip()]
        self.assertEqual(len(blocks), 3, text)
        cpus = online_cpus()
        for block in blocks:
            lines = block.splitlines()
            self.assertTrue(lines[0].startswith('sysring top  ' + self.segment), lines[0])
            for cpu in range(cpus):
                self.assertTrue(any(l.startswith(f'cpu{cpu} [') for l in lines), block)
            self.assertTrue(any(re.match(r'Mem  \[.*\] +\d', l) for l in lines), block)
            self.assertTrue(any(l.startswith('Swp  [') for l in lines), block)
            self.assertTrue(any(re.match(r'Load average: [\d.]+ [\d.]+ [\d.]+', l)
                                for l in lines), block)
            self.assertTrue(any(l.startswith('Counters:') for l in lines), block)
            self.assertTrue(any(l.startswith('DISK ') for l in lines), block)
            self.assertTrue(any(l.startswith('NETIF ') for l in lines), block)
            self.assertTrue(any(l.startswith('lo ') for l in lines), block)

    def test_count_is_refused_with_a_bad_value(self):
        result = subprocess.run([CLI, '--segment', self.segment, 'top', '--count', '0'],
                                capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2, result.stderr)

    def test_terminal_draws_resizes_and_quits_on_q(self):
        top = PtyTop(self.segment, 80, 24)
        try:
            top.read_until(lambda out: ENTER in out and cpu_meter_width(top.last_frame()), 10,
                           'the first frame')
            self.assertEqual(cpu_meter_width(top.frames()[-1]), 80)
            for frame in top.frames():
                self.assertLessEqual(len(frame), 24)
                self.assertTrue(all(len(row) <= 80 for row in frame), frame)
            # Wider and taller: the kernel sends SIGWINCH to the terminal's foreground group;
            # send one more as a resizing terminal emulator would, in case.
            top.set_size(120, 40)
            top.proc.send_signal(signal.SIGWINCH)
            top.read_until(lambda out: cpu_meter_width(top.last_frame()) == 120, 5,
                           'a frame 120 columns wide')
            # Very short: only what fits, nothing wider than the terminal.
            top.set_size(50, 6)
            top.read_until(lambda out: cpu_meter_width(top.last_frame()) == 50, 5,
                           'a frame 50 columns wide')
            last = top.frames()[-1]
            self.assertLessEqual(len(last), 6, last)
            self.assertTrue(all(len(row) <= 50 for row in last), last)
            # q quits within a second and leaves the terminal restored.
            asked = time.monotonic()
            os.write(top.master, b'q')
            self.assertEqual(top.drain_until_exit(1.0), 0, top.output[-300:])
            self.assertLess(time.monotonic() - asked, 1.0)
            self.assertTrue(top.output.endswith(LEAVE), top.output[-100:])
            self.assert_cooked_with_echo(top)
        finally:
            top.close()

    def test_terminal_restored_after_ctrl_c(self):
        top = PtyTop(self.segment, 80, 24)
        try:
            top.read_until(lambda out: cpu_meter_width(top.last_frame()), 10, 'the first frame')
            os.write(top.master, b'\x03')  # the line discipline turns it into SIGINT
            self.assertEqual(top.drain_until_exit(1.0), 0)
            self.assertTrue(top.output.endswith(LEAVE), top.output[-100:])
            self.assert_cooked_with_echo(top)
        finally:
            top.close()

    def test_terminal_restored_after_sigterm(self):
        top = PtyTop(self.segment, 80, 24)
        try:
            top.read_until(lambda out: cpu_meter_width(top.last_frame()), 10, 'the first frame')
            top.proc.send_signal(signal.SIGTERM)
            self.assertEqual(top.drain_until_exit(1.0), 0)
            self.assertTrue(top.output.endswith(LEAVE), top.output[-100:])
            self.assert_cooked_with_echo(top)
        finally:
            top.close()

    def test_terminal_stops_after_count_refreshes(self):
        top = PtyTop(self.segment, 80, 24, args=['--count', '3'])
        try:
            self.assertEqual(top.drain_until_exit(10), 0, top.output[-300:])
            self.assertEqual(len(top.frames()), 3)
            self.assertTrue(top.output.endswith(LEAVE), top.output[-100:])
        finally:
            top.close()

    def test_colours_on_a_terminal(self):
        top = PtyTop(self.segment, 80, 24)
        try:
            top.read_until(lambda out: cpu_meter_width(top.last_frame()) and b'\x1b[36m' in out, 10,
                           'a coloured frame')
        finally:
            top.close()

    def test_no_colours_with_no_color(self):
        top = PtyTop(self.segment, 80, 24, {'NO_COLOR': '1'})
        try:
            top.read_until(lambda out: cpu_meter_width(top.last_frame()), 10, 'the first frame')
            self.assertIsNone(SGR.search(top.output[:top.output.rfind(b'\x1b[J')]))
        finally:
            top.close()


class TopBrokerRestartTest(unittest.TestCase):
    def test_shows_a_gone_broker_and_reattaches(self):
        if not SYSRINGD or not CLI:
            self.skipTest('SYSRINGD and SYSRING_CLI must name the binaries')
        segment = f'/sysring-topit-restart-{os.getpid()}'
        broker = Broker(segment)
        broker.start()
        top = subprocess.Popen([CLI, '--segment', segment, 'top'], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.set_blocking(top.stdout.fileno(), False)
        output = b''

        def read_until(needle, timeout, start=0):
            """The offset of `needle` in the output at or after `start`."""
            nonlocal output
            deadline = time.monotonic() + timeout
            while output.find(needle, start) < 0:
                left = deadline - time.monotonic()
                if left <= 0 or top.poll() is not None:
                    raise AssertionError(f'no {needle!r} in {output[start:][-800:]!r}')
                select.select([top.stdout], [], [], min(left, 0.1))
                chunk = top.stdout.read()
                if chunk:
                    output += chunk
            return output.find(needle, start)

        try:
            read_until(b'Load average', 10)
            broker.stop()  # SIGTERM: the broker closes and removes its segment
            gone = read_until(b'broker is gone', 10)
            broker.start()
            back = read_until(b're-attached to a new broker', 10, gone)
            # Its first block has the new broker's levels but no rates: none carried over from
            # the old broker, none made up from one look.
            block_start = output.rfind(b'sysring top', 0, back)
            read_until(b'\n\n', 10, back)
            reattached = output[block_start:].split(b'\n\n')[0].decode()
            self.assertRegex(reattached, r'cpu0 \[ *\] +-\n')
            self.assertRegex(reattached, r'Load average: [\d.]+')
            # The new broker's values keep coming: two more blocks after the re-attach.
            first = read_until(b'sysring top', 10, back)
            second = read_until(b'sysring top', 10, first + 1)
            read_until(b'\n\n', 10, second)
            block = output[second:].split(b'\n\n')[0].decode()
            self.assertNotIn('broker is', block)
            self.assertRegex(block, r'cpu0 \[')
            self.assertRegex(block, r'Load average: [\d.]+')
            # A stopped broker is stale, then alive again once it resumes.
            os.kill(broker.proc.pid, signal.SIGSTOP)
            try:
                stale = read_until(b'broker is stale: no heartbeat for', 10, second)
            finally:
                os.kill(broker.proc.pid, signal.SIGCONT)
            alive = read_until(b'sysring top', 10, stale)
            read_until(b'\n\n', 10, alive)
            self.assertNotIn(b'broker is', output[alive:].split(b'\n\n')[0])
        finally:
            stop(top)
            top.stdout.close()
            top.stderr.close()
            broker.stop()


if __name__ == '__main__':
    unittest.main()
