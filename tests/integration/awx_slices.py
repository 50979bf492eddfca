# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cut an inventory into job slices the way AWX does, and run each slice with ansible-runner.

Read in ansible/awx (awx/main/models/jobs.py, inventory.py):
- JobTemplate.get_effective_slice_ct: min(job_slice_count, number of hosts in the inventory).
- Inventory.get_script_data -> get_sliced_hosts: enabled hosts ordered by name, slice k
  (1-based) of n takes hosts[k-1::n]; every group keeps its variables and children but lists
  only the hosts of that slice; all-group variables stay.
Each slice is a separate job: its own private data directory, its own ansible-runner process,
no facts shared with the other slices.
"""

import json
import os
import subprocess
import sys

import ansible_runner

BIN_DIR = os.path.dirname(sys.executable)


def export_inventory(path, env):
    """`ansible-inventory --list --export`: groups with their own vars, hosts with their own vars (what AWX imports)."""
    output = subprocess.run([os.path.join(BIN_DIR, 'ansible-inventory'), '-i', path, '--list', '--export'], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return json.loads(output)


def effective_slice_count(requested, exported):
    """AWX's get_effective_slice_ct: never more slices than hosts."""
    return min(requested, len(exported.get('_meta', {}).get('hostvars', {})))


def slice_inventory(exported, number, count):
    """Slice `number` (1-based) of `count` as an inventory dict (the YAML/JSON inventory format)."""
    hostvars = exported.get('_meta', {}).get('hostvars', {})
    hosts = sorted(hostvars)
    chosen = set(hosts[number - 1::count] if count > 1 else hosts)
    groups = {}
    for name, data in exported.items():
        if name == '_meta':
            continue
        group = {}
        if data.get('vars'):
            group['vars'] = data['vars']
        members = [host for host in data.get('hosts', []) if host in chosen]
        if members:
            group['hosts'] = {host: hostvars.get(host) or {} for host in members}
        if data.get('children'):
            group['children'] = {child: {} for child in data['children']}
        groups[name] = group
    root = groups.pop('all', {})
    root.setdefault('children', {}).update({name: group for name, group in groups.items() if name not in root.get('children', {})})
    for name in list(root['children']):
        if name in groups:
            root['children'][name] = groups[name]
    return {'all': root}, sorted(chosen)


def start_slice(private_data_dir, project_dir, playbook, inventory, extravars, envvars, forks):
    """One slice job: ansible-runner in its own private data directory, in a thread; returns (thread, runner)."""
    env = dict(envvars)
    env['PATH'] = BIN_DIR + os.pathsep + os.environ.get('PATH', '')
    return ansible_runner.run_async(private_data_dir=private_data_dir, project_dir=project_dir, playbook=playbook,
                                    inventory=inventory, extravars=extravars, envvars=env, forks=forks, quiet=True)


def task_results(runner, task):
    """{host: result} of the task of this name in the slice's events."""
    found = {}
    for event in runner.events:
        data = event.get('event_data', {})
        if event.get('event') in ('runner_on_ok', 'runner_on_failed') and data.get('task') == task:
            found[data['host']] = data.get('res', {})
    return found
