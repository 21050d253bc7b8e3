"""`pip install` of python/ works offline and needs no compiler: a venv over the system
site-packages (Debian's setuptools and wheel), --no-build-isolation --no-index, a pure-Python
wheel; the installed package (not the source tree) then reads a real broker's mem.total.

usage: pip_install_test.py PYTHON_DIR  (env SYSRINGD, SYSRING_LIBRARY). Exit 77: python3-venv,
setuptools or wheel missing."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

SKIP = 77

READ = r"""
import os, sys, time
import sysring
assert sysring.__file__.startswith(sys.prefix), sysring.__file__
deadline = time.monotonic() + 10
while True:
    try:
        with sysring.Client(sys.argv[1]) as c:
            print(c.read("mem.total"))
            break
    except (sysring.NotFound, sysring.NotLive, sysring.Empty):
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
"""


def run(argv, **kw):
    print("+", " ".join(a if len(a) < 80 else a[:30] + "..." for a in argv), flush=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise KeyError("MemTotal")


def main():
    source = os.path.abspath(sys.argv[1])
    sysringd = os.environ["SYSRINGD"]
    for module in ("venv", "ensurepip", "setuptools", "wheel"):
        if run([sys.executable, "-c", f"import {module}"]).returncode != 0:
            print(f"skipped: {sys.executable} lacks {module} (python3-venv, python3-setuptools, "
                  "python3-wheel: scripts/bootstrap.sh)")
            return SKIP
    with tempfile.TemporaryDirectory(prefix="sysring-pip-") as tmp:
        # Install from a copy: an in-tree build would write build/ and *.egg-info into python/.
        src = os.path.join(tmp, "src")
        shutil.copytree(source, src, ignore=shutil.ignore_patterns(
            "__pycache__", "build", "*.egg-info", ".pytest_cache"))
        venv = os.path.join(tmp, "venv")
        out = run([sys.executable, "-m", "venv", "--system-site-packages", venv])
        assert out.returncode == 0, out.stdout + out.stderr
        env = dict(os.environ, PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                   CC="/nonexistent/cc", CXX="/nonexistent/c++")  # proof: no compiler used
        env.pop("PYTHONPATH", None)
        out = run([os.path.join(venv, "bin", "pip"), "install", "--no-build-isolation",
                   "--no-index", src], env=env, cwd=tmp)
        assert out.returncode == 0, out.stdout + out.stderr
        print(out.stdout.strip().splitlines()[-1])

        purelib = run([os.path.join(venv, "bin", "python"), "-c",
                       "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        dist = [d for d in os.listdir(purelib) if d.startswith("sysring-")]
        assert len(dist) == 1 and dist[0].endswith(".dist-info"), dist
        with open(os.path.join(purelib, dist[0], "WHEEL")) as f:
            wheel = f.read()
        assert "Root-Is-Purelib: true" in wheel and "Tag: py3-none-any" in wheel, wheel
        installed = os.listdir(os.path.join(purelib, "sysring"))
        assert "client.py" in installed and not any(n.endswith(".so") for n in installed)

        segment = f"/sysring-pip{os.getpid()}"
        log = open(os.path.join(tmp, "broker.log"), "w+")
        broker = subprocess.Popen([sysringd, "--foreground", "--segment", segment,
                                   "--tick-ms", "100"], stdout=log, stderr=subprocess.STDOUT)
        try:
            out = run([os.path.join(venv, "bin", "python"), "-c", READ, segment], env=env, cwd=tmp)
            log.seek(0)
            assert out.returncode == 0, out.stdout + out.stderr + log.read()
            assert int(out.stdout) == mem_total(), (out.stdout, mem_total())
            print("installed package read mem.total", out.stdout.strip())
        finally:
            broker.send_signal(signal.SIGTERM)
            try:
                broker.wait(10)
            except subprocess.TimeoutExpired:
                broker.kill()
                broker.wait(10)
            if os.path.exists("/dev/shm" + segment):
                os.unlink("/dev/shm" + segment)
        assert broker.returncode == 0, broker.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
