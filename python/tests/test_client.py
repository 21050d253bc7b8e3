"""sysring.Client against a real broker: scalars of every type, descriptors, instances and
families, handles, refusals with the library's one-line messages."""
import os
import re
import socket
import subprocess
import sys

import pytest

import sysring
from conftest import PYTHON_DIR, shm_path


def online_cpus():
    """/sys/devices/system/cpu/online ("0-3,5") as a set of numbers."""
    with open("/sys/devices/system/cpu/online") as f:
        text = f.read().strip()
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def available_scalars(client, type_):
    return [m for m in client.metrics()
            if m.type == type_ and not m.is_family and m.available]


PYTHON_TYPES = {sysring.Type.U64: int, sysring.Type.I64: int, sysring.Type.F64: float,
                sysring.Type.STRING: str, sysring.Type.COUNTER: sysring.Counter}


@pytest.mark.parametrize("type_", list(sysring.Type), ids=str)
def test_every_available_scalar_reads_as_its_python_type(client, type_):
    metrics = available_scalars(client, type_)
    if type_ == sysring.Type.COUNTER and not metrics:
        pytest.skip(f"the broker counts nothing here: {client.counters_summary!r}")
    assert metrics, f"no available {type_} metric"
    read = 0
    for m in metrics:
        try:
            value = client.read(m.name)
        except (sysring.Empty, sysring.Unavailable, sysring.ReadError):
            continue  # a metric the broker has not read yet, or could not this time
        assert isinstance(value, PYTHON_TYPES[type_]), (m.name, value)
        if type_ == sysring.Type.U64:
            assert 0 <= value < 2 ** 64
        read += 1
    assert read >= len(metrics) // 2, f"only {read} of {len(metrics)} {type_} metrics read"


def test_scalar_values_agree_with_the_kernel(client):
    assert client.read("mem.total") == meminfo("MemTotal")
    available = client.read("mem.available")
    assert abs(available - meminfo("MemAvailable")) <= meminfo("MemTotal") // 4
    assert client.read("kern.hostname") == socket.gethostname()
    load = client.read("load.avg1")
    assert isinstance(load, float) and abs(load - os.getloadavg()[0]) <= max(2.0, load)
    assert client.read("net.tcp.max_conn") == -1  # i64: Linux reports MaxConn as -1


def test_counter_fields_and_scaled_estimate(client):
    counters = available_scalars(client, sysring.Type.COUNTER)
    if not counters:
        pytest.skip(f"the broker counts nothing here: {client.counters_summary!r}")
    name = "pmc.all.task_clock" if any(m.name == "pmc.all.task_clock" for m in counters) \
        else counters[0].name
    first = client.read(name)
    assert isinstance(first, sysring.Counter)
    assert first.time_enabled_ns >= first.time_running_ns > 0
    assert first.read_time_ns > 0
    assert first.scaled == pytest.approx(first.count * first.time_enabled_ns
                                         / first.time_running_ns)
    later = client.read(name)
    assert later.count >= first.count and later.read_time_ns >= first.read_time_ns
    assert sysring.Counter(10, 200, 100, 1).scaled == 20.0
    assert sysring.Counter(10, 100, 100, 1).scaled == 10.0
    assert sysring.Counter(0, 100, 0, 1).scaled is None  # never ran: no estimate


def test_descriptors(client):
    metrics = {m.name: m for m in client.metrics()}
    assert len(metrics) == len(client.metrics()) > 100
    m = metrics["mem.available"]
    assert (m.type, m.domain, m.unit, m.available) == (sysring.Type.U64, sysring.Domain.NONE,
                                                        "bytes", True)
    assert m.category == "mem.pages" and m.description
    assert m.pattern == sysring.Pattern.POLLED and m.effective_ttl_ms == m.ttl_ms == 1000
    assert client.metric("mem.total").pattern == sysring.Pattern.STATIC
    assert client.metric_by_id(m.id) == m
    family = metrics["cpu.time.user"]
    assert family.is_family and family.domain == sysring.Domain.CPU
    assert str(family.domain) == "cpu" and str(family.type) == "u64"
    assert any(not d.available for d in metrics.values())  # unavailable rows are described too


def test_unknown_metric_raises_no_such_metric(client):
    with pytest.raises(sysring.NoSuchMetric, match=r"no such metric 'no\.such\.metric' in /") as e:
        client.read("no.such.metric")
    assert isinstance(e.value, sysring.SysringError) and isinstance(e.value, LookupError)
    assert e.value.status == sysring.Status.NO_SUCH_METRIC
    with pytest.raises(sysring.NoSuchMetric):
        client.read_family("no.such.family")


def test_unavailable_metrics_raise_unavailable(client):
    unavailable = [m for m in client.metrics() if not m.available and not m.is_family]
    if not unavailable:
        pytest.skip("every metric is available on this machine")
    for m in unavailable:
        with pytest.raises(sysring.Unavailable, match=f"^{re.escape(m.name)}: unavailable$") as e:
            client.read(m.name)
        assert e.value.status == sysring.Status.UNAVAILABLE


def test_family_and_scalar_mixups_name_the_right_call(client):
    with pytest.raises(sysring.NoSuchMetric, match=r"cpu\.time\.user is a family of cpu"):
        client.read("cpu.time.user")
    with pytest.raises(sysring.NoSuchMetric, match=r"mem\.total is a scalar"):
        client.read_family("mem.total")


def test_missing_segment_is_not_found_with_the_library_line(scratch_segment):
    with pytest.raises(sysring.NotFound) as e:
        sysring.Client(scratch_segment)
    message = str(e.value)
    assert message == f"no sysring segment named {scratch_segment} (is sysringd running?)"
    assert e.value.status == sysring.Status.E_NOT_FOUND


def test_errors_without_a_message_buffer_carry_the_library_line(scratch_segment):
    # sysring_last_error: the line of this thread's last error, for calls that take no buffer.
    with pytest.raises(sysring.NotFound) as opened:
        sysring.Client(scratch_segment)
    later = sysring.errors.error_for(sysring.Status.E_NOT_FOUND)
    assert str(later) == str(opened.value)
    assert isinstance(later, sysring.NotFound)


@pytest.mark.parametrize("name", ["no-slash", "/", "/a/b", "/" + "x" * 31])
def test_invalid_segment_names(name):
    with pytest.raises(sysring.InvalidName, match="segment name"):
        sysring.Client(name)


def write_segment(segment, data, mode=0o644):
    path = shm_path(segment)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize("data, fragment", [
    (os.urandom(1 << 16), "wrong magic number"),
    (b"\0" * 10, "truncated: 10 bytes"),
], ids=["garbage", "truncated"])
def test_foreign_or_corrupt_segment_is_bad_segment(scratch_segment, data, fragment):
    write_segment(scratch_segment, data)
    with pytest.raises(sysring.BadSegment) as e:
        sysring.Client(scratch_segment)
    assert fragment in str(e.value) and "\n" not in str(e.value)
    assert str(e.value).startswith("corrupt or foreign segment: ")


def test_segment_writable_by_others_is_insecure(scratch_segment):
    write_segment(scratch_segment, os.urandom(1 << 16), mode=0o666)
    with pytest.raises(sysring.InsecureMode, match="mode 0666 lets other users write it"):
        sysring.Client(scratch_segment)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_segment_of_another_user_is_foreign_owner(scratch_segment):
    path = write_segment(scratch_segment, os.urandom(1 << 16))
    os.chown(path, 65534, 65534)
    with pytest.raises(sysring.ForeignOwner, match="owned by uid 65534"):
        sysring.Client(scratch_segment)


def patched_copy(broker, segment, offset, data):
    """A copy of the live broker's segment with `data` written at `offset`."""
    with open(shm_path(broker.segment), "rb") as f:
        image = bytearray(f.read())
    image[offset:offset + len(data)] = data
    write_segment(segment, bytes(image))


def test_other_major_version_is_version_mismatch(broker, scratch_segment):
    patched_copy(broker, scratch_segment, 8, (99).to_bytes(2, "little"))  # HeaderFixed.major
    with pytest.raises(sysring.VersionMismatch, match="layout version 99"):
        sysring.Client(scratch_segment)


def test_closed_segment_is_not_live(broker, scratch_segment):
    patched_copy(broker, scratch_segment, 512, (3).to_bytes(8, "little"))  # state: CLOSED
    with pytest.raises(sysring.NotLive, match=f"broker closed segment {scratch_segment}"):
        sysring.Client(scratch_segment)


def test_instances_are_the_online_cpus_with_labels(client):
    cpus = client.instances("cpu")
    expected = online_cpus()
    assert len(cpus) == len(expected)
    assert {i.name for i in cpus} == {f"cpu{n}" for n in expected}
    for i in cpus:
        assert i.domain == sysring.Domain.CPU and i.live and i.removed_ns == 0
        assert i.labels == {"cpu": i.name[3:]}
        assert i.id == int(i.name[3:])
    everything = client.instances()
    assert {i.domain for i in everything} >= {sysring.Domain.CPU, sysring.Domain.NETIF}
    lo = [i for i in client.instances(sysring.Domain.NETIF) if i.name == "lo"]
    assert lo and lo[0].labels["device"] == "lo"
    assert client.instance_generation > 0
    with pytest.raises(ValueError, match="unknown domain 'cpus'"):
        client.instances("cpus")


def test_read_family_per_cpu(client):
    expected = {f"cpu{n}" for n in online_cpus()}
    user = client.read_family("cpu.time.user")
    assert set(user) == expected and not user.missing
    assert all(isinstance(v, int) for v in user.values())
    assert user.labels == {name: {"cpu": name[3:]} for name in expected}
    assert {i.name for i in user.instances.values()} == expected
    with open("/proc/stat") as f:  # USER_HZ: the broker read it at most 1 s (its TTL) ago
        stat = {line.split()[0]: int(line.split()[1]) for line in f if re.match(r"cpu\d", line)}
    for name, value in user.items():
        assert 0 <= stat[name] - value <= 250, (name, value, stat[name])
    floats = [m for m in client.metrics()
              if m.domain == sysring.Domain.CPU and m.type == sysring.Type.F64 and m.available]
    for m in floats:
        values = client.read_family(m.name)
        assert set(values) | set(values.missing) == expected
        assert all(isinstance(v, float) for v in values.values())


def test_read_family_of_counters(client):
    families = [m for m in client.metrics() if m.domain == sysring.Domain.CPU
                and m.type == sysring.Type.COUNTER and m.available]
    if not families:
        pytest.skip(f"the broker counts nothing here: {client.counters_summary!r}")
    values = client.read_family(families[0].name)
    assert set(values) == {f"cpu{n}" for n in online_cpus()}
    assert all(isinstance(v, sysring.Counter) and v.time_enabled_ns > 0 for v in values.values())


def test_handles(client):
    handle = client.bind("cpu.time.user", "cpu0")
    first = handle.read()
    assert isinstance(first, int)
    assert client.read("cpu.time.user", instance="cpu0") >= first
    with pytest.raises(sysring.NoSuchMetric, match="no live cpu instance 'cpu999'"):
        client.bind("cpu.time.user", "cpu999")
    with pytest.raises(sysring.NoSuchMetric, match="a scalar"):
        client.bind("mem.total", "cpu0")


def test_counters_summary_is_the_line_the_broker_logged(client, broker):
    summary = client.counters_summary
    assert isinstance(summary, str)
    if summary:
        assert summary in broker.log()


def test_closed_client_refuses_reads(broker):
    c = sysring.Client(broker.segment)
    with c:
        assert c.read("mem.total") > 0
    assert c.closed
    with pytest.raises(sysring.InvalidArgument, match="closed"):
        c.read("mem.total")
    c.close()  # twice is fine


def test_missing_library_is_a_clear_error():
    code = ("import sysring\n"
            "try:\n    sysring.Client('/x')\n"
            "except sysring.LibraryNotFound as e:\n    print('REFUSED', e)\n")
    env = dict(os.environ, SYSRING_LIBRARY="/nonexistent/libsysring.so", PYTHONPATH=str(PYTHON_DIR))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=20)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("REFUSED cannot load libsysring: tried /nonexistent/libsysring.so")
    assert "Set SYSRING_LIBRARY" in out.stdout


def test_one_client_shared_by_threads(client):
    import threading
    errors = []

    def work():
        try:
            for _ in range(200):
                assert client.read("mem.total") > 0
                assert len(client.read_family("cpu.time.user")) == len(online_cpus())
        except Exception as e:  # reported below: an assert in a thread would be lost
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads) and errors == []
