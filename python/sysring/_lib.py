"""Finds and loads libsysring.so once: $SYSRING_LIBRARY, then find_library("sysring"), then
libsysring.so.0 on the loader's path."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import List, Optional

from .errors import LibraryNotFound

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


def _candidates() -> List[str]:
    out = []
    env = os.environ.get("SYSRING_LIBRARY")
    if env:
        return [env]  # an explicit path is the only one tried: no silent fallback
    found = ctypes.util.find_library("sysring")
    if found:
        out.append(found)
    out.append("libsysring.so.0")
    return out


def load() -> ctypes.CDLL:
    """The loaded library with every prototype declared; raises LibraryNotFound."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        from . import _abi

        tried = []
        for name in _candidates():
            try:
                lib = ctypes.CDLL(name)
            except OSError as e:
                tried.append(f"{name} ({e})")
                continue
            try:
                _abi.declare(lib)
            except AttributeError as e:
                tried.append(f"{name} (not libsysring: {e})")
                continue
            _lib = lib
            return lib
        raise LibraryNotFound(
            "cannot load libsysring: tried " + "; ".join(tried) +
            ". Set SYSRING_LIBRARY to the path of libsysring.so (build/client-lib/libsysring.so)")
