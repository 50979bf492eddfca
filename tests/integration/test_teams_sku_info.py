# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_sku_info against the emulator: what a user reads must match the tenant's real seats."""

import socket

import pytest

from playbook_harness import CLIENT_ID, CLIENT_SECRET, READER_CLIENT_ID, READER_CLIENT_SECRET, connection_vars

pytestmark = pytest.mark.integration

PHONE_SYSTEM_SKU_ID = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'


def tenant_skus_by_part_number(emulator):
    return dict((sku['skuPartNumber'], sku) for sku in emulator.state()['skus'])


def test_lists_every_sku_with_the_seats_graph_reports(fresh_emulator, run_playbook):
    run = run_playbook('sku_info.yml', connection_vars(fresh_emulator))
    assert run.rc == 0, run
    task = run.task('Read SKUs')
    assert task['status'] == 'ok'
    returned = dict((sku['sku_part_number'], sku) for sku in task['result']['skus'])
    tenant = tenant_skus_by_part_number(fresh_emulator)
    assert set(returned) == set(tenant)
    for part_number, sku in tenant.items():
        enabled = sku['prepaidUnits']['enabled']
        assert returned[part_number]['enabled'] == enabled
        assert returned[part_number]['consumed'] == sku['consumedUnits']
        assert returned[part_number]['available'] == max(enabled - sku['consumedUnits'], 0)
        assert returned[part_number]['sku_id'] == sku['skuId']
        assert len(returned[part_number]['service_plans']) == len(sku['servicePlans'])
    phone = returned['MCOEV']
    assert phone['product_name'] == 'Microsoft Teams Phone Standard'
    assert 'phone_system' in phone['aliases']
    assert phone['category'] == 'phone_system'
    assert phone['service_plans'][0]['service_plan_name'] == 'MCOEV'
    assert returned['MCOPSTNC']['available'] >= 9000000  # Graph's sentinel for Communications Credits
    assert returned['MCOPSTNC']['unlimited'] is True and returned['MCOEV']['unlimited'] is False
    # contoso's E1 is suspended with 2 users holding it (tenants/contoso.yml).
    assert returned['STANDARDPACK']['capability_status'] == 'Suspended'
    assert returned['STANDARDPACK']['assignable'] is False
    assert returned['STANDARDPACK']['seats_summary'].startswith('SUSPENDED')


def test_skus_filter_accepts_every_reference_form(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    extra['skus'] = ['PHONE_SYSTEM', 'mcopstn1', 'Microsoft 365 Audio Conferencing', PHONE_SYSTEM_SKU_ID.upper()]
    run = run_playbook('sku_info.yml', extra)
    assert run.rc == 0, run
    part_numbers = [sku['sku_part_number'] for sku in run.task('Read SKUs')['result']['skus']]
    assert part_numbers == ['MCOEV', 'MCOMEETADV', 'MCOPSTN1']


def test_teams_only_leaves_out_unrelated_products(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    extra['teams_only'] = True
    run = run_playbook('sku_info.yml', extra)
    assert run.rc == 0, run
    returned = run.task('Read SKUs')['result']['skus']
    assert returned
    assert all(sku['category'] != 'other' for sku in returned)
    assert {'MCOEV', 'MCOPSTN1', 'ENTERPRISEPACK'} <= set(sku['sku_part_number'] for sku in returned)


def test_unknown_licence_fails_and_lists_the_tenant_licences(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    extra['skus'] = ['phone_sytem']
    run = run_playbook('sku_info.yml', extra)
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert 'phone_sytem' in message
    assert 'MCOEV' in message and 'MCOPSTN1' in message


def test_check_mode_reads_and_reports_no_change(fresh_emulator, run_playbook):
    run = run_playbook('sku_info.yml', connection_vars(fresh_emulator), check=True)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['status'] == 'ok'
    assert fresh_emulator.stats()['writes'] == 0


def test_azure_environment_variables_authenticate(fresh_emulator, run_playbook):
    info = fresh_emulator.info
    extra = dict(m365_authority_url=info['authority_url'], m365_graph_url=info['graph_url'], m365_ca_path=info['ca_path'])
    env = dict(AZURE_TENANT=info['tenant_id'], AZURE_CLIENT_ID=CLIENT_ID, AZURE_SECRET=CLIENT_SECRET)
    run = run_playbook('sku_info.yml', extra, env=env)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']


def test_read_only_app_can_list_skus(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator, client_id=READER_CLIENT_ID, client_secret=READER_CLIENT_SECRET)
    run = run_playbook('sku_info.yml', extra)
    assert run.rc == 0, run


def test_wrong_secret_fails_clearly_without_leaking_it(fresh_emulator, run_playbook):
    wrong_secret = 'not-the-secret-8c1f'
    extra = connection_vars(fresh_emulator, client_secret=wrong_secret)
    run = run_playbook('sku_info.yml', extra, verbosity=4)
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert 'AADSTS7000215' in message
    assert CLIENT_ID in message
    assert wrong_secret not in run.output


def test_expired_secret_fails_with_its_code(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator, client_id='33333333-3333-4333-8333-333333333333',
                            client_secret='emulator-secret-0003')
    run = run_playbook('sku_info.yml', extra)
    assert run.rc != 0
    assert 'AADSTS7000222' in run.task('Read SKUs')['result']['msg']


def test_unknown_tenant_fails_clearly(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    extra['m365_tenant_id'] = 'fabrikam.onmicrosoft.com'
    run = run_playbook('sku_info.yml', extra)
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert 'fabrikam.onmicrosoft.com' in message
    assert 'AADSTS90002' in message or 'tenant' in message.lower()


def unused_local_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_unreachable_host_fails_clearly(fresh_emulator, run_playbook):
    dead = 'https://127.0.0.1:%d' % unused_local_port()
    extra = connection_vars(fresh_emulator)
    extra.update(m365_authority_url=dead, m365_graph_url=dead, m365_max_retries=1, m365_timeout=5)
    run = run_playbook('sku_info.yml', extra)
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert dead in message


def test_untrusted_certificate_fails_and_suggests_ca_path(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    del extra['m365_ca_path']
    run = run_playbook('sku_info.yml', extra)
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert 'certificate' in message.lower()
    assert 'ca_path' in message


def test_validate_certs_false_works_with_a_warning(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    del extra['m365_ca_path']
    extra['m365_validate_certs'] = False
    run = run_playbook('sku_info.yml', extra)
    assert run.rc == 0, run
    warnings = ' '.join(run.task('Read SKUs')['result'].get('warnings', []))
    assert 'verification' in warnings.lower()
