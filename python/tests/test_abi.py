"""The ctypes mirror (sysring/_abi.py) against include/sysring/sysring.h: sizes and offsets as the
C compiler lays them out (the CMake-built helper in env SYSRING_ABI_LAYOUT), and, from the header
text, every struct's members, every enum value and every function's prototype."""
import ctypes
import json
import os
import re
import subprocess

import pytest

import sysring
from sysring import _abi
from sysring.errors import Status
from conftest import REPO

HEADER = REPO / "include" / "sysring" / "sysring.h"


def header_text():
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


@pytest.fixture(scope="module")
def c_layout():
    helper = os.environ.get("SYSRING_ABI_LAYOUT")
    if not helper:
        pytest.fail("set SYSRING_ABI_LAYOUT to the built sysring_abi_layout helper (ctest does)")
    out = subprocess.run([helper], capture_output=True, text=True, timeout=10, check=True)
    return json.loads(out.stdout)


def test_struct_sizes_offsets_and_member_sizes_match_the_c_compiler(c_layout):
    assert ctypes.sizeof(_abi.sysring_status) == c_layout["sysring_status"]["size"]
    assert ctypes.sizeof(_abi.sysring_health_state) == c_layout["sysring_health_state"]["size"]
    assert ctypes.sizeof(_abi.sysring_metric_id) == c_layout["sysring_metric_id"]["size"]
    for struct in _abi.STRUCTS:
        c = c_layout[struct.__name__]
        assert ctypes.sizeof(struct) == c["size"], struct.__name__
        assert ctypes.alignment(struct) == c["align"], struct.__name__
        fields = {name: [getattr(struct, name).offset, getattr(struct, name).size]
                  for name, _ in struct._fields_}
        assert fields == c["fields"], struct.__name__


def header_structs():
    """typedef struct NAME { members } NAME; -> {NAME: [member names in order]}."""
    out = {}
    for name, body in re.findall(r"typedef struct (\w+) \{(.*?)\} \1;", header_text(), re.S):
        members = []
        for decl in body.split(";"):
            decl = decl.strip()
            if not decl:
                continue
            # "uint64_t added_ns, removed_ns" / "const sysring_delta* deltas"
            type_and_first, *more = [d.strip() for d in decl.split(",")]
            members.append(re.findall(r"(\w+)$", type_and_first)[0])
            members.extend(more)
        out[name] = members
    return out


def test_every_struct_of_the_header_is_mirrored_member_for_member():
    structs = header_structs()
    assert set(structs) == {s.__name__ for s in _abi.STRUCTS}
    for struct in _abi.STRUCTS:
        assert [n for n, _ in struct._fields_] == structs[struct.__name__], struct.__name__


def header_enum(prefix):
    return {k: int(v) for k, v in re.findall(rf"\b({prefix}\w+) = (-?\d+)", header_text())}


def test_enum_values_match_the_header():
    statuses = header_enum("SYSRING_(?:E_)?")
    status_names = {k: v for k, v in statuses.items()
                    if not k.startswith(("SYSRING_TYPE_", "SYSRING_DOMAIN_", "SYSRING_ALIVE",
                                         "SYSRING_STALE", "SYSRING_DEAD"))}
    assert {"SYSRING_" + s.name: s.value for s in Status} == status_names
    assert {"SYSRING_TYPE_" + t.name: t.value for t in sysring.Type} == \
        header_enum("SYSRING_TYPE_")
    assert {"SYSRING_DOMAIN_" + d.name: d.value for d in sysring.Domain} == \
        header_enum("SYSRING_DOMAIN_")
    from sysring.types import HEALTH_BY_CODE
    health = {k: v for k, v in statuses.items() if k in ("SYSRING_ALIVE", "SYSRING_STALE",
                                                         "SYSRING_DEAD")}
    assert {"SYSRING_" + h.name: code for code, h in HEALTH_BY_CODE.items()} == health


OPAQUE = {"sysring_client", "sysring_follower", "sysring_instance_list",
          "sysring_process_counters"}
SCALARS = {"size_t": ctypes.c_size_t, "uint8_t": ctypes.c_uint8, "uint32_t": ctypes.c_uint32,
           "int32_t": ctypes.c_int32,
           "uint64_t": ctypes.c_uint64, "double": ctypes.c_double, "char": ctypes.c_char,
           "sysring_metric_id": ctypes.c_uint16, "sysring_status": ctypes.c_int,
           "sysring_health_state": ctypes.c_int}


def expected_ctypes(c_type):
    """The ctypes types acceptable for one C parameter or return type."""
    c_type = " ".join(re.sub(r"\bconst\b", " ", c_type).split())
    stars = c_type.count("*")
    base = c_type.replace("*", "").strip()
    if base == "void" and stars == 0:
        return {None}
    if base in OPAQUE:
        assert stars >= 1
        t = ctypes.c_void_p
        stars -= 1
    elif base == "char" and stars >= 1:
        options = {ctypes.c_char_p, ctypes.POINTER(ctypes.c_char)}
        for _ in range(stars - 1):
            options = {ctypes.POINTER(o) for o in options}
        return options
    elif base in SCALARS:
        t = SCALARS[base]
    else:
        t = getattr(_abi, base)  # a struct
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return {t}


def header_functions():
    out = {}
    for ret, name, params in re.findall(r"\n([\w ]+?\**)\s*\b(sysring_\w+)\(([^)]*)\);",
                                        header_text()):
        params = " ".join(params.split())
        types = [] if params in ("", "void") else [
            re.sub(r"\s*\b\w+$", "", p.strip()) for p in params.split(",")]
        out[name] = (ret.strip(), types)
    return out


def test_every_function_is_declared_with_the_header_prototype():
    functions = header_functions()
    assert len(functions) >= 25
    assert set(functions) == set(_abi.FUNCTIONS)
    for name, (ret, params) in functions.items():
        restype, argtypes = _abi.FUNCTIONS[name]
        assert restype in expected_ctypes(ret), (name, ret, restype)
        assert len(argtypes) == len(params), name
        for i, (c_type, t) in enumerate(zip(params, argtypes)):
            assert t in expected_ctypes(c_type), (name, i, c_type, t)


def test_the_loaded_library_has_the_prototypes_set():
    lib = sysring._lib.load()
    for name, (restype, argtypes) in _abi.FUNCTIONS.items():
        fn = getattr(lib, name)
        assert fn.restype == restype and list(fn.argtypes) == argtypes, name
