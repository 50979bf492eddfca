# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: start the Graph emulator with the sample tenant and run the playbooks against it.

Steps: preview the bulk assignment in check mode with diff, apply it, apply it again (nothing
changes), and report the seats. Each step is a real ansible-playbook run, printed as it goes.
"""

import json
import os
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))

from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position

BIN_DIR = os.path.dirname(sys.executable)
COLLECTIONS_DIR = os.path.join(REPO_ROOT, '.tmp', 'collections')
# The sample tenant's automation app (tests/graph_emulator/tenants/contoso.yml).
DEMO_CLIENT_ID = '11111111-1111-4111-8111-111111111111'
DEMO_CLIENT_SECRET = 'emulator-secret-0001'

STEPS = [
    ('Preview: what would change (check mode, diff)', 'assign_teams_licenses.yml', ['--check', '--diff']),
    ('Apply the licences', 'assign_teams_licenses.yml', []),
    ('Apply again: nothing changes, no write is sent', 'assign_teams_licenses.yml', []),
    ('Seats after the run', 'report_teams_seats.yml', []),
    ('Licence report (HTML and CSV)', 'report_teams_licenses.yml', ['-e', 'report_dir=' + os.path.join(REPO_ROOT, '.tmp', 'reports')]),
]
LICENCE_REPORT = os.path.join(REPO_ROOT, '.tmp', 'reports', 'teams-licences.html')


def write_vars_file(info, directory):
    path = os.path.join(directory, 'emulator-vars.json')
    with open(path, 'w') as handle:
        json.dump(dict(
            ansible_python_interpreter=sys.executable,
            m365_tenant_id=info['tenant_id'],
            m365_client_id=DEMO_CLIENT_ID,
            m365_client_secret=DEMO_CLIENT_SECRET,
            m365_authority_url=info['authority_url'],
            m365_graph_url=info['graph_url'],
            m365_ca_path=info['ca_path'],
        ), handle)
    return path


def run_step(title, playbook, options, vars_file, env):
    print('\n=== %s ===' % title, flush=True)
    command = [os.path.join(BIN_DIR, 'ansible-playbook'), os.path.join(REPO_ROOT, 'playbooks', playbook),
               '-e', '@' + vars_file] + options
    return subprocess.run(command, env=env, cwd=REPO_ROOT, check=False).returncode


def playbook_environment():
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_DIR, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_RETRY_FILES_ENABLED='false')
    return env


def build_collection_tree():
    """The playbooks run the collection as it is in this working tree."""
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), COLLECTIONS_DIR],
                   check=True, stdout=subprocess.DEVNULL)


def main():
    build_collection_tree()
    steps = [step for step in STEPS if os.path.exists(os.path.join(REPO_ROOT, 'playbooks', step[1]))]
    with tempfile.TemporaryDirectory(prefix='m365-demo-') as workdir:
        with Emulator(args=('--tenant', 'contoso', '--latency-ms', '20')) as emulator:
            print('Graph emulator ready: %s (tenant %s)' % (emulator.info['graph_url'], emulator.info['tenant_id']))
            vars_file = write_vars_file(emulator.info, workdir)
            env = playbook_environment()
            for title, playbook, options in steps:
                if run_step(title, playbook, options, vars_file, env) != 0:
                    sys.exit('demo step failed: %s' % title)
            stats = emulator.stats()
            print('\nEmulator counters: %d requests, %d writes, %d throttled'
                  % (stats['requests_total'], stats['writes'], stats['throttled']))
            if os.path.exists(LICENCE_REPORT):
                print('\nLicence report, open it in a browser: %s' % LICENCE_REPORT)


if __name__ == '__main__':
    main()
