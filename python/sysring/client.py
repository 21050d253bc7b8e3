"""sysring.Client: one open segment, read through libsysring's C ABI."""
from __future__ import annotations

import ctypes
import os
import threading
import time
import weakref
from ctypes import byref
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple, Union

from . import _abi, _lib
from ._closing import Closing
from .errors import Busy, InvalidArgument, NoSuchMetric, Status, error_for
from .types import (HEALTH_BY_CODE, Counter, Domain, FamilyValues, Health, Instance,
                    MetricInfo, Pattern, Type, Value, decode_bits)

if TYPE_CHECKING:
    from .follower import Batch, Follower

_ERR_SIZE = 512
_BUSY_RETRIES = 3  # the library already retries; this is a second, short round


def _text(p: Optional[bytes]) -> str:
    return os.fsdecode(p) if p else ""


def _counter(c: _abi.sysring_counter) -> Counter:
    return Counter(c.count, c.time_enabled_ns, c.time_running_ns, c.read_time_ns)


class Client(Closing):
    """An open sysring segment (default "/sysring"). Use as a context manager or close().

    Reads are safe from several threads (each call takes the client's lock around the C call)."""

    def __init__(self, segment: Optional[str] = "/sysring"):
        self._lib = _lib.load()
        self._lock = threading.RLock()
        self._ptr_value: Optional[int] = None
        self._followers: "weakref.WeakSet" = weakref.WeakSet()
        self.segment = segment if segment is not None else "/sysring"
        err = ctypes.create_string_buffer(_ERR_SIZE)
        out = _abi.client_p()
        name = os.fsencode(segment) if segment is not None else None
        status = self._lib.sysring_open(name, byref(out), err, _ERR_SIZE)
        if status != Status.OK:
            raise error_for(status, err.value.decode("utf-8", "replace") or None)
        self._ptr_value = out.value
        self._load_metrics()

    # ---- lifetime ----

    def close(self) -> None:
        """Closes the segment; followers of this client stop. Idempotent."""
        with self._lock:
            for follower in list(self._followers):
                follower.close()
            if self._ptr_value is not None:
                self._lib.sysring_close(self._ptr_value)
                self._ptr_value = None

    @property
    def closed(self) -> bool:
        return self._ptr_value is None

    def _ptr(self) -> int:
        if self._ptr_value is None:
            raise InvalidArgument("the sysring client is closed", Status.E_ARGUMENT)
        return self._ptr_value

    def __repr__(self) -> str:
        return f"<sysring.Client {self.segment!r}{' closed' if self.closed else ''}>"

    # ---- metrics ----

    def _load_metrics(self) -> None:
        lib, p = self._lib, self._ptr()
        by_name: Dict[str, MetricInfo] = {}
        by_id: Dict[int, MetricInfo] = {}
        info = _abi.sysring_metric_info()
        pattern = ctypes.c_uint8()
        ttl = ctypes.c_uint32()
        for i in range(lib.sysring_metric_count(p)):
            status = lib.sysring_metric_info_at(p, i, byref(info))
            if status != Status.OK:
                raise error_for(status, context=f"metric {i}")
            status = lib.sysring_metric_schedule_at(p, i, byref(pattern), byref(ttl))
            if status != Status.OK:
                raise error_for(status, context=f"schedule of metric {i}")
            m = MetricInfo(id=info.id, name=_text(info.name), category=_text(info.category),
                           unit=_text(info.unit), type=Type(info.type),
                           domain=Domain(info.domain), available=bool(info.available),
                           kernel_pattern=Pattern(info.kernel_pattern),
                           recommended_pattern=Pattern(info.recommended_pattern),
                           pattern=Pattern(pattern.value), ttl_ms=info.ttl_ms,
                           effective_ttl_ms=ttl.value, description=_text(info.description))
            by_name[m.name] = m
            by_id[m.id] = m
        self._by_name, self._by_id = by_name, by_id

    def metrics(self) -> List[MetricInfo]:
        """Every metric and family the segment describes, available or not."""
        return list(self._by_name.values())

    def metric(self, name: str) -> MetricInfo:
        """One metric's descriptor; NoSuchMetric if the segment has none of that name."""
        m = self._by_name.get(name)
        if m is None:
            raise NoSuchMetric(f"no such metric {name!r} in {self.segment}",
                               Status.NO_SUCH_METRIC)
        return m

    def metric_by_id(self, metric_id: int) -> Optional[MetricInfo]:
        return self._by_id.get(metric_id)

    # ---- scalar reads ----

    def read(self, name: str, instance: Optional[str] = None) -> Value:
        """A metric's value: int (u64, i64), float (f64), str, or Counter.

        A family needs `instance` (or use read_family()). Raises NoSuchMetric, Empty,
        Unavailable, ReadError, Busy, or Gone."""
        if instance is not None:
            return self.bind(name, instance).read()
        m = self.metric(name)
        if m.is_family:
            raise NoSuchMetric(f"{name} is a family of {m.domain} instances: use "
                               f"read_family({name!r}) or read({name!r}, instance=...)",
                               Status.NO_SUCH_METRIC)
        for attempt in range(_BUSY_RETRIES):
            try:
                if m.type == Type.STRING:
                    return self._read_text(m)
                if m.type == Type.COUNTER:
                    return self._read_counter(m)
                return self._read_scalar(m)
            except Busy:
                if attempt + 1 == _BUSY_RETRIES:
                    raise
                time.sleep(0.001)
        raise AssertionError("unreachable")

    def _read_scalar(self, m: MetricInfo) -> Union[int, float]:
        out = _abi.sysring_scalar()
        with self._lock:
            status = self._lib.sysring_read(self._ptr(), m.id, byref(out))
        if status != Status.OK:
            raise error_for(status, context=m.name)
        return decode_bits(out.bits, out.type)

    def _read_counter(self, m: MetricInfo) -> Counter:
        out = _abi.sysring_counter()
        with self._lock:
            status = self._lib.sysring_read_counter(self._ptr(), m.id, byref(out))
        if status != Status.OK:
            raise error_for(status, context=m.name)
        return _counter(out)

    def _read_text(self, m: MetricInfo) -> str:
        cap = 256
        length = ctypes.c_size_t()
        while True:
            buf = ctypes.create_string_buffer(cap)
            with self._lock:
                status = self._lib.sysring_read_text(self._ptr(), m.id, buf, cap, byref(length),
                                                     None)
            if status != Status.OK:
                raise error_for(status, context=m.name)
            if length.value < cap:
                return buf.raw[:length.value].decode("utf-8", "replace")
            cap = length.value + 1

    # ---- instances ----

    def _instance_list(self) -> int:
        out = _abi.instance_list_p()
        for attempt in range(_BUSY_RETRIES):
            with self._lock:
                status = self._lib.sysring_instances(self._ptr(), byref(out))
            if status == Status.OK:
                return out.value
            if status != Status.BUSY or attempt + 1 == _BUSY_RETRIES:
                raise error_for(status, context="instance directory")
            time.sleep(0.001)
        raise AssertionError("unreachable")

    def _instances_of(self, lst: int) -> List[Instance]:
        lib = self._lib
        info = _abi.sysring_instance_info()
        key, value = ctypes.c_char_p(), ctypes.c_char_p()
        out = []
        for i in range(lib.sysring_instance_count(lst)):
            status = lib.sysring_instance_at(lst, i, byref(info))
            if status != Status.OK:
                raise error_for(status, context=f"instance {i}")
            labels = {}
            for j in range(info.label_count):
                status = lib.sysring_instance_label(lst, i, j, byref(key), byref(value))
                if status != Status.OK:
                    raise error_for(status, context=f"label {j} of instance {i}")
                labels[_text(key.value)] = _text(value.value)
            out.append(Instance(domain=Domain(info.domain), name=_text(info.name),
                                id=info.instance_id, row=info.row,
                                registration=info.registration, live=bool(info.live),
                                added_ns=info.added_ns, removed_ns=info.removed_ns,
                                labels=labels))
        return out

    def instances(self, domain: Union[Domain, str, int, None] = None,
                  include_removed: bool = False) -> List[Instance]:
        """The live instances (of one domain: Domain, "cpu", "disk" ...), with labels;
        include_removed adds the recently removed ones (live False)."""
        want = Domain.parse(domain) if domain is not None else None
        lst = self._instance_list()
        try:
            all_ = self._instances_of(lst)
        finally:
            self._lib.sysring_instance_list_free(lst)
        return [i for i in all_
                if (want is None or i.domain == want) and (include_removed or i.live)]

    @property
    def instance_generation(self) -> int:
        """Changes whenever an instance comes or goes (one load)."""
        with self._lock:
            return self._lib.sysring_instance_generation(self._ptr())

    def read_family(self, name: str) -> FamilyValues:
        """One family across its live instances, from one broker publish: a dict
        instance name -> value, with .labels, .instances and .missing (see FamilyValues)."""
        m = self.metric(name)
        if not m.is_family:
            raise NoSuchMetric(f"{name} is a scalar, not a family: use read({name!r})",
                               Status.NO_SUCH_METRIC)
        for attempt in range(_BUSY_RETRIES):
            result, busy = self._read_family_once(m)
            if not busy or attempt + 1 == _BUSY_RETRIES:
                return result
            time.sleep(0.001)
        raise AssertionError("unreachable")

    def _read_family_once(self, m: MetricInfo) -> Tuple[FamilyValues, bool]:
        lib = self._lib
        lst = self._instance_list()
        try:
            instances = self._instances_of(lst)
            mine = {(i.row, i.name): i for i in instances if i.live and i.domain == m.domain}
            cap = max(len(mine), 1)
            count = ctypes.c_size_t()
            while True:
                values = (_abi.sysring_instance_value * cap)()
                with self._lock:
                    status = lib.sysring_read_family(self._ptr(), lst, m.id, values, cap,
                                                     byref(count))
                if status not in (Status.OK, Status.BUSY):
                    raise error_for(status, context=m.name)
                if count.value <= cap:
                    break
                cap = count.value
            result = FamilyValues(m.name, m.domain)
            for v in values[:count.value]:
                if v.instance is None:  # removed since the list was taken: no name to give
                    continue
                iname = _text(v.instance)
                inst = mine.get((v.row, iname))
                if inst is not None:
                    result.instances[iname] = inst
                    result.labels[iname] = inst.labels
                if v.status != Status.OK:
                    result.missing[iname] = Status(v.status)
                elif m.type == Type.COUNTER:
                    result[iname] = _counter(v.counter)
                else:
                    result[iname] = decode_bits(v.value.bits, v.value.type)
            return result, status == Status.BUSY
        finally:
            lib.sysring_instance_list_free(lst)

    def bind(self, name: str, instance: str) -> "Handle":
        """A Handle on (family, live instance): cheap repeated reads; Gone once it is removed."""
        m = self.metric(name)
        out = _abi.sysring_handle()
        with self._lock:
            status = self._lib.sysring_bind(self._ptr(), m.id, os.fsencode(instance), byref(out))
        if status == Status.NO_SUCH_METRIC:
            what = "a scalar" if not m.is_family else f"no live {m.domain} instance {instance!r}"
            raise NoSuchMetric(f"{name}: {what}", status)
        if status != Status.OK:
            raise error_for(status, context=f"{name}{{{instance}}}")
        return Handle(self, m, instance, out)

    # ---- the broker ----

    def health(self) -> Health:
        """ALIVE, STALE (process there, heartbeat stopped) or DEAD (closed, exited, replaced)."""
        state = ctypes.c_int()
        with self._lock:
            status = self._lib.sysring_health(self._ptr(), byref(state))
        if status != Status.OK:
            raise error_for(status, context="health")
        return HEALTH_BY_CODE[state.value]

    def reattach(self) -> bool:
        """Maps a restarted broker's new segment: True if re-attached, False if nothing newer.
        Handles and followers notice by themselves (handles read Gone: bind again)."""
        with self._lock:
            status = self._lib.sysring_reattach(self._ptr())
            if status == Status.IDLE:
                return False
            if status != Status.OK:
                raise error_for(status, context=f"reattach to {self.segment}")
            self._load_metrics()
            return True

    @property
    def counters_summary(self) -> str:
        """The broker's counter backend in one line, or why it counts nothing ("" if none)."""
        with self._lock:
            return _text(self._lib.sysring_counters_summary(self._ptr()))

    # ---- the ring ----

    def follower(self) -> "Follower":
        """A Follower of the delta ring (poll() it yourself, or iterate follow())."""
        from .follower import Follower
        return Follower(self)

    def follow(self, poll_interval: float = 0.05, idle_timeout: Optional[float] = None,
               stop=None) -> Iterator["Batch"]:
        """Batches from the ring as they come: the first is a full snapshot. Sleeps
        poll_interval between empty polls; ends after idle_timeout seconds without a batch, when
        `stop` (a threading.Event) is set, or when the generator is closed."""
        from .follower import Follower
        follower = Follower(self)
        try:
            yield from follower.batches(poll_interval, idle_timeout, stop)
        finally:
            follower.close()


class Handle:
    """(family, instance) resolved once by Client.bind()."""

    def __init__(self, client: Client, metric: MetricInfo, instance: str,
                 handle: _abi.sysring_handle):
        self.client = client
        self.metric = metric
        self.instance = instance
        self._handle = handle

    def read(self) -> Value:
        """The value now; Gone once the instance was removed (or after a reattach)."""
        c, m = self.client, self.metric
        for attempt in range(_BUSY_RETRIES):
            with c._lock:
                if m.type == Type.COUNTER:
                    out = _abi.sysring_counter()
                    status = c._lib.sysring_read_handle_counter(c._ptr(), byref(self._handle),
                                                                byref(out))
                else:
                    out = _abi.sysring_scalar()
                    status = c._lib.sysring_read_handle(c._ptr(), byref(self._handle), byref(out))
            if status == Status.OK:
                return _counter(out) if m.type == Type.COUNTER else decode_bits(out.bits, out.type)
            if status != Status.BUSY or attempt + 1 == _BUSY_RETRIES:
                raise error_for(status, context=f"{m.name}{{{self.instance}}}")
            time.sleep(0.001)
        raise AssertionError("unreachable")

    def __repr__(self) -> str:
        return f"<sysring.Handle {self.metric.name} {self.instance!r}>"

