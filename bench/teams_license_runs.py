# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time teams_license on a generated tenant: a first run (all writes) and a second, no-op run.

    .venv/bin/python bench/teams_license_runs.py --users 1000 --latency-ms 100

Each run is a real ansible-playbook started from here; the wall time includes everything a user
waits for. The emulator's counters give the HTTP requests of each run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))

from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS_DIR = os.path.join(REPO_ROOT, '.tmp', 'collections')
CLIENT_ID = '11111111-1111-4111-8111-111111111111'
CLIENT_SECRET = 'emulator-secret-0001'


def e3_only_users(count):
    """UPNs of generated users who hold only E3 (tests/graph_emulator/tenants/README.md layout)."""
    users, number = [], 0
    while len(users) < count:
        number += 1
        if number % 20 == 0 or number % 10 in (8, 9) or number % 50 == 1:
            continue
        users.append('user%05d@contoso.onmicrosoft.com' % number)
    return users, number


def run_playbook(vars_file, users_file):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
               os.path.join(REPO_ROOT, 'bench', 'playbooks', 'assign.yml'),
               '-e', '@' + vars_file, '-e', 'users_file=%s' % users_file]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    started = time.monotonic()
    completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit('benchmark run failed:\n%s' % completed.stdout)
    return elapsed


def stats_delta(before, after):
    return dict(requests=after['requests_total'] - before['requests_total'], writes=after['writes'] - before['writes'],
                throttled=after['throttled'] - before['throttled'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--users', type=int, default=1000)
    parser.add_argument('--latency-ms', type=int, default=100)
    options = parser.parse_args()
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), COLLECTIONS_DIR],
                   check=True, stdout=subprocess.DEVNULL)
    users, highest = e3_only_users(options.users)
    with tempfile.TemporaryDirectory(prefix='m365-bench-') as workdir:
        users_file = os.path.join(workdir, 'users.txt')
        with open(users_file, 'w') as handle:
            handle.write('\n'.join(users) + '\n')
        args = ('--generate-users', str(highest), '--latency-ms', str(options.latency_ms))
        with Emulator(args=args) as emulator:
            vars_file = os.path.join(workdir, 'vars.json')
            with open(vars_file, 'w') as handle:
                json.dump(dict(ansible_python_interpreter=sys.executable, m365_tenant_id=emulator.info['tenant_id'],
                               m365_client_id=CLIENT_ID, m365_client_secret=CLIENT_SECRET,
                               m365_authority_url=emulator.info['authority_url'], m365_graph_url=emulator.info['graph_url'],
                               m365_ca_path=emulator.info['ca_path']), handle)
            results = {}
            for name in ('first run', 'second run (no-op)'):
                before = emulator.stats()
                elapsed = run_playbook(vars_file, users_file)
                results[name] = dict(wall_seconds=round(elapsed, 2), **stats_delta(before, emulator.stats()))
    print(json.dumps(dict(users=options.users, latency_ms=options.latency_ms, tenant_users=highest, runs=results), indent=2))


if __name__ == '__main__':
    main()
