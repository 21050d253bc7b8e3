"""examples/mem_cpu_follow.py runs against the broker and prints what it says."""
import os
import re
import subprocess
import sys

from conftest import PYTHON_DIR


def test_example_prints_memory_cpus_and_three_batches(broker):
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    out = subprocess.run([sys.executable, str(PYTHON_DIR / "examples" / "mem_cpu_follow.py"),
                          broker.segment], env=env, capture_output=True, text=True, timeout=25)
    assert out.returncode == 0, out.stderr
    assert re.match(r"broker (alive|stale); counters: ", out.stdout)  # stale: a loaded machine
    assert re.search(r"^mem\.available +\d+ bytes$", out.stdout, re.M)
    assert re.search(r'^cpu\.time\.user\{cpu="0"\} \d+$', out.stdout, re.M)
    batches = re.findall(r"^(snapshot|batch) position \d+", out.stdout, re.M)
    assert batches == ["snapshot", "batch", "batch"]


def test_example_reports_a_missing_broker_in_one_line():
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    out = subprocess.run([sys.executable, str(PYTHON_DIR / "examples" / "mem_cpu_follow.py"),
                          f"/sysring-pyt{os.getpid()}-none"], env=env, capture_output=True,
                         text=True, timeout=25)
    assert out.returncode == 1
    assert out.stderr == (f"sysring: no sysring segment named /sysring-pyt{os.getpid()}-none "
                          "(is sysringd running?)\n")
