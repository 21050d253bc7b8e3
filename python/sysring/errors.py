"""Exceptions: one class per sysring_status that is not SYSRING_OK, all subclassing SysringError."""
from __future__ import annotations

import enum
from typing import Optional


class Status(enum.IntEnum):
    """sysring_status (sysring.h): 0 ok, > 0 an outcome without a value, < 0 an error."""

    OK = 0
    EMPTY = 1
    UNAVAILABLE = 2
    READ_ERROR = 3
    NO_SUCH_METRIC = 4
    BUSY = 5
    GONE = 6
    IDLE = 7
    CORRUPT = 8
    E_INVALID_NAME = -1
    E_NOT_FOUND = -2
    E_PERMISSION = -3
    E_FOREIGN_OWNER = -4
    E_INSECURE_MODE = -5
    E_BAD_SEGMENT = -6
    E_VERSION = -7
    E_NOT_LIVE = -8
    E_SYSTEM = -9
    E_ARGUMENT = -10
    E_UNREACHABLE = -11
    E_REFUSED = -12
    E_PROTOCOL = -13


class SysringError(Exception):
    """Base of every sysring exception; `status` is the Status (None when no call was made)."""

    status: Optional[Status] = None

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = Status(status)


class LibraryNotFound(SysringError):
    """libsysring.so could not be loaded."""


# Outcomes without a value (status > 0).
class Empty(SysringError):
    """The broker has not read the metric yet."""

    status = Status.EMPTY


class Unavailable(SysringError):
    """The metric cannot be read on this machine (or for this instance)."""

    status = Status.UNAVAILABLE


class ReadError(SysringError):
    """The broker's last read of the metric failed."""

    status = Status.READ_ERROR


class NoSuchMetric(SysringError, LookupError):
    """No such metric or instance in this segment."""

    status = Status.NO_SUCH_METRIC


class Busy(SysringError):
    """The broker kept publishing during every attempt: retry."""

    status = Status.BUSY


class Gone(SysringError):
    """The instance was removed, or the broker is gone."""

    status = Status.GONE


class Idle(SysringError):
    """Nothing new (follower), or nothing newer to attach to."""

    status = Status.IDLE


class Corrupt(SysringError):
    """A ring slot failed verification and was skipped."""

    status = Status.CORRUPT


# Errors (status < 0).
class InvalidName(SysringError, ValueError):
    """The segment name is not '/' plus 1 to 30 letters, digits, '-', '_' or '.'."""

    status = Status.E_INVALID_NAME


class NotFound(SysringError):
    """No segment of that name: is sysringd running?"""

    status = Status.E_NOT_FOUND


class PermissionDenied(SysringError):
    """The segment exists but this user may not read it."""

    status = Status.E_PERMISSION


class ForeignOwner(SysringError):
    """The segment belongs to a user other than root or this user."""

    status = Status.E_FOREIGN_OWNER


class InsecureMode(SysringError):
    """The segment is writable by others."""

    status = Status.E_INSECURE_MODE


class BadSegment(SysringError):
    """The segment failed validation (not a sysring segment, truncated, corrupt)."""

    status = Status.E_BAD_SEGMENT


class VersionMismatch(SysringError):
    """The segment's layout version is not the one this library reads."""

    status = Status.E_VERSION


class NotLive(SysringError):
    """The broker has not finished creating the segment, or closed it."""

    status = Status.E_NOT_LIVE


class SystemFailure(SysringError):
    """A system call failed (or an unexpected library error)."""

    status = Status.E_SYSTEM


class InvalidArgument(SysringError, ValueError):
    """The library refused an argument."""

    status = Status.E_ARGUMENT


_BY_STATUS = {
    cls.status: cls
    for cls in (Empty, Unavailable, ReadError, NoSuchMetric, Busy, Gone, Idle, Corrupt,
                InvalidName, NotFound, PermissionDenied, ForeignOwner, InsecureMode, BadSegment,
                VersionMismatch, NotLive, SystemFailure, InvalidArgument)
}

_DEFAULT_MESSAGES = {
    Status.EMPTY: "not read yet",
    Status.UNAVAILABLE: "unavailable",
    Status.READ_ERROR: "read error",
    Status.NO_SUCH_METRIC: "no such metric",
    Status.BUSY: "busy: the broker kept publishing, retry",
    Status.GONE: "gone",
    Status.IDLE: "idle",
    Status.CORRUPT: "a ring slot failed verification",
    Status.E_INVALID_NAME: "invalid segment name",
    Status.E_NOT_FOUND: "segment not found",
    Status.E_PERMISSION: "permission denied",
    Status.E_FOREIGN_OWNER: "segment owned by another user",
    Status.E_INSECURE_MODE: "segment writable by others",
    Status.E_BAD_SEGMENT: "bad segment",
    Status.E_VERSION: "layout version mismatch",
    Status.E_NOT_LIVE: "segment not live",
    Status.E_SYSTEM: "system error",
    Status.E_ARGUMENT: "invalid argument",
    Status.E_UNREACHABLE: "no broker serves per-process counter requests",
    Status.E_REFUSED: "the broker refused the request",
    Status.E_PROTOCOL: "bad reply from the broker",
}


def _library_line() -> Optional[str]:
    """The library's own line for this thread's last error (sysring_last_error), if any."""
    from . import _lib  # here, not at the top: _lib imports this module
    line = _lib.load().sysring_last_error()
    return line.decode("utf-8", "replace") or None if line else None


def error_for(status: int, message: Optional[str] = None, context: Optional[str] = None) -> SysringError:
    """The exception for a non-OK status: `message` (the library's line) or a default one,
    prefixed with `context` (e.g. the metric's name)."""
    try:
        st = Status(status)
    except ValueError:
        return SystemFailure(f"unknown sysring status {status}" + (f" ({context})" if context else ""),
                             Status.E_SYSTEM)
    if message is None and st < 0 and st != Status.E_ARGUMENT:  # E_ARGUMENT sets no line
        message = _library_line()
    text = message or _DEFAULT_MESSAGES[st]
    if context:
        text = f"{context}: {text}"
    cls = _BY_STATUS.get(st, SysringError)
    return cls(text, st)
