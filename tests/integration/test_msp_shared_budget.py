# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One app, many tenants, one write budget (graph-facts §5.2, §11.6).

Eight module processes (forks 8, one per tenant) share the multi-tenant app's cross-tenant
write quota, shrunk so that it, not the per-tenant quota, runs out: every process meets
429s naming the Application scope, waits its Retry-After, and carries on. Nobody gives up,
every user ends licensed, and each user is written exactly once.
"""

import os

import pytest
import yaml

from graph_emulator.launcher import Emulator
from graph_emulator.tenancy import MSP_APP, domain_for, tenant_id_for
from playbook_harness import REPO_ROOT

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'msp', 'license_tenants.yml')
TENANTS = 8
USERS = 30
# 40 writes per 300 s for the app across all tenants, windows 200x shorter: 40 writes per 1.5 s.
# Eight tenants need about 180 writes, so the shared bucket runs dry several times.
APP_WRITE_QUOTA = 40
TIME_SCALE = 0.005
LICENSING_TASK = "Set the Teams licences of the tenant's users"


@pytest.fixture(scope='module')
def estate():
    args = ('--tenants', str(TENANTS), '--tenant-users', str(USERS), '--time-scale', str(TIME_SCALE),
            '--write-quotas', 'Application=%d' % APP_WRITE_QUOTA, '--log-size', '20000')
    with Emulator(args=args) as running:
        yield running


def inventory(path):
    hosts = {'customer%03d' % number: {'tenant_id': tenant_id_for(number),
                                       'msp_users': sorted(wanted_users(number))}
             for number in range(1, TENANTS + 1)}
    path.write_text(yaml.safe_dump({'all': {
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
        'children': {'customers': {'vars': {'msp_licenses': ['phone_system'], 'msp_usage_location': 'US'}, 'hosts': hosts}}}}))
    return str(path)


def wanted_users(number):
    """Every generated user but each 20th, who has no usage location and no E3 (tenants/README.md)."""
    return {'user%05d@%s' % (user, domain_for(number)) for user in range(1, USERS + 1) if user % 20}


def needing_phone_system(estate):
    """{tenant number: UPNs without a Teams Phone (MCOEV) licence of their own}."""
    result = {}
    for number in range(1, TENANTS + 1):
        state = estate._call('GET', 'state?tenant=%s' % tenant_id_for(number))
        providing = {sku['skuId'] for sku in state['skus'] if sku['skuPartNumber'] == 'MCOEV'}
        result[number] = {user['userPrincipalName'] for user in state['users']
                          if not any(licence['skuId'] in providing for licence in user.get('assignedLicenses', []))}
    return result


def batch_items(entries):
    """(received at, answered at, request item, response item) for every $batch item in the request log."""
    for entry in entries:
        request, response = entry.get('request_body'), entry.get('response_body')
        if not (isinstance(request, dict) and isinstance(response, dict)):
            continue
        answers = {item.get('id'): item for item in response.get('responses', [])}
        for item in request.get('requests', []):
            yield entry['answered_at'] - entry['duration_ms'] / 1000.0, entry['answered_at'], item, answers.get(item.get('id'), {})


def early_retries(items):
    """Writes sent again before the Retry-After of their previous 429 had passed (server clock, 10 ms slack)."""
    not_before, early = {}, []
    for received, answered, request, response in sorted(items, key=lambda entry: entry[0]):
        if request.get('method') == 'GET':
            continue
        key = request.get('url')
        if key in not_before and received < not_before[key] - 0.01:
            early.append((key, not_before[key] - received))
        if response.get('status') == 429:
            not_before[key] = answered + float(response['headers']['Retry-After'])
    return early


def test_processes_share_the_app_budget_wait_as_told_and_write_each_user_once(estate, run_playbook, tmp_path):
    estate.reset()
    wanted = {number: wanted_users(number) for number in range(1, TENANTS + 1)}
    before = needing_phone_system(estate)
    to_write = sum(len(before[number] & wanted[number]) for number in wanted)
    assert to_write > 3 * APP_WRITE_QUOTA

    extra_vars = {'m365_authority_url': estate.info['authority_url'], 'm365_graph_url': estate.info['graph_url'],
                  'm365_ca_path': estate.info['ca_path'], 'm365_client_id': MSP_APP['client_id'],
                  'm365_client_secret': MSP_APP['secrets'][0]['value']}
    run = run_playbook(PLAYBOOK, extra_vars, env={'ANSIBLE_INVENTORY': inventory(tmp_path / 'inventory.yml'), 'ANSIBLE_FORKS': str(TENANTS)},
                       timeout=300)
    assert run.rc == 0, run

    after = needing_phone_system(estate)
    assert all(not (after[number] & wanted[number]) for number in wanted), 'users left without Teams Phone'
    stats = estate.stats()
    # Nothing written twice: one applied assignLicense per user that needed one, whatever the retries.
    assert stats['writes_applied'] == to_write
    results = [entry['result'] for entry in run.results if entry['task'] == LICENSING_TASK]
    assert len(results) == TENANTS and all(result['summary']['failed'] == 0 for result in results)
    assert sum(result['summary']['changed'] for result in results) == to_write

    items = list(batch_items(estate.log()))
    scopes = [response['headers'].get('x-ms-throttle-scope', '') for _r, _a, _q, response in items if response.get('status') == 429]
    app_scope = 'Application/Write/%s/' % MSP_APP['client_id']
    assert scopes and all(scope.startswith(app_scope) for scope in scopes), set(scopes)
    throttled_tenants = {scope.rsplit('/', 1)[1] for scope in scopes}
    assert len(throttled_tenants) > 1, 'the shared budget throttled only one tenant'
    # Every process waited out each Retry-After before sending a throttled write again.
    assert early_retries(items) == []
    assert sum(result['requests']['throttled'] for result in results) == stats['throttled']
