# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license_info against the emulator: what it reports must be the tenant's state, for each
filter and report format, in check mode as in a normal run, without one request per user."""

import csv
import json
import os

import pytest

from playbook_harness import REPO_ROOT, connection_vars

pytestmark = pytest.mark.integration

TASK = 'Report licences'
VOICE_STAFF = '9b8a7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d'
HEALTHY = (None, 'None')


def part_numbers(emulator):
    return dict((sku['skuId'], sku['skuPartNumber']) for sku in emulator.state()['skus'])


def tenant_users(emulator):
    return dict((user['userPrincipalName'].split('@')[0], user) for user in emulator.state()['users'])


def user_requests(emulator):
    """GETs of single users, plain or inside $batch (the emulator counts batch items per route)."""
    return emulator.stats()['requests'].get('GET /v1.0/users/{id}', 0)


def report(run_playbook, emulator, check=False, **options):
    extra = connection_vars(emulator)
    extra.update(options)
    run = run_playbook('license_info.yml', extra, check=check)
    assert run.rc == 0, run
    task = run.task(TASK)
    assert task['status'] == 'ok'  # a report never changes the tenant
    return task['result']


def reported(result):
    return dict((user['user_principal_name'].split('@')[0], user) for user in result['users'])


def test_the_whole_tenant_is_reported_as_it_is_in_check_mode_and_in_a_normal_run(fresh_emulator, run_playbook):
    checked = report(run_playbook, fresh_emulator, check=True)
    result = report(run_playbook, fresh_emulator)
    assert checked['users'] == result['users'] and checked['summary'] == result['summary']
    assert fresh_emulator.stats()['writes'] == 0
    names, tenant = part_numbers(fresh_emulator), tenant_users(fresh_emulator)
    users = reported(result)
    assert set(users) == set(tenant)
    for name, user in tenant.items():
        held = set(names[item['skuId']] for item in user['assignedLicenses'])
        in_error = set(names[item['skuId']] for item in user['licenseAssignmentStates'] if item['error'] not in HEALTHY)
        assert set(item['sku_part_number'] for item in users[name]['licenses']) == held | in_error, name
    summary = result['summary']
    assert summary['users_reported'] == len(tenant)
    assert summary['users_licensed'] == sum(1 for user in tenant.values() if user['assignedLicenses'])
    assert (summary['users_with_errors'], summary['disabled_with_licenses']) == (1, 1)
    phone = next(item for item in summary['licenses'] if item['sku_part_number'] == 'MCOEV')
    mcoev = next(sku for sku in fresh_emulator.state()['skus'] if sku['skuPartNumber'] == 'MCOEV')
    assert phone['holders'] == mcoev['consumedUnits']
    assert (phone['inherited'], phone['in_error']) == (6, 1)
    # Two listings at most (50 users fit in one page), the SKUs and one batch for the group names.
    assert result['requests']['requests'] <= 4 and user_requests(fresh_emulator) == 0


def test_inherited_licences_name_their_group_and_errors_their_reason(fresh_emulator, run_playbook):
    users = reported(report(run_playbook, fresh_emulator, users=['DebraB@contoso.onmicrosoft.com', 'CameronW@contoso.onmicrosoft.com']))
    assert user_requests(fresh_emulator) == 2  # named users are read by id in one $batch
    debra = next(item for item in users['DebraB']['licenses'] if item['sku_part_number'] == 'MCOEV')
    assert (debra['assigned_directly'], debra['state'], debra['error']) == (False, 'Active', None)
    assert debra['groups'] == [{'id': '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f', 'display_name': 'Teams Phone Users'}]
    assert debra['teams_plans'][0]['provisioning_status'] == 'Success'
    cameron = next(item for item in users['CameronW']['licenses'] if item['sku_part_number'] == 'MCOEV')
    assert (cameron['state'], cameron['error']) == ('Error', 'CountViolation')


def test_licence_holders_are_found_by_a_server_side_filter(fresh_emulator, run_playbook):
    result = report(run_playbook, fresh_emulator, licenses=['calling_plan_international'])
    assert sorted(reported(result)) == ['LenaO', 'SofiaM']
    stats = fresh_emulator.stats()['requests']
    assert stats['GET /v1.0/users'] == 1 and user_requests(fresh_emulator) == 0


def test_errors_only_reports_the_users_in_error(fresh_emulator, run_playbook):
    result = report(run_playbook, fresh_emulator, errors_only=True)
    assert sorted(reported(result)) == ['CameronW']


def test_disabled_accounts_holding_licences(fresh_emulator, run_playbook):
    result = report(run_playbook, fresh_emulator, account_enabled=False)
    assert sorted(reported(result)) == ['OlgaI']
    assert result['summary']['disabled_with_licenses'] == 1
    assert reported(result)['OlgaI']['licenses'][0]['sku_part_number'] == 'STANDARDPACK'


def test_group_reports_transitive_members_combined_with_other_filters(fresh_emulator, run_playbook):
    members = reported(report(run_playbook, fresh_emulator, group='voice staff'))
    assert sorted(members) == ['AllanD', 'CameronW', 'DebraB', 'EmilyB', 'EnricoC', 'IrvinS', 'LenaO']
    with_credits = reported(report(run_playbook, fresh_emulator, group=VOICE_STAFF, licenses=['communications_credits']))
    assert sorted(with_credits) == ['LenaO']


def test_teams_only_keeps_teams_licences(fresh_emulator, run_playbook):
    result = report(run_playbook, fresh_emulator, users=['KenjiW@contoso.onmicrosoft.com'], teams_only=True)
    assert [item['sku_part_number'] for item in result['users'][0]['licenses']] == ['ENTERPRISEPACK', 'MCOTEAMS_ESSENTIALS']


def test_unknown_group_and_licence_fail_with_a_clear_message(fresh_emulator, run_playbook):
    extra = connection_vars(fresh_emulator)
    extra['group'] = 'No such group'
    run = run_playbook('license_info.yml', extra)
    assert run.rc != 0 and "no group has the display name 'No such group'" in run.task(TASK)['result']['msg']
    extra = connection_vars(fresh_emulator)
    extra['licenses'] = ['phone_sytem']
    run = run_playbook('license_info.yml', extra)
    assert run.rc != 0 and 'phone_sytem' in run.task(TASK)['result']['msg']


@pytest.mark.parametrize('report_format', ['csv', 'json', 'html'])
def test_each_report_format_is_written_in_check_mode_without_a_change(fresh_emulator, run_playbook, tmp_path, report_format):
    path = tmp_path / ('licences.' + report_format)
    result = report(run_playbook, fresh_emulator, check=True, report_path=str(path), return_users=False)
    assert 'users' not in result and result['report'] == {'path': str(path), 'format': report_format, 'users': 50}
    text = path.read_text(encoding='utf-8')
    tenant = tenant_users(fresh_emulator)
    rows_expected = sum(max(1, len(set(item['skuId'] for item in user['assignedLicenses'] + user['licenseAssignmentStates'])))
                        for user in tenant.values())
    if report_format == 'csv':
        rows = list(csv.DictReader(text.splitlines()))
        assert len(rows) == rows_expected
        assert any(row['user_principal_name'].startswith('CameronW') and row['error'] == 'CountViolation' for row in rows)
    elif report_format == 'json':
        data = json.loads(text)
        assert len(data['users']) == 50 and data['summary'] == result['summary'] and data['seats'] == result['seats']
    else:
        assert text.startswith('<!DOCTYPE html>') and 'id="seat-chart"' in text
        assert 'CameronW@contoso.onmicrosoft.com' in text and 'OlgaI@contoso.onmicrosoft.com' in text
    assert fresh_emulator.stats()['writes'] == 0


def test_a_user_is_reported_before_and_after_a_teams_license_change(fresh_emulator, run_playbook):
    before = report(run_playbook, fresh_emulator, users=['AdeleV@contoso.onmicrosoft.com'], teams_only=True)
    assert [item['sku_part_number'] for item in before['users'][0]['licenses']] == ['ENTERPRISEPACK']
    extra = connection_vars(fresh_emulator)
    extra.update(user='AdeleV@contoso.onmicrosoft.com', licenses=['phone_system'])
    applied = run_playbook('teams_license.yml', extra)
    assert applied.rc == 0 and applied.task('Licences')['status'] == 'changed', applied
    after = report(run_playbook, fresh_emulator, users=['AdeleV@contoso.onmicrosoft.com'], teams_only=True)
    phone = next(item for item in after['users'][0]['licenses'] if item['sku_part_number'] == 'MCOEV')
    assert (phone['assigned_directly'], phone['state'], phone['error']) == (True, 'Active', None)
    assert phone['teams_plans'] == [{'service_plan_id': '4828c8ec-dc2e-4779-b502-87ac9ce28ab7', 'service_plan_name': 'MCOEV',
                                     'provisioning_status': 'Success'}]
    phone_summary = next(item for item in after['summary']['licenses'] if item['sku_part_number'] == 'MCOEV')
    assert (phone_summary['holders'], phone_summary['direct']) == (1, 1)


def test_the_report_playbook_writes_html_and_csv_of_the_sample_tenant_in_check_mode(fresh_emulator, run_playbook, tmp_path):
    extra = connection_vars(fresh_emulator)
    extra['report_dir'] = str(tmp_path / 'reports')
    run = run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'report_teams_licenses.yml'), extra, check=True)
    assert run.rc == 0, run
    assert run.task('Write the HTML report of the whole tenant')['status'] == 'ok'
    page = (tmp_path / 'reports' / 'teams-licences.html').read_text(encoding='utf-8')
    assert page.count('<tr data-sku=') > 50 and 'CameronW@contoso.onmicrosoft.com' in page
    rows = list(csv.DictReader((tmp_path / 'reports' / 'teams-licences.csv').read_text(encoding='utf-8').splitlines()))
    assert {'MCOEV', 'MCOPSTN1'} <= set(row['sku_part_number'] for row in rows)
    assert fresh_emulator.stats()['writes'] == 0


def test_a_report_that_cannot_be_written_fails_before_any_user_is_read(fresh_emulator, run_playbook, tmp_path):
    extra = connection_vars(fresh_emulator)
    extra['report_path'] = str(tmp_path / 'missing' / 'licences.html')
    run = run_playbook('license_info.yml', extra)
    assert run.rc != 0
    assert 'the directory %s does not exist' % (tmp_path / 'missing') in run.task(TASK)['result']['msg']
    assert fresh_emulator.stats()['requests'].get('GET /v1.0/users', 0) == 0
    extra = connection_vars(fresh_emulator)
    extra['report_path'] = str(tmp_path / 'licences.txt')
    run = run_playbook('license_info.yml', extra)
    assert run.rc != 0 and 'set report_format' in run.task(TASK)['result']['msg']
