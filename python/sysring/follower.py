"""Following the broker's delta ring: batches of changed values and instance events."""
from __future__ import annotations

import ctypes
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple, Union

from . import _abi
from ._closing import Closing
from .errors import Status, SystemFailure, error_for
from .types import Domain, Type, decode_bits

if TYPE_CHECKING:
    from .client import Client

_MIN_INTERVAL = 0.001  # follow() never polls in a tight loop
_CORRUPT_REPOLLS = 16  # a skipped slot: poll again at once, a bounded number of times


@dataclass(frozen=True)
class InstanceEvent:
    """An instance came (added True) or went; an Added comes before its values."""

    added: bool
    domain: Domain
    name: str
    id: int
    row: int
    registration: int


@dataclass(frozen=True)
class Delta:
    """A value that changed: metric name, instance name (None for a scalar), typed value
    (a counter's count)."""

    name: str
    instance: Optional[str]
    value: Union[int, float]
    id: int
    row: int


@dataclass(frozen=True)
class Batch:
    """One ring batch (or a full snapshot: the first one, and after being lapped)."""

    position: int
    tick: int
    timestamp_ns: int  # CLOCK_MONOTONIC
    lost_batches: int  # overwritten before this follower read them
    full_snapshot: bool
    events: List[InstanceEvent] = field(default_factory=list)
    deltas: List[Delta] = field(default_factory=list)
    strings: List[str] = field(default_factory=list)  # string metrics that changed: read() them


class Follower(Closing):
    """A cursor on the ring. poll() never blocks; batches() waits politely between polls."""

    def __init__(self, client: "Client"):
        self.client = client
        with client._lock:
            ptr = client._lib.sysring_follower_new(client._ptr())
        if not ptr:
            raise SystemFailure("sysring_follower_new failed (out of memory)", Status.E_SYSTEM)
        self._ptr: Optional[int] = ptr
        self._rows: Dict[Tuple[int, int], str] = {}  # (domain, row) -> live instance name
        self.corrupt_slots = 0  # slots that failed verification and were skipped
        client._followers.add(self)

    def close(self) -> None:
        with self.client._lock:
            if self._ptr is not None:
                self.client._lib.sysring_follower_free(self._ptr)
                self._ptr = None

    def poll(self) -> Optional[Batch]:
        """The next batch, or None when there is nothing new yet."""
        if self._ptr is None:
            raise SystemFailure("the follower is closed", Status.E_ARGUMENT)
        raw = _abi.sysring_batch()
        c = self.client
        for _ in range(_CORRUPT_REPOLLS):
            with c._lock:
                if self._ptr is None:
                    raise SystemFailure("the follower is closed", Status.E_ARGUMENT)
                status = c._lib.sysring_follower_poll(self._ptr, ctypes.byref(raw))
                if status == Status.OK:
                    return self._convert(raw)  # pointers valid until the next poll
            if status == Status.CORRUPT:
                self.corrupt_slots += 1
                continue
            if status in (Status.IDLE, Status.BUSY):
                return None
            raise error_for(status, context="follower")
        return None

    def _convert(self, raw: _abi.sysring_batch) -> Batch:
        if raw.full_snapshot:
            self._rows.clear()  # a snapshot re-adds every live instance
        events = []
        for i in range(raw.event_count):
            e = raw.events[i]
            ev = InstanceEvent(added=bool(e.added), domain=Domain(e.domain),
                               name=os.fsdecode(e.name or b""), id=e.instance_id, row=e.row,
                               registration=e.registration)
            events.append(ev)
            if ev.added:
                self._rows[(e.domain, e.row)] = ev.name
        by_id = self.client._by_id
        deltas = []
        for i in range(raw.delta_count):
            d = raw.deltas[i]
            m = by_id.get(d.id)
            if m is None:
                name, type_, domain = f"#{d.id}", Type.U64, Domain.NONE
            else:
                name, type_, domain = m.name, m.type, m.domain
            instance = None if domain == Domain.NONE else self._rows.get((domain, d.row))
            deltas.append(Delta(name=name, instance=instance, value=decode_bits(d.bits, type_),
                                id=d.id, row=d.row))
        for ev in events:  # a Removed comes after the instance's last values
            if not ev.added and self._rows.get((ev.domain, ev.row)) == ev.name:
                del self._rows[(ev.domain, ev.row)]
        strings = []
        for i in range(raw.string_count):
            m = by_id.get(raw.string_ids[i])
            strings.append(m.name if m is not None else f"#{raw.string_ids[i]}")
        return Batch(position=raw.position, tick=raw.tick, timestamp_ns=raw.timestamp_ns,
                     lost_batches=raw.lost_batches, full_snapshot=bool(raw.full_snapshot),
                     events=events, deltas=deltas, strings=strings)

    def batches(self, poll_interval: float = 0.05, idle_timeout: Optional[float] = None,
                stop=None) -> Iterator[Batch]:
        """Yields batches; sleeps poll_interval (at least 1 ms) when idle; returns after
        idle_timeout seconds without one, or once `stop` (a threading.Event) is set."""
        interval = max(float(poll_interval), _MIN_INTERVAL)
        last = time.monotonic()
        while self._ptr is not None:
            if stop is not None and stop.is_set():
                return
            batch = self.poll()
            if batch is not None:
                yield batch
                last = time.monotonic()
                continue
            if idle_timeout is not None and time.monotonic() - last >= idle_timeout:
                return
            if stop is not None:
                stop.wait(interval)
            else:
                time.sleep(interval)

    def __iter__(self) -> Iterator[Batch]:
        return self.batches()
