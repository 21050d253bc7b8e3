"""ctypes mirror of include/sysring/sysring.h: every struct field for field, every function with
its argtypes and restype. tests/test_abi.py checks it against the header and the C compiler."""
from __future__ import annotations

import ctypes
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int32, c_size_t,
                    c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

sysring_status = c_int  # a C enum: int-sized on every ABI sysring builds for
sysring_health_state = c_int
sysring_metric_id = c_uint16
SYSRING_NO_METRIC = 0


class sysring_scalar(Structure):
    _fields_ = [
        ("bits", c_uint64),
        ("read_time_ns", c_uint64),
        ("type", c_uint8),
    ]


class sysring_counter(Structure):
    _fields_ = [
        ("count", c_uint64),
        ("time_enabled_ns", c_uint64),
        ("time_running_ns", c_uint64),
        ("read_time_ns", c_uint64),
    ]


class sysring_metric_info(Structure):
    _fields_ = [
        ("id", sysring_metric_id),
        ("type", c_uint8),
        ("kernel_pattern", c_uint8),
        ("recommended_pattern", c_uint8),
        ("available", c_uint8),
        ("domain", c_uint8),
        ("ttl_ms", c_uint32),
        ("name", c_char_p),
        ("category", c_char_p),
        ("unit", c_char_p),
        ("description", c_char_p),
    ]


class sysring_instance_info(Structure):
    _fields_ = [
        ("domain", c_uint8),
        ("live", c_uint8),
        ("instance_id", c_uint32),
        ("row", c_uint32),
        ("registration", c_uint64),
        ("added_ns", c_uint64),
        ("removed_ns", c_uint64),
        ("name", c_char_p),
        ("label_count", c_size_t),
    ]


class sysring_handle(Structure):
    _fields_ = [
        ("registration", c_uint64),
        ("epoch", c_uint64),
        ("column", c_uint32),
        ("cell", c_uint32),
        ("registration_word", c_uint32),
        ("row", c_uint32),
        ("family", sysring_metric_id),
        ("domain", c_uint8),
        ("type", c_uint8),
    ]


class sysring_instance_value(Structure):
    _fields_ = [
        ("instance", c_char_p),
        ("row", c_uint32),
        ("status", sysring_status),
        ("value", sysring_scalar),
        ("counter", sysring_counter),
    ]


class sysring_delta(Structure):
    _fields_ = [
        ("id", sysring_metric_id),
        ("row", c_uint32),
        ("bits", c_uint64),
    ]


class sysring_instance_event(Structure):
    _fields_ = [
        ("added", c_uint8),
        ("domain", c_uint8),
        ("row", c_uint32),
        ("instance_id", c_uint32),
        ("registration", c_uint64),
        ("name", c_char_p),
    ]


class sysring_batch(Structure):
    _fields_ = [
        ("position", c_uint64),
        ("tick", c_uint64),
        ("timestamp_ns", c_uint64),
        ("lost_batches", c_uint64),
        ("full_snapshot", c_uint8),
        ("events", POINTER(sysring_instance_event)),
        ("event_count", c_size_t),
        ("deltas", POINTER(sysring_delta)),
        ("delta_count", c_size_t),
        ("string_ids", POINTER(sysring_metric_id)),
        ("string_count", c_size_t),
    ]


class sysring_process_counter_value(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("value", c_uint64),
        ("time_enabled_ns", c_uint64),
        ("time_running_ns", c_uint64),
    ]


STRUCTS = (sysring_scalar, sysring_counter, sysring_metric_info, sysring_instance_info,
           sysring_handle, sysring_instance_value, sysring_delta, sysring_instance_event,
           sysring_batch, sysring_process_counter_value)

# Opaque handles: kept as void pointers (never dereferenced here).
client_p = c_void_p
follower_p = c_void_p
instance_list_p = c_void_p
process_counters_p = c_void_p

# name: (restype, argtypes), in the order of sysring.h.
FUNCTIONS = {
    "sysring_open": (sysring_status, [c_char_p, POINTER(client_p), POINTER(c_char), c_size_t]),
    "sysring_close": (None, [client_p]),
    "sysring_last_error": (c_char_p, []),
    "sysring_health": (sysring_status, [client_p, POINTER(sysring_health_state)]),
    "sysring_reattach": (sysring_status, [client_p]),
    "sysring_counters_summary": (c_char_p, [client_p]),
    "sysring_find": (sysring_status, [client_p, c_char_p, POINTER(sysring_metric_id)]),
    "sysring_metric_count": (c_size_t, [client_p]),
    "sysring_metric_info_at": (sysring_status, [client_p, c_size_t, POINTER(sysring_metric_info)]),
    "sysring_metric_schedule_at": (sysring_status,
                                   [client_p, c_size_t, POINTER(c_uint8), POINTER(c_uint32)]),
    "sysring_read": (sysring_status, [client_p, sysring_metric_id, POINTER(sysring_scalar)]),
    "sysring_scalar_as_double": (c_double, [POINTER(sysring_scalar)]),
    "sysring_read_text": (sysring_status, [client_p, sysring_metric_id, POINTER(c_char), c_size_t,
                                           POINTER(c_size_t), POINTER(c_uint64)]),
    "sysring_read_counter": (sysring_status,
                             [client_p, sysring_metric_id, POINTER(sysring_counter)]),
    "sysring_instances": (sysring_status, [client_p, POINTER(instance_list_p)]),
    "sysring_instance_list_free": (None, [instance_list_p]),
    "sysring_instance_generation": (c_uint64, [client_p]),
    "sysring_instance_count": (c_size_t, [instance_list_p]),
    "sysring_instance_at": (sysring_status,
                            [instance_list_p, c_size_t, POINTER(sysring_instance_info)]),
    "sysring_instance_label": (sysring_status, [instance_list_p, c_size_t, c_size_t,
                                                POINTER(c_char_p), POINTER(c_char_p)]),
    "sysring_bind": (sysring_status,
                     [client_p, sysring_metric_id, c_char_p, POINTER(sysring_handle)]),
    "sysring_read_handle": (sysring_status,
                            [client_p, POINTER(sysring_handle), POINTER(sysring_scalar)]),
    "sysring_read_handle_counter": (sysring_status,
                                    [client_p, POINTER(sysring_handle), POINTER(sysring_counter)]),
    "sysring_read_family": (sysring_status, [client_p, instance_list_p, sysring_metric_id,
                                             POINTER(sysring_instance_value), c_size_t,
                                             POINTER(c_size_t)]),
    "sysring_follower_new": (follower_p, [client_p]),
    "sysring_follower_free": (None, [follower_p]),
    "sysring_follower_poll": (sysring_status, [follower_p, POINTER(sysring_batch)]),
    "sysring_process_counters_open_self": (sysring_status,
                                           [c_char_p, POINTER(c_char_p), c_size_t,
                                            POINTER(process_counters_p), POINTER(c_char),
                                            c_size_t]),
    "sysring_process_counters_open_pid": (sysring_status,
                                          [c_char_p, c_int32, POINTER(c_char_p), c_size_t,
                                           POINTER(process_counters_p), POINTER(c_char),
                                           c_size_t]),
    "sysring_process_counters_close": (None, [process_counters_p]),
    "sysring_process_counters_start": (sysring_status, [process_counters_p]),
    "sysring_process_counters_stop": (sysring_status, [process_counters_p]),
    "sysring_process_counters_read": (sysring_status,
                                      [process_counters_p, POINTER(sysring_process_counter_value),
                                       c_size_t, POINTER(c_size_t)]),
}


def declare(lib: ctypes.CDLL) -> None:
    """Sets restype and argtypes of every function; AttributeError if one is missing."""
    for name, (restype, argtypes) in FUNCTIONS.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
