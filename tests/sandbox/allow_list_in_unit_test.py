#!/usr/bin/env python3
"""The broker's in-process allow-list (broker/sandbox/seccomp_allow_list.cpp, plus socket and
clone, which seccomp_filter.cpp allows with argument checks) must be a subset of what its systemd
unit's SystemCallFilter= allows: a call the unit refuses would fail under systemd anyway.

  allow_list_in_unit_test.py ALLOW_LIST_CPP UNIT UNIT_SYSCALLS_PY_DIR
Exit 77 (skipped) without systemd-analyze.
"""
import re
import shutil
import sys


def steady_state_names(path):
    text = open(path, encoding="utf-8").read()
    block = re.search(r"kSteadyState = \{(.*?)\};", text, re.S)
    if not block:
        sys.exit(f"{path}: no kSteadyState list: changed?")
    code = re.sub(r"//[^\n]*", "", block.group(1))
    return set(re.findall(r'"([a-z0-9_]+)"', code)) | {"socket", "clone"}


def main():
    allow_list, unit, package_dir = sys.argv[1:4]
    if shutil.which("systemd-analyze") is None:
        print("skipped: systemd-analyze is not installed")
        return 77
    sys.path.insert(0, package_dir)
    import unit_syscalls  # tests/package: the unit's filter as systemd builds it
    allowed = unit_syscalls.allowed_calls(unit, unit_syscalls.filter_groups())
    names = steady_state_names(allow_list)
    if len(names) < 40:
        sys.exit(f"only {len(names)} names parsed from {allow_list}: format changed?")
    outside = sorted(names - allowed)
    print(f"{len(names)} calls in the in-process list, {len(allowed)} allowed by the unit")
    if outside:
        print("in the broker's list but refused by the unit: " + " ".join(outside))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
