#!/usr/bin/env python3
"""Generates the MetricId FlatBuffers enum and the C++ registry table from schema/registry/*.csv.

The registry is data; this script is the only place that turns it into code, so the enum,
the descriptor table and the schema hash can never disagree.
"""
import argparse
import csv
import pathlib
import re
import sys

VALUE_TYPES = {"u64": "U64", "i64": "I64", "f64": "F64", "string": "String", "counter": "Counter"}
PATTERNS = {"STATIC": "Static", "POLLED": "Polled", "CONSTRAINED": "Constrained",
            "DYNAMIC": "Dynamic", "DISABLED": "Disabled"}
DOMAINS = {"": "None", "cpu": "Cpu", "disk": "Disk", "netif": "Netif", "filesystem": "Filesystem",
           "numa": "Numa", "cgroup": "Cgroup"}
MAX_ID = 65535


def fail(msg):
    sys.exit(f"gen_registry: {msg}")


def read_rows(path):
    lines = [l for l in path.read_text().splitlines() if l.strip() and not l.lstrip().startswith("#")]
    rows = []
    for n, row in enumerate(csv.DictReader(lines), start=2):
        try:
            row["id"] = int(row["id"])
            row["ttl_ms"] = int(row["ttl_ms"])
        except (TypeError, ValueError):
            fail(f"{path.name}: row {n}: id and ttl_ms must be integers")
        if row["type"] not in VALUE_TYPES:
            fail(f"{path.name}: {row['name']}: unknown type {row['type']!r}")
        if row.get("domain") is None or row["domain"] not in DOMAINS:
            fail(f"{path.name}: {row['name']}: unknown domain {row.get('domain')!r}")
        if row["domain"] and row["type"] == "string":
            fail(f"{path.name}: {row['name']}: instance families hold numbers, not strings")
        for col in ("kernel_pattern", "recommended_pattern"):
            if row[col] not in PATTERNS:
                fail(f"{path.name}: {row['name']}: unknown {col} {row[col]!r}")
        if not 1 <= row["id"] <= MAX_ID:
            fail(f"{path.name}: {row['name']}: id {row['id']} outside 1..{MAX_ID}")
        if not re.fullmatch(r"[a-z][a-z0-9_.]*", row["name"]):
            fail(f"{path.name}: bad metric name {row['name']!r} (lower case, digits, '_' and '.')")
        row["platform"] = path.stem
        rows.append(row)
    return rows


def enum_ident(name):
    return name.replace(".", "_")


def schema_hash(rows):
    # FNV-1a 64 over what a compiled-in client relies on: id, name, value type and domain.
    h = 0xCBF29CE484222325
    for r in sorted(rows, key=lambda r: r["id"]):
        for b in f"{r['id']}|{r['name']}|{r['type']}|{r['domain']}\n".encode():
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def read_id_list(path):
    out = {}
    if path is None:
        return out
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rid, name, vtype = line.split()
        out[int(rid)] = (name, vtype)
    return out


def check_released(rows, released_path, retired_path):
    by_id = {r["id"]: r for r in rows}
    retired = read_id_list(retired_path)
    released = read_id_list(released_path)
    for rid, (name, vtype) in retired.items():
        if released.get(rid) != (name, vtype):
            fail(f"retired id {rid} ({name}) is not a released id of that name and type")
        if rid in by_id:
            fail(f"retired id {rid} ({name}) is back in the registry as {by_id[rid]['name']}: "
                 "retired ids are never reused")
    for rid, (name, vtype) in released.items():
        row = by_id.get(rid)
        if row is None and rid in retired:
            continue
        if row is None:
            fail(f"released id {rid} ({name}) was removed from the registry (retire it in "
                 "retired_ids.txt instead)")
        if row["name"] != name or row["type"] != vtype:
            fail(f"released id {rid} changed from {name} {vtype} to {row['name']} {row['type']}")


def cpp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", nargs="+", required=True, type=pathlib.Path)
    ap.add_argument("--released", type=pathlib.Path, required=True)
    ap.add_argument("--retired", type=pathlib.Path)
    ap.add_argument("--fbs-out", type=pathlib.Path, required=True)
    ap.add_argument("--cpp-out", type=pathlib.Path, required=True)
    args = ap.parse_args()

    rows = [r for p in args.registry for r in read_rows(p)]
    seen_ids, seen_names = {}, {}
    for r in rows:
        if r["id"] in seen_ids:
            fail(f"id {r['id']} used by both {seen_ids[r['id']]} and {r['name']}")
        if r["name"] in seen_names:
            fail(f"name {r['name']} appears twice")
        seen_ids[r["id"]] = r["name"]
        seen_names[r["name"]] = r["id"]
    check_released(rows, args.released, args.retired)
    rows.sort(key=lambda r: r["id"])

    fbs = ["// Generated by schema/gen_registry.py from schema/registry/*.csv. Do not edit.",
           "namespace sysring.schema;", "", "enum MetricId : ushort {", "  None = 0,"]
    fbs += [f"  {enum_ident(r['name'])} = {r['id']}," for r in rows]
    fbs += ["}", ""]
    write_if_changed(args.fbs_out, "\n".join(fbs))

    cpp = ["// Generated by schema/gen_registry.py from schema/registry/*.csv. Do not edit.",
           "#pragma once", "#include <array>", "#include <cstdint>",
           '#include "sysring/registry_entry.hpp"', "",
           "namespace sysring::registry {", "",
           f"inline constexpr std::uint64_t kSchemaHash = 0x{schema_hash(rows):016X}ULL;",
           f"inline constexpr std::uint16_t kMaxMetricId = {max(r['id'] for r in rows)};", ""]
    cpp.append(f"inline constexpr std::array<RegistryEntry, {len(rows)}> kEntries = {{{{")
    for r in rows:
        cpp.append("    {" + ", ".join([
            str(r["id"]), cpp_str(r["name"]), cpp_str(r["category"]),
            f"schema::ValueType::{VALUE_TYPES[r['type']]}",
            f"schema::InstanceDomain::{DOMAINS[r['domain']]}", cpp_str(r["unit"]),
            f"schema::AccessPattern::{PATTERNS[r['kernel_pattern']]}",
            f"schema::AccessPattern::{PATTERNS[r['recommended_pattern']]}",
            f"{r['ttl_ms']}u", cpp_str(r["platform"]), cpp_str(r["source"]),
            cpp_str(r["description"])]) + "},")
    cpp += ["}};", "", "}  // namespace sysring::registry", ""]
    write_if_changed(args.cpp_out, "\n".join(cpp))


if __name__ == "__main__":
    main()
