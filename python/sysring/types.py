"""Plain values returned by the client: enums and small immutable records."""
from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import Dict, Optional, Union


class _Named(enum.IntEnum):
    def __str__(self) -> str:  # "cpu", "u64" ... (IntEnum's str() changed in 3.11)
        return self.name.lower()

    @classmethod
    def parse(cls, value):
        """A member from itself, its number or its lower-case name."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                raise ValueError(f"unknown {cls.__name__.lower()} {value!r}: one of "
                                 + ", ".join(str(m) for m in cls)) from None
        return cls(value)


class Type(_Named):
    """sysring_type."""

    U64 = 1
    I64 = 2
    F64 = 3
    STRING = 4
    COUNTER = 5


class Domain(_Named):
    """sysring_domain: NONE for a scalar, else the instances a family has."""

    NONE = 0
    CPU = 1
    DISK = 2
    NETIF = 3
    FILESYSTEM = 4
    NUMA = 5
    CGROUP = 6


class Pattern(_Named):
    """How the broker reads a metric (sysring_metric_info's patterns)."""

    STATIC = 0
    POLLED = 1
    CONSTRAINED = 2
    DYNAMIC = 3
    DISABLED = 4


class Health(enum.Enum):
    """sysring_health_state."""

    ALIVE = "alive"
    STALE = "stale"  # the broker process exists but its heartbeat stopped
    DEAD = "dead"  # closed, exited, or the name belongs to another segment now

    def __str__(self) -> str:
        return self.value


HEALTH_BY_CODE = {0: Health.ALIVE, 1: Health.STALE, 2: Health.DEAD}


@dataclass(frozen=True)
class Counter:
    """A performance counter: running total, time enabled and time actually counting."""

    count: int
    time_enabled_ns: int
    time_running_ns: int
    read_time_ns: int  # CLOCK_MONOTONIC

    @property
    def scaled(self) -> Optional[float]:
        """perf's multiplexing estimate count * enabled / running; None if it never ran."""
        enabled, running = self.time_enabled_ns, self.time_running_ns
        if running == 0 and enabled > 0:
            return None
        if running == 0 or running >= enabled:
            return float(self.count)
        return self.count * enabled / running


Value = Union[int, float, str, Counter]


@dataclass(frozen=True)
class MetricInfo:
    """A metric (domain NONE) or a family (one value per instance of its domain)."""

    id: int
    name: str
    category: str
    unit: str
    type: Type
    domain: Domain
    available: bool
    kernel_pattern: Pattern
    recommended_pattern: Pattern
    pattern: Pattern  # what the broker follows, after its --config overrides
    ttl_ms: int  # the registry's TTL
    effective_ttl_ms: int  # the TTL the broker follows (0 for STATIC and DISABLED)
    description: str

    @property
    def is_family(self) -> bool:
        return self.domain != Domain.NONE


@dataclass(frozen=True)
class Instance:
    """One instance of a domain ("cpu3", "vda", "eth0", "/home" ...)."""

    domain: Domain
    name: str
    id: int  # stable for the name while the broker lives
    row: int
    registration: int
    live: bool  # False: removed, its row quarantined
    added_ns: int
    removed_ns: int  # 0 while live
    labels: Dict[str, str] = field(default_factory=dict)


class FamilyValues(dict):
    """A family's values: instance name -> value (live instances that have one).

    `labels` and `instances` are keyed by instance name too; `missing` maps the instances
    without a value to the Status saying why (UNAVAILABLE, EMPTY, GONE ...)."""

    def __init__(self, name: str, domain: Domain):
        super().__init__()
        self.name = name
        self.domain = domain
        self.labels: Dict[str, Dict[str, str]] = {}
        self.instances: Dict[str, Instance] = {}
        self.missing: Dict[str, "object"] = {}

    def __repr__(self) -> str:
        return f"FamilyValues({self.name!r}, {dict.__repr__(self)})"


def decode_bits(bits: int, type_: int) -> Union[int, float]:
    """A value word as its type says (a counter's word is its count)."""
    if type_ == Type.F64:
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    if type_ == Type.I64:
        return bits - (1 << 64) if bits >= (1 << 63) else bits
    return bits
