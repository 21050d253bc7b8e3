"""Hostile segments and hostile numbers (issue 14).

StuckSequenceWords: a real broker's segment where a hostile or crashed writer left a sequence
word odd: a delta-ring slot's seqlock (the broker's next write of that slot then leaves it odd
for good), and the value table's latch while the broker is stopped. Every reader verb must
end within a few seconds: `watch` gives up with one line on stderr and exit 1 instead of
polling the slot forever; get/all/cat/pmc/top/ring answer as usual. Each run has a subprocess
timeout, so a reader that waits forever fails the test rather than hanging it.

NumericFlags: every unsigned option of sysringd, sysring and sysring-exporter refuses a sign,
trailing text and overflow (Boost.Program_options would wrap "-1" into a huge number) with exit
2 and one line naming the flag; valid values are still accepted.

Paths of this build's binaries come from the environment (tests/cli/CMakeLists.txt): SYSRINGD,
SYSRING_CLI and SYSRING_EXPORTER (the exporter's cases are skipped without it).
"""
import mmap
import os
import signal
import struct
import subprocess
import time
import unittest

SYSRINGD = os.environ.get('SYSRINGD', '')
CLI = os.environ.get('SYSRING_CLI', '')
EXPORTER = os.environ.get('SYSRING_EXPORTER', '')
TICK_MS = 100
RUN_TIMEOUT = 15  # seconds: far above watch's limit (at least 2 s, 4 ticks here)

# include/sysring/layout.hpp
SECTION_COUNT = 72
RING_SLOT_COUNT = 84
SECTIONS = 96
SECTION_RING = 3
RING_HEAD = 640
VALUES_SEQ = 704


def run(args, timeout=RUN_TIMEOUT):
    """(rc, stdout, stderr, seconds); fails the test if the command did not end in time."""
    started = time.monotonic()
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError('%s still running after %d s' % (' '.join(args), timeout)) from None
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


class Segment:
    """The broker's segment, mapped read-write as a hostile writer would."""

    def __init__(self, name):
        self.file = open('/dev/shm' + name, 'r+b')
        self.map = mmap.mmap(self.file.fileno(), 0)

    def close(self):
        self.map.close()
        self.file.close()

    def word(self, offset):
        return struct.unpack_from('<Q', self.map, offset)[0]

    def set_word(self, offset, value):
        struct.pack_into('<Q', self.map, offset, value)

    def ring_slot(self, position):
        count = struct.unpack_from('<I', self.map, SECTION_COUNT)[0]
        slots, size = struct.unpack_from('<II', self.map, RING_SLOT_COUNT)
        for i in range(count):
            kind, _, offset, _ = struct.unpack_from('<IIQQ', self.map, SECTIONS + 24 * i)
            if kind == SECTION_RING:
                return offset + (position % slots) * size
        raise AssertionError('no ring section')


class StuckSequenceWords(unittest.TestCase):
    def setUp(self):
        self.segment = '/sysring-hostile-%d' % os.getpid()
        self.broker = subprocess.Popen(
            [SYSRINGD, '--foreground', '--segment', self.segment, '--tick-ms', str(TICK_MS)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists('/dev/shm' + self.segment):
            if time.monotonic() > deadline or self.broker.poll() is not None:
                raise AssertionError('sysringd did not publish ' + self.segment)
            time.sleep(0.05)
        time.sleep(5 * TICK_MS / 1000)  # values and instances published
        self.shm = Segment(self.segment)

    def tearDown(self):
        self.shm.close()
        if self.broker.poll() is None:
            self.broker.send_signal(signal.SIGCONT)
            self.broker.terminate()
            try:
                self.broker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.broker.kill()
                self.broker.wait(timeout=5)
        if os.path.exists('/dev/shm' + self.segment):
            os.unlink('/dev/shm' + self.segment)

    def cli(self, *args):
        return run([CLI, '--segment', self.segment, *args])

    def assert_gives_up(self, args):
        rc, _, err, seconds = self.cli(*args)
        self.assertEqual(rc, 1, err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertIn('stayed busy for', lines[0])
        self.assertIn('a writer stuck mid-update?', lines[0])
        self.assertTrue(lines[0].startswith('sysring: error: '), lines[0])
        self.assertLess(seconds, 12)

    def assert_other_readers_answer(self, stale):
        flag = ['--allow-stale'] if stale else []
        category = self.cli('cats')[1].splitlines()[1].split()[0]
        for args in (['get', 'mem.total', *flag], ['all', *flag], ['cat', category, *flag],
                     ['pmc', '--count', '1', '--interval-ms', '200', *flag],
                     ['top', '--count', '1'], ['ring', '--sample-ms', '300']):
            rc, out, err, _ = self.cli(*args)
            if rc == 0:
                self.assertTrue(out, args)
            else:  # e.g. 3: the stopped broker is stale; always one line saying why
                self.assertEqual(len(err.splitlines()), 1, (args, err))

    def test_ring_slot_left_odd(self):
        # Flip the parity of a slot the broker writes a few batches from now: its write then
        # leaves the sequence odd (begin s+1, end s+2), and it stays so.
        position = self.shm.word(RING_HEAD) + 3
        slot = self.shm.ring_slot(position)
        self.shm.set_word(slot, self.shm.word(slot) ^ 1)
        deadline = time.monotonic() + 10
        while self.shm.word(RING_HEAD) <= position:
            self.assertLess(time.monotonic(), deadline, 'the broker published nothing')
            time.sleep(TICK_MS / 1000)
        self.assertEqual(self.shm.word(slot) & 1, 1)
        # The readers of the value table never touch the ring; `ring` follows it for a bounded
        # time. (A watch started now resumes at the head, past the slot: the next two tests
        # start it first.)
        self.assert_other_readers_answer(stale=False)

    def watch_until_it_gives_up(self, argv, ahead):
        """Starts `sysring ARGV`, flips the parity of the ring slot `ahead` batches past the head
        once it follows the ring, and returns (slot position, stderr, seconds to give up)."""
        watch = subprocess.Popen([CLI, '--segment', self.segment] + argv,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(3 * TICK_MS / 1000)  # the snapshot is out; it follows the ring
            position = self.shm.word(RING_HEAD) + ahead
            slot = self.shm.ring_slot(position)
            self.shm.set_word(slot, self.shm.word(slot) ^ 1)
            started = time.monotonic()
            try:
                _, err = watch.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise AssertionError(f'{argv} kept polling a ring slot left odd') from None
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait(timeout=5)
        self.assertEqual(watch.returncode, 1, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        return position, err, time.monotonic() - started

    def test_watch_reaches_odd_slot(self):
        position, err, seconds = self.watch_until_it_gives_up(['watch', '--count', '1000000'], 3)
        self.assertIn('ring slot %d stayed busy for' % position, err)
        self.assertLess(seconds, 12)

    def test_json_watch_gives_up_too(self):
        _, err, _ = self.watch_until_it_gives_up(
            ['--json', 'watch', '--interval-ms', '20'], 2)
        self.assertIn('stayed busy for', err)

    def test_value_table_latch_left_odd(self):
        # A crashed (here: stopped) writer with the latch word left odd: the latch sends readers
        # to copy 1, which is complete, so every reader still answers, watch -n 1 included.
        self.broker.send_signal(signal.SIGSTOP)
        time.sleep(2 * TICK_MS / 1000)
        self.shm.set_word(VALUES_SEQ, self.shm.word(VALUES_SEQ) | 1)
        rc, out, err, _ = self.cli('watch', '--count', '1')
        self.assertEqual(rc, 0, err)
        self.assertIn('snapshot', out)
        self.assert_other_readers_answer(stale=True)


def one_line_naming(test, args, flag):
    rc, _, err, _ = run(args, timeout=10)
    test.assertEqual(rc, 2, (args, err))
    lines = err.splitlines()
    test.assertEqual(len(lines), 1, (args, err))
    test.assertIn(flag, lines[0], args)


BAD = ['-1', '-4294966296', '+5', '12abc', '99999999999999999999', '0x10', '']


class NumericFlags(unittest.TestCase):
    def test_broker(self):
        segment = ['--foreground', '--segment', '/sysring-flags-%d' % os.getpid()]
        for flag in ('--tick-ms', '--ring-slots', '--ring-slot-bytes', '--instance-headroom',
                     '--max-ticks'):
            for value in BAD:
                one_line_naming(self, [SYSRINGD, *segment, flag + '=' + value], flag)
        one_line_naming(self, [SYSRINGD, *segment, '-t', '-4294966296'], '--tick-ms')
        one_line_naming(self, [SYSRINGD, *segment, '--max-ticks', '-1'], '--max-ticks')

    def test_broker_accepts_valid_numbers(self):
        segment = '/sysring-flags-ok-%d' % os.getpid()
        rc, _, err, _ = run([SYSRINGD, '--foreground', '--segment', segment, '--tick-ms', '50',
                             '--max-ticks', '2', '--ring-slots', '64', '--ring-slot-bytes', '4096',
                             '--instance-headroom', '10'], timeout=30)
        self.assertEqual(rc, 0, err)
        if os.path.exists('/dev/shm' + segment):
            os.unlink('/dev/shm' + segment)

    def test_cli(self):
        for verb, flag in (('watch', '--count'), ('watch', '--interval-ms'), ('pmc', '--count'),
                           ('top', '--count'), ('ring', '--sample-ms')):
            for value in BAD:
                one_line_naming(self, [CLI, verb, flag + '=' + value], flag)
        one_line_naming(self, [CLI, 'watch', '-n', '-1'], '--count')
        one_line_naming(self, [CLI, 'watch', '--interval-ms', '-5'], '--interval-ms')

    @unittest.skipUnless(EXPORTER, 'SYSRING_EXPORTER not set')
    def test_exporter(self):
        for flag in ('--web.request-timeout-ms', '--web.max-connections', '--web.threads',
                     '--gzip-level'):
            for value in BAD:
                one_line_naming(self, [EXPORTER, flag + '=' + value], flag)
        rc, out, err, _ = run([EXPORTER, '--web.request-timeout-ms', '5000',
                               '--web.max-connections', '8', '--web.threads', '2',
                               '--gzip-level', '6', '--version'])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith('sysring-exporter '), out)


if __name__ == '__main__':
    unittest.main()
