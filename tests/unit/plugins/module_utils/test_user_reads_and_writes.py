# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license reads and writes against a fake Graph client: requests sent and outcomes per user."""

import time

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse, iter_pages
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import UserPlan
from ansible_collections.m365.licensing.plugins.module_utils.licensing._writes import apply_plans, wait_for_provisioning
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import LISTING_THRESHOLD, read_users
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import apply_plan
from ansible_collections.m365.licensing.tests.unit.plugins.module_utils.fake_graph_client import FakeClient

PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
FORBIDDEN = {'error': {'code': 'Authorization_RequestDenied', 'message': 'Insufficient privileges'}}
USAGE_LOCATION_ERROR = {'error': {'code': 'Request_BadRequest',
                                  'message': 'License assignment cannot be done for user with invalid usage location.'}}


def graph_user(number):
    return {'id': 'id-%d' % number, 'userPrincipalName': 'user%d@contoso.com' % number, 'usageLocation': 'US',
            'assignedLicenses': [], 'licenseAssignmentStates': []}


def test_few_users_are_read_by_batch_with_licensing_properties_selected():
    def answer(request):
        if 'ghost' in request['url']:
            return BatchResponse(404, {}, {'error': {'code': 'Request_ResourceNotFound', 'message': 'nope'}})
        return BatchResponse(200, {}, graph_user(1))

    client = FakeClient(answer)
    result = read_users(client, ['user1@contoso.com', 'ghost@contoso.com'])
    assert result.current('USER1@contoso.com')['id'] == 'id-1'
    assert result.current('ghost@contoso.com') is None
    urls = [request['url'] for request in client.batches[0]]
    assert urls[0] == '/users/user1@contoso.com?$select=id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates'
    assert client.gets == []


def licensed_user(number, disabled=()):
    return {'id': 'id-%d' % number, 'userPrincipalName': 'user%d@contoso.com' % number, 'usageLocation': 'US',
            'assignedLicenses': [{'skuId': PHONE, 'disabledPlans': list(disabled)}],
            'licenseAssignmentStates': [{'skuId': PHONE, 'assignedByGroup': None, 'disabledPlans': list(disabled), 'state': 'Active',
                                         'error': 'None', 'lastUpdatedDateTime': '2026-01-0%dT00:00:00Z' % (number % 9 + 1)}]}


def test_users_are_kept_compact_with_one_shared_entry_per_distinct_licence():
    def answer(request):
        number = int(request['url'].split('/users/user')[1].split('@')[0])
        return BatchResponse(200, {}, licensed_user(number, ['plan-a'] if number == 7 else ()))

    client = FakeClient(answer)
    result = read_users(client, ['user%d@contoso.com' % number for number in range(1, 9)])
    first, second, seventh = (result.current('user%d@contoso.com' % number) for number in (1, 2, 7))
    assert first['id'] == 'id-1' and first['usageLocation'] == 'US'
    # The planner's members only, lists as tuples; lastUpdatedDateTime is not kept.
    assert first['licenseAssignmentStates'] == ({'skuId': PHONE, 'assignedByGroup': None, 'disabledPlans': (), 'state': 'Active',
                                                 'error': 'None'},)
    assert first['assignedLicenses'] == ({'skuId': PHONE, 'disabledPlans': ()},)
    # Alike entries are one object for every user; a different one is its own.
    assert first['licenseAssignmentStates'] is second['licenseAssignmentStates']
    assert seventh['licenseAssignmentStates'][0]['disabledPlans'] == ('plan-a',)
    assert seventh['licenseAssignmentStates'] is not first['licenseAssignmentStates']


def test_a_prediction_from_a_shared_entry_leaves_the_other_users_alone():
    client = FakeClient(lambda request: BatchResponse(200, {}, licensed_user(1)))
    result = read_users(client, ['user1@contoso.com', 'user2@contoso.com'])
    plan = UserPlan('user1@contoso.com', 'id-1', 'user1@contoso.com')
    plan.add.append({'skuId': PHONE, 'disabledPlans': ['plan-b']})
    predicted = apply_plan(result.current('user1@contoso.com'), plan)
    assert predicted['licenseAssignmentStates'][0]['disabledPlans'] == ['plan-b']
    assert result.current('user2@contoso.com')['licenseAssignmentStates'][0]['disabledPlans'] == ()


def test_an_entry_of_an_unexpected_shape_is_kept_as_it_came():
    odd = dict(graph_user(1), licenseAssignmentStates=[{'skuId': PHONE, 'disabledPlans': [{'not': 'a string'}]}])
    result = read_users(FakeClient(lambda request: BatchResponse(200, {}, odd)), ['user1@contoso.com'])
    assert result.current('user1@contoso.com')['licenseAssignmentStates'] == odd['licenseAssignmentStates']


def test_guest_upn_is_percent_encoded_in_the_path():
    client = FakeClient()
    read_users(client, ['ann_fabrikam.com#EXT#@contoso.onmicrosoft.com'])
    assert client.batches[0][0]['url'].startswith('/users/ann_fabrikam.com%23EXT%23@contoso.onmicrosoft.com?')


def test_a_read_error_other_than_404_is_kept_for_that_user():
    client = FakeClient(lambda request: BatchResponse(403, {}, FORBIDDEN))
    result = read_users(client, ['user1@contoso.com'])
    assert result.current('user1@contoso.com') is None
    assert result.error('user1@contoso.com').code == 'Authorization_RequestDenied'


def test_many_users_in_a_small_tenant_are_read_by_one_listing():
    count = LISTING_THRESHOLD
    users = [graph_user(number) for number in range(count + 100)]
    pages = [{'value': users[:999]}]
    client = FakeClient(pages=pages)
    references = ['user%d@contoso.com' % number for number in range(count)] + ['nobody@contoso.com']
    result = read_users(client, references)
    assert len(client.gets) == 1 and client.gets[0][1]['$top'] == '999'
    assert client.batches == []
    assert result.current('user7@contoso.com')['id'] == 'id-7'
    assert result.current('nobody@contoso.com') is None  # the whole tenant was listed


def test_a_listing_that_would_cost_more_than_batches_stops_and_batches_the_rest():
    count = LISTING_THRESHOLD  # batches would cost count / 20 requests: the listing may cost as many pages
    budget = -(-count // 20)
    pages = [{'value': [graph_user(0)], '@odata.nextLink': 'https://graph/next/%d' % page} for page in range(budget + 5)]
    client = FakeClient(pages=pages, answer=lambda request: BatchResponse(200, {}, graph_user(9)))
    references = ['user%d@contoso.com' % number for number in range(count)]
    result = read_users(client, references)
    assert len(client.gets) == budget
    assert len(client.batches[0]) == count - 1  # user0 was met in the listing
    assert result.current('user0@contoso.com')['id'] == 'id-0'


def test_the_next_page_is_on_its_way_while_the_caller_reads_one_and_never_past_the_limit():
    pages = [{'value': [graph_user(page)], '@odata.nextLink': 'https://graph/next/%d' % page} for page in range(6)]
    client = FakeClient(pages=pages)
    seen = []
    for _page in iter_pages(client, '/users', {'$top': '999'}, page_limit=4):
        time.sleep(0.05)  # the caller's work: the next request goes meanwhile
        seen.append(len(client.gets))
    assert seen == [2, 3, 4, 4] and len(client.gets) == 4


def test_a_repeated_next_link_is_a_graph_error_not_an_endless_listing():
    pages = [{'value': [graph_user(page)], '@odata.nextLink': 'https://graph/next'} for page in range(3)]
    with pytest.raises(GraphError, match='repeated @odata.nextLink'):
        list(iter_pages(FakeClient(pages=pages), '/users', {'$top': '999'}))


def planned(user_number, add=None, remove=None, usage_location=None):
    plan = UserPlan('user%d@contoso.com' % user_number, user_id='id-%d' % user_number)
    plan.add = [{'skuId': sku_id, 'disabledPlans': []} for sku_id in add or []]
    plan.remove = list(remove or [])
    plan.added = ['MCOEV'] if add else []
    plan.usage_location = usage_location
    return plan


def test_usage_locations_are_patched_before_licences_are_assigned():
    client = FakeClient()
    plans = [planned(1, add=[PHONE], usage_location='GB'), planned(2, add=[PHONE])]
    counter = apply_plans(client, plans, sleep=lambda seconds: None)
    assert [request['method'] for request in client.batches[0]] == ['PATCH']
    assert client.batches[0][0]['body'] == {'usageLocation': 'GB'}
    assert [request['url'] for request in client.batches[1]] == ['/users/id-1/assignLicense', '/users/id-2/assignLicense']
    assert client.batches[1][0]['body'] == {'addLicenses': [{'skuId': PHONE, 'disabledPlans': []}], 'removeLicenses': []}
    assert counter.applied == 3
    assert all(plan.error is None for plan in plans)


def test_a_failed_usage_location_patch_skips_that_users_licences():
    client = FakeClient(lambda request: BatchResponse(403, {}, FORBIDDEN) if request['method'] == 'PATCH' else BatchResponse(200, {}, {}))
    plans = [planned(1, add=[PHONE], usage_location='GB'), planned(2, add=[PHONE])]
    counter = apply_plans(client, plans, sleep=lambda seconds: None)
    assert [request['url'] for request in client.batches[1]] == ['/users/id-2/assignLicense']
    assert plans[0].status == 'failed' and 'usage location GB' in plans[0].error and 'Authorization_RequestDenied' in plans[0].error
    assert counter.applied == 1


def test_assign_retries_after_the_usage_location_replication_lag():
    answers = {'assign': 0}

    def answer(request):
        if request['method'] == 'POST':
            answers['assign'] += 1
            if answers['assign'] == 1:
                return BatchResponse(400, {}, USAGE_LOCATION_ERROR)
        return BatchResponse(200, {}, {})

    slept = []
    plans = [planned(1, add=[PHONE], usage_location='GB')]
    counter = apply_plans(FakeClient(answer), plans, sleep=slept.append)
    assert slept == [5.0]
    assert plans[0].error is None and counter.applied == 2


def test_usage_location_error_without_a_patch_fails_at_once_with_graphs_words():
    client = FakeClient(lambda request: BatchResponse(400, {}, USAGE_LOCATION_ERROR))
    slept = []
    plans = [planned(1, add=[PHONE])]
    apply_plans(client, plans, sleep=slept.append)
    assert slept == []
    assert 'assignLicense failed (adding MCOEV)' in plans[0].error
    assert 'Request_BadRequest' in plans[0].error and 'invalid usage location' in plans[0].error


def test_a_lost_envelope_fails_its_users_and_keeps_the_others():
    lost = GraphError('cannot reach https://graph: connection reset', status=None)

    def answer(request):
        if request['url'].startswith('/users/id-1/'):
            return BatchResponse(None, {}, None, envelope_error=lost)
        return BatchResponse(200, {}, {})

    plans = [planned(1, add=[PHONE]), planned(2, add=[PHONE])]
    counter = apply_plans(FakeClient(answer), plans, sleep=lambda seconds: None)
    assert plans[0].status == 'failed' and 'connection reset' in plans[0].error
    assert plans[1].status == 'changed' and counter.applied == 1


def provisioning_answer(states, plan_status):
    def answer(request):
        if request['url'].endswith('/licenseDetails'):
            return BatchResponse(200, {}, {'value': [{'skuId': PHONE, 'servicePlans': [
                {'servicePlanName': 'MCOEV', 'provisioningStatus': plan_status.pop(0) if len(plan_status) > 1 else plan_status[0]}]}]})
        return BatchResponse(200, {}, {'id': 'id-1', 'licenseAssignmentStates': states})
    return answer


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_polls_until_teams_plans_report_success():
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Active', 'error': 'None'}]
    client = FakeClient(provisioning_answer(states, ['PendingProvisioning', 'PendingProvisioning', 'Success']))
    plans = [planned(1, add=[PHONE])]
    wait_for_provisioning(client, plans, frozenset(['MCOEV']), 60, sleep=clock.sleep, clock=clock)
    assert plans[0].error is None
    assert len(client.batches) == 3


def test_wait_fails_a_user_whose_assignment_is_in_error():
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Error', 'error': 'DependencyViolation'}]
    plans = [planned(1, add=[PHONE])]
    wait_for_provisioning(FakeClient(provisioning_answer(states, ['Success'])), plans, frozenset(['MCOEV']), 60,
                          sleep=clock.sleep, clock=clock)
    assert 'DependencyViolation' in plans[0].error


def test_wait_gives_up_at_the_timeout_naming_what_is_pending():
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Active', 'error': None}]
    plans = [planned(1, add=[PHONE])]
    wait_for_provisioning(FakeClient(provisioning_answer(states, ['PendingProvisioning'])), plans, frozenset(['MCOEV']), 12,
                          sleep=clock.sleep, clock=clock)
    assert 'not provisioned within wait_timeout (12s)' in plans[0].error
    assert 'MCOEV is PendingProvisioning' in plans[0].error


def test_wait_polls_up_to_the_deadline_itself():
    """A provisioning that ends at 5 s is seen with wait_timeout 5 (issue 15 class 9: no stop one interval early)."""
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Active', 'error': None}]
    client = FakeClient(provisioning_answer(states, ['PendingProvisioning', 'Success']))
    plans = [planned(1, add=[PHONE])]
    wait_for_provisioning(client, plans, frozenset(['MCOEV']), 5, sleep=clock.sleep, clock=clock)
    assert plans[0].error is None and clock.now == 5.0 and len(client.batches) == 2


def test_wait_never_sleeps_past_the_deadline():
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Active', 'error': None}]
    plans = [planned(1, add=[PHONE])]
    wait_for_provisioning(FakeClient(provisioning_answer(states, ['PendingProvisioning'])), plans, frozenset(['MCOEV']), 7,
                          sleep=clock.sleep, clock=clock)
    assert clock.now == 7.0 and 'within wait_timeout (7s)' in plans[0].error


def test_a_user_whose_wait_runs_out_still_shows_what_was_added():
    clock = Clock()
    states = [{'skuId': PHONE, 'assignedByGroup': None, 'state': 'Active', 'error': None}]
    plans = [planned(1, add=[PHONE])]
    apply_plans(FakeClient(lambda request: BatchResponse(200, {}, {})), plans, sleep=lambda seconds: None)
    wait_for_provisioning(FakeClient(provisioning_answer(states, ['PendingProvisioning'])), plans, frozenset(['MCOEV']), 5,
                          sleep=clock.sleep, clock=clock)
    report = plans[0].report()
    assert report['status'] == 'failed' and report['added'] == plans[0].added and report['added']


def test_a_usage_location_written_before_a_refused_licence_write_stays_in_the_report():
    def answer(request):
        if request['method'] == 'PATCH':
            return BatchResponse(204, {}, None)
        if request['method'] == 'GET':
            return BatchResponse(200, {}, {'id': 'id-1', 'licenseAssignmentStates': []})
        return BatchResponse(400, {}, {'error': {'code': 'Request_BadRequest', 'message': 'refused'}})

    plan = planned(1, add=[PHONE])
    plan.usage_location = 'GB'
    counter = apply_plans(FakeClient(answer), [plan], sleep=lambda seconds: None)
    assert counter.applied == 1 and plan.status == 'failed'
    assert plan.report()['usage_location_set'] == 'GB' and plan.written
