"""A real Prometheus (Debian's package) on loopback scrapes sysring-exporter every second, with
a temporary storage path. Through its HTTP query API: up is 1, node_load1 equals what
`sysring get` reads, the idle-CPU series count equals the online CPUs, and a 5 s rate of lo's
received bytes has a value. Prometheus negotiates OpenMetrics, so this also proves the
OpenMetrics body against Prometheus' own strict parser."""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLI, ExporterTestCase, free_port, http_ok, main, wait_until  # noqa: E402

PROMETHEUS = shutil.which('prometheus')


def online_cpus():
    count = 0
    with open('/sys/devices/system/cpu/online') as f:
        for part in f.read().strip().split(','):
            low, _, high = part.partition('-')
            count += int(high or low) - int(low) + 1
    return count


class PrometheusTest(ExporterTestCase):

    @classmethod
    def setUpClass(cls):
        if PROMETHEUS is None:
            raise unittest.SkipTest('the prometheus package cannot be installed here '
                                    '(scripts/bootstrap.sh installs it)')
        super().setUpClass()
        cls.prom_port = free_port()
        cls.prom_url = f'http://127.0.0.1:{cls.prom_port}'
        config = os.path.join(cls.procs.tmp, 'prometheus.yml')
        with open(config, 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n'
                    'scrape_configs:\n  - job_name: sysring\n    static_configs:\n'
                    f"      - targets: ['127.0.0.1:{cls.port}']\n")
        cls.prometheus = cls.procs.start(
            [PROMETHEUS, f'--config.file={config}',
             f'--storage.tsdb.path={os.path.join(cls.procs.tmp, "data")}',
             f'--web.listen-address=127.0.0.1:{cls.prom_port}'], 'prometheus.log')
        wait_until(lambda: http_ok(cls.prom_url + '/-/ready'), 60, 'Prometheus to be ready')

    def query(self, expr):
        url = self.prom_url + '/api/v1/query?' + urllib.parse.urlencode({'query': expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            reply = json.load(r)
        self.assertEqual(reply['status'], 'success', reply)
        return reply['data']['result']

    def scalar_or_none(self, expr):
        result = self.query(expr)
        return float(result[0]['value'][1]) if result else None

    def test_prometheus_scrapes_the_exporter(self):
        wait_until(lambda: self.scalar_or_none('up{job="sysring"}') == 1, 30, 'up == 1')
        self.assertGreater(self.scalar_or_none('scrape_samples_scraped{job="sysring"}'), 300)

        cpus = wait_until(lambda: self.scalar_or_none(
            'count(node_cpu_seconds_total{job="sysring",mode="idle"})'), 15, 'CPU series')
        self.assertEqual(cpus, online_cpus())

        # node_load1 as Prometheus holds it, between two reads of `sysring get` (the kernel
        # moves it every 5 s; the scrape and the reads are within one broker tick of each other).
        def cli_load():
            out = subprocess.run([CLI, '--segment', self.segment, 'get', '--json', 'load.avg1'],
                                 capture_output=True, text=True, timeout=10, check=True).stdout
            return float(json.loads(out)['metrics'][0]['value'])

        for _ in range(5):
            before = cli_load()
            time.sleep(1.5)  # a scrape after the broker's value
            prom = self.scalar_or_none('node_load1{job="sysring"}')
            after = cli_load()
            if before == after:
                self.assertEqual(prom, before)
                break
        else:
            self.fail('load.avg1 kept changing for five tries')

        rate = wait_until(lambda: self.query(
            'rate(node_network_receive_bytes_total{job="sysring",device="lo"}[5s])'), 20,
            'a rate over lo')
        self.assertGreaterEqual(float(rate[0]['value'][1]), 0)

        # OpenMetrics was negotiated (Prometheus' first choice) and parsed.
        targets = json.load(urllib.request.urlopen(self.prom_url + '/api/v1/targets', timeout=10))
        health = [t['health'] for t in targets['data']['activeTargets']]
        self.assertEqual(health, ['up'])


if __name__ == '__main__':
    main()
