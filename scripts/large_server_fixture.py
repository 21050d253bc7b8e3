#!/usr/bin/env python3
"""Generates the proc and sys trees of a large server for sysringd --proc-root/--sys-root.

The scalar files (meminfo, vmstat, net/snmp, /proc/sys, ...) are copied from this machine, so a
refresh reads what a real kernel writes; the instance files are generated at the sizes asked for:

  <dir>/proc/stat            the host's lines, with one cpuN line per CPU
  <dir>/proc/diskstats       DISKS whole disks (sdX, nvmeNn1), each with two excluded partitions
  <dir>/proc/net/dev         NETIFS interfaces (lo and ethN)
  <dir>/proc/1/mountinfo     MOUNTS ext4/xfs mounts of real directories <dir>/mnt/mN (statvfs
                             works on them), plus the pseudo mounts node_exporter leaves out
  <dir>/sys/devices/system/cpu/{possible,online}, cpuN/topology/{core_id,physical_package_id}
  <dir>/sys/class/net/IF/{operstate,carrier,speed,mtu,...}
  <dir>/sys/devices/system/node/nodeN/{meminfo,numastat}
  <dir>/cgroup/groupN/{cpu.stat,memory.current,io.stat,*.pressure}
  <dir>/sysringd.conf        [instances.cgroup] root = <dir>/cgroup

Usage: scripts/large_server_fixture.py DIR [--cpus 256] [--disks 64] [--netifs 32]
       [--mounts 100] [--nodes 8] [--cgroups 100]
"""
import argparse
import csv
import pathlib
import shutil
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def scalar_files():
    """The /proc and /sys files the registry's scalar rows read, relative to their root."""
    rows = (REPO / "schema" / "registry" / "linux.csv").read_text().splitlines()
    rows = [r for r in rows if r.strip() and not r.lstrip().startswith("#")]
    files = set()
    for row in csv.DictReader(rows):
        if row["domain"]:
            continue
        kind, _, rest = row["source"].partition(":")
        simple = {"meminfo": "meminfo", "vmstat": "vmstat", "loadavg": "loadavg",
                  "uptime": "uptime", "snmp": "net/snmp", "netstat": "net/netstat",
                  "sockstat": "net/sockstat", "stat": "stat"}
        if kind in simple:
            files.add(("proc", simple[kind]))
        elif kind == "pressure":
            files.add(("proc", "pressure/" + rest.split(":")[0]))
        elif kind == "sysctl":
            files.add(("proc", "sys/" + rest.split(":")[0]))
        elif kind == "sysfs":
            files.add(("sys", rest.split(":")[0]))
    return sorted(files)


def copy_scalars(out):
    for root, rel in scalar_files():
        source = pathlib.Path("/" + root) / rel
        target = out / root / rel
        try:
            data = source.read_bytes()
        except OSError:
            continue  # this host lacks it: the row is unavailable, as on a host without it
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def proc_stat(out, cpus):
    host = pathlib.Path("/proc/stat").read_text().splitlines()
    lines = [l for l in host if l.startswith("cpu ")]
    for n in range(cpus):
        lines.append(f"cpu{n} {1000 + n} {n} {500 + n} {900000 + n} {n % 7} 0 {n % 3} 0 0 0")
    lines += [l for l in host if not l.startswith("cpu")]
    write(out / "proc" / "stat", "\n".join(lines) + "\n")


def cpus_sysfs(out, cpus):
    base = out / "sys" / "devices" / "system" / "cpu"
    write(base / "possible", f"0-{cpus - 1}\n")
    write(base / "online", f"0-{cpus - 1}\n")
    for n in range(cpus):
        write(base / f"cpu{n}" / "topology" / "core_id", f"{n % (cpus // 2 or 1)}\n")
        write(base / f"cpu{n}" / "topology" / "physical_package_id", f"{n // 64}\n")


def disk_name(n):
    """sda..sdz, vda..vdz, then nvme0n1, nvme1n1, ...: names whose partitions the default
    exclusion leaves out."""
    if n < 26:
        return "sd" + chr(ord("a") + n)
    if n < 52:
        return "vd" + chr(ord("a") + n - 26)
    return f"nvme{n - 52}n1"


def diskstats(out, disks):
    lines = []
    for n in range(disks):
        name = disk_name(n)
        fields = " ".join(str(1000 * n + i) for i in range(17))
        lines.append(f"   8 {16 * n:7d} {name} {fields}")
        for p in (1, 2):  # partitions: left out by the default exclusion
            part = f"{name}p{p}" if name.startswith("nvme") else f"{name}{p}"
            lines.append(f"   8 {16 * n + p:7d} {part} {fields}")
    lines.append("   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0")
    write(out / "proc" / "diskstats", "\n".join(lines) + "\n")


def netifs(out, count):
    names = ["lo"] + [f"eth{n}" for n in range(count - 1)]
    lines = ["Inter-|   Receive                                                |  Transmit",
             " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
             "packets errs drop fifo colls carrier compressed"]
    for i, name in enumerate(names):
        values = " ".join(str(100000 * i + f) for f in range(16))
        lines.append(f"{name:>6}: {values}")
        sysfs = out / "sys" / "class" / "net" / name
        for attribute, value in (("operstate", "up" if i else "unknown"), ("carrier", "1"),
                                 ("speed", "10000" if i else "-1"), ("mtu", "1500"),
                                 ("carrier_changes", str(i)), ("tx_queue_len", "1000"),
                                 ("ifindex", str(i + 1)), ("flags", "0x1003")):
            write(sysfs / attribute, value + "\n")
    write(out / "proc" / "net" / "dev", "\n".join(lines) + "\n")


def mounts(out, count):
    lines = ["22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
             "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
             "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw",
             "25 22 0:6 / /dev rw,nosuid,relatime - devtmpfs udev rw",
             "26 25 0:23 / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw"]
    for n in range(count - 1):  # "/" is the first
        point = out / "mnt" / f"m{n}"
        point.mkdir(parents=True, exist_ok=True)
        fstype = "xfs" if n % 3 == 0 else "ext4"
        lines.append(f"{100 + n} 22 8:{n} / {point} rw,relatime - {fstype} /dev/disk{n} rw")
    write(out / "proc" / "1" / "mountinfo", "\n".join(lines) + "\n")


def numa(out, nodes):
    keys = ["MemTotal", "MemFree", "MemUsed", "Active", "Inactive", "Active(anon)",
            "Inactive(anon)", "Active(file)", "Inactive(file)", "Dirty", "Writeback", "FilePages",
            "Mapped", "AnonPages", "Shmem", "KernelStack", "PageTables", "Slab", "SReclaimable",
            "SUnreclaim"]
    for n in range(nodes):
        base = out / "sys" / "devices" / "system" / "node" / f"node{n}"
        meminfo = [f"Node {n} {k}: {1000000 + 37 * i + n} kB" for i, k in enumerate(keys)]
        meminfo += [f"Node {n} HugePages_Total:     0", f"Node {n} HugePages_Free:      0"]
        write(base / "meminfo", "\n".join(meminfo) + "\n")
        stats = ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node",
                 "other_node"]
        write(base / "numastat", "".join(f"{k} {1000 * n + i}\n" for i, k in enumerate(stats)))


def cgroups(out, count):
    root = out / "cgroup"
    write(root / "cgroup.controllers", "cpuset cpu io memory pids\n")
    write(root / "cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
                                 "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    for name in ("memory.pressure", "io.pressure"):
        write(root / name, (root / "cpu.pressure").read_text())
    for n in range(count):
        group = root / f"group{n}.slice"
        write(group / "cpu.stat", f"usage_usec {n * 1000}\nuser_usec {n * 600}\n"
                                  f"system_usec {n * 400}\nnr_periods 0\n")
        write(group / "memory.current", f"{n * 4096}\n")
        write(group / "io.stat", f"8:0 rbytes={n} wbytes={2 * n} rios=1 wios=2 dbytes=0 dios=0\n"
                                 f"8:16 rbytes={n} wbytes={n} rios=1 wios=1 dbytes=0 dios=0\n")
        for name in ("cpu.pressure", "memory.pressure", "io.pressure"):
            write(group / name, (root / name).read_text())
    write(out / "sysringd.conf", f"[instances.cgroup]\nroot = {root}\ndepth = 1\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--cpus", type=int, default=256)
    ap.add_argument("--disks", type=int, default=64)
    ap.add_argument("--netifs", type=int, default=32)
    ap.add_argument("--mounts", type=int, default=100)
    ap.add_argument("--nodes", type=int, default=8)
    ap.add_argument("--cgroups", type=int, default=100)
    args = ap.parse_args()
    if min(args.cpus, args.disks, args.netifs, args.mounts, args.nodes, args.cgroups) < 1:
        sys.exit("large_server_fixture: every count must be at least 1")
    out = args.dir.resolve()
    if out.exists():
        shutil.rmtree(out)
    copy_scalars(out)
    proc_stat(out, args.cpus)
    cpus_sysfs(out, args.cpus)
    diskstats(out, args.disks)
    netifs(out, args.netifs)
    mounts(out, args.mounts)
    numa(out, args.nodes)
    cgroups(out, args.cgroups)
    print(out)


if __name__ == "__main__":
    main()
