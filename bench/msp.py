# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the MSP pattern (issue #13): many tenants, one multi-tenant app, forks and job slices.

    .venv/bin/python bench/msp.py                       # 50 tenants x 1,000 users (the committed results)
    .venv/bin/python bench/msp.py --tenants 4 --users 50 --forks 1,4 --out bench/output   # a quick check

One multi-tenant emulator (--tenants N, --latency-ms 100, throttling on) serves every tenant.
Each setting runs playbooks/msp/license_tenants.yml over an inventory of the N tenants twice:
the first run (after a reset: every tenant's users need E3 + Teams Phone + a Domestic Calling
Plan, one assignLicense each) and the no-op. Settings: ansible-playbook with each --forks value,
and the inventory cut into AWX job slices (tests/integration/awx_slices.py) run in parallel
through ansible-runner. Every module process runs under GNU time, which gives its CPU seconds
and peak RSS. Writes bench/msp-results.{json,md} and bench/msp-wall.svg.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'integration'))

from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from graph_emulator.tenancy import MSP_APP, domain_for, tenant_id_for  # noqa: E402  pylint: disable=wrong-import-position
import report  # noqa: E402  pylint: disable=wrong-import-position
import measure  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK_DIR = os.path.join(REPO_ROOT, 'playbooks', 'msp')
PLAYBOOK = 'license_tenants.yml'
LICENCES = ['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1']
GNU_TIME = '/usr/bin/time'


def log(message):
    sys.stderr.write('[msp bench %s] %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def e3_only_numbers(count):
    """Numbers of the first `count` generated users holding E3 only (bench/run.py e3_only_users), and the tenant size."""
    numbers, number = [], 0
    while len(numbers) < count:
        number += 1
        if number % 20 == 0 or number % 10 in (8, 9) or number % 50 == 1:
            continue
        numbers.append(number)
    return numbers, number


def write_inventory(workdir, tenants, numbers):
    """An inventory of the shape of playbooks/msp/inventory.yml: one host per tenant, a users file each."""
    hosts = {}
    for tenant in range(1, tenants + 1):
        users_file = os.path.join(workdir, 'users-%03d.txt' % tenant)
        with open(users_file, 'w', encoding='utf-8') as handle:
            handle.write(''.join('user%05d@%s\n' % (number, domain_for(tenant)) for number in numbers))
        hosts['customer%03d' % tenant] = {'tenant_id': tenant_id_for(tenant), 'msp_users_file': users_file}
    inventory = {'all': {'vars': {'ansible_connection': 'local'},
                         'children': {'customers': {'vars': {'msp_licenses': LICENCES}, 'hosts': hosts}}}}
    path = os.path.join(workdir, 'inventory.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle)
    return path


def timed_interpreter(workdir):
    """A python wrapper that appends "user sys maxrss_kib" of every module process to a file."""
    record = os.path.join(workdir, 'module-times.txt')
    wrapper = os.path.join(workdir, 'python-timed')
    with open(wrapper, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nexec %s -f "%%U %%S %%M" -a -o %s %s "$@"\n' % (GNU_TIME, record, sys.executable))
    os.chmod(wrapper, 0o755)
    return wrapper, record


def module_times(record):
    """(CPU seconds, peak RSS MB, processes) of the module processes recorded so far; the file is emptied."""
    if not os.path.exists(record):
        return 0.0, None, 0
    with open(record, encoding='utf-8') as handle:
        rows = [line.split() for line in handle if line.strip() and line.split()[0][0].isdigit()]
    os.remove(record)
    cpu = sum(float(row[0]) + float(row[1]) for row in rows)
    peak = max((int(row[2]) for row in rows), default=0)
    return round(cpu, 2), round(peak * 1024 / 1e6, 1) if peak else None, len(rows)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class MspBench:
    def __init__(self, emulator, workdir, collections, inventory, options):
        self.emulator = emulator
        self.workdir = workdir
        self.inventory = inventory
        self.options = options
        self.interpreter, self.record = timed_interpreter(workdir)
        info = emulator.info
        self.extravars = {'m365_authority_url': info['authority_url'], 'm365_graph_url': info['graph_url'],
                          'm365_ca_path': info['ca_path'], 'ansible_python_interpreter': self.interpreter}
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false',
                        AZURE_CLIENT_ID=MSP_APP['client_id'], AZURE_CLIENT_SECRET=MSP_APP['secrets'][0]['value'])

    def run_forks(self, forks):
        vars_file = os.path.join(self.workdir, 'vars.json')
        with open(vars_file, 'w', encoding='utf-8') as handle:
            json.dump(self.extravars, handle)
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', self.inventory,
                   os.path.join(PLAYBOOK_DIR, PLAYBOOK), '-e', '@' + vars_file, '--forks', str(forks)]
        completed = subprocess.run(command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                   check=False)
        if completed.returncode != 0:
            raise RuntimeError('forks %d failed (exit %d):\n%s' % (forks, completed.returncode, completed.stdout[-4000:]))

    def run_slices(self, slices, forks):
        from awx_slices import effective_slice_count, export_inventory, slice_inventory, start_slice  # pylint: disable=import-outside-toplevel
        exported = export_inventory(self.inventory, self.env)
        count = effective_slice_count(slices, exported)
        envvars = {name: self.env[name] for name in ('ANSIBLE_COLLECTIONS_PATH', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'ANSIBLE_NOCOLOR')}
        started = []
        for number in range(1, count + 1):
            inventory, _hosts = slice_inventory(exported, number, count)
            private = tempfile.mkdtemp(prefix='slice-%d-' % number, dir=self.workdir)
            started.append(start_slice(private, PLAYBOOK_DIR, PLAYBOOK, inventory, self.extravars, envvars, forks))
        for thread, runner in started:
            thread.join()
            if runner.status != 'successful':
                raise RuntimeError('a slice ended %s (rc %s)' % (runner.status, runner.rc))

    def measure(self, setting, kind, launch):
        before = self.emulator.stats()
        emulator_cpu = measure.cpu_seconds(self.emulator.process.pid)
        cpu_before = children_cpu()
        started = time.monotonic()
        launch()
        wall = time.monotonic() - started
        after = self.emulator.stats()
        module_cpu, peak_mb, processes = module_times(self.record)
        all_children = children_cpu() - cpu_before
        users = self.options.tenants * self.options.users
        writes = after['writes_applied'] - before['writes_applied']
        run = {
            'setting': setting, 'kind': kind, 'tenants': self.options.tenants, 'users': users, 'wall_s': round(wall, 2),
            'requests': after['requests_total'] - before['requests_total'], 'writes': writes,
            'throttled': after['throttled'] - before['throttled'], 'writes_per_s': round(writes / wall, 1),
            'module_processes': processes, 'module_cpu_s': module_cpu,
            'module_cpu_s_per_1000_users': round(1000.0 * module_cpu / users, 3),
            'module_peak_rss_mb': peak_mb,
            'controller_cpu_s': round(all_children - module_cpu, 2),
            'emulator_cpu_s': round(measure.cpu_seconds(self.emulator.process.pid) - emulator_cpu, 2),
        }
        cores = os.cpu_count() or 1
        run['cpu_share'] = round((all_children + run['emulator_cpu_s']) / (cores * wall), 2)
        log('%-12s %-6s %7.2f s  %6d writes  %7.1f writes/s  %4d 429s  module CPU %6.2f s  controller CPU %6.2f s  emulator CPU %6.2f s'
            % (setting, kind, wall, writes, run['writes_per_s'], run['throttled'], module_cpu, run['controller_cpu_s'], run['emulator_cpu_s']))
        return run

    def setting(self, name, launch):
        self.emulator.reset()
        return [self.measure(name, 'first', launch), self.measure(name, 'no-op', launch)]


def markdown(results):
    lines = ['# MSP benchmark: %(tenants)d tenants x %(users)d users, one multi-tenant app' % results['config'], '',
             'Machine: %(cores)s cores, Python %(python)s, ansible-core %(ansible_core)s. Emulator: --latency-ms %(latency_ms)s, '
             'throttling on (graph-facts §5.2 quotas). Produced by `bench/msp.py` (see its docstring).' % dict(results['machine'], **results['config']),
             '', '| Setting | Run | Wall s | Writes | Writes/s | 429s | Module CPU s | Module CPU s / 1,000 users | Module peak RSS MB '
             '| Controller CPU s | Emulator CPU s | CPU share of the machine |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for run in results['runs']:
        lines.append('| %(setting)s | %(kind)s | %(wall_s)s | %(writes)s | %(writes_per_s)s | %(throttled)s | %(module_cpu_s)s | '
                     '%(module_cpu_s_per_1000_users)s | %(module_peak_rss_mb)s | %(controller_cpu_s)s | %(emulator_cpu_s)s | %(cpu_share)s |' % run)
    lines += ['', 'Where the time goes: "CPU share" is all CPU used (ansible-playbook and its workers, the module processes, the '
              'emulator) over cores x wall time; near 1.0 the machine\'s CPU is the limit, well below it the run waits on '
              'latency (round trips of %(latency_ms)s ms) or on throttling (429s).' % results['config'], '']
    return '\n'.join(lines)


def chart_svg(results):
    """Wall seconds per setting, first run and no-op side by side."""
    runs = results['runs']
    settings = list(dict.fromkeys(run['setting'] for run in runs))
    top = max([run['wall_s'] for run in runs] + [1.0])
    width, height, left, bottom = 120 + 110 * len(settings), 320, 60, 260
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
             '<text x="%d" y="20">Wall seconds, %d tenants x %d users (blue: first run, grey: no-op)</text>'
             % (left, results['config']['tenants'], results['config']['users'])]
    for index, setting in enumerate(settings):
        for offset, (kind, colour) in enumerate((('first', '#1f77b4'), ('no-op', '#999999'))):
            run = next((run for run in runs if run['setting'] == setting and run['kind'] == kind), None)
            if run is None:
                continue
            height_px = 200.0 * run['wall_s'] / top
            x = left + index * 110 + offset * 40
            parts.append('<rect x="%d" y="%.1f" width="36" height="%.1f" fill="%s"/>' % (x, bottom - height_px, height_px, colour))
            parts.append('<text x="%d" y="%.1f" font-size="10">%s</text>' % (x, bottom - height_px - 4, run['wall_s']))
        parts.append('<text x="%d" y="%d">%s</text>' % (left + index * 110, bottom + 18, setting))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#222"/>' % (left - 5, bottom, width - 10, bottom))
    parts.append('</svg>\n')
    return '\n'.join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tenants', type=int, default=50)
    parser.add_argument('--users', type=int, default=1000, help='users per tenant that need licences (default 1000)')
    parser.add_argument('--latency-ms', type=int, default=100)
    parser.add_argument('--forks', default='1,4,8,16', help='comma list of ansible-playbook --forks values')
    parser.add_argument('--slices', type=int, default=2, help='AWX job slices through ansible-runner (0 skips)')
    parser.add_argument('--slice-forks', type=int, default=8, help='forks inside each slice')
    parser.add_argument('--out', default=BENCH_DIR, help='directory for msp-results.md, msp-results.json and msp-wall.svg')
    options = parser.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        parser.error('%s is needed for the module CPU and RSS figures' % GNU_TIME)

    started = time.monotonic()
    numbers, tenant_size = e3_only_numbers(options.users)
    runs = []
    with tempfile.TemporaryDirectory(prefix='m365-msp-bench-') as workdir:
        collections = os.path.join(workdir, 'collections')
        subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), collections], check=True,
                       stdout=subprocess.DEVNULL)
        inventory = write_inventory(workdir, options.tenants, numbers)
        args = ('--tenants', str(options.tenants), '--tenant-users', str(tenant_size), '--latency-ms', str(options.latency_ms),
                '--throttle', 'on')
        log('starting the emulator: %d tenants x %d users' % (options.tenants, tenant_size))
        with Emulator(args=args, ready_timeout=600) as emulator:
            bench = MspBench(emulator, workdir, collections, inventory, options)
            for forks in [int(value) for value in options.forks.split(',') if value.strip()]:
                runs += bench.setting('forks %d' % forks, lambda forks=forks: bench.run_forks(forks))
            if options.slices:
                name = '%d slices x forks %d' % (options.slices, options.slice_forks)
                runs += bench.setting(name, lambda: bench.run_slices(options.slices, options.slice_forks))
    machine = measure.machine()
    results = {'machine': machine, 'config': {'tenants': options.tenants, 'users': options.users, 'latency_ms': options.latency_ms,
                                              'duration_s': round(time.monotonic() - started)}, 'runs': runs}
    report.write_results(options.out, {'msp-results.json': results, 'msp-results.md': markdown(results),
                                       'msp-wall.svg': chart_svg(results)})
    log('done in %.0f s' % (time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
