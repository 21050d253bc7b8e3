"""sysring-exporter over HTTP with a real broker: both formats through promtool, gzip, routes
and methods, keep-alive, many scrapers at once sharing one render per tick, size limits, and a
slow client dropped at the deadline while others are served."""
import concurrent.futures
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import exposition_parse as xp  # noqa: E402
from harness import ExporterTestCase, main  # noqa: E402

PROMTOOL = shutil.which('promtool')
OPENMETRICS = 'application/openmetrics-text;version=1.0.0'
# promtool lints names; these findings come from node_exporter's own names (which must stay as
# they are to be compatible), and, for OpenMetrics read with promtool's 0.0.4 parser, from
# counter samples (family_total) whose HELP sits on the family name.
ACCEPTED_LINT = [
    re.compile(r"^node_\w+ metric names should be written in 'snake_case' not 'camelCase'$"),
    re.compile(r'^node_entropy_\w+_bits use base unit "bytes" instead of "bits"$'),
]
ACCEPTED_OPENMETRICS_LINT = [re.compile(r'^\w+_total no help text$')]


class HttpTest(ExporterTestCase):
    exporter_args = ['--web.request-timeout-ms', '700']

    def get(self, path='/metrics', headers=None, method='GET', body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def promtool(self, text, extra_accepted=()):
        if PROMTOOL is None:
            self.skipTest('promtool is not installed (scripts/bootstrap.sh installs prometheus)')
        run = subprocess.run([PROMTOOL, 'check', 'metrics'], input=text, capture_output=True,
                             text=True, timeout=60)
        findings = [l for l in (run.stdout + run.stderr).splitlines() if l.strip()]
        self.assertIn(run.returncode, (0, 3), '\n'.join(findings))  # 3: lint findings only
        self.assertFalse(any(f.startswith('error while linting') for f in findings),
                         '\n'.join(findings))
        accepted = ACCEPTED_LINT + list(extra_accepted)
        unexpected = [f for f in findings if not any(p.match(f) for p in accepted)]
        self.assertEqual(unexpected, [])

    def test_text_format_passes_promtool(self):
        response, data = self.get()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader('Content-Type'),
                         'text/plain; version=0.0.4; charset=utf-8')
        text = data.decode()
        self.assertIn('\nnode_load1 ', text)
        self.assertNotIn('# EOF', text)
        self.promtool(text)

    def test_openmetrics_passes_promtool(self):
        response, data = self.get(headers={'Accept': OPENMETRICS})
        self.assertEqual(response.getheader('Content-Type'),
                         'application/openmetrics-text; version=1.0.0; charset=utf-8')
        text = data.decode()
        self.assertTrue(text.endswith('# EOF\n'))
        self.assertIn('# UNIT node_cpu_seconds seconds\n', text)
        self.assertIn('# TYPE node_cpu_seconds counter\n', text)
        self.promtool(text, ACCEPTED_OPENMETRICS_LINT)

    def test_both_formats_hold_the_same_series(self):
        text, _ = xp.parse(self.get()[1].decode())
        om, _ = xp.parse(self.get(headers={'Accept': OPENMETRICS})[1].decode())
        moving = ('node_time_seconds', 'sysring_exporter_', 'sysring_broker_heartbeat_age')
        self.assertEqual({k for k in text if not k[0].startswith(moving)},
                         {k for k in om if not k[0].startswith(moving)})

    def test_gzip_when_accepted(self):
        response, data = self.get(headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(response.getheader('Content-Encoding'), 'gzip')
        import gzip
        plain = gzip.decompress(data).decode()
        self.assertIn('node_load1', plain)
        self.assertLess(len(data), len(plain) / 4)
        response, data = self.get(headers={'Accept-Encoding': 'gzip;q=0, identity'})
        self.assertIsNone(response.getheader('Content-Encoding'))

    def test_routes_and_methods(self):
        response, data = self.get('/')
        self.assertEqual(response.status, 200)
        self.assertIn(b'href="/metrics"', data)
        self.assertEqual(self.get('/nope')[0].status, 404)
        self.assertEqual(self.get('/metrics/extra')[0].status, 404)
        response, _ = self.get(method='POST', body=b'x')
        self.assertEqual(response.status, 405)
        self.assertEqual(response.getheader('Allow'), 'GET, HEAD')
        response, data = self.get(method='HEAD')
        self.assertEqual(response.status, 200)
        self.assertEqual(data, b'')
        self.assertGreater(int(response.getheader('Content-Length')), 1000)

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        conn.connect()
        sock = conn.sock
        for _ in range(5):
            conn.request('GET', '/metrics')
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
            self.assertIs(conn.sock, sock)
        conn.close()

    def test_concurrent_scrapers_share_one_render_per_tick(self):
        def renders():
            samples, _ = xp.parse(self.get()[1].decode())
            return samples[('sysring_exporter_renders_total', frozenset())]

        before = renders()
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            bodies = list(pool.map(lambda _: self.get(headers={'Accept-Encoding': 'gzip'}),
                                   range(160)))
        elapsed = time.monotonic() - started
        self.assertTrue(all(r.status == 200 for r, _ in bodies))
        after = renders()
        # One text render per broker tick (1 s) at most, plus the plain one of renders().
        ticks = elapsed + 2
        self.assertLessEqual(after - before, 2 * ticks + 2,
                             f'{after - before} renders for 160 scrapes in {elapsed:.2f} s')

    def test_request_body_over_the_limit_is_refused(self):
        response, _ = self.get(method='GET', body=b'x' * 10000,
                               headers={'Content-Length': '10000'})
        self.assertEqual(response.status, 413)

    def test_oversized_headers_are_refused(self):
        response, _ = self.get(headers={'X-Big': 'y' * 20000})
        self.assertEqual(response.status, 431)

    def test_garbage_request_gets_400(self):
        with socket.create_connection(('127.0.0.1', self.port), timeout=5) as s:
            s.sendall(b'\x00\x01 not http at all\r\n\r\n')
            self.assertTrue(s.recv(4096).startswith(b'HTTP/1.1 400'))

    def test_slow_client_is_dropped_at_the_deadline_and_others_are_served(self):
        with socket.create_connection(('127.0.0.1', self.port), timeout=5) as slow:
            slow.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n')  # never finishes the header
            started = time.monotonic()
            self.assertEqual(self.get()[0].status, 200)  # served meanwhile
            self.assertEqual(slow.recv(4096), b'')  # closed by the exporter
            waited = time.monotonic() - started
            self.assertLess(waited, 4.0)


if __name__ == '__main__':
    main()
