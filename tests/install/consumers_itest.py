#!/usr/bin/env python3
"""The installed tree as its users get it: `cmake --install` into a fresh staging prefix, every
installed header compiling on its own, a C++ project through find_package(sysring) (shared and
static), a C program through pkg-config (shared and, where static libc exists, fully static),
and all four reading a real broker started from the staged sbin/sysringd: mem.total equal to
/proc/meminfo, one cpu.time.idle per online CPU with its cpu label, between two reads of
/proc/stat. The broker is stopped with SIGTERM and its segment must be gone.

CMake passes the build's paths and tools in the environment (tests/install/CMakeLists.txt).
Exit status: 0 pass, 1 fail, 77 skipped (a prerequisite missing)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = os.environ
BUILD_DIR = Path(ENV["SYSRING_BUILD_DIR"])
WORK = Path(ENV["SYSRING_INSTALL_WORK"])
STAGE = WORK / "stage"
DIRS = {key: STAGE / ENV[f"SYSRING_INSTALL_{key.upper()}"]
        for key in ("bindir", "sbindir", "libdir", "includedir")}
SEGMENT = f"/sysring-install-{os.getpid()}"
SHM_FILE = Path("/dev/shm") / SEGMENT.lstrip("/")
USER_HZ = os.sysconf("SC_CLK_TCK")


class Failure(Exception):
    pass


def run(cmd, timeout=120, env=None, cwd=None):
    """Runs cmd; returns stdout. A non-zero exit or a timeout fails the test with its output."""
    shown = " ".join(str(c) for c in cmd)
    print(f"$ {shown}", flush=True)
    try:
        done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {timeout} s: {shown}")
    if done.returncode != 0:
        raise Failure(f"exit {done.returncode}: {shown}\n{done.stdout}{done.stderr}")
    return done.stdout


def check(condition, message):
    if not condition:
        raise Failure(message)


def install_fresh_stage():
    if STAGE.exists():
        shutil.rmtree(STAGE)
    run([ENV["CMAKE_COMMAND"], "--install", BUILD_DIR, "--prefix", STAGE])
    for path in (DIRS["sbindir"] / "sysringd", DIRS["bindir"] / "sysring",
                 DIRS["bindir"] / "sysring-exporter", DIRS["libdir"] / "libsysring.a",
                 DIRS["libdir"] / "libsysring.so", DIRS["libdir"] / "pkgconfig/sysring.pc",
                 DIRS["libdir"] / "cmake/sysring/sysringConfig.cmake",
                 DIRS["includedir"] / "sysring/client.hpp"):
        check(path.exists(), f"not installed: {path.relative_to(STAGE)}")


def check_headers_stand_alone():
    """Each installed header compiles alone with only <stage>/include added: the generated
    headers the public ones include were installed, and nothing else from the build is needed."""
    include = DIRS["includedir"]
    headers = sorted(p.name for p in (include / "sysring").iterdir() if p.suffix in (".hpp", ".h"))
    check("sysring.h" in headers, "sysring.h not installed")
    for header in headers:
        # sysring.h is the C ABI; the rest, the generated *.h included, is C++.
        compiler, flags = (ENV["CC"], ["-std=c99", "-x", "c"]) if header == "sysring.h" \
            else (ENV["CXX"], ["-std=c++20", "-x", "c++"])
        source = WORK / "header_check.src"
        source.write_text(f"#include <sysring/{header}>\n")
        run([compiler, *flags, "-fsyntax-only", "-I", include, source], timeout=60)
    print(f"{len(headers)} installed headers compile alone")


def linked_sysring(binary):
    """The libsysring.so the dynamic loader picks for binary (None: linked statically)."""
    out = run(["ldd", binary], timeout=10)
    found = re.search(r"libsysring\.so\S* => (\S+)", out)
    return Path(found.group(1)).resolve() if found else None


def build_cpp_consumer():
    build = WORK / "cpp_consumer"
    shutil.rmtree(build, ignore_errors=True)
    run([ENV["CMAKE_COMMAND"], "-S", HERE / "cpp_consumer", "-B", build,
         "-G", ENV["CMAKE_GENERATOR"], f"-DCMAKE_CXX_COMPILER={ENV['CXX']}",
         f"-DCMAKE_PREFIX_PATH={STAGE}"])
    cache = (build / "CMakeCache.txt").read_text()
    found_dir = re.search(r"^sysring_DIR:PATH=(.*)$", cache, re.M).group(1)
    check(Path(found_dir).resolve() == (DIRS["libdir"] / "cmake/sysring").resolve(),
          f"find_package(sysring) found {found_dir}, not the staged package")
    run([ENV["CMAKE_COMMAND"], "--build", build], timeout=240)
    shared, static = build / "cpp_consumer", build / "cpp_consumer_static"
    # CMake's build-tree rpath points at the staged lib directory.
    check(linked_sysring(shared) == (DIRS["libdir"] / "libsysring.so.0").resolve(),
          f"cpp_consumer does not load the staged libsysring: {linked_sysring(shared)}")
    check(linked_sysring(static) is None, "cpp_consumer_static loads a libsysring.so")
    return [shared, static]


def static_c_possible(work):
    probe = work / "static_probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    done = subprocess.run([ENV["CC"], "-static", probe, "-o", work / "static_probe"],
                          capture_output=True, timeout=60)
    return done.returncode == 0


def build_c_consumer():
    env = dict(ENV, PKG_CONFIG_PATH=str(DIRS["libdir"] / "pkgconfig"))
    pkg = lambda *args: run(["pkg-config", *args, "sysring"], env=env, timeout=10).split()
    libdir = Path(pkg("--variable=libdir")[0])
    check(libdir.resolve() == DIRS["libdir"].resolve(),
          f"sysring.pc's libdir {libdir} is not the staged one")
    source = HERE / "c_consumer" / "consumer.c"
    shared = WORK / "c_consumer"
    run([ENV["CC"], "-std=c99", "-Wall", "-Wextra", "-Werror", source, "-o", shared,
         *pkg("--cflags", "--libs"), f"-Wl,-rpath,{libdir}"], timeout=60)
    check(linked_sysring(shared) == (DIRS["libdir"] / "libsysring.so.0").resolve(),
          f"c_consumer does not load the staged libsysring: {linked_sysring(shared)}")
    consumers = [shared]
    if static_c_possible(WORK):
        # Libs.private must name everything libsysring.a needs (the C++ runtime, librt).
        static = WORK / "c_consumer_static"
        run([ENV["CC"], "-std=c99", "-static", source, "-o", static,
             *pkg("--static", "--cflags", "--libs")], timeout=60)
        consumers.append(static)
    else:
        print("no static C library here: the fully static C consumer is not built")
    return consumers


def start_broker():
    log = open(WORK / "sysringd.log", "w")
    broker = subprocess.Popen([DIRS["sbindir"] / "sysringd", "--foreground", "--segment", SEGMENT,
                               "--tick-ms", "100"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        check(broker.poll() is None, f"sysringd exited with {broker.returncode}: "
              f"{(WORK / 'sysringd.log').read_text()}")
        # Ready once the installed CLI reads a value from it.
        done = subprocess.run([DIRS["bindir"] / "sysring", "--segment", SEGMENT, "get",
                               "mem.total", "cpu.time.idle"], capture_output=True, timeout=10)
        if done.returncode == 0:
            return broker
        time.sleep(0.1)
    raise Failure(f"sysringd did not serve {SEGMENT} within 15 s")


def online_cpus():
    """The numbers of the online CPUs, from /sys/devices/system/cpu/online ("0-3,6")."""
    cpus = set()
    for part in Path("/sys/devices/system/cpu/online").read_text().strip().split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def proc_idle_ticks():
    """cpuN -> idle ticks, from /proc/stat (the kernel's view, compared against the broker's)."""
    idle = {}
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if re.fullmatch(r"cpu\d+", fields[0]):
            idle[fields[0][3:]] = int(fields[4])
    return idle


def mem_total_bytes():
    found = re.search(r"^MemTotal:\s+(\d+) kB$", Path("/proc/meminfo").read_text(), re.M)
    return int(found.group(1)) * 1024


def check_consumer(binary):
    before = proc_idle_ticks()
    out = run([binary, SEGMENT], timeout=10)
    after = proc_idle_ticks()
    print(out, end="")
    values = dict(line.rsplit(" ", 1) for line in out.splitlines())
    check(int(values.pop("mem.total", "0")) == mem_total_bytes(),
          f"{binary.name}: mem.total is not MemTotal of /proc/meminfo")
    cpus = {}
    for key, value in values.items():
        found = re.fullmatch(r'cpu\.time\.idle\{cpu="(\d+)"\}', key)
        check(found is not None, f"{binary.name}: unexpected line {key} {value}")
        cpus[found.group(1)] = int(value)
    check({int(c) for c in cpus} == online_cpus(),
          f"{binary.name}: CPUs {sorted(cpus)} are not the online ones {sorted(online_cpus())}")
    # The broker reads each CPU's idle time once a second: at most ~2 s behind the kernel.
    slack = 2 * USER_HZ
    for cpu, idle in cpus.items():
        check(before[cpu] - slack <= idle <= after[cpu],
              f"{binary.name}: cpu{cpu} idle {idle} outside [{before[cpu] - slack}, "
              f"{after[cpu]}] of /proc/stat")


def stop_broker(broker):
    broker.send_signal(signal.SIGTERM)
    try:
        code = broker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise Failure("sysringd did not exit within 10 s of SIGTERM")
    check(code == 0, f"sysringd exited with {code} on SIGTERM")
    check(not SHM_FILE.exists(), f"{SHM_FILE} is still there after the broker exited")


def main():
    if shutil.which("pkg-config") is None:
        print("SKIP: pkg-config is not installed (scripts/bootstrap.sh installs it)")
        return 77
    WORK.mkdir(parents=True, exist_ok=True)
    broker = None
    try:
        install_fresh_stage()
        check_headers_stand_alone()
        consumers = build_cpp_consumer() + build_c_consumer()
        broker = start_broker()
        for consumer in consumers:
            check_consumer(consumer)
        stop_broker(broker)
        broker = None
        print(f"PASS: {len(consumers)} consumers read the installed broker")
        return 0
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    finally:
        if broker is not None:
            broker.kill()
            broker.wait(timeout=10)
            SHM_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
