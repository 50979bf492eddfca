# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark teams_license_info (issue 11): a tenant-wide licence report at tenant scale.

    .venv/bin/python bench/license_info.py                       # 10,000 and 100,000 users, HTML
    .venv/bin/python bench/license_info.py --users 1000 --out bench/output/license_info.json   # a quick check

For each tenant size, a generated tenant (tests/graph_emulator, --generate-users N) is served with
--latency-ms 100 (a realistic round trip to Graph) and throttling on; one ansible-playbook run
(bench/playbooks/license_info.yml) writes the whole tenant's report to a file without returning the
users. Measured: wall time of the run (all a user waits for, ansible-playbook start included), the
requests the emulator served (by route) and the module counted, and the module process's peak RSS.
Targets (issue 11): 10,000 users in under 5 s; 100,000 users in under 30 s with a peak RSS of at
most 150 MB. A missed target is reported, not failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))

from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position
import measure  # noqa: E402  pylint: disable=wrong-import-position

CLIENT_ID = '11111111-1111-4111-8111-111111111111'  # the contoso app that generated tenants carry
CLIENT_SECRET = 'emulator-secret-0001'
MODULE_MARKER = 'AnsiballZ_teams_license_info'
TARGETS = {10000: {'wall_s': 5.0}, 100000: {'wall_s': 30.0, 'peak_rss_mb': 150.0}}


def log(message):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def collections_path(workdir):
    """A private copy of the working tree as a collection (a make elsewhere cannot change it mid-run)."""
    tree = os.path.join(workdir, 'collections')
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), tree], check=True,
                   stdout=subprocess.DEVNULL)
    return tree


def run_report(emulator, workdir, collections, report_format):
    """One measured ansible-playbook run; returns wall time, requests, RSS and what the module said."""
    info = emulator.info
    vars_file = os.path.join(workdir, 'vars.json')
    report_path = os.path.join(workdir, 'report.%s' % report_format)
    with open(vars_file, 'w', encoding='utf-8') as handle:
        json.dump({'ansible_python_interpreter': sys.executable, 'm365_tenant_id': info['tenant_id'],
                   'm365_client_id': CLIENT_ID, 'm365_client_secret': CLIENT_SECRET,
                   'm365_authority_url': info['authority_url'], 'm365_graph_url': info['graph_url'],
                   'm365_ca_path': info['ca_path'], 'report_path': report_path}, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_CALLBACK_RESULT_FORMAT='json', ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='false')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
               os.path.join(BENCH_DIR, 'playbooks', 'license_info.yml'), '-e', '@' + vars_file]
    before = emulator.stats()
    with measure.PeakRssWatcher(MODULE_MARKER) as watcher:
        started = time.monotonic()
        completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, check=False)
        wall = time.monotonic() - started
    if completed.returncode != 0:
        raise RuntimeError('license_info.yml failed (exit %d):\n%s' % (completed.returncode, completed.stdout[-6000:]))
    after = emulator.stats()
    routes = dict((route, after['requests'].get(route, 0) - before['requests'].get(route, 0)) for route in after['requests'])
    return {
        'wall_s': round(wall, 2),
        'requests_total': after['requests_total'] - before['requests_total'],
        'requests_by_route': dict((route, count) for route, count in sorted(routes.items()) if count),
        'writes': after['writes'] - before['writes'],
        'throttled': after['throttled'] - before['throttled'],
        'peak_rss_mb': watcher.peak_mb,
        'report_bytes': os.path.getsize(report_path),
        'module': bench_result(completed.stdout),
    }


def bench_result(output):
    for line in output.splitlines():
        text = line.strip()
        if text.startswith('"msg": "BENCH_RESULT '):
            return json.loads(json.loads(text[len('"msg": '):])[len('BENCH_RESULT '):])
    return {}


def verdict(users, run):
    target = TARGETS.get(users)
    if not target:
        return 'no target at this size'
    checks = ['wall %.2f s %s %.0f s' % (run['wall_s'], '<' if run['wall_s'] < target['wall_s'] else 'NOT <', target['wall_s'])]
    if 'peak_rss_mb' in target:
        rss = run['peak_rss_mb'] or 0
        checks.append('RSS %.1f MB %s %.0f MB' % (rss, '<=' if rss <= target['peak_rss_mb'] else 'NOT <=', target['peak_rss_mb']))
    return '; '.join(checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--users', default='10000,100000', help='tenant sizes, comma-separated (default 10000,100000)')
    parser.add_argument('--latency-ms', type=int, default=100, help='emulator latency per request (default 100)')
    parser.add_argument('--format', default='html', choices=('csv', 'json', 'html'), help='report format (default html)')
    parser.add_argument('--out', default=os.path.join(BENCH_DIR, 'license_info_results.json'),
                        help='where to write the results (default bench/license_info_results.json)')
    options = parser.parse_args()
    results = {'machine': measure.machine(), 'latency_ms': options.latency_ms, 'format': options.format, 'runs': []}
    with tempfile.TemporaryDirectory(prefix='bench-license-info-') as workdir:
        collections = collections_path(workdir)
        for users in [int(size) for size in options.users.split(',') if size.strip()]:
            log('starting the emulator with %d generated users' % users)
            args = ('--generate-users', str(users), '--latency-ms', str(options.latency_ms), '--throttle', 'on')
            with Emulator(args=args) as emulator:
                measure.wait_for_quiet(45.0, log)
                run = run_report(emulator, workdir, collections, options.format)
            run.update(users=users, verdict=verdict(users, run))
            results['runs'].append(run)
            log('%6d users  %6.2f s  %4d requests (%s)  peak RSS %s MB  report %.1f MB  %s' % (
                users, run['wall_s'], run['requests_total'], ', '.join('%s: %d' % item for item in run['requests_by_route'].items()),
                run['peak_rss_mb'], run['report_bytes'] / 1e6, run['verdict']))
    os.makedirs(os.path.dirname(os.path.abspath(options.out)), exist_ok=True)
    with open(options.out, 'w', encoding='utf-8') as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    log('results written to %s' % options.out)


if __name__ == '__main__':
    main()
