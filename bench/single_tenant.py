# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One tenant, close to Graph's floor and big (issue #13): two runs of teams_license.

    .venv/bin/python bench/single_tenant.py                      # 10,000-user first run, 100,000-user no-op
    .venv/bin/python bench/single_tenant.py --floor-users 400 --noop-users 2000 --out bench/output   # a quick check

- First run of --floor-users users (E3 held; Teams Phone and a Domestic Calling Plan added: one
  assignLicense each) at --latency-ms 100 with throttling on: wall time against Graph's floor
  (bench/report.py floor_seconds: the 3,000-write burst, then 20 writes/s), and the 429s.
- No-op of --noop-users users (the task asks for E3, which they all hold: zero writes, no first
  run needed): wall time and the module's peak RSS (VmHWM of the AnsiballZ process, and GNU
  time's maxrss as a cross-check), once with every user in the result (the default) and once
  with return_unchanged_users: false (only users that changed, failed or warn are listed).
Writes bench/single-tenant-results.{json,md}.
"""

import argparse
import json
import os
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)

import report  # noqa: E402  pylint: disable=wrong-import-position
import run as bench_run  # noqa: E402  pylint: disable=wrong-import-position
from run import Bench, collections_path, e3_only_users, emulator_args, log, rss_crosscheck  # noqa: E402  pylint: disable=wrong-import-position
from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position


def first_run(workdir, collections, users, latency_ms):
    chosen, tenant_size = e3_only_users(users)
    with Emulator(args=emulator_args(tenant_size, latency_ms), ready_timeout=600) as emulator:
        bench = Bench(emulator, workdir, collections)
        users_file = bench.users_file(chosen)
        measured = bench.measure('first run %d' % users, users, lambda: bench.playbook('assign.yml', users_file), 'AnsiballZ_teams_license')
    floor = report.floor_seconds(measured['writes_applied'], latency_ms / 1000.0)
    measured.update(floor_s=round(floor, 2), floor_ratio=round(measured['wall_s'] / floor, 4))
    log('first run: %.1f s, floor %.1f s, ratio %.4f, %d 429s' % (measured['wall_s'], floor, measured['floor_ratio'], measured['throttled']))
    return measured


def noop_runs(workdir, collections, users, latency_ms):
    """{return_unchanged_users: the no-op measured}, for true (the default) and false, against one emulator."""
    chosen, tenant_size = e3_only_users(users)
    runs = {}
    with Emulator(args=emulator_args(tenant_size, latency_ms), ready_timeout=900) as emulator:
        bench = Bench(emulator, workdir, collections)
        users_file = bench.users_file(chosen)
        for unchanged in (True, False):
            with open(bench.vars_file, encoding='utf-8') as handle:
                variables = json.load(handle)
            variables.update(bench_licenses=['ENTERPRISEPACK'], bench_return_unchanged_users=unchanged)
            with open(bench.vars_file, 'w', encoding='utf-8') as handle:
                json.dump(variables, handle)
            label = 'no-op %d%s' % (users, '' if unchanged else ' changes only')
            measured = bench.measure(label, users, lambda: bench.playbook('assign.yml', users_file), 'AnsiballZ_teams_license')
            measured['return_unchanged_users'] = unchanged
            measured['rss_crosscheck'] = rss_crosscheck(bench, users_file, users)
            log('%s: %.1f s, peak RSS %s MB, %d writes' % (label, measured['wall_s'], measured['peak_rss_mb'], measured['writes']))
            runs['noop' if unchanged else 'noop_changes_only'] = measured
    return runs


def markdown(results):
    first = results.get('first_run')
    lines = ['# One tenant: close to the floor, and big', '', 'Produced by `bench/single_tenant.py`; emulator --latency-ms %d, throttling on.'
             % results['latency_ms'], '', '| Run | Users | Wall s | Target | Writes | 429s | Module peak RSS MB |', '|---|---|---|---|---|---|---|']
    if first:
        lines.append('| first run | %d | %.1f (floor %.1f, ratio %.3f) | ratio <= 1.03 | %d | %d | %s |' % (
            first['users'], first['wall_s'], first['floor_s'], first['floor_ratio'], first['writes'], first['throttled'], first['peak_rss_mb']))
    for key, label in (('noop', 'no-op, every user listed (default)'), ('noop_changes_only', 'no-op, return_unchanged_users: false')):
        noop = results.get(key)
        if noop:
            cross = noop.get('rss_crosscheck') or {}
            lines.append('| %s | %d | %.1f | < 30 s, RSS <= 150 MB | %d | %d | %s (GNU time: %s) |' % (
                label, noop['users'], noop['wall_s'], noop['writes'], noop['throttled'], noop['peak_rss_mb'], cross.get('gnu_time_mb')))
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--floor-users', type=int, default=10000, help='users of the first run (0 skips it)')
    parser.add_argument('--noop-users', type=int, default=100000, help='users of the no-op (0 skips it)')
    parser.add_argument('--latency-ms', type=int, default=100)
    parser.add_argument('--out', default=BENCH_DIR)
    options = parser.parse_args()
    started = time.monotonic()
    results = {'latency_ms': options.latency_ms, 'client': bench_run.client_settings()}
    with tempfile.TemporaryDirectory(prefix='m365-bench-single-') as workdir:
        collections = collections_path(workdir)
        if options.floor_users:
            results['first_run'] = first_run(workdir, collections, options.floor_users, options.latency_ms)
        if options.noop_users:
            results.update(noop_runs(workdir, collections, options.noop_users, options.latency_ms))
    results['duration_s'] = round(time.monotonic() - started)
    report.write_results(options.out, {'single-tenant-results.json': results, 'single-tenant-results.md': markdown(results)})
    log('done in %.0f s' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
