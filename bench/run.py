# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark teams_license against the peers on the Graph emulator (issue #5); writes bench/results.*.

    make bench                      # or: .venv/bin/python bench/run.py [--help]

Every measured run is a real ansible-playbook (or the peer's own program) started from here, so
its wall time includes everything a user waits for. The emulator runs with --latency-ms 100 and
throttling on; before each first run it is reset (tenant, counters and throttle buckets back to
the start). The collection is copied from the working tree once, at the start, into a private
directory. See bench/README.md for how to read the output.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))

from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position
import measure  # noqa: E402  pylint: disable=wrong-import-position
import report  # noqa: E402  pylint: disable=wrong-import-position

CLIENT_ID = '11111111-1111-4111-8111-111111111111'  # the contoso app that generated tenants carry
CLIENT_SECRET = 'emulator-secret-0001'
LICENCES = ('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1')
REPEAT_BELOW_SECONDS = 60.0  # runs shorter than this are repeated: median of 3
QUIET_MAX_WAIT = 45.0  # seconds to wait for a quiet machine before each run...
QUIET_TOTAL_WAIT = 240.0  # ...and in all, so that make bench stays well under 25 minutes
START_LOAD_MAX_WAIT = 180.0  # seconds to wait for a 1-minute load below 1.0 before the first run
GNU_TIME = '/usr/bin/time'
THROUGHPUT_SECONDS = 3.0
THROUGHPUT_THREADS = 4


def log(message):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


# ----- the tenant ----------------------------------------------------------------------------

def e3_only_users(count):
    """The first `count` generated users holding E3 only, and the tenant size that contains them.

    Generated tenants (tests/graph_emulator/tenants/README.md): user n has no licence when n is a
    multiple of 20, SPE_E5 when n ends in 9, E3 + MCOEV + MCOPSTN1 when it ends in 8, and every
    50th user (n % 50 == 1) inherits MCOEV from a group. Everyone else holds E3 only and needs
    Teams Phone and a Domestic Calling Plan: exactly one assignLicense each.
    """
    users, number = [], 0
    while len(users) < count:
        number += 1
        if number % 20 == 0 or number % 10 in (8, 9) or number % 50 == 1:
            continue
        users.append('user%05d@contoso.onmicrosoft.com' % number)
    return users, number


def collections_path(workdir):
    """A private copy of the working tree as a collection, frozen for the whole bench.

    Not make's tree: other engineers' `make sanity` or `make test` rebuild that one in place, which
    would pull the module from under a run that lasts minutes.
    """
    tree = os.path.join(workdir, 'collections')
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), tree], check=True,
                   stdout=subprocess.DEVNULL)
    return tree


# ----- one measured run ----------------------------------------------------------------------

class Bench(object):
    """The emulator of one tenant size and the runs made against it."""

    waited = 0.0  # seconds spent waiting for a quiet machine, over all benches

    def __init__(self, emulator, workdir, collections):
        self.emulator = emulator
        self.workdir = workdir
        self.vars_file = os.path.join(workdir, 'vars-%d.json' % emulator.process.pid)
        info = emulator.info
        with open(self.vars_file, 'w', encoding='utf-8') as handle:
            json.dump({'ansible_python_interpreter': sys.executable, 'm365_tenant_id': info['tenant_id'],
                       'm365_client_id': CLIENT_ID, 'm365_client_secret': CLIENT_SECRET,
                       'm365_authority_url': info['authority_url'], 'm365_graph_url': info['graph_url'],
                       'm365_ca_path': info['ca_path']}, handle)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='false',
                        ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_CALLBACK_RESULT_FORMAT='json',
                        ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false')

    def users_file(self, users):
        path = os.path.join(self.workdir, 'users-%d.txt' % len(users))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(users) + '\n')
        return path

    def playbook(self, name, users_file, interpreter=None):
        """Run bench/playbooks/<name>; returns what its BENCH_RESULT line says."""
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), os.path.join(BENCH_DIR, 'playbooks', name),
                   '-e', '@' + self.vars_file, '-e', 'users_file=%s' % users_file]
        if interpreter:
            command += ['-e', 'ansible_python_interpreter=%s' % interpreter]
        completed = subprocess.run(command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError('%s failed (exit %d):\n%s' % (name, completed.returncode, completed.stdout[-6000:]))
        for line in completed.stdout.splitlines():
            text = line.strip()
            if text.startswith('"msg": "BENCH_RESULT '):
                return json.loads(json.loads(text[len('"msg": '):])[len('BENCH_RESULT '):])
        return {}

    def legacy_loop(self, users_file):
        """Run peer (b), bench/peer_legacy_loop.py, as its own process; returns its own counts."""
        info = self.emulator.info
        command = [sys.executable, os.path.join(BENCH_DIR, 'peer_legacy_loop.py'), '--authority-url', info['authority_url'],
                   '--tenant-id', info['tenant_id'], '--graph-url', info['graph_url'], '--ca-path', info['ca_path'],
                   '--client-id', CLIENT_ID, '--users-file', users_file, '--licenses', ','.join(LICENCES)]
        completed = subprocess.run(command, env=dict(os.environ, PEER_CLIENT_SECRET=CLIENT_SECRET), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError('peer_legacy_loop.py failed (exit %d):\n%s' % (completed.returncode, completed.stderr[-6000:]))
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def measure(self, scenario, users, launch, marker):
        """One run: wait for a quiet machine, run, and collect wall time, emulator counters, RSS, CPU."""
        quiet = measure.wait_for_quiet(min(QUIET_MAX_WAIT, max(1.0, QUIET_TOTAL_WAIT - Bench.waited)), log)
        Bench.waited += quiet['waited_s']
        before = self.emulator.stats()
        pid = self.emulator.process.pid
        cpu_before = measure.cpu_seconds(pid)
        with measure.PeakRssWatcher(marker) as watcher:
            started = time.monotonic()
            outcome = launch()
            wall = time.monotonic() - started
        after = self.emulator.stats()
        routes = dict((route, after['requests'].get(route, 0) - before['requests'].get(route, 0))
                      for route in after['requests'])
        run = {
            'scenario': scenario, 'users': users, 'wall_s': round(wall, 2),
            'requests_total': after['requests_total'] - before['requests_total'],
            'requests_by_route': dict((route, count) for route, count in sorted(routes.items()) if count),
            'writes': after['writes'] - before['writes'],
            'writes_applied': after['writes_applied'] - before['writes_applied'],
            'throttled': after['throttled'] - before['throttled'],
            'peak_rss_mb': watcher.peak_mb, 'module_processes': watcher.processes,
            'emulator_cpu_s': round(measure.cpu_seconds(pid) - cpu_before, 2),
            'load': quiet, 'outcome': outcome,
        }
        log('%-22s %5d users  %7.2f s  %5d requests  %5d writes  %3d throttled  RSS %s MB'
            % (scenario, users, wall, run['requests_total'], run['writes'], run['throttled'], run['peak_rss_mb']))
        return run


def retries_of(run):
    """Retries as the run's own client counted them (the module's `requests` return)."""
    stats = (run['outcome'] or {}).get('requests')
    if isinstance(stats, list):
        return sum(entry.get('retries', 0) for entry in stats if entry)
    return run['outcome'].get('retries', 0) if run['outcome'] else 0


def summarise(runs):
    """The median run (by wall time) of one scenario, with every wall time kept."""
    ordered = sorted(runs, key=lambda run: run['wall_s'])
    chosen = dict(ordered[len(ordered) // 2])
    chosen['wall_s_all'] = [run['wall_s'] for run in runs]
    chosen['median_of'] = len(runs)
    chosen['wall_s'] = round(statistics.median(run['wall_s'] for run in runs), 2)
    chosen['retries'] = retries_of(chosen)
    chosen['per_user_ms'] = round(1000.0 * chosen['wall_s'] / chosen['users'], 2)
    return chosen


# ----- scenarios -----------------------------------------------------------------------------

def rss_crosscheck(bench, users_file, count):
    """One more no-op, the module's interpreter started under GNU time: its maxrss beside the poller's figure.

    time(1) reads the child's maxrss from wait4; the child is forked from the small time process, so
    what Linux carries across exec is small. Not part of the medians.
    """
    if not os.access(GNU_TIME, os.X_OK):
        return None
    record = os.path.join(bench.workdir, 'maxrss-%d.txt' % count)
    wrapper = os.path.join(bench.workdir, 'python-under-time')
    with open(wrapper, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nexec %s -f "%%M" -a -o "$BENCH_MAXRSS_FILE" %s "$@"\n' % (GNU_TIME, sys.executable))
    os.chmod(wrapper, 0o755)
    bench.env['BENCH_MAXRSS_FILE'] = record  # ansible-playbook passes its environment on to the module
    run = bench.measure('RSS cross-check (no-op)', count, lambda: bench.playbook('assign.yml', users_file, interpreter=wrapper),
                        'AnsiballZ_teams_license')
    with open(record, encoding='utf-8') as handle:
        kib = [int(value) for value in handle.read().split()]
    return {'users': count, 'poller_mb': run['peak_rss_mb'], 'gnu_time_mb': round(max(kib) * 1024 / 1e6, 1)}


def ours_first_and_noop(bench, users, label, noop=True, crosscheck=False):
    """First run (after a reset) and no-op; repeated to a median of 3 where a run is under a minute."""
    users_file = bench.users_file(users)
    firsts, noops = [], []

    def first():
        bench.emulator.reset(config=False)
        firsts.append(bench.measure('%s first run' % label, len(users), lambda: bench.playbook('assign.yml', users_file),
                                    'AnsiballZ_teams_license'))

    def second():
        noops.append(bench.measure('%s no-op' % label, len(users), lambda: bench.playbook('assign.yml', users_file),
                                   'AnsiballZ_teams_license'))

    first()
    if noop:
        second()
    while len(firsts) < 3 and firsts[0]['wall_s'] < REPEAT_BELOW_SECONDS:
        first()
        if noop:
            second()
    while noop and len(noops) < 3 and noops[0]['wall_s'] < REPEAT_BELOW_SECONDS:
        second()
    results = [dict(summarise(firsts), tool='ours', kind='first')]
    if noop:
        results.append(dict(summarise(noops), tool='ours', kind='noop'))
        if crosscheck:
            results[-1]['rss_crosscheck'] = rss_crosscheck(bench, users_file, len(users))
    return results


def peer(bench, users, tool):
    """One peer on `users`; repeated to a median of 3 when a run is under a minute."""
    users_file = bench.users_file(users)
    launch, marker = {
        'peer_a': (lambda: bench.playbook('uri_loop.yml', users_file), 'AnsiballZ_uri'),
        'peer_b': (lambda: bench.legacy_loop(users_file), 'peer_legacy_loop.py'),
        'peer_c': (lambda: bench.playbook('assign_loop.yml', users_file), 'AnsiballZ_teams_license'),
    }[tool]
    runs = []
    while True:
        bench.emulator.reset(config=False)
        runs.append(bench.measure('peer %s' % tool[-1], len(users), launch, marker))
        if len(runs) == 3 or runs[0]['wall_s'] >= REPEAT_BELOW_SECONDS:
            return dict(summarise(runs), tool=tool, kind='first')


def baseline(bench):
    """ansible-playbook with one ansible.builtin.ping: Ansible's fixed cost on this machine, no Graph call."""
    users_file = bench.users_file(['nobody'])
    runs = [bench.measure('baseline (ping)', 1, lambda: bench.playbook('baseline.yml', users_file), 'AnsiballZ_ping')
            for _run in range(3)]
    return dict(summarise(runs), tool='baseline', kind='baseline')


def emulator_args(tenant_users, latency_ms):
    return ('--generate-users', str(tenant_users), '--latency-ms', str(latency_ms), '--throttle', 'on')


# ----- the emulator's own capacity -----------------------------------------------------------

def emulator_throughput(users=2000):
    """Requests/s and $batch items/s the emulator serves without latency or throttling (bounded loopback load)."""
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
    with Emulator(args=('--generate-users', str(users), '--throttle', 'off', '--latency-ms', '0')) as emulator:
        info = emulator.info
        session = requests.Session()
        session.trust_env = False
        session.verify = info['ca_path']
        token = session.post('%s/%s/oauth2/v2.0/token' % (info['authority_url'], info['tenant_id']), data={
            'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'grant_type': 'client_credentials',
            'scope': '%s/.default' % info['graph_url']}, timeout=30).json()['access_token']
        session.close()
        select = '$select=id,usageLocation,assignedLicenses'

        def client(kind):
            own = requests.Session()
            own.trust_env = False
            own.verify = info['ca_path']
            own.headers['Authorization'] = 'Bearer %s' % token
            sent = items = 0
            deadline = time.monotonic() + THROUGHPUT_SECONDS
            while time.monotonic() < deadline and sent < 100000:
                number = 1 + (sent * 7919) % users
                if kind == 'get':
                    answer = own.get('%s/v1.0/users/user%05d@contoso.onmicrosoft.com?%s' % (info['graph_url'], number, select),
                                     timeout=30)
                    items += 1
                else:
                    body = {'requests': [{'id': str(index), 'method': 'GET', 'url': '/users/user%05d@contoso.onmicrosoft.com?%s'
                                          % (1 + (number + index) % users, select)} for index in range(20)]}
                    answer = own.post('%s/v1.0/$batch' % info['graph_url'], json=body, timeout=30)
                    items += 20
                answer.raise_for_status()
                sent += 1
            own.close()
            return sent, items

        figures = {}
        for kind in ('get', 'batch'):
            cpu_before = measure.cpu_seconds(emulator.process.pid)
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=THROUGHPUT_THREADS) as pool:
                done = list(pool.map(client, [kind] * THROUGHPUT_THREADS))
            elapsed = time.monotonic() - started
            cpu = measure.cpu_seconds(emulator.process.pid) - cpu_before
            figures[kind] = {'requests_per_s': round(sum(sent for sent, _items in done) / elapsed),
                             'items_per_s': round(sum(items for _sent, items in done) / elapsed),
                             'emulator_cpu_cores': round(cpu / elapsed, 2)}
    return {'threads': THROUGHPUT_THREADS, 'seconds': THROUGHPUT_SECONDS, 'tenant_users': users, **figures}


# ----- main ----------------------------------------------------------------------------------

def client_settings():
    """The module's own pacing settings, read from the source, to explain the results."""
    settings = {}
    for key, path, pattern in (
            ('client_pacing_margin', 'plugins/module_utils/graph/_batch.py', r'^PACING_MARGIN = ([0-9.]+)'),  # before issue 13
            ('client_pacing_slack_s', 'plugins/module_utils/graph/_batch.py', r'^PACING_SLACK_SECONDS = ([0-9.]+)'),
            ('client_max_concurrency', 'plugins/modules/teams_license.py', r"max_concurrency=dict\(type='int', default=([0-9]+)\)")):
        with open(os.path.join(REPO_ROOT, path), encoding='utf-8') as handle:
            found = re.search(pattern, handle.read(), flags=re.MULTILINE)
        if found:
            settings[key] = float(found.group(1)) if '.' in found.group(1) else int(found.group(1))
    return settings


def scenario_groups(options):
    """[(tenant size, [(name, scenario(bench) -> [run])])]: one emulator per tenant size."""
    small_users, small_tenant = e3_only_users(max(options.users, options.peer_users))
    peer_users = small_users[:options.peer_users]
    small = [('baseline', lambda bench: [baseline(bench)]),
             ('ours %d' % options.peer_users, lambda bench: ours_first_and_noop(bench, peer_users, 'ours %d' % options.peer_users,
                                                                                noop=False)),
             ('ours %d' % options.users, lambda bench: ours_first_and_noop(bench, small_users[:options.users], 'ours %d' % options.users))]
    if not options.no_peers:
        small += [('peer a', lambda bench: [peer(bench, peer_users, 'peer_a')]),
                  ('peer b', lambda bench: [peer(bench, peer_users, 'peer_b')]),
                  ('peer c', lambda bench: [peer(bench, peer_users, 'peer_c')])]
    groups = [(small_tenant, small)]
    if options.large_users:
        large_users, large_tenant = e3_only_users(options.large_users)
        groups.append((large_tenant, [('ours %d' % options.large_users,
                                       lambda bench: ours_first_and_noop(bench, large_users, 'ours %d' % options.large_users,
                                                                         crosscheck=True))]))
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--users', type=int, default=1000, help='users of the first scenario (default 1000)')
    parser.add_argument('--large-users', type=int, default=10000, help='users of the large scenario (default 10000; 0 skips it)')
    parser.add_argument('--peer-users', type=int, default=200, help='users of each peer, and of our like-for-like run (default 200)')
    parser.add_argument('--latency-ms', type=int, default=100)
    parser.add_argument('--no-peers', action='store_true', help='skip the peers (development only)')
    parser.add_argument('--out', default=BENCH_DIR, help='directory for results.md, results.json and wall-time.svg')
    options = parser.parse_args()

    started = time.monotonic()
    machine = measure.machine()
    machine['commit'] = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                       universal_newlines=True, check=False).stdout.strip()
    machine['working_tree_changes'] = bool(subprocess.run(['git', 'status', '--porcelain', '--', 'plugins'], cwd=REPO_ROOT,
                                                          stdout=subprocess.PIPE, universal_newlines=True,
                                                          check=False).stdout.strip())
    machine['load_at_start'] = measure.wait_for_low_load(1.0, START_LOAD_MAX_WAIT, log)
    log('machine: %(cores)s cores, %(memory_gib)s GiB, Python %(python)s, ansible-core %(ansible_core)s; load %(load_at_start).2f'
        % machine)

    runs, failures = [], []
    with tempfile.TemporaryDirectory(prefix='m365-bench-') as workdir:
        collections = collections_path(workdir)
        log('emulator throughput (loopback, no latency, no throttling, %d threads x %.0f s per load)' % (THROUGHPUT_THREADS, THROUGHPUT_SECONDS))
        throughput = emulator_throughput()
        log('emulator: %(requests_per_s)s GET/s; ' % throughput['get'] + '%(items_per_s)s $batch items/s' % throughput['batch'])
        for tenant_users, group in scenario_groups(options):
            with Emulator(args=emulator_args(tenant_users, options.latency_ms)) as emulator:
                bench = Bench(emulator, workdir, collections)
                for name, scenario in group:
                    try:
                        found = scenario(bench)
                    except RuntimeError as error:  # a failed run: keep the others, say so in the results
                        log('%s failed: %s' % (name, error))
                        failures.append({'scenario': name, 'error': str(error)[-3000:]})
                        continue
                    for run in found:
                        run['tenant_users'] = tenant_users
                    runs += found

    results = report.build(machine, throughput, runs, options.latency_ms, round(time.monotonic() - started), failures,
                           client_settings())
    report.write_results(options.out, {'results.json': results, 'wall-time.svg': report.chart_svg(results),
                                       'results.md': report.markdown(results)})
    log('done in %.0f s: %s' % (time.monotonic() - started, os.path.join(options.out, 'results.md')))
    for target in results['targets']:
        log('%s %s: %s' % ('met    ' if target['met'] else 'MISSED ', target['target'], target['measured']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
