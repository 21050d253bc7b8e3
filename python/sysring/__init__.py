"""sysring: read a sysringd broker's metrics from Python (ctypes over libsysring.so).

    import sysring
    with sysring.Client() as c:                 # segment "/sysring" by default
        print(c.read("mem.available"))
        print(c.read_family("cpu.busy_ratio"))  # {"cpu0": ..., "cpu1": ...}
"""
from .client import Client, Handle
from .errors import (BadSegment, Busy, Corrupt, Empty, ForeignOwner, Gone, Idle, InsecureMode,
                     InvalidArgument, InvalidName, LibraryNotFound, NoSuchMetric, NotFound,
                     NotLive, PermissionDenied, ReadError, Status, SysringError, SystemFailure,
                     Unavailable, VersionMismatch)
from .follower import Batch, Delta, Follower, InstanceEvent
from .types import (Counter, Domain, FamilyValues, Health, Instance, MetricInfo, Pattern, Type)

__version__ = "0.1.0"

__all__ = [
    "Client", "Handle", "Follower", "Batch", "Delta", "InstanceEvent",
    "Counter", "Domain", "FamilyValues", "Health", "Instance", "MetricInfo", "Pattern", "Type",
    "Status", "SysringError", "LibraryNotFound", "Empty", "Unavailable", "ReadError",
    "NoSuchMetric", "Busy", "Gone", "Idle", "Corrupt", "InvalidName", "NotFound",
    "PermissionDenied", "ForeignOwner", "InsecureMode", "BadSegment", "VersionMismatch",
    "NotLive", "SystemFailure", "InvalidArgument",
]
