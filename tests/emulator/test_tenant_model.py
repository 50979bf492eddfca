# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's tenant model, called directly (no HTTP): Graph licensing semantics and fixtures.

Expected error texts are written out here, as recorded in graph-facts.md §1.4 and its Addenda,
so a change of wording in the emulator shows up as a failure.
"""

import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_emulator.fixtures import FixtureError, read_fixture
from graph_emulator.tenant import GraphApiError, Tenant

CONTOSO_ID = '8f2c6c3e-7d5a-4c1b-9e0f-2a6b3c4d5e6f'
TIGHT_ID = '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d'
SMALL_ID = '0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e'
TEAMS_PHONE_USERS = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'

E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
SPE_E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06'
MCOEV = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
MCOPSTN1 = '0dab259f-bf13-4952-b7f8-7db8f131b28d'
MCOPSTN2 = 'd3b4fe1f-9992-4930-8acb-ca6ec609365e'
MCOMEETADV = '0c266dff-15dd-4b49-8397-2bb16070ed52'
MCOPSTNC = '47794cd0-f0e5-45c5-9033-2eb6b5fc84e0'
STORAGE = '99049c9c-6011-4908-bf17-15f496e6519d'       # SHAREPOINTSTORAGE, appliesTo Company
E1_SUSPENDED = '18181a46-0d4e-45cd-891e-60aabd171b4e'  # STANDARDPACK, Suspended
NOT_SUBSCRIBED = 'c42b9cae-ea4f-4ab7-9717-81576235ccac'  # DEVELOPERPACK_E5: real, not in contoso
MCOEV_PLAN = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'
MCOPSTN1_PLAN = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8'
MCOPSTN2_PLAN = '5a10155d-f5c1-411a-a8ec-e99aae125390'
MCOEV_VIRTUALUSER_PLAN = 'f47330e9-c134-43b3-9993-e7f004506889'
SWAY_PLAN = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97'
YAMMER_PLAN = '7547a3fe-08ee-4ccb-b430-5077c5041653'

OFFICE_STAFF = ('AdeleV', 'AlexW', 'DiegoS', 'GradyA', 'HenriettaM', 'IsaiahL', 'JohannaL', 'JoniS', 'LeeG', 'LidiaH',
                'LynneR', 'MiriamG')
NO_USAGE_LOCATION = ('TomasN', 'PriyaR', 'YukiT', 'LucasM')

NOT_FOUND = "Resource '%s' does not exist or one of its queried reference-property objects are not present."
NO_SEATS = 'Subscription with SKU %s does not have any available licenses.'
BAD_USAGE_LOCATION = 'License assignment cannot be done for user with invalid usage location.'
NOT_A_GUID = "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details"
INHERITED = 'User license is inherited from a group membership and it cannot be removed directly from the user.'


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def contoso(clock):
    return Tenant.load('contoso', clock=clock)


def upn(name, domain='contoso.onmicrosoft.com'):
    return '%s@%s' % (name, domain)


def body(add=(), remove=(), disabled=None):
    disabled = disabled or {}
    return {'addLicenses': [{'skuId': sku_id, 'disabledPlans': list(disabled.get(sku_id, ()))} for sku_id in add],
            'removeLicenses': list(remove)}


def held(tenant, user):
    return sorted(item['skuId'] for item in tenant.get_user(user, select='assignedLicenses')['assignedLicenses'])


def consumed(tenant, sku_id):
    return tenant.get_subscribed_sku('%s_%s' % (tenant.tenant_id, sku_id))['consumedUnits']


def states(tenant, user, sku_id=None):
    found = tenant.get_user(user, select='licenseAssignmentStates')['licenseAssignmentStates']
    return [item for item in found if sku_id is None or item['skuId'] == sku_id]


def graph_error(call, *args):
    with pytest.raises(GraphApiError) as caught:
        call(*args)
    return caught.value.status, caught.value.code, caught.value.message


def small_tenant(clock, mcoev_seats=3, users=None, groups=None):
    """A tenant built from data: E3 for everyone, few Teams Phone seats, contoso's rules."""
    users = users if users is not None else [
        {'upn': 'u%d' % number, 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']} for number in range(1, 5)]
    return Tenant.from_dict({
        'tenant': {'id': SMALL_ID, 'domain': 'small.test', 'country': 'US'},
        'skus': [{'part_number': 'ENTERPRISEPACK', 'enabled': 50}, {'part_number': 'MCOEV', 'enabled': mcoev_seats},
                 {'part_number': 'MCOPSTN1', 'enabled': 50}, {'part_number': 'MCOMEETADV', 'enabled': 50}],
        'users': users,
        'groups': groups or [],
        'rules': read_fixture('contoso')['rules'],
    }, clock=clock)


# --- fixtures --------------------------------------------------------------------------------------

def test_contoso_identity_and_apps(contoso):
    assert (contoso.tenant_id, contoso.domain, contoso.country) == (CONTOSO_ID, 'contoso.onmicrosoft.com', 'US')
    writer = contoso.find_app('44444444-4444-4444-8444-444444444444')
    assert writer.display_name == 'Licence writer'
    assert writer.secrets == [{'value': 'emulator-secret-0004', 'expires': None}]
    assert writer.roles == {'LicenseAssignment.ReadWrite.All'}
    expired = contoso.find_app('33333333-3333-4333-8333-333333333333')
    assert expired.secrets == [{'value': 'emulator-secret-0003', 'expires': '2025-01-01T00:00:00Z'}]
    assert contoso.find_app('22222222-2222-4222-8222-222222222222').roles == {'LicenseAssignment.Read.All'}
    assert contoso.find_app('11111111-1111-4111-8111-111111111111').roles == {
        'LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'GroupMember.Read.All'}
    assert contoso.managed_identity_app().client_id == '55555555-5555-4555-8555-555555555555'
    assert contoso.managed_identity_app('66666666-6666-4666-8666-666666666666').managed_identity == 'user'
    assert contoso.managed_identity_app('11111111-1111-4111-8111-111111111111') is None
    assert contoso.find_app('99999999-9999-4999-8999-999999999999') is None


def test_contoso_skus_and_seats(contoso):
    skus = dict((sku['skuPartNumber'], sku) for sku in contoso.list_subscribed_skus())
    assert {'ENTERPRISEPACK', 'SPE_E5', 'ENTERPRISEPREMIUM', 'MCOEV', 'MCOPSTN1', 'MCOPSTN2', 'MCOMEETADV', 'MCOPSTNC',
            'PHONESYSTEM_VIRTUALUSER', 'MCOTEAMS_ESSENTIALS'} <= set(skus)
    assert skus['MCOPSTNC']['prepaidUnits']['enabled'] == 10000000
    assert [sku['skuPartNumber'] for sku in skus.values() if sku['appliesTo'] == 'Company'] == ['SHAREPOINTSTORAGE']
    assert [sku['skuPartNumber'] for sku in skus.values() if sku['capabilityStatus'] == 'Suspended'] == ['STANDARDPACK']
    mcoev = skus['MCOEV']
    assert mcoev['id'] == '%s_%s' % (CONTOSO_ID, MCOEV)
    assert mcoev['servicePlans'] == [{'servicePlanId': MCOEV_PLAN, 'servicePlanName': 'MCOEV',
                                      'provisioningStatus': 'Success', 'appliesTo': 'User'}]
    assert len(skus['ENTERPRISEPACK']['servicePlans']) == 36


def test_contoso_demo_users_can_all_get_phone_system_and_calling_plan(contoso):
    for name in OFFICE_STAFF:
        user = contoso.get_user(upn(name), select='usageLocation,assignedLicenses')
        assert user['usageLocation'] == 'US'
        assert [item['skuId'] for item in user['assignedLicenses']] == [E3]
    for name in OFFICE_STAFF:
        contoso.assign_license(upn(name), body(add=[E3, MCOEV, MCOPSTN1]))
    for sku_id in (MCOEV, MCOPSTN1):
        sku = contoso.get_subscribed_sku('%s_%s' % (CONTOSO_ID, sku_id))
        assert sku['prepaidUnits']['enabled'] - sku['consumedUnits'] >= 10   # headroom after the demo


def test_contoso_scenario_users(contoso):
    for name in NO_USAGE_LOCATION:
        assert contoso.get_user(upn(name), select='usageLocation')['usageLocation'] is None
    for name in ('MeganB', 'NestorW', 'PattiF', 'PradeepG', 'ChristieC'):
        assert held(contoso, upn(name)) == [SPE_E5]
    assert consumed(contoso, '440eaaa8-b3e0-484b-a8be-62870b9ba70a') == 2
    assert [item['state'] for item in states(contoso, upn('DebraB'), MCOEV)] == ['Active']
    error = states(contoso, upn('CameronW'), MCOEV)
    assert [(item['assignedByGroup'], item['state'], item['error']) for item in error] == [
        (TEAMS_PHONE_USERS, 'Error', 'CountViolation')]
    assert MCOEV not in held(contoso, upn('CameronW'))
    for name in ('BrianJ', 'RaulR', 'NoraF', 'OmarH'):
        assert held(contoso, upn(name)) == sorted([E3, MCOEV, MCOPSTN1])


def test_tight_seats_is_one_seat_short(clock):
    tenant = Tenant.load('tight-seats', clock=clock)
    assert (tenant.tenant_id, tenant.domain) == (TIGHT_ID, 'tightseats.onmicrosoft.com')
    assert tenant.find_app('11111111-1111-4111-8111-111111111111').secrets[0]['value'] == 'emulator-secret-0001'
    assert tenant.user_count() == 10
    for number in range(1, 10):
        tenant.assign_license(upn('agent%02d' % number, 'tightseats.onmicrosoft.com'), body(add=[MCOEV, MCOPSTN1]))
    last = upn('agent10', 'tightseats.onmicrosoft.com')
    assert graph_error(tenant.assign_license, last, body(add=[MCOEV, MCOPSTN1])) == (400, 'Request_BadRequest', NO_SEATS % MCOEV)


def test_fixture_errors_name_the_entry():
    data = read_fixture('tight-seats')
    data['users'][0]['licenses'] = ['MCOEVX']
    with pytest.raises(FixtureError, match='agent01.*MCOEVX'):
        Tenant.from_dict(data)
    data = read_fixture('tight-seats')
    data['skus'][1]['expected_available'] = 8
    with pytest.raises(FixtureError, match='MCOEV: expected_available is 8'):
        Tenant.from_dict(data)
    with pytest.raises(FixtureError, match='known names: contoso'):
        Tenant.load('no-such-tenant')


def test_part_number_with_two_guids_needs_sku_id():
    data = {'tenant': {'id': SMALL_ID, 'domain': 'small.test'}, 'skus': [{'part_number': 'MCOPSTN5', 'enabled': 1}]}
    with pytest.raises(FixtureError, match='several skuIds'):
        Tenant.from_dict(data)
    data['skus'][0]['sku_id'] = 'd43177b5-475b-4880-92d4-d54c27b5efbd'
    sku = Tenant.from_dict(data).list_subscribed_skus()[0]
    assert sku['servicePlans'][0]['servicePlanId'] == '9a0125a5-c8f8-4526-b231-49e2abe0ebce'


# --- assignLicense errors ----------------------------------------------------------------------------

def test_unknown_user_is_404_with_the_key_given(contoso):
    key = 'nobody@contoso.onmicrosoft.com'
    assert graph_error(contoso.assign_license, key, body()) == (404, 'Request_ResourceNotFound', NOT_FOUND % key)
    assert graph_error(contoso.get_user, key) == (404, 'Request_ResourceNotFound', NOT_FOUND % key)


@pytest.mark.parametrize('payload, missing', [
    ({'addLicenses': []}, 'removeLicenses'),
    ({'removeLicenses': []}, 'addLicenses'),
    ({}, 'addLicenses, removeLicenses'),
])
def test_both_members_are_required(contoso, payload, missing):
    assert graph_error(contoso.assign_license, upn('AdeleV'), payload) == (
        400, 'Request_BadRequest',
        "One or more parameters of the operation 'assignLicense' are missing from the request payload. "
        "The missing parameters are: %s." % missing)


@pytest.mark.parametrize('payload', [
    {'addLicenses': [{'skuId': 'not-a-guid', 'disabledPlans': []}], 'removeLicenses': []},
    {'addLicenses': [{'skuId': MCOEV, 'disabledPlans': ['MCOEV']}], 'removeLicenses': []},
    {'addLicenses': [], 'removeLicenses': ['{%s}' % E3]},
    {'addLicenses': [], 'removeLicenses': [42]},
])
def test_malformed_guid(contoso, payload):
    assert graph_error(contoso.assign_license, upn('AdeleV'), payload) == (400, 'Request_BadRequest', NOT_A_GUID)


@pytest.mark.parametrize('payload', [body(add=[NOT_SUBSCRIBED]), body(remove=[NOT_SUBSCRIBED])])
def test_sku_not_in_tenant(contoso, payload):
    assert graph_error(contoso.assign_license, upn('AdeleV'), payload) == (
        400, 'Request_BadRequest', 'License %s does not correspond to a valid company License.' % NOT_SUBSCRIBED)


def test_company_sku_cannot_go_to_a_user(contoso):
    assert graph_error(contoso.assign_license, upn('AdeleV'), body(add=[STORAGE])) == (
        400, 'Request_BadRequest', 'License %s cannot be assigned to a user.' % STORAGE)


def test_suspended_subscription_takes_no_adds_but_allows_removal(contoso):
    assert graph_error(contoso.assign_license, upn('AdeleV'), body(add=[E1_SUSPENDED])) == (
        400, 'Request_BadRequest', NO_SEATS % E1_SUSPENDED)
    contoso.assign_license(upn('PeterL'), body(remove=[E1_SUSPENDED]))
    assert held(contoso, upn('PeterL')) == []
    assert consumed(contoso, E1_SUSPENDED) == 1


def test_usage_location_required_for_adds_only(contoso):
    assert graph_error(contoso.assign_license, upn('TomasN'), body(add=[MCOPSTNC])) == (
        400, 'Request_BadRequest', BAD_USAGE_LOCATION)
    contoso.update_user(upn('TomasN'), {'usageLocation': 'CZ'})
    contoso.assign_license(upn('TomasN'), body(add=[MCOPSTNC]))
    assert held(contoso, upn('TomasN')) == [MCOPSTNC]


def test_no_seats(clock):
    tenant = small_tenant(clock, mcoev_seats=1)
    tenant.assign_license(upn('u1', 'small.test'), body(add=[MCOEV]))
    assert graph_error(tenant.assign_license, upn('u2', 'small.test'), body(add=[MCOEV])) == (
        400, 'Request_BadRequest', NO_SEATS % MCOEV)


def test_removing_a_licence_not_held(contoso):
    assert graph_error(contoso.assign_license, upn('AdeleV'), body(remove=[MCOEV])) == (
        400, 'Request_BadRequest', 'User does not have a corresponding license.')


def test_removing_a_group_inherited_licence(contoso):
    assert graph_error(contoso.assign_license, upn('DebraB'), body(remove=[MCOEV])) == (400, 'Request_BadRequest', INHERITED)


def test_mutually_exclusive_calling_plans(contoso):
    assert graph_error(contoso.assign_license, upn('BrianJ'), body(add=[MCOPSTN2])) == (
        400, 'Request_BadRequest',
        'License assignment failed because service plans %s, %s are mutually exclusive.' % (MCOPSTN2_PLAN, MCOPSTN1_PLAN))


def test_swap_in_one_call_is_allowed(contoso):
    contoso.assign_license(upn('BrianJ'), body(add=[MCOPSTN2], remove=[MCOPSTN1]))
    assert held(contoso, upn('BrianJ')) == sorted([E3, MCOEV, MCOPSTN2])


def test_calling_plan_needs_phone_system(contoso):
    status, code, message = graph_error(contoso.assign_license, upn('AdeleV'), body(add=[MCOPSTN1]))
    assert (status, code) == (400, 'Request_BadRequest')
    prefix = 'License assignment failed because service plan %s depends on the service plan(s) %s, ' % (MCOPSTN1_PLAN, MCOEV_PLAN)
    assert message.startswith(prefix)
    assert MCOEV_VIRTUALUSER_PLAN in message
    contoso.assign_license(upn('AdeleV'), body(add=[MCOEV, MCOPSTN1]))   # together in one call: fine


def test_removing_a_plan_still_needed_is_a_dependency_error(contoso):
    status, _code, message = graph_error(contoso.assign_license, upn('BrianJ'), body(remove=[MCOEV]))
    assert status == 400 and message.startswith('License assignment failed because service plan %s depends on' % MCOPSTN1_PLAN)


def test_calling_plan_for_suite_with_phone_system(contoso):
    contoso.assign_license(upn('GabrielC'), body(add=[MCOPSTN1]))   # Office 365 E5 carries MCOEV
    assert MCOPSTN1 in held(contoso, upn('GabrielC'))


def test_disabled_plan_must_belong_to_the_sku(contoso):
    assert graph_error(contoso.assign_license, upn('AdeleV'), body(add=[MCOEV], disabled={MCOEV: [SWAY_PLAN]})) == (
        400, 'Request_BadRequest',
        'License assignment failed because service plan %s is not part of license %s.' % (SWAY_PLAN, MCOEV))


@pytest.mark.parametrize('payload, message', [
    ({'addLicenses': [], 'removeLicenses': [], 'extra': 1},
     "The parameter 'extra' in the request payload is not a valid parameter for the operation 'assignLicense'."),
    ({'addLicenses': None, 'removeLicenses': []},
     "A null value was found for the property named 'addLicenses', which has the expected type "
     "'Collection(microsoft.graph.assignedLicense)'. The expected type 'Collection(microsoft.graph.assignedLicense)' "
     "does not allow null values."),
    ({'addLicenses': {'skuId': MCOEV}, 'removeLicenses': []},
     "An unexpected 'StartObject' node was found when reading from the JSON reader. A 'StartArray' node was expected."),
    ({'addLicenses': [{'skuID': MCOEV}], 'removeLicenses': []},
     "The property 'skuID' does not exist on type 'microsoft.graph.assignedLicense'. "
     "Make sure to only use property names that are defined by the type."),
    (body(add=[MCOEV], remove=[MCOEV]), 'License %s appears more than once in the request.' % MCOEV),
])
def test_other_body_mistakes(contoso, payload, message):
    assert graph_error(contoso.assign_license, upn('AdeleV'), payload) == (400, 'Request_BadRequest', message)


def test_disabled_plans_may_be_left_out(contoso):
    contoso.assign_license(upn('AdeleV'), {'addLicenses': [{'skuId': MCOEV.upper()}], 'removeLicenses': []})
    assert MCOEV in held(contoso, upn('AdeleV'))


# --- order and atomicity ------------------------------------------------------------------------------

def test_validation_order(contoso):
    """Each case breaks two rules; the one Graph checks first must win (graph-facts appendix)."""
    adele, tomas = upn('AdeleV'), upn('TomasN')
    cases = [
        ('nobody@contoso.onmicrosoft.com', {}, NOT_FOUND % 'nobody@contoso.onmicrosoft.com'),
        (adele, {'addLicenses': [{'skuId': 'x'}]}, "One or more parameters of the operation 'assignLicense' are missing "
                                                   "from the request payload. The missing parameters are: removeLicenses."),
        (adele, body(add=['x', NOT_SUBSCRIBED]), NOT_A_GUID),
        (adele, body(add=[STORAGE, NOT_SUBSCRIBED]), 'License %s does not correspond to a valid company License.' % NOT_SUBSCRIBED),
        (adele, body(add=[E1_SUSPENDED, STORAGE]), 'License %s cannot be assigned to a user.' % STORAGE),
        (tomas, body(add=[E1_SUSPENDED]), NO_SEATS % E1_SUSPENDED),
        (tomas, body(add=[MCOPSTNC], remove=[MCOEV]), BAD_USAGE_LOCATION),
        (upn('DebraB'), body(remove=[MCOEV, MCOPSTN1]), 'User does not have a corresponding license.'),
        (upn('DebraB'), body(add=[MCOPSTN1, MCOPSTN2], remove=[MCOEV]), INHERITED),
        (adele, body(add=[MCOPSTN1, MCOPSTN2]),
         'License assignment failed because service plans %s, %s are mutually exclusive.' % (MCOPSTN1_PLAN, MCOPSTN2_PLAN)),
    ]
    for user, payload, message in cases:
        assert graph_error(contoso.assign_license, user, payload)[2] == message, (user, payload)


def test_seat_check_comes_before_removal_checks(clock):
    tenant = small_tenant(clock, mcoev_seats=1)
    tenant.assign_license(upn('u1', 'small.test'), body(add=[MCOEV]))
    assert graph_error(tenant.assign_license, upn('u2', 'small.test'), body(add=[MCOEV], remove=[MCOMEETADV]))[2] == NO_SEATS % MCOEV


@pytest.mark.parametrize('user, payload', [
    ('AdeleV', body(add=[MCOEV, MCOPSTN1, MCOPSTN2])),          # mutually exclusive, after valid adds
    ('BrianJ', body(add=[MCOMEETADV], remove=[MCOEV])),         # dependency broken by the removal
    ('DebraB', body(add=[MCOMEETADV], remove=[E3, MCOEV])),     # inherited removal after a valid one
])
def test_failed_call_changes_nothing(contoso, user, payload):
    before = contoso.snapshot()
    with pytest.raises(GraphApiError):
        contoso.assign_license(upn(user), payload)
    assert contoso.snapshot() == before


# --- seats -----------------------------------------------------------------------------------------------

def test_direct_and_group_copy_are_one_seat(contoso):
    enrico = upn('EnricoC')
    assert [item['assignedByGroup'] for item in states(contoso, enrico, MCOEV)] == [None, TEAMS_PHONE_USERS]
    assert held(contoso, enrico).count(MCOEV) == 1
    before = consumed(contoso, MCOEV)
    contoso.assign_license(enrico, body(remove=[MCOEV]))
    assert consumed(contoso, MCOEV) == before
    assert MCOEV in held(contoso, enrico)
    assert [item['assignedByGroup'] for item in states(contoso, enrico, MCOEV)] == [TEAMS_PHONE_USERS]
    contoso.assign_license(upn('DebraB'), body(add=[MCOEV]))    # direct copy of an inherited licence
    assert consumed(contoso, MCOEV) == before


def test_disabled_plan_change_takes_no_extra_seat(clock):
    tenant = Tenant.load('tight-seats', clock=clock)
    agent = upn('agent01', 'tightseats.onmicrosoft.com')
    assert consumed(tenant, E3) == 10
    tenant.assign_license(agent, body(add=[E3], disabled={E3: [SWAY_PLAN]}))
    user = tenant.get_user(agent, select='assignedLicenses,assignedPlans')
    assert user['assignedLicenses'] == [{'disabledPlans': [SWAY_PLAN], 'skuId': E3}]
    assert SWAY_PLAN not in [plan['servicePlanId'] for plan in user['assignedPlans']]
    assert consumed(tenant, E3) == 10


def test_add_for_held_sku_replaces_disabled_plans(contoso):
    fatima = upn('FatimaK')
    assert contoso.get_user(fatima, select='assignedLicenses')['assignedLicenses'] == [
        {'disabledPlans': [YAMMER_PLAN, SWAY_PLAN], 'skuId': E3}]
    contoso.assign_license(fatima, body(add=[E3]))
    user = contoso.get_user(fatima, select='assignedLicenses,assignedPlans')
    assert user['assignedLicenses'] == [{'disabledPlans': [], 'skuId': E3}]
    assert {SWAY_PLAN, YAMMER_PLAN} <= set(plan['servicePlanId'] for plan in user['assignedPlans'])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 10), st.sampled_from([E3, MCOEV, MCOPSTN1]), st.booleans()), max_size=30))
def test_consumed_units_always_match_holders(operations):
    tenant = Tenant.load('tight-seats')
    for number, sku_id, add in operations:
        user = upn('agent%02d' % number, 'tightseats.onmicrosoft.com')
        try:
            tenant.assign_license(user, body(add=[sku_id]) if add else body(remove=[sku_id]))
        except GraphApiError as error:
            assert error.status == 400
    snapshot = tenant.snapshot()
    for sku in snapshot['skus']:
        holders = [user for user in snapshot['users'] if sku['skuId'] in [item['skuId'] for item in user['assignedLicenses']]]
        assert sku['consumedUnits'] == len(holders) <= sku['prepaidUnits']['enabled']


class SlowRules(object):
    """The tenant's rules, checked slowly: the plan-rule check runs between the seat check and the
    commit, so without the tenant lock other threads would pass the seat check meanwhile."""

    def __init__(self, rules):
        self.rules = rules

    def __getattr__(self, name):
        return getattr(self.rules, name)

    def new_exclusion(self, before, after):
        time.sleep(0.002)
        return self.rules.new_exclusion(before, after)


def test_concurrent_assignments_never_oversell(clock):
    seats, users = 7, 40
    tenant = small_tenant(clock, mcoev_seats=seats, users=[
        {'upn': 'u%d' % number, 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']} for number in range(users)])
    tenant.rules = SlowRules(tenant.rules)
    barrier = threading.Barrier(users)
    outcomes = []

    def assign(number):
        barrier.wait()
        try:
            tenant.assign_license(upn('u%d' % number, 'small.test'), body(add=[MCOEV]))
            outcomes.append('ok')
        except GraphApiError as error:
            outcomes.append(error.message)

    threads = [threading.Thread(target=assign, args=(number,)) for number in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count('ok') == seats
    assert outcomes.count(NO_SEATS % MCOEV) == users - seats
    assert consumed(tenant, MCOEV) == seats
    assert len(tenant.list_users(filter='assignedLicenses/any(x:x/skuId eq %s)' % MCOEV)) == seats


# --- reads: $select, $filter, licenseDetails ----------------------------------------------------------------

def test_default_user_properties_have_no_licensing_data(contoso):
    user = contoso.get_user(upn('AdeleV'))
    assert list(user) == ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
                          'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id']
    assert (user['displayName'], user['givenName'], user['surname']) == ('Adele Vance', 'Adele', 'Vance')
    assert contoso.get_user(user['id'].upper())['userPrincipalName'] == upn('AdeleV')
    assert contoso.assign_license(upn('AdeleV'), body(add=[MCOEV])) == user   # success returns default properties


def test_select_returns_selected_licensing_properties_and_id(contoso):
    user = contoso.get_user(upn('SofiaM'), select='USAGELOCATION, assignedLicenses,licenseAssignmentStates')
    assert set(user) == {'usageLocation', 'assignedLicenses', 'licenseAssignmentStates', 'id'}
    assert user['usageLocation'] == 'US'
    assert all(item['error'] == 'None' and item['assignedByGroup'] is None for item in user['licenseAssignmentStates'])
    contoso.healthy_error_value = None
    assert contoso.get_user(upn('SofiaM'), select=['licenseAssignmentStates'])['licenseAssignmentStates'][0]['error'] is None


def test_unknown_select_property(contoso):
    assert graph_error(contoso.get_user, upn('AdeleV'), 'id,licences') == (
        400, 'Request_BadRequest', "Could not find a property named 'licences' on type 'Microsoft.DirectoryServices.User'.")
    assert graph_error(contoso.list_subscribed_skus, 'seats')[0] == 400


def test_subscribed_sku_select_and_lookup(contoso):
    skus = contoso.list_subscribed_skus(select='skuPartNumber,consumedUnits')
    assert all(set(sku) == {'id', 'skuPartNumber', 'consumedUnits'} for sku in skus)
    assert contoso.get_subscribed_sku('%s_%s' % (CONTOSO_ID, MCOPSTNC), select='skuId') == {
        'id': '%s_%s' % (CONTOSO_ID, MCOPSTNC), 'skuId': MCOPSTNC}
    for key in (MCOPSTNC, '%s_%s' % (TIGHT_ID, MCOPSTNC), '%s_%s' % (CONTOSO_ID, NOT_SUBSCRIBED)):
        assert graph_error(contoso.get_subscribed_sku, key) == (404, 'Request_ResourceNotFound', NOT_FOUND % key)


def names_of(users):
    return sorted(user['userPrincipalName'].split('@')[0] for user in users)


def test_user_filters(contoso):
    assert names_of(contoso.list_users(filter="usageLocation eq 'GB'")) == ['OliverS', 'SamT']
    assert names_of(contoso.list_users(filter='usageLocation eq null')) == sorted(NO_USAGE_LOCATION)
    assert names_of(contoso.list_users(filter='assignedLicenses/any(x:x/skuId eq %s)' % MCOPSTN2)) == ['LenaO', 'SofiaM']
    with_phone = names_of(contoso.list_users(filter='assignedLicenses/any(u: u/skuId eq %s)' % MCOEV))
    assert 'DebraB' in with_phone and 'CameronW' not in with_phone   # group copies count, failed ones do not
    assert len(contoso.list_users()) == contoso.user_count() == 50
    assert len(contoso.list_users(skip=45, top=10)) == 5


@pytest.mark.parametrize('expression', ["displayName eq 'Adele Vance'", "usageLocation ne 'US'",
                                        "assignedLicenses/any(x:x/skuId eq '%s')" % MCOEV])
def test_unsupported_filters(contoso, expression):
    status, code, _message = graph_error(contoso.list_users, None, expression)
    assert (status, code) == (400, 'Request_UnsupportedQuery')


def test_license_details_include_inherited_and_disabled_plans(contoso):
    debra = contoso.license_details(upn('DebraB'))
    assert sorted(item['skuPartNumber'] for item in debra) == ['ENTERPRISEPACK', 'MCOEV']
    fatima = contoso.license_details(upn('FatimaK'))[0]
    statuses = dict((plan['servicePlanId'], plan['provisioningStatus']) for plan in fatima['servicePlans'])
    assert statuses.pop(SWAY_PLAN) == statuses.pop(YAMMER_PLAN) == 'Disabled'
    assert set(statuses.values()) == {'Success'}
    assert len(fatima['id']) == 43 and fatima['skuId'] == E3
    assert contoso.license_details(upn('TomasN')) == []


# --- PATCH users -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('payload, message', [
    ({'usageLocation': 'XX'}, "Invalid value specified for property 'usageLocation' of resource 'User'."),
    ({'usageLocation': 'us'}, "Invalid value specified for property 'usageLocation' of resource 'User'."),
    ({'usageLocation': None}, "Invalid value specified for property 'usageLocation' of resource 'User'."),
    ({'assignedLicenses': []}, "Property 'assignedLicenses' is read-only and cannot be set."),
    ({'usageLocation': 'US', 'shoeSize': '9'}, "Property 'shoeSize' does not exist as a declared property or extension property."),
])
def test_patch_user_refusals_change_nothing(contoso, payload, message):
    assert graph_error(contoso.update_user, upn('TomasN'), payload) == (400, 'Request_BadRequest', message)
    assert contoso.get_user(upn('TomasN'), select='usageLocation')['usageLocation'] is None


def test_patch_user(contoso):
    contoso.update_user(upn('TomasN'), {'usageLocation': 'JP', 'jobTitle': 'Engineer'})
    user = contoso.get_user(upn('TomasN'), select='usageLocation,jobTitle')
    assert (user['usageLocation'], user['jobTitle']) == ('JP', 'Engineer')
    assert names_of(contoso.list_users(filter="usageLocation eq 'jp'")) == ['TomasN']


def test_usage_location_lag(contoso, clock):
    contoso.usage_location_lag_s = 5.0
    contoso.update_user(upn('TomasN'), {'usageLocation': 'US'})
    assert contoso.get_user(upn('TomasN'), select='usageLocation')['usageLocation'] == 'US'   # reads see it at once
    assert graph_error(contoso.assign_license, upn('TomasN'), body(add=[MCOPSTNC]))[2] == BAD_USAGE_LOCATION
    clock.advance(4.9)
    assert graph_error(contoso.assign_license, upn('TomasN'), body(add=[MCOPSTNC]))[2] == BAD_USAGE_LOCATION
    clock.advance(0.2)
    contoso.assign_license(upn('TomasN'), body(add=[MCOPSTNC]))


# --- provisioning ------------------------------------------------------------------------------------------

def test_provisioning_delay(contoso, clock):
    contoso.provisioning_delay_s = 30.0
    contoso.assign_license(upn('AdeleV'), body(add=[MCOEV]))

    def statuses():
        return dict((item['skuPartNumber'], set(plan['provisioningStatus'] for plan in item['servicePlans']))
                    for item in contoso.license_details(upn('AdeleV')))

    assert statuses() == {'ENTERPRISEPACK': {'Success'}, 'MCOEV': {'PendingProvisioning'}}
    clock.advance(29)
    assert statuses()['MCOEV'] == {'PendingProvisioning'}
    clock.advance(1)
    assert statuses()['MCOEV'] == {'Success'}


# --- groups ------------------------------------------------------------------------------------------------

def phone_group_tenant(clock, seats):
    """u0 holds MCOEV directly; group "Phones" (u1 without usage location, u2, u3), no licence yet."""
    users = [{'upn': 'u0', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK', 'MCOEV']},
             {'upn': 'u1', 'licenses': ['ENTERPRISEPACK']},
             {'upn': 'u2', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']},
             {'upn': 'u3', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']}]
    # u1 got E3 before its usage location was cleared; the fixture allows that state.
    groups = [{'name': 'Phones', 'id': '3c3c3c3c-1111-4222-8333-444455556666', 'members': ['u1', 'u2', 'u3']}]
    return small_tenant(clock, mcoev_seats=seats, users=users, groups=groups)


def test_group_licence_propagates_later_with_count_violation(clock):
    tenant = phone_group_tenant(clock, seats=3)
    group = '3c3c3c3c-1111-4222-8333-444455556666'
    reply = tenant.group_assign_license(group, body(add=[MCOEV]))
    assert reply['id'] == group and reply['displayName'] == 'Phones'
    assert tenant.get_group(group, select='licenseProcessingState')['licenseProcessingState'] == {'state': 'QueuedForProcessing'}
    assert states(tenant, upn('u2', 'small.test'), MCOEV) == []
    clock.advance(0.5)
    outcome = [(item['assignedByGroup'], item['state'], item['error'])
               for number in (1, 2, 3) for item in states(tenant, upn('u%d' % number, 'small.test'), MCOEV)]
    assert outcome == [(group, 'Active', 'None'), (group, 'Active', 'None'), (group, 'Error', 'CountViolation')]
    assert MCOEV in held(tenant, upn('u1', 'small.test'))     # no usage location: tenant country used (§1.5)
    assert MCOEV not in held(tenant, upn('u3', 'small.test'))
    assert consumed(tenant, MCOEV) == 3
    assert tenant.get_group(group, select='assignedLicenses') == {
        'id': group, 'assignedLicenses': [{'disabledPlans': [], 'skuId': MCOEV}]}


def test_reprocess_after_a_seat_is_freed(clock):
    tenant = phone_group_tenant(clock, seats=3)
    group = '3c3c3c3c-1111-4222-8333-444455556666'
    tenant.group_assign_license(group, body(add=[MCOEV]))
    clock.advance(1)
    tenant.assign_license(upn('u0', 'small.test'), body(remove=[MCOEV]))
    u3 = upn('u3', 'small.test')
    assert states(tenant, u3, MCOEV)[0]['state'] == 'Error'      # freeing a seat does not retry by itself
    reply = tenant.reprocess_license_assignment(u3)
    assert reply['userPrincipalName'] == u3 and 'assignedLicenses' not in reply
    assert [(item['state'], item['error']) for item in states(tenant, u3, MCOEV)] == [('Active', 'None')]
    assert consumed(tenant, MCOEV) == 3


def test_reprocess_fixes_contoso_error_user(contoso):
    contoso.reprocess_license_assignment(upn('CameronW'))
    assert [item['state'] for item in states(contoso, upn('CameronW'), MCOEV)] == ['Active']
    assert graph_error(contoso.reprocess_license_assignment, 'ghost')[0] == 404


def test_group_licence_removal_frees_seats(contoso, clock):
    before = consumed(contoso, MCOEV)
    contoso.group_assign_license(TEAMS_PHONE_USERS, body(remove=[MCOEV]))
    assert consumed(contoso, MCOEV) == before
    clock.advance(0.5)
    assert consumed(contoso, MCOEV) == before - 4      # DebraB, EmilyB, IrvinS, AllanD; EnricoC keeps his direct copy
    assert MCOEV in held(contoso, upn('EnricoC')) and MCOEV not in held(contoso, upn('DebraB'))
    assert states(contoso, upn('CameronW'), MCOEV) == []


def test_group_dependencies(clock):
    groups = [{'name': 'Calling', 'licenses': ['MCOPSTN1'], 'members': ['u1', 'u2']},
              {'name': 'Full voice', 'licenses': ['MCOPSTN1', 'MCOEV'], 'members': ['u3']}]
    users = [{'upn': 'u1', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']},
             {'upn': 'u2', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK', 'MCOEV']},
             {'upn': 'u3', 'usage_location': 'US', 'licenses': ['ENTERPRISEPACK']}]
    tenant = small_tenant(clock, users=users, groups=groups)
    assert [(item['state'], item['error']) for item in states(tenant, upn('u1', 'small.test'), MCOPSTN1)] == [
        ('Error', 'DependencyViolation')]
    assert states(tenant, upn('u2', 'small.test'), MCOPSTN1)[0]['state'] == 'Active'
    assert held(tenant, upn('u3', 'small.test')) == sorted([E3, MCOEV, MCOPSTN1])   # prerequisite in the same group


def test_group_prerequisite_failing_takes_dependents_down(clock):
    groups = [{'name': 'Full voice', 'licenses': ['MCOPSTN1', 'MCOEV'], 'members': ['u1', 'u2']}]
    tenant = small_tenant(clock, mcoev_seats=1, groups=groups)
    second = dict((item['skuId'], (item['state'], item['error'])) for item in states(tenant, upn('u2', 'small.test'))
                  if item['assignedByGroup'])
    assert second == {MCOEV: ('Error', 'CountViolation'), MCOPSTN1: ('Error', 'DependencyViolation')}
    assert consumed(tenant, MCOPSTN1) == 1


def test_group_assign_errors(contoso):
    assert graph_error(contoso.group_assign_license, 'ghost-group', body()) == (404, 'Request_ResourceNotFound', NOT_FOUND % 'ghost-group')
    assert graph_error(contoso.group_assign_license, TEAMS_PHONE_USERS, {'addLicenses': []})[2].endswith('removeLicenses.')
    assert graph_error(contoso.group_assign_license, TEAMS_PHONE_USERS, body(add=[NOT_SUBSCRIBED]))[2] == (
        'License %s does not correspond to a valid company License.' % NOT_SUBSCRIBED)
    assert graph_error(contoso.group_assign_license, TEAMS_PHONE_USERS, body(add=[MCOPSTN1, MCOPSTN2]))[0] == 400
    assert graph_error(contoso.get_group, 'ghost-group')[0] == 404


# --- state: snapshot, save/restore, reset, generate ----------------------------------------------------------

def test_save_and_restore_round_trip(contoso, clock, tmp_path):
    contoso.usage_location_lag_s = 5.0
    contoso.assign_license(upn('AdeleV'), body(add=[MCOEV, MCOPSTN1]))
    contoso.update_user(upn('TomasN'), {'usageLocation': 'US'})
    contoso.group_assign_license(TEAMS_PHONE_USERS, body(add=[MCOMEETADV]))
    saved = contoso.snapshot()
    path = str(tmp_path / 'state.json')
    contoso.save_state(path)
    contoso.assign_license(upn('AlexW'), body(add=[MCOEV]))
    contoso.restore_state(path)
    assert contoso.snapshot() == saved
    assert graph_error(contoso.assign_license, upn('TomasN'), body(add=[MCOPSTNC]))[2] == BAD_USAGE_LOCATION   # lag kept
    clock.advance(5)
    contoso.assign_license(upn('TomasN'), body(add=[MCOPSTNC]))
    assert MCOMEETADV in held(contoso, upn('DebraB'))      # the pending group change was kept too
    restarted = Tenant.load(path, clock=clock)
    assert restarted.get_user(upn('AdeleV'), select='assignedLicenses') == saved_user(saved, 'AdeleV')


def saved_user(snapshot, name):
    user = next(item for item in snapshot['users'] if item['userPrincipalName'] == upn(name))
    return {'id': user['id'], 'assignedLicenses': user['assignedLicenses']}


def test_restore_from_a_bad_file_keeps_the_state(contoso, tmp_path):
    contoso.assign_license(upn('AdeleV'), body(add=[MCOEV]))
    before = contoso.snapshot()
    path = tmp_path / 'broken.json'
    path.write_text(json.dumps({'format': 1, 'tenant': {}}))
    with pytest.raises(FixtureError, match='not a saved tenant state'):
        contoso.restore_state(str(path))
    assert contoso.snapshot() == before


def test_reset_restores_the_fixture_and_keeps_registered_apps(contoso):
    initial = contoso.snapshot()
    contoso.register_app({'client_id': '77777777-7777-4777-8777-777777777777', 'display_name': 'Cert app',
                          'certificates': ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
                          'roles': ['LicenseAssignment.ReadWrite.All']})
    contoso.assign_license(upn('AdeleV'), body(add=[MCOEV]))
    contoso.update_user(upn('TomasN'), {'usageLocation': 'US'})
    contoso.reset()
    assert contoso.snapshot() == initial
    assert contoso.find_app('77777777-7777-4777-8777-777777777777').certificates[0].startswith('-----BEGIN CERTIFICATE-----')
    contoso.reset(apps=True)
    assert contoso.find_app('77777777-7777-4777-8777-777777777777') is None


def test_generate_large_tenant_quickly():
    started = time.monotonic()
    tenant = Tenant.generate(users=10000, skus=50, seed=0)
    assert time.monotonic() - started < 5.0
    assert tenant.user_count() == 10000 and len(tenant.list_subscribed_skus()) == 50
    assert tenant.find_app('11111111-1111-4111-8111-111111111111').secrets[0]['value'] == 'emulator-secret-0001'
    assert consumed(tenant, E3) == 8500 and consumed(tenant, MCOPSTN1) == 1000
    assert held(tenant, 'user00008@contoso.onmicrosoft.com') == sorted([E3, MCOEV, MCOPSTN1])
    assert tenant.get_user('user00020@contoso.onmicrosoft.com', select='usageLocation')['usageLocation'] is None
    assert [sku['skuPartNumber'] for sku in Tenant.generate(users=10, skus=15, seed=1).list_subscribed_skus()] != [
        sku['skuPartNumber'] for sku in Tenant.generate(users=10, skus=15, seed=2).list_subscribed_skus()]
