# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: Teams phone numbers and user configurations (graph-facts §12), raw HTTP.

Each test names the fact it checks. The operation timing knob is the tenant's
number_operation_s (0.3 s by default); tests poll the Location as a client would.
"""

import time
from urllib.parse import quote

import pytest

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off')
TELEPHONY_APP = '7e1e7e1e-7e1e-4e1e-8e1e-7e1e7e1e7e1e'
TELEPHONY_SECRET = 'emulator-secret-0007'
NUMBER_READER_APP = '7e1e7e1e-7e1e-4e1e-8e1e-88887e1e7e1e'
NUMBER_READER_SECRET = 'emulator-secret-0008'
NUMBERS = '/v1.0/admin/teams/telephoneNumberManagement/numberAssignments'
REDMOND = '9b1d4c2e-0a7f-4e55-8c61-3f2a1b0c9d01'
DOMAIN = 'contoso.onmicrosoft.com'


@pytest.fixture
def phone(graph):
    """The graph session, with the telephony app's token by default."""
    token = graph.token(TELEPHONY_APP, TELEPHONY_SECRET)
    graph.phone_token = token
    return graph


def user_id(graph, name):
    return graph.get('/v1.0/users/%s@%s' % (name, DOMAIN)).json()['id']


def find_number(graph, number):
    response = graph.get(NUMBERS + '?$filter=' + quote("telephoneNumber eq '%s'" % number), token=graph.phone_token)
    assert response.status_code == 200, response.text
    values = response.json()['value']
    return values[0] if values else None


def post(graph, action, body):
    return graph.post('%s/%s' % (NUMBERS, action), body, token=graph.phone_token)


def finish(graph, response, timeout=10):
    """Poll the operation named by the 202's Location until it ends; the statuses seen and the last body."""
    assert response.status_code == 202, response.text
    location = response.headers['Location']
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = graph.get(location, token=graph.phone_token).json()
        if not seen or seen[-1] != body['status']:
            seen.append(body['status'])
        if body['status'] in ('succeeded', 'failed'):
            return seen, body
        time.sleep(0.05)
    raise AssertionError('operation did not end: %s' % seen)


def assign(graph, name, number, number_type='callingPlan', **extra):
    body = dict(telephoneNumber=number, assignmentTargetId=user_id(graph, name), numberType=number_type, **extra)
    return finish(graph, post(graph, 'assignNumber', body))


# --- §12.1 permissions ------------------------------------------------------------------------------

def test_licence_permissions_do_not_cover_numbers_or_user_configurations(graph):
    """§12.1: none of these is covered by LicenseAssignment.ReadWrite.All."""
    for path in (NUMBERS, '/v1.0/admin/teams/userConfigurations'):
        response = graph.get(path)
        assert response.status_code == 403
        assert response.json()['error']['code'] == 'Authorization_RequestDenied'


def test_read_permission_reads_but_cannot_assign(phone):
    """§12.1: list needs TeamsTelephoneNumber.Read.All; assign needs ReadWrite.All."""
    token = phone.token(NUMBER_READER_APP, NUMBER_READER_SECRET)
    assert phone.get(NUMBERS, token=token).status_code == 200
    body = {'telephoneNumber': '+14255550102', 'assignmentTargetId': user_id(phone, 'NoraF'), 'numberType': 'callingPlan'}
    assert phone.post(NUMBERS + '/assignNumber', body, token=token).status_code == 403
    assert phone.get('/v1.0/admin/teams/userConfigurations', token=token).status_code == 403


# --- §12.2 shapes and filters -------------------------------------------------------------------------

def test_number_assignment_shape_and_documented_filter(phone):
    """§12.2: numberAssignment fields; the documented unassigned + userAssignment filter; + encoded as %2B."""
    expression = "assignmentStatus eq 'unassigned' and capabilities/any(c:c eq 'userAssignment')"
    response = phone.get(NUMBERS + '?$filter=' + quote(expression), token=phone.phone_token)
    assert response.status_code == 200
    values = response.json()['value']
    assert values and all(item['assignmentStatus'] == 'unassigned' and 'userAssignment' in item['capabilities'] for item in values)
    assert '+14255550190' not in [item['telephoneNumber'] for item in values]   # conference-only number
    held = find_number(phone, '+14255550100')
    for field in ('id', 'telephoneNumber', 'numberType', 'activationState', 'assignmentStatus', 'assignmentTargetId',
                  'assignmentCategory', 'capabilities', 'isoCountryCode', 'city', 'locationId', 'numberSource'):
        assert field in held
    assert (held['assignmentStatus'], held['assignmentTargetId'], held['assignmentCategory']) == (
        'userAssigned', user_id(phone, 'BrianJ'), 'primary')
    assert phone.get(NUMBERS + '/' + held['id'], token=phone.phone_token).json()['telephoneNumber'] == '+14255550100'
    # An unencoded + is a space in a query string: no match.
    raw = phone.get(NUMBERS + "?$filter=telephoneNumber eq '+14255550100'", token=phone.phone_token)
    assert raw.json()['value'] == []


def test_list_pages_with_top_and_skip(phone):
    """§12.2: $top/$skip paging (and an @odata.nextLink to follow)."""
    first = phone.get(NUMBERS + '?$top=5', token=phone.phone_token).json()
    assert len(first['value']) == 5 and '@odata.nextLink' in first
    second = phone.get(first['@odata.nextLink'], token=phone.phone_token).json()
    assert not set(n['telephoneNumber'] for n in first['value']) & set(n['telephoneNumber'] for n in second['value'])
    assert phone.get(NUMBERS + '?$top=1001', token=phone.phone_token).status_code == 400


# --- §12.1/§12.2 operations ---------------------------------------------------------------------------

def test_assign_is_202_with_location_and_operation_moves_to_succeeded(phone):
    """§12.1: 202 + Location operations('{id}'); §12.2: notStarted -> running -> succeeded; §12.3 voice on."""
    response = post(phone, 'assignNumber', {'telephoneNumber': '+14255550102', 'assignmentTargetId': user_id(phone, 'NoraF'),
                                            'numberType': 'callingPlan', 'locationId': REDMOND})
    assert "/operations('" in response.headers['Location']
    pending = find_number(phone, '+14255550102')
    assert pending['activationState'] == 'assignmentPending'
    seen, body = finish(phone, response)
    assert seen[0] in ('notStarted', 'running') and seen[-1] == 'succeeded'
    assert body['numbers'][0]['telephoneNumber'] == '+14255550102'
    number = find_number(phone, '+14255550102')
    assert (number['assignmentTargetId'], number['activationState']) == (user_id(phone, 'NoraF'), 'activated')
    configuration = phone.get('/v1.0/admin/teams/userConfigurations/' + user_id(phone, 'NoraF'), token=phone.phone_token).json()
    assert configuration['isEnterpriseVoiceEnabled'] is True
    assert configuration['telephoneNumbers'] == [{'telephoneNumber': '+14255550102', 'assignmentCategory': 'primary'}]


@pytest.mark.parametrize('name, number, number_type, extra, detail', [
    # §12.2 (COMMUNITY texts) and §12.3 rules.
    ('NoraF', '+14255550100', 'callingPlan', {'locationId': REDMOND}, 'has already been assigned to another user'),
    ('NoraF', '+14255559999', 'callingPlan', {}, 'is not found from tenant'),
    ('AdeleV', '+14255550103', 'callingPlan', {'locationId': REDMOND}, "lacks appropriate licenses to assign a 'CallingPlan' number"),
    ('AdeleV', '+14255557001', 'directRouting', {}, "lacks appropriate licenses to assign a 'DirectRouting' number"),
    ('NoraF', '+442071234567', 'callingPlan', {}, "belongs to country 'GB'"),
    ('NoraF', '+14255550103', 'callingPlan', {}, 'An emergency location is required'),
    ('NoraF', '+14255550190', 'callingPlan', {'locationId': REDMOND}, 'lacks the userAssignment capability'),
    ('NoraF', '+14255557001', 'callingPlan', {}, "is a 'directRouting' number"),
])
def test_assign_refusals_end_failed_with_status_detail(phone, name, number, number_type, extra, detail):
    """§12.2: the operation ends failed with the per-number statusDetail; nothing changes."""
    before = find_number(phone, number)
    seen, body = assign(phone, name, number, number_type, **extra)
    assert seen[-1] == 'failed'
    assert detail in body['numbers'][0]['statusDetail']
    after = find_number(phone, number)
    assert (after or {}).get('assignmentTargetId') == (before or {}).get('assignmentTargetId')


def test_direct_routing_needs_teams_phone_only(phone):
    """§12.3: Direct Routing numbers need Teams Phone (MeganB's E5 carries it), no Calling Plan."""
    seen, _body = assign(phone, 'NestorW', '+14255557001', 'directRouting')
    assert seen[-1] == 'succeeded'


def test_bad_body_is_400_at_once(phone):
    """§12.2: numberType is callingPlan, directRouting or operatorConnect; a target is required."""
    assert post(phone, 'assignNumber', {'telephoneNumber': '+14255550102', 'numberType': 'callingPlan'}).status_code == 400
    response = post(phone, 'assignNumber', {'telephoneNumber': '+14255550102', 'numberType': 'calling_plan',
                                            'assignmentTargetId': user_id(phone, 'NoraF')})
    assert response.status_code == 400


def test_unassign_then_assign_moves_a_number(phone):
    """§12.2: moving a number to another user is unassign, then assign; unassign takes no target."""
    seen, _body = finish(phone, post(phone, 'unassignNumber', {'telephoneNumber': '+14255550101', 'numberType': 'callingPlan'}))
    assert seen[-1] == 'succeeded'
    assert find_number(phone, '+14255550101')['assignmentStatus'] == 'unassigned'
    seen, _body = assign(phone, 'NoraF', '+14255550101')
    assert seen[-1] == 'succeeded'
    configuration = phone.get('/v1.0/admin/teams/userConfigurations/' + user_id(phone, 'RaulR'), token=phone.phone_token).json()
    assert configuration['isEnterpriseVoiceEnabled'] is False   # §12.3: unassigning turns Enterprise Voice off


def test_two_operations_racing_for_one_number_end_with_one_success(phone):
    """§12.2 statusDetail "already assigned": operations are decided in order."""
    first = post(phone, 'assignNumber', {'telephoneNumber': '+14255550104', 'assignmentTargetId': user_id(phone, 'NoraF'),
                                         'numberType': 'callingPlan', 'locationId': REDMOND})
    second = post(phone, 'assignNumber', {'telephoneNumber': '+14255550104', 'assignmentTargetId': user_id(phone, 'OmarH'),
                                          'numberType': 'callingPlan', 'locationId': REDMOND})
    assert finish(phone, first)[0][-1] == 'succeeded'
    assert finish(phone, second)[0][-1] == 'failed'


def test_update_number_is_synchronous(phone):
    """§12.1: updateNumber answers 200 at once; locationId must be a location of the number's country."""
    response = post(phone, 'updateNumber', {'telephoneNumber': '+14255550105', 'locationId': REDMOND})
    assert response.status_code == 200
    assert find_number(phone, '+14255550105')['locationId'] == REDMOND
    wrong = post(phone, 'updateNumber', {'telephoneNumber': '+14255550105', 'locationId': '9b1d4c2e-0a7f-4e55-8c61-3f2a1b0c9d03'})
    assert wrong.status_code == 400


# --- §12.3 licence removal, Teams lag -------------------------------------------------------------------

def test_removing_the_calling_plan_releases_the_number(phone):
    """§12.3: removing a prerequisite licence unassigns the number."""
    brian = user_id(phone, 'BrianJ')
    response = phone.post('/v1.0/users/%s/assignLicense' % brian, {'addLicenses': [], 'removeLicenses': [phone.sku_id('MCOPSTN1')]})
    assert response.status_code == 200, response.text
    number = find_number(phone, '+14255550100')
    assert number['assignmentStatus'] == 'unassigned' and number['assignmentTargetId'] is None


def test_removing_teams_phone_deletes_a_direct_routing_number(phone):
    """§12.3: a Direct Routing number is even deleted from the tenant's inventory."""
    megan = user_id(phone, 'MeganB')
    response = phone.post('/v1.0/users/%s/assignLicense' % megan, {'addLicenses': [], 'removeLicenses': [phone.sku_id('SPE_E5')]})
    assert response.status_code == 200, response.text
    assert find_number(phone, '+14255557000') is None


def test_teams_sees_a_new_licence_after_the_processing_delay(phone, fresh_emulator):
    """§12.3: expect refusals right after assignLicense; §12.2 featureTypes shows when Teams is ready (INFERRED)."""
    fresh_emulator.configure(teams_processing_delay=1.0)
    adele = user_id(phone, 'AdeleV')
    body = {'addLicenses': [{'skuId': phone.sku_id('MCOEV'), 'disabledPlans': []}, {'skuId': phone.sku_id('MCOPSTN1'), 'disabledPlans': []}],
            'removeLicenses': []}
    assert phone.post('/v1.0/users/%s/assignLicense' % adele, body).status_code == 200
    configuration = phone.get('/v1.0/admin/teams/userConfigurations/' + adele, token=phone.phone_token).json()
    assert 'CallingPlan' not in configuration['featureTypes']
    seen, detail = assign(phone, 'AdeleV', '+14255550103', locationId=REDMOND)
    assert seen[-1] == 'failed' and 'lacks appropriate licenses' in detail['numbers'][0]['statusDetail']
    time.sleep(1.1)
    configuration = phone.get('/v1.0/admin/teams/userConfigurations/' + adele, token=phone.phone_token).json()
    assert {'PhoneSystem', 'CallingPlan'} <= set(configuration['featureTypes'])
    assert assign(phone, 'AdeleV', '+14255550103', locationId=REDMOND)[0][-1] == 'succeeded'


def test_user_configurations_list_and_resource_accounts(phone):
    """§12.2: teamsUserConfiguration shape; a resource account is accountType resourceAccount."""
    response = phone.get('/v1.0/admin/teams/userConfigurations', token=phone.phone_token)
    assert response.status_code == 200
    by_upn = dict((item['userPrincipalName'].split('@')[0], item) for item in response.json()['value'])
    assert by_upn['aa-main']['accountType'] == 'resourceAccount'
    assert by_upn['BrianJ']['telephoneNumbers'] == [{'telephoneNumber': '+14255550100', 'assignmentCategory': 'primary'}]
    for field in ('id', 'userPrincipalName', 'accountType', 'isEnterpriseVoiceEnabled', 'telephoneNumbers',
                  'effectivePolicyAssignments', 'featureTypes'):
        assert field in by_upn['BrianJ']


def test_numbers_are_in_the_inspection_state(fresh_emulator):
    numbers = fresh_emulator.state()['phone_numbers']
    assert len(numbers) == 21
    assert sum(1 for item in numbers if item['assignmentTargetId']) == 4
