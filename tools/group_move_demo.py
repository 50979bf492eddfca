#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/move_to_group_licensing.yml twice on the contoso sample tenant and show the proof.

Five contoso users who hold Teams Phone directly (BrianJ, RaulR, NoraF, OmarH and EnricoC) move to
the "Teams Phone Users" group, with a 2 s propagation delay. Afterwards the emulator's holdings
history (GET /_emulator/holdings) shows, for each user, every change of their Teams Phone assignment
paths: direct -> direct and group -> group, with Teams Phone held at every point. The second run
must change nothing and write nothing.

    .venv/bin/python tools/group_move_demo.py
"""

import os
import re
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'integration'))

import requests  # noqa: E402  pylint: disable=wrong-import-position
from graph_emulator.launcher import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from playbook_harness import connection_vars, playbook_command  # noqa: E402  pylint: disable=wrong-import-position

USERS = ('BrianJ', 'RaulR', 'NoraF', 'OmarH', 'EnricoC')
DOMAIN = 'contoso.onmicrosoft.com'
# contoso's apps cannot add group members; this one can (GroupMember.ReadWrite.All).
APP = {'client_id': '77777777-7777-4777-8777-777777777777', 'display_name': 'Group licensing automation',
       'secrets': ['emulator-secret-0007'],
       'roles': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Group.Read.All', 'GroupMember.ReadWrite.All']}
SHOWN_LINES = re.compile(r'^(TASK|ok:|changed:|fatal:|localhost|\[WARNING)')


def run_move(emulator, extra, collections, label):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    for name in ('AZURE_TENANT_ID', 'AZURE_TENANT', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SECRET'):
        env.pop(name, None)
    writes_before = emulator.stats()['writes']
    with tempfile.TemporaryDirectory() as scratch:
        command = playbook_command(os.path.join(REPO_ROOT, 'playbooks', 'move_to_group_licensing.yml'),
                                   os.path.join(scratch, 'vars.json'), extra)
        done = subprocess.run(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
    print('===== %s: rc %d, writes sent to Graph %d' % (label, done.returncode, emulator.stats()['writes'] - writes_before))
    print('\n'.join(line for line in done.stdout.splitlines() if SHOWN_LINES.match(line)))
    if 'TASK [Report the move]' in done.stdout:
        print(done.stdout[done.stdout.index('TASK [Report the move]'):done.stdout.index('PLAY RECAP')])
    return done.returncode


def show_proof(emulator):
    state = emulator.state()
    names = dict((sku['skuId'], sku['skuPartNumber']) for sku in state['skus'])
    history = requests.get(emulator.info['graph_url'] + '/_emulator/holdings', verify=emulator.info['ca_path'],
                           timeout=30).json()['users']
    print('===== emulator holdings history: Teams Phone (MCOEV) assignment paths at each change (seconds since start)')
    never_without = True
    for name in USERS:
        key = '%s@%s' % (name, DOMAIN)
        entries = history.get(key, [])
        held_throughout = bool(entries) and all('MCOEV' in entry['skus'] for entry in entries)
        never_without = never_without and held_throughout
        user = next(item for item in state['users'] if item['userPrincipalName'] == key)
        now = ['direct' if not item['assignedByGroup'] else 'group %s/%s' % (item['state'], item['error'])
               for item in user['licenseAssignmentStates'] if names[item['skuId']] == 'MCOEV']
        print('%-32s held throughout: %s; %s; now: %s' % (key, held_throughout, ' -> '.join(
            '%.1fs %s' % (entry['at'], '+'.join(path.split(' ')[0] for path in entry['paths'].get('MCOEV', ['NONE'])))
            for entry in entries), now))
    print('===== no user was ever without Teams Phone: %s' % never_without)
    return never_without


def main():
    collections = os.path.join(REPO_ROOT, '.tmp', 'collections')
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), collections], check=True,
                   stdout=subprocess.DEVNULL)
    with Emulator(args=('--tenant', 'contoso', '--group-propagation-delay', '2')) as emulator:
        emulator.register_app(APP)
        extra = connection_vars(emulator, client_id=APP['client_id'], client_secret=APP['secrets'][0])
        extra.update(move_group='Teams Phone Users', move_licenses=['phone_system'],
                     move_users=['%s@%s' % (name, DOMAIN) for name in USERS])
        first = run_move(emulator, extra, collections, 'first run')
        writes = emulator.stats()['writes']
        second = run_move(emulator, extra, collections, 're-run')
        proven = show_proof(emulator)
        return 0 if first == 0 and second == 0 and proven and emulator.stats()['writes'] == writes else 1


if __name__ == '__main__':
    sys.exit(main())
