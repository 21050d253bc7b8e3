"""Following the ring: a snapshot, then consecutive batches naming real metrics and instances;
the generator waits without spinning and stops when told."""
import threading
import time

import sysring


def take(iterator, n):
    out = []
    for batch in iterator:
        out.append(batch)
        if len(out) == n:
            break
    return out


def test_snapshot_then_consecutive_batches_with_resolved_names(client):
    live = {(i.domain, i.name) for i in client.instances()}
    metrics = {m.name: m for m in client.metrics()}
    start, cpu = time.monotonic(), time.process_time()
    batches = take(client.follow(poll_interval=0.02, idle_timeout=5), 5)
    assert len(batches) == 5, "fewer than 5 batches within 5 s each"
    elapsed = time.monotonic() - start
    assert time.process_time() - cpu < 0.1 + 0.5 * elapsed, "follow() must sleep between polls"

    snapshot, ring = batches[0], batches[1:]
    assert snapshot.full_snapshot and snapshot.lost_batches == 0
    added = {(e.domain, e.name) for e in snapshot.events if e.added}
    assert added == live, "a snapshot announces every live instance"
    assert len(snapshot.deltas) > 100

    previous = snapshot
    for b in ring:
        assert not b.full_snapshot and b.lost_batches == 0
        # A snapshot's position is the head it resumes from: the next ring batch.
        step = 0 if previous is snapshot else 1
        assert b.position == previous.position + step, (previous.position, b.position)
        # >=: one tick may be split over several slots (same tick, same time).
        assert b.tick >= previous.tick and b.timestamp_ns >= previous.timestamp_ns
        previous = b

    assert ring[-1].tick > snapshot.tick
    changed = 0
    for b in batches:
        for d in b.deltas:
            m = metrics.get(d.name)
            assert m is not None, f"delta of an unknown metric {d.name}"
            assert m.id == d.id
            if m.is_family:
                assert (m.domain, d.instance) in live, (d.name, d.instance, d.row)
            else:
                assert d.instance is None and d.row == 0
            if m.type in (sysring.Type.U64, sysring.Type.COUNTER, sysring.Type.I64):
                assert isinstance(d.value, int)
            elif m.type == sysring.Type.F64:
                assert isinstance(d.value, float)
        for name in b.strings:
            assert metrics[name].type == sysring.Type.STRING
        changed += len(b.deltas)
    assert changed > len(snapshot.deltas), "ring batches carry changes"
    mem = [d.value for b in batches for d in b.deltas if d.name == "mem.total"]
    assert mem and mem[0] == client.read("mem.total")


def test_follow_sleeps_between_polls_and_stops_when_told(client):
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    cpu0 = time.process_time()
    start = time.monotonic()
    timer.start()
    try:
        n = sum(1 for _ in client.follow(poll_interval=0.05, stop=stop))
    finally:
        timer.cancel()
    elapsed = time.monotonic() - start
    assert 1.4 <= elapsed < 2.5, elapsed
    assert n >= 1  # at least the snapshot
    assert time.process_time() - cpu0 < 0.5 * elapsed, "follow() must not spin"


def test_closing_the_client_stops_its_followers(broker):
    c = sysring.Client(broker.segment)
    gen = c.follow(poll_interval=0.01, idle_timeout=5)
    assert next(gen).full_snapshot
    c.close()
    assert list(gen) == []  # no use of a freed follower: it ends
