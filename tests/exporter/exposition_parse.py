"""A small reader of Prometheus text 0.0.4 / OpenMetrics expositions for the exporter tests.

Series are keyed by (name, frozenset of labels); TYPE and HELP are kept per family. Only what
the tests need: no exemplars, no timestamps, no histograms.
"""
import gzip
import re
import urllib.request

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def _unescape(value):
    return value.replace('\\"', '"').replace('\\n', '\n').replace('\\\\', '\\')


def parse_labels(text):
    labels = {}
    pos = 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        if not m:
            raise ValueError(f"bad label set: {text!r}")
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


def parse(text):
    """Returns (samples, types): samples {(name, frozenset(labels.items())): float}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == 'TYPE':
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"bad sample line: {line!r}")
        labels = parse_labels(m.group(3) or '')
        key = (m.group(1), frozenset(labels.items()))
        if key in samples:
            raise ValueError(f"duplicate series: {line!r}")
        samples[key] = float(m.group(4))
    return samples, types


def family_type(types, name):
    """The TYPE of a sample's family (counter samples are family_total in OpenMetrics)."""
    if name in types:
        return types[name]
    if name.endswith('_total') and name[:-6] in types:
        return types[name[:-6]]
    return 'untyped'


def scrape(url, accept=None, gzip_ok=False, timeout=10):
    """GETs url; returns (status, headers, body text)."""
    request = urllib.request.Request(url)
    if accept:
        request.add_header('Accept', accept)
    if gzip_ok:
        request.add_header('Accept-Encoding', 'gzip')
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        headers = dict(response.headers.items())
        if headers.get('Content-Encoding') == 'gzip':
            body = gzip.decompress(body)
        return response.status, headers, body.decode()


def series_text(key):
    name, labels = key
    inner = ','.join(f'{k}="{v}"' for k, v in sorted(labels))
    return f'{name}{{{inner}}}' if inner else name
