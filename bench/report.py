#!/usr/bin/env python3
"""Prints the medians of a sysring_bench JSON run and checks the ratios the project promises.

Ratios are computed from medians of the same run (same machine conditions). By default they are
judged on CPU time (user + system, so syscall baselines keep their kernel time): on a shared
machine, preemption inflates wall time by whatever else runs, not by what the code costs. The
other basis is shown beside it; --time real judges on wall time instead. Exit status is 0 even on
MISS: this is a report, not a test (performance assertions do not belong in unit tests).
"""
import argparse
import json
import re
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# (label, numerator, denominator, op, target, explanation)
PROMISES = [
    ("single read vs one-word seqlock floor", "BM_LibraryReadOne", "BM_FloorSeqlockOneWord",
     "<=", 2.0, "Client::read within 2x of a bare one-word seqlock read"),
    ("read-all vs bare copy of the same words", "BM_LibraryReadAll", "BM_BareCopyAllWords",
     "<=", 5.0, "every value through the library within 5x of a memcpy of as many words"),
    ("kept-open pread vs single read", "BM_PreadProcSysKeptOpen", "BM_LibraryReadOne",
     ">=", 300.0, "one library read at least 300x faster than pread of a kept-open /proc/sys file"),
    ("open/read/close vs kept-open pread", "BM_OpenReadCloseProcSys", "BM_PreadProcSysKeptOpen",
     ">", 1.0, "keeping the procfs fd open is a gain"),
]

# Absolute budgets (issue 11), judged on the same basis: (label, benchmark, divide by this
# counter or None, budget in ns).
BUDGETS = [
    ("family read, per value (this VM's interfaces)", "BM_LibraryReadFamilyNetif", "instances",
     3.0),
    ("family read, per value (256 CPUs)", "BM_LargeReadFamilyCpu", "instances", 3.0),
    ("refresh of every polled source", "BM_BrokerTickPolled", None, 250e3),
    ("large server: full refresh", "BM_LargeServerTick", None, 2e6),
]

INFO = [
    ("bound read vs one-word seqlock floor", "BM_LibraryReadBound", "BM_FloorSeqlockOneWord"),
    ("read-all vs word-by-word copy", "BM_LibraryReadAll", "BM_BareCopyAllWordsByWord"),
    ("instance handle read vs one-word seqlock floor", "BM_LibraryReadHandle",
     "BM_FloorSeqlockOneWord"),
    ("meminfo open/read/close vs kept-open", "BM_ParseProcMeminfo", "BM_PreadProcMeminfoKeptOpen"),
    ("meminfo kept-open vs single read", "BM_PreadProcMeminfoKeptOpen", "BM_LibraryReadOne"),
    ("full broker tick vs idle tick", "BM_BrokerTick", "BM_BrokerTickIdle"),
    ("polled refresh vs full refresh", "BM_BrokerTickPolled", "BM_BrokerTick"),
    ("large server vs this VM, full refresh", "BM_LargeServerTick", "BM_BrokerTick"),
    ("perf group read() vs library read of one CPU's counters", "BM_CounterGroupPerfRead",
     "BM_CounterGroupLibrary"),
    ("tick files: broker refresh vs one pread", "BM_TickFilesRefresh", "BM_TickFilesSinglePread"),
    # Per-process counters (issue 15); the round trips are wall time: read them with --time real.
    ("counter request round trip, 4 events vs 1", "BM_CounterRequestRoundTrip/4",
     "BM_CounterRequestRoundTrip/1"),
    ("ProcessCounters::read (4) vs read() of 1 fd", "BM_ProcessCountersRead", "BM_PerfReadOneFd"),
    ("start+stop (4) vs ENABLE+DISABLE of 1 fd", "BM_ProcessCountersStartStop",
     "BM_PerfEnableDisableOneFd"),
]


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "aggregate":
            continue
        # MeasureProcessCPUTime() suffixes the name; the report keys on the benchmark's own.
        # So do Iterations(N) and UseRealTime().
        name = re.sub(r"/(process_time|real_time|iterations:\d+)", "",
                      b.get("run_name", b["name"]))
        agg = b.get("aggregate_name")
        if agg == "cv":  # a fraction, not a time
            rows.setdefault(name, {})["cv_real"] = b.get("real_time")
            continue
        scale = UNIT_NS[b.get("time_unit", "ns")]
        rows.setdefault(name, {})[agg] = (b["real_time"] * scale, b["cpu_time"] * scale)
        if agg == "median":
            rows[name]["counters"] = {
                k: v for k, v in b.items()
                if k in ("metrics", "words", "reads_per_tick", "deltas_per_batch", "batch_bytes",
                         "pairs", "instances", "segment_bytes", "events")
            }
        if b.get("error_occurred"):
            rows[name]["error"] = b.get("error_message", "error")
    return data.get("context", {}), rows


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.2f} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="output of sysring_bench --benchmark_out=... (json)")
    parser.add_argument("--time", choices=("cpu", "real"), default="cpu",
                        help="which median the ratios are judged on (default: cpu)")
    args = parser.parse_args()
    basis = 1 if args.time == "cpu" else 0
    other = "real" if args.time == "cpu" else "cpu"
    context, rows = load(args.json)
    if not rows:
        sys.exit("report.py: no aggregate rows (run with --benchmark_repetitions=N)")

    print(f"host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} cpus, "
          f"load {context.get('load_avg', '?')}, {context.get('date', '')}")
    print(f"segment: {context.get('sysring.metrics', '?')} metrics, read-all copies "
          f"{context.get('sysring.read_all_words', '?')} words, ring "
          f"{context.get('sysring.ring', '?')}")
    print()
    print(f"{'benchmark':<30} {'median real':>12} {'median cpu':>12} {'cv':>7}  notes")
    for name, r in rows.items():
        if "median" not in r:
            continue
        real, cpu = r["median"]
        cv = r.get("cv_real")
        cv_text = f"{cv * 100:.1f}%" if cv is not None else "-"
        notes = " ".join(f"{k}={v:g}" for k, v in r.get("counters", {}).items())
        if "error" in r:
            notes = "ERROR: " + r["error"]
        print(f"{name:<30} {fmt_ns(real):>12} {fmt_ns(cpu):>12} {cv_text:>7}  {notes}")

    def ratio(num, den):
        if num not in rows or den not in rows or "median" not in rows[num] \
                or "median" not in rows[den]:
            return None
        n, d = rows[num]["median"], rows[den]["median"]
        return n[basis] / d[basis], n[1 - basis] / d[1 - basis]

    print()
    print(f"ratios of medians, judged on {args.time} time ({other} time beside)")
    print(f"{'promise':<42} {args.time:>9} {'(' + other + ')':>9} {'target':>9}  result")
    for label, num, den, op, target, _ in PROMISES:
        r = ratio(num, den)
        if r is None:
            print(f"{label:<42} {'-':>9} {'-':>9} {op + ' ' + format(target, 'g'):>9}  n/a")
            continue
        ok = {"<=": r[0] <= target, ">=": r[0] >= target, ">": r[0] > target}[op]
        print(f"{label:<42} {r[0]:>8.2f}x {r[1]:>8.2f}x {op + ' ' + format(target, 'g'):>9}  "
              f"{'PASS' if ok else 'MISS'}")
    print()
    print(f"budgets, judged on {args.time} time")
    for label, name, per, budget in BUDGETS:
        r = rows.get(name, {})
        if "median" not in r or "error" in r:
            print(f"  {label:<46} {'-':>10} {'<= ' + fmt_ns(budget):>12}  n/a")
            continue
        value = r["median"][basis]
        if per:
            count = r.get("counters", {}).get(per)
            if not count:
                continue
            value /= count
        print(f"  {label:<46} {fmt_ns(value):>10} {'<= ' + fmt_ns(budget):>12}  "
              f"{'PASS' if value <= budget else 'MISS'}")
    print()
    print("for information:")
    for label, num, den in INFO:
        r = ratio(num, den)
        if r is not None:
            print(f"  {label:<40} {r[0]:>8.2f}x {r[1]:>8.2f}x")
    if "BM_LibraryReadAll" in rows and "median" in rows["BM_LibraryReadAll"]:
        metrics = rows["BM_LibraryReadAll"].get("counters", {}).get("metrics")
        if metrics:
            print(f"  {'read-all per metric':<40} "
                  f"{fmt_ns(rows['BM_LibraryReadAll']['median'][basis] / metrics):>9}")
    tick, files = rows.get("BM_BrokerTick", {}), rows.get("BM_TickFilesRefresh", {})
    single = rows.get("BM_TickFilesSinglePread", {})
    if "median" in tick and "median" in files:
        t, f = tick["median"][basis], files["median"][basis]
        print(f"  {'tick: file reads (broker refresh)':<40} {fmt_ns(f):>9} "
              f"({100 * f / t:.0f}% of the tick)")
        print(f"  {'tick: the rest (parse, table, ring)':<40} {fmt_ns(t - f):>9}")
        if "median" in single:
            extra = f - single["median"][basis]
            print(f"  {'tick: extra EOF preads (vmstat)':<40} {fmt_ns(extra):>9} "
                  f"({100 * extra / t:.0f}% of the tick)")
    if "BM_RingFollow" in rows and "median" in rows["BM_RingFollow"]:
        deltas = rows["BM_RingFollow"].get("counters", {}).get("deltas_per_batch")
        if deltas:
            print(f"  {'ring follow per delta':<40} "
                  f"{fmt_ns(rows['BM_RingFollow']['median'][basis] / deltas):>9}")


if __name__ == "__main__":
    main()
