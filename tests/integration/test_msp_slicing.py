# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/msp run as AWX runs it: the inventory of tenants cut into job slices, each slice an
ansible-runner job, the slices in parallel against one multi-tenant emulator (docs/msp.md).

Tenant 4 has not consented to the multi-tenant app: it fails alone, with Entra's message.
"""

import os

import pytest
import yaml

from awx_slices import effective_slice_count, export_inventory, slice_inventory, start_slice, task_results
from graph_emulator.launcher import Emulator
from graph_emulator.tenancy import MSP_APP, domain_for, tenant_id_for
from playbook_harness import REPO_ROOT

MSP_DIR = os.path.join(REPO_ROOT, 'playbooks', 'msp')
TENANTS = 6
UNCONSENTED = 4
USERS_PER_TENANT = 8
SLICES = 2
LICENSING_TASK = "Set the Teams licences of the tenant's users"
SUMMARY_TASK = 'Summary across the tenants of this run'


def tenant_inventory():
    """The shape of playbooks/msp/inventory.yml, for six generated tenants: licences per group, users per host."""
    def host(number):
        return {'tenant_id': tenant_id_for(number),
                'msp_users': ['user%05d@%s' % (user, domain_for(number)) for user in range(1, USERS_PER_TENANT + 1)]}
    return {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
                    'children': {'customers': {
                        'vars': {'msp_licenses': ['phone_system'], 'msp_usage_location': 'US'},
                        'children': {
                            'phone_customers': {'hosts': {'customer%03d' % number: host(number) for number in (1, 2, 3, 4)}},
                            'calling_customers': {'vars': {'msp_licenses': ['phone_system', 'calling_plan_domestic']},
                                                  'hosts': {'customer%03d' % number: host(number) for number in (5, 6)}}}}}}}


@pytest.fixture(scope='module')
def estate():
    with Emulator(args=('--tenants', str(TENANTS), '--unconsented', str(UNCONSENTED), '--tenant-users', '20')) as running:
        yield running


def run_sliced(estate, collection_tree, tmp_path, label):
    """Every slice started at once, as AWX launches a sliced job; returns {slice number: (runner, hosts)}."""
    inventory_path = tmp_path / 'inventory.yml'
    inventory_path.write_text(yaml.safe_dump(tenant_inventory()))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_tree)
    exported = export_inventory(str(inventory_path), env)
    count = effective_slice_count(SLICES, exported)
    info = estate.info
    extravars = {'m365_authority_url': info['authority_url'], 'm365_graph_url': info['graph_url'], 'm365_ca_path': info['ca_path']}
    # One credential for every tenant, injected as the AWX credential type injects it.
    envvars = {'ANSIBLE_COLLECTIONS_PATH': collection_tree, 'AZURE_CLIENT_ID': MSP_APP['client_id'],
               'AZURE_CLIENT_SECRET': MSP_APP['secrets'][0]['value'], 'ANSIBLE_NOCOLOR': 'true'}
    started = {}
    for number in range(1, count + 1):
        inventory, hosts = slice_inventory(exported, number, count)
        private = tmp_path / ('%s-slice-%d' % (label, number))
        private.mkdir()
        started[number] = (start_slice(str(private), MSP_DIR, 'license_tenants.yml', inventory, extravars, envvars, forks=4), hosts)
    finished = {}
    for number, ((thread, runner), hosts) in started.items():
        thread.join(timeout=300)
        assert not thread.is_alive(), 'slice %d did not finish' % number
        finished[number] = (runner, hosts)
    return finished


def licensed(estate, number):
    """Users of tenant `number` (by UPN) holding Teams Phone, from the emulator's state of that tenant."""
    state = estate._call('GET', 'state?tenant=%s' % tenant_id_for(number))
    mcoev = next(sku['skuId'] for sku in state['skus'] if sku['skuPartNumber'] == 'MCOEV')
    return {user['userPrincipalName'] for user in state['users']
            if any(licence['skuId'] == mcoev for licence in user.get('assignedLicenses', []))}


def test_slices_license_every_tenant_then_do_nothing_and_one_tenant_fails_alone(estate, collection_tree, tmp_path):
    estate.reset()
    slices = run_sliced(estate, collection_tree, tmp_path, 'first')

    # AWX's cut: hosts ordered by name, slice k takes every SLICES-th host from the k-th.
    assert {number: hosts for number, (_runner, hosts) in slices.items()} == {
        1: ['customer001', 'customer003', 'customer005'], 2: ['customer002', 'customer004', 'customer006']}
    # The slice holding the unconsented tenant fails; the other succeeds.
    assert slices[1][0].status == 'successful' and slices[2][0].status == 'failed'
    outcomes = {}
    for runner, hosts in slices.values():
        summary = task_results(runner, SUMMARY_TASK)
        assert len(summary) == 1, 'one summary per slice'
        per_tenant = next(iter(summary.values()))['msg']
        assert sorted(per_tenant) == hosts   # a slice reports its own tenants: slices share no facts
        outcomes.update(per_tenant)

    failed = outcomes.pop('customer%03d' % UNCONSENTED)
    assert failed['failed'] is True
    assert 'AADSTS7000229' in failed['error'] and tenant_id_for(UNCONSENTED) in failed['error']
    assert all(not outcome['failed'] and outcome['changed'] > 0 for outcome in outcomes.values()), outcomes
    assert all(outcome['seats_left']['MCOEV'] > 0 for outcome in outcomes.values())
    for number in range(1, TENANTS + 1):
        wanted = {'user%05d@%s' % (user, domain_for(number)) for user in range(1, USERS_PER_TENANT + 1)}
        if number == UNCONSENTED:
            assert not wanted <= licensed(estate, number), 'the unconsented tenant was written to'
        else:
            assert wanted <= licensed(estate, number), 'customer%03d' % number

    writes = estate.stats()['writes']
    again = run_sliced(estate, collection_tree, tmp_path, 'again')
    assert estate.stats()['writes'] == writes, 'the re-run wrote'
    for runner, _hosts in again.values():
        for host, result in task_results(runner, LICENSING_TASK).items():
            if host != 'customer%03d' % UNCONSENTED:
                assert result['changed'] is False and result['summary']['changed'] == 0, host


@pytest.fixture(scope='module')
def documented_estate():
    """The estate playbooks/msp/inventory.yml names: python tests/graph_emulator --tenants 3."""
    with Emulator(args=('--tenants', '3')) as running:
        yield running


def test_the_documented_inventory_check_apply_check_apply(documented_estate, run_playbook):
    documented_estate.reset()
    info = documented_estate.info
    extra_vars = {'m365_authority_url': info['authority_url'], 'm365_graph_url': info['graph_url'], 'm365_ca_path': info['ca_path'],
                  'm365_client_id': MSP_APP['client_id'], 'm365_client_secret': MSP_APP['secrets'][0]['value']}
    env = {'ANSIBLE_INVENTORY': os.path.join(MSP_DIR, 'inventory.yml')}
    playbook = os.path.join(MSP_DIR, 'license_tenants.yml')

    preview = run_playbook(playbook, extra_vars, check=True, env=env, emulator=documented_estate)
    assert preview.rc == 0, preview
    assert sum(1 for entry in preview.results if entry['task'] == LICENSING_TASK and entry['result']['changed']) == 3

    applied = run_playbook(playbook, extra_vars, env=env)
    assert applied.rc == 0, applied
    summary = applied.task(SUMMARY_TASK)['result']['msg']
    assert sorted(summary) == ['customer001', 'customer002', 'customer003']
    assert all(outcome['changed'] > 0 and not outcome['failed'] for outcome in summary.values()), summary
    writes = documented_estate.stats()['writes']
    assert writes == sum(outcome['changed'] for outcome in summary.values())   # one assignLicense per changed user

    for check in (True, False):
        again = run_playbook(playbook, extra_vars, check=check, env=env, emulator=documented_estate)
        assert again.rc == 0, again
        assert not any(entry['result'].get('changed') for entry in again.results if entry['task'] == LICENSING_TASK)
    assert documented_estate.stats()['writes'] == writes
