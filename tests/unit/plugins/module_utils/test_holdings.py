# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shaping of users and licences (licensing/_holdings), the summary, user selection and the report files."""

import csv
import json
import time

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.directory._user_selection import (
    UserSelection,
    UserSelectionError,
    iter_selected_users,
    licence_filter,
    prefetched,
)
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing import _holdings as holdings
from ansible_collections.m365.licensing.plugins.module_utils.reports._holdings_files import ReportError, csv_rows, open_report
from ansible_collections.m365.licensing.plugins.module_utils.reports._holdings_summary import HoldingsSummary, teams_seats

MCOEV = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
MCOEV_PLAN = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'
TEAMS1 = '57ff2da0-773e-42df-b2af-ffb7a2317929'
SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97'
GROUP = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'
TENANT_SKUS = [
    {'skuId': MCOEV, 'skuPartNumber': 'MCOEV', 'consumedUnits': 12, 'prepaidUnits': {'enabled': 25},
     'servicePlans': [{'servicePlanId': MCOEV_PLAN, 'servicePlanName': 'MCOEV'}]},
    {'skuId': E3, 'skuPartNumber': 'ENTERPRISEPACK', 'consumedUnits': 30, 'prepaidUnits': {'enabled': 40},
     'servicePlans': [{'servicePlanId': TEAMS1, 'servicePlanName': 'TEAMS1'}, {'servicePlanId': SWAY, 'servicePlanName': 'SWAY'}]},
    {'skuId': 'f30db892-07e9-47e9-837c-80727f46fd3d', 'skuPartNumber': 'FLOW_FREE', 'consumedUnits': 3,
     'prepaidUnits': {'enabled': 10000}, 'servicePlans': [{'servicePlanId': '50e68c76-46c6-4674-81f9-75456511b170',
                                                           'servicePlanName': 'FLOW_P2_VIRAL'}]},
]
INDEX = holdings.SkuIndex(TENANT_SKUS)


def state(sku_id, group=None, state_value='Active', error='None', disabled=()):
    return {'skuId': sku_id, 'assignedByGroup': group, 'state': state_value, 'error': error, 'disabledPlans': list(disabled)}


def graph_user(assigned=(), states=(), enabled=True, services=()):
    return {'id': 'u1', 'userPrincipalName': 'ann@contoso.com', 'displayName': 'Ann', 'accountEnabled': enabled,
            'usageLocation': 'US', 'assignedLicenses': list(assigned), 'licenseAssignmentStates': list(states),
            'provisionedPlans': [{'service': service, 'provisioningStatus': status} for _plan, service, status in services]}


def described(user, teams_only=False, names=None):
    return holdings.describe_user(user, holdings.describe_licenses(user, INDEX, names or {GROUP: 'Teams Phone Users'}, teams_only))


def test_a_licence_held_directly_and_through_a_group_names_the_group_and_both_paths():
    user = graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}], states=[state(MCOEV), state(MCOEV, GROUP)],
                      services=[(MCOEV_PLAN, 'MicrosoftCommunicationsOnline', 'Success')])
    licence = described(user)['licenses'][0]
    assert licence['sku_part_number'] == 'MCOEV' and licence['product_name'] == 'Microsoft Teams Phone Standard'
    assert 'phone_system' in licence['aliases']
    assert licence['assigned_directly'] is True
    assert licence['groups'] == [{'id': GROUP, 'display_name': 'Teams Phone Users'}]
    assert (licence['state'], licence['error']) == ('Active', None)
    assert licence['teams_plans'] == [{'service_plan_id': MCOEV_PLAN, 'service_plan_name': 'MCOEV', 'provisioning_status': 'Success'}]


def test_a_failed_group_copy_is_reported_even_when_the_licence_is_not_held():
    user = graph_user(states=[state(MCOEV, GROUP, 'Error', 'CountViolation')])
    licence = described(user)['licenses'][0]
    assert (licence['state'], licence['error'], licence['assigned_directly']) == ('Error', 'CountViolation', False)
    assert licence['teams_plans'][0]['provisioning_status'] is None
    assert 'buy more seats' in holdings.error_advice('CountViolation')


def test_the_worst_state_and_the_first_error_win_over_a_healthy_direct_copy():
    user = graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}],
                      states=[state(MCOEV), state(MCOEV, GROUP, 'ActiveWithError', 'MutuallyExclusiveViolation')])
    licence = described(user)['licenses'][0]
    assert (licence['state'], licence['error']) == ('ActiveWithError', 'MutuallyExclusiveViolation')


def test_healthy_error_values_null_and_none_are_no_error():
    for healthy in (None, 'None'):
        user = graph_user(assigned=[{'skuId': E3, 'disabledPlans': []}], states=[state(E3, error=healthy)])
        assert described(user)['licenses'][0]['error'] is None


def test_disabled_plans_are_named_and_a_disabled_teams_plan_says_so():
    user = graph_user(assigned=[{'skuId': E3, 'disabledPlans': [SWAY, TEAMS1]}], states=[state(E3, disabled=[SWAY, TEAMS1])])
    licence = described(user)['licenses'][0]
    assert licence['disabled_plans'] == ['SWAY', 'TEAMS1']
    assert licence['teams_plans'] == [{'service_plan_id': TEAMS1, 'service_plan_name': 'TEAMS1', 'provisioning_status': 'Disabled'}]


def test_provisioning_status_follows_the_plans_service():
    user = graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}, {'skuId': E3, 'disabledPlans': []}],
                      states=[state(MCOEV), state(E3)],
                      services=[(MCOEV_PLAN, 'MicrosoftCommunicationsOnline', 'PendingProvisioning'),
                                (TEAMS1, 'TeamspaceAPI', 'Success')])
    plans = dict((plan['service_plan_name'], plan['provisioning_status'])
                 for licence in described(user)['licenses'] for plan in licence['teams_plans'])
    assert plans == {'MCOEV': 'PendingProvisioning', 'TEAMS1': 'Success'}


def test_teams_only_leaves_out_products_without_teams():
    flow = TENANT_SKUS[2]['skuId']
    user = graph_user(assigned=[{'skuId': flow, 'disabledPlans': []}, {'skuId': MCOEV, 'disabledPlans': []}],
                      states=[state(flow), state(MCOEV)])
    assert [item['sku_part_number'] for item in described(user)['licenses']] == ['FLOW_FREE', 'MCOEV']
    assert [item['sku_part_number'] for item in described(user, teams_only=True)['licenses']] == ['MCOEV']


def test_the_reported_user_has_snake_case_keys_only():
    user = described(graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}], states=[state(MCOEV, GROUP)]))
    assert set(user) == {'id', 'user_principal_name', 'display_name', 'account_enabled', 'usage_location', 'licenses'}

    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)
    assert all(key == key.lower() and not key.startswith('@') and key not in ('keys', 'values', 'items') for key in keys(user))


def test_summary_counts_users_paths_errors_and_disabled_accounts():
    summary = HoldingsSummary()
    summary.add(described(graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}], states=[state(MCOEV), state(MCOEV, GROUP)])))
    summary.add(described(graph_user(states=[state(MCOEV, GROUP, 'Error', 'CountViolation')])))
    summary.add(described(graph_user(assigned=[{'skuId': E3, 'disabledPlans': []}], states=[state(E3)], enabled=False)))
    summary.add(described(graph_user()))
    result = summary.result()
    assert (result['users_reported'], result['users_licensed'], result['users_with_errors'], result['disabled_with_licenses']) == (4, 2, 1, 1)
    phone = next(item for item in result['licenses'] if item['sku_part_number'] == 'MCOEV')
    assert (phone['holders'], phone['direct'], phone['inherited'], phone['in_error']) == (1, 1, 2, 1)


def test_seats_list_the_teams_licences_only():
    seats = teams_seats(INDEX)
    assert [(seat['sku_part_number'], seat['enabled'], seat['consumed'], seat['available']) for seat in seats] == [
        ('ENTERPRISEPACK', 40, 30, 10), ('MCOEV', 25, 12, 13)]


# --- user selection ------------------------------------------------------------------------------------

class FakeClient(object):
    def __init__(self, pages=(), answer=None):
        self.pages = list(pages)
        self.gets = []
        self.batches = []
        self.answer = answer or (lambda request: BatchResponse(404, {}, {}))

    def get(self, url, params=None):
        self.gets.append((url, params))
        return self.pages.pop(0)

    def get_paged(self, url, params=None):
        return self.get(url, params).get('value')

    def batch(self, requests):
        self.batches.append(list(requests))
        return [self.answer(request) for request in requests]


def test_licence_holders_are_filtered_on_the_server_and_each_user_comes_once():
    ann = graph_user(assigned=[{'skuId': MCOEV}, {'skuId': E3}])
    client = FakeClient(pages=[{'value': [ann]}, {'value': [ann]}])
    selection = UserSelection(users=None, group=None, sku_ids=[MCOEV, E3], errors_only=False, account_enabled=False)
    assert list(iter_selected_users(client, selection, 'id')) == []  # ann's account is enabled: not kept
    assert client.gets[0][1]['$filter'] == 'assignedLicenses/any(x:x/skuId eq %s) and accountEnabled eq false' % MCOEV
    client = FakeClient(pages=[{'value': [ann]}, {'value': [ann]}])
    selection = selection._replace(account_enabled=None)
    assert [len(page) for page in iter_selected_users(client, selection, 'id')] == [1]
    assert client.gets[0][1]['$top'] == '999'


def test_the_whole_tenant_is_listed_once_with_errors_checked_per_user():
    ok_user = graph_user(states=[state(E3)])
    failing = dict(graph_user(states=[state(MCOEV, GROUP, 'Error', 'CountViolation')]), id='u2')
    client = FakeClient(pages=[{'value': [ok_user], '@odata.nextLink': 'https://graph/next'}, {'value': [failing]}])
    selection = UserSelection(users=None, group=None, sku_ids=[], errors_only=True, account_enabled=None)
    assert [[user['id'] for user in page] for page in iter_selected_users(client, selection, 'id')] == [['u2']]
    assert '$filter' not in client.gets[0][1]


def test_a_named_user_that_does_not_exist_fails_naming_it():
    client = FakeClient()
    selection = UserSelection(users=['ghost@contoso.com'], group=None, sku_ids=[], errors_only=False, account_enabled=None)
    with pytest.raises(UserSelectionError) as caught:
        list(iter_selected_users(client, selection, 'id'))
    assert 'ghost@contoso.com' in str(caught.value)


def test_group_members_are_read_in_batches_when_the_group_is_small():
    member = {'@odata.type': '#microsoft.graph.user', 'id': 'U1'}
    nested = {'@odata.type': '#microsoft.graph.group', 'id': 'g2'}
    client = FakeClient(pages=[{'value': [{'id': GROUP, 'displayName': 'Voice'}]}, {'value': [member, nested]}],
                        answer=lambda request: BatchResponse(200, {}, graph_user()))
    selection = UserSelection(users=None, group='Voice', sku_ids=[], errors_only=False, account_enabled=None)
    pages = list(iter_selected_users(client, selection, 'id'))
    assert [user['id'] for user in pages[0]] == ['u1']
    assert client.gets[1][0] == '/groups/%s/transitiveMembers' % GROUP
    assert [request['url'] for request in client.batches[0]] == ['/users/u1?$select=id']


def test_licence_filter_text():
    assert licence_filter(MCOEV, True) == 'assignedLicenses/any(x:x/skuId eq %s) and accountEnabled eq true' % MCOEV


# --- report files ----------------------------------------------------------------------------------------

def sample_users():
    return [described(graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}], states=[state(MCOEV, GROUP)])),
            described(graph_user(states=[state(MCOEV, GROUP, 'Error', 'CountViolation')])),
            described(graph_user())]


def write(tmp_path, report_format):
    path = tmp_path / ('report.' + report_format)
    report, summary = open_report(str(path), report_format), HoldingsSummary()
    for user in sample_users():
        summary.add(user)
        report.add(user)
    report.finish(summary.result(), teams_seats(INDEX), '2026-12-01 02:00 UTC')
    return path, summary


def test_csv_has_one_row_per_user_and_licence_with_what_to_do(tmp_path):
    path, _summary = write(tmp_path, 'csv')
    rows = list(csv.DictReader(path.open(encoding='utf-8')))
    assert len(rows) == 3
    assert rows[0]['groups'] == 'Teams Phone Users' and rows[0]['teams_plans'] == 'MCOEV: not assigned'
    assert rows[1]['error'] == 'CountViolation' and 'buy more seats' in rows[1]['what_to_do']
    assert rows[2]['sku_part_number'] == ''
    assert csv_rows(sample_users()[2])[0]['user_principal_name'] == 'ann@contoso.com'


def test_json_holds_users_summary_and_seats(tmp_path):
    path, summary = write(tmp_path, 'json')
    report = json.loads(path.read_text(encoding='utf-8'))
    assert len(report['users']) == 3 and report['summary'] == summary.result()
    assert [seat['sku_part_number'] for seat in report['seats']] == ['ENTERPRISEPACK', 'MCOEV']


def test_html_is_self_contained_with_chart_holders_errors_and_advice(tmp_path):
    path, _summary = write(tmp_path, 'html')
    page = path.read_text(encoding='utf-8')
    assert page.startswith('<!DOCTYPE html>')
    assert 'src=' not in page and 'href=' not in page and '@import' not in page  # nothing fetched at view time
    assert page.count('class="seat-bar"') == 2 and 'data-consumed="12"' in page
    assert page.count('<tr data-sku="MCOEV">') == 1 + 2 + 1  # licence table, two holder rows, one error row
    assert 'buy more seats' in page and 'id="licence-filter"' in page


def test_html_escapes_names(tmp_path):
    user = described(graph_user(assigned=[{'skuId': MCOEV, 'disabledPlans': []}], states=[state(MCOEV, GROUP)]),
                     names={GROUP: '<script>alert(1)</script>'})
    path = tmp_path / 'r.html'
    report = open_report(str(path), 'html')
    report.add(user)
    report.finish(HoldingsSummary().result(), [], 'now')
    assert '<script>alert(1)' not in path.read_text(encoding='utf-8')


def test_a_report_in_a_missing_directory_is_refused_and_a_discarded_one_leaves_nothing(tmp_path):
    with pytest.raises(ReportError):
        open_report(str(tmp_path / 'missing' / 'r.csv'), 'csv')
    report = open_report(str(tmp_path / 'r.csv'), 'csv')
    report.discard()
    assert list(tmp_path.iterdir()) == []


def test_prefetched_pages_come_in_order_one_read_ahead_and_errors_pass_through():
    read = []

    def pages():
        for number in range(3):
            read.append(number)
            yield [number]
        raise GraphError('page 4 failed', status=503)

    stream = prefetched(pages())
    assert next(stream) == [0]
    time.sleep(0.05)
    assert read == [0, 1]  # the next page only, never more
    assert next(stream) == [1] and next(stream) == [2]
    with pytest.raises(GraphError):
        next(stream)
