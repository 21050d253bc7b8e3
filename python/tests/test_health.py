"""A second broker, stopped (stale), killed (dead), restarted on the same name (reattach), and
stopped for good (dead, segment removed)."""
import os
import signal
import time

import pytest

import sysring
from conftest import shm_path, wait_until


def test_stale_dead_reattach_and_closed(make_broker, tmp_path):
    broker = make_broker("health").start()
    seg = broker.segment
    with sysring.Client(seg) as c:
        wait_until(lambda: c.health() == sysring.Health.ALIVE, 5, "alive")
        assert str(sysring.Health.ALIVE) == "alive"
        handle = c.bind("cpu.time.user", "cpu0")
        handle.read()
        follower = c.follower()
        assert follower.poll().full_snapshot

        # Stopped: the process exists, the heartbeat stops (3 ticks of 100 ms).
        broker.send(signal.SIGSTOP)
        try:
            wait_until(lambda: c.health() == sysring.Health.STALE, 5, "stale")
            # No batch comes from a stopped broker: idle_timeout ends the generator.
            start, cpu = time.monotonic(), time.process_time()
            rest = list(follower.batches(poll_interval=0.02, idle_timeout=0.5))
            elapsed = time.monotonic() - start
            assert 0.5 <= elapsed < 3
            assert time.process_time() - cpu < 0.5 * elapsed, "idle polling must sleep"
            assert len(rest) <= 2  # what was published before the stop took effect
        finally:
            broker.send(signal.SIGCONT)
        wait_until(lambda: c.health() == sysring.Health.ALIVE, 5, "alive again")

        # Killed: dead at once, the segment stays behind; nothing newer to attach to.
        broker.stop(signal.SIGKILL)
        assert c.health() == sysring.Health.DEAD
        assert os.path.exists(shm_path(seg))
        assert c.reattach() is False
        assert c.read("mem.total") > 0  # the last values stay readable

        # A new broker takes the name over, with a longer TTL for mem.free: reattach maps it and
        # the descriptors are the new segment's.
        assert c.metric("mem.free").effective_ttl_ms == 1000
        config = tmp_path / "sysringd.conf"
        config.write_text("[metric.mem.free]\nttl_ms = 5000\n")
        old_pid = broker.proc.pid
        broker.start("--config", str(config))
        assert broker.proc.pid != old_pid
        assert c.health() == sysring.Health.DEAD  # still mapped to the old segment
        assert c.reattach() is True
        wait_until(lambda: c.health() == sysring.Health.ALIVE, 5, "alive after reattach")
        assert c.reattach() is False
        assert c.read("mem.total") > 0
        assert c.metric("mem.free").effective_ttl_ms == 5000
        assert c.metric("mem.free").ttl_ms == 1000  # the registry's
        with pytest.raises(sysring.Gone):
            handle.read()  # handles of the old segment: bind again
        assert isinstance(c.bind("cpu.time.user", "cpu0").read(), int)
        # The follower notices the new segment by itself: a fresh full snapshot.
        got = wait_until(lambda: follower.poll(), 5, "a batch after reattach")
        assert got.full_snapshot
        follower.close()

        # SIGTERM: the broker closes the segment and removes the name.
        broker.stop(signal.SIGTERM)
        assert broker.proc.returncode == 0
        assert c.health() == sysring.Health.DEAD
        assert not os.path.exists(shm_path(seg))
    with pytest.raises(sysring.NotFound, match=f"no sysring segment named {seg}"):
        sysring.Client(seg)
