# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of teams_group_license's pure pieces: the group planner, member status, the direct-to-group move."""

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_members import member_status
from ansible_collections.m365.licensing.plugins.module_utils.licensing._holdings import ERROR_ADVICE
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_move import plan_direct_removal, plan_direct_removals
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_plan import group_refusal, plan_group
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_writes import processing_state, wait_for_group
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import DesiredLicense, TenantSku, UserSpec
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError

P_MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'
P_MCOPSTN1 = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8'
P_MCOPSTN2 = '5a10155d-f5c1-411a-a8ec-e99aae125390'
P_TEAMS1 = '57ff2da0-773e-42df-b2af-ffb7a2317929'
P_EXCHANGE = 'efb87545-963c-4e0d-99df-69c6916d9eb0'
E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
DOMESTIC = '0dab259f-bf13-4952-b7f8-7db8f131b28d'
INTERNATIONAL = 'd3b4fe1f-9992-4930-8acb-ca6ec609365e'
GROUP_ID = 'aaaaaaaa-0000-4000-8000-00000000000a'
OTHER_GROUP = 'bbbbbbbb-0000-4000-8000-00000000000b'


def sku(sku_id, part, category, plans, available=100):
    return TenantSku(sku_id=sku_id, part_number=part, product_name=part, category=category, plans=dict(plans),
                     applies_to='User', capability_status='Enabled', available=available, enabled_units=available + 10)


def tenant(phone_seats=100, domestic_seats=100):
    return dict((item.sku_id, item) for item in (
        sku(E3, 'ENTERPRISEPACK', 'suite', {P_TEAMS1: 'TEAMS1', P_EXCHANGE: 'EXCHANGE_S_ENTERPRISE'}),
        sku(PHONE, 'MCOEV', 'phone_system', {P_MCOEV: 'MCOEV'}, phone_seats),
        sku(DOMESTIC, 'MCOPSTN1', 'calling_plan', {P_MCOPSTN1: 'MCOPSTN1'}, domestic_seats),
        sku(INTERNATIONAL, 'MCOPSTN2', 'calling_plan', {P_MCOPSTN2: 'MCOPSTN2'})))


def group(*licences, **properties):
    data = {'id': GROUP_ID, 'displayName': 'Teams Phone - US', 'securityEnabled': True, 'groupTypes': [],
            'assignedLicenses': [{'skuId': sku_id, 'disabledPlans': list(disabled)} for sku_id, disabled in licences]}
    data.update(properties)
    return data


def user(upn, *held, **extra):
    """A Graph user; held: (skuId, group id or None, state, error) tuples."""
    states = [{'skuId': sku_id, 'assignedByGroup': via, 'disabledPlans': [], 'state': state, 'error': error}
              for sku_id, via, state, error in held]
    data = {'id': 'id-' + upn, 'userPrincipalName': upn, 'usageLocation': 'US',
            'assignedLicenses': [{'skuId': sku_id, 'disabledPlans': []} for sku_id in dict.fromkeys(s[0] for s in held)],
            'licenseAssignmentStates': states}
    data.update(extra)
    return data


def wanted(*sku_ids):
    return tuple(DesiredLicense(sku_id) for sku_id in sku_ids)


# ---------------------------------------------------------------- the group planner

def test_present_adds_missing_licences_in_one_body_and_second_run_is_empty():
    plan = plan_group(group((E3, ())), [], wanted(PHONE, DOMESTIC), 'present', 'teams', tenant())
    assert plan.errors == []
    assert plan.assign_body() == {'addLicenses': [{'skuId': PHONE, 'disabledPlans': []}, {'skuId': DOMESTIC, 'disabledPlans': []}],
                                  'removeLicenses': []}
    assert plan.added == ['MCOEV', 'MCOPSTN1']
    again = plan_group(group((E3, ()), (PHONE, ()), (DOMESTIC, ())), [], wanted(PHONE, DOMESTIC), 'present', 'teams', tenant())
    assert again.assign_body() is None and not again.changed


def test_exact_swaps_calling_plans_in_one_call():
    plan = plan_group(group((PHONE, ()), (DOMESTIC, ())), [], wanted(PHONE, INTERNATIONAL), 'exact', 'teams', tenant())
    assert plan.errors == []
    assert plan.assign_body() == {'addLicenses': [{'skuId': INTERNATIONAL, 'disabledPlans': []}], 'removeLicenses': [DOMESTIC]}
    assert plan.before == {'licenses': ['MCOEV', 'MCOPSTN1']}
    assert plan.after == {'licenses': ['MCOEV', 'MCOPSTN2']}


def test_exact_teams_scope_leaves_the_suite_alone():
    plan = plan_group(group((E3, ()), (PHONE, ())), [], wanted(PHONE), 'exact', 'teams', tenant())
    assert not plan.changed
    plan = plan_group(group((E3, ()), (PHONE, ())), [], wanted(PHONE), 'exact', 'all', tenant())
    assert plan.remove == [E3]


def test_absent_removes_only_what_the_group_assigns():
    plan = plan_group(group((PHONE, ())), [], wanted(PHONE, DOMESTIC), 'absent', 'teams', tenant())
    assert plan.assign_body() == {'addLicenses': [], 'removeLicenses': [PHONE]}


def test_disabled_plans_change_in_place_without_a_seat():
    members = [user('a@x', (E3, GROUP_ID, 'Active', None))]
    plan = plan_group(group((E3, ())), members, (DesiredLicense(E3, frozenset([P_EXCHANGE])),), 'present', 'all', tenant())
    assert plan.plans_changed == ['ENTERPRISEPACK'] and plan.added == []
    assert plan.assign_body()['addLicenses'] == [{'skuId': E3, 'disabledPlans': [P_EXCHANGE]}]
    assert plan.seats == {}


def test_calling_plan_without_phone_system_in_the_same_group_refused():
    # Prerequisites must be in the same group (graph-facts 1.5): a member's own MCOEV does not count.
    plan = plan_group(group(), [user('a@x', (PHONE, None, 'Active', None))], wanted(DOMESTIC), 'present', 'teams', tenant())
    assert any('without Teams Phone' in error for error in plan.errors)


def test_group_must_be_security_enabled():
    refused = group(securityEnabled=False, groupTypes=['Unified'])
    assert 'Microsoft 365 group without securityEnabled' in group_refusal(refused)
    plan = plan_group(refused, [], wanted(PHONE), 'present', 'teams', tenant())
    assert plan.errors and not plan.changed


def test_seats_strict_counts_only_members_who_newly_need_one():
    members = [user('a@x'), user('b@x', (PHONE, None, 'Active', None)), user('c@x'), user('d@x', (PHONE, OTHER_GROUP, 'Active', None))]
    plan = plan_group(group(), members, wanted(PHONE), 'present', 'teams', tenant(phone_seats=1))
    assert plan.seats == {'MCOEV': {'available_before': 1, 'needed': 2, 'available_after': 0}}
    assert plan.errors == ['MCOEV: 2 members of group Teams Phone - US would newly take a seat but 1 seat is available: '
                           'buy 1 more or remove members']


def test_seats_partial_writes_and_predicts_the_count_violations():
    members = [user('a@x'), user('b@x'), user('c@x')]
    plan = plan_group(group(), members, wanted(PHONE), 'present', 'teams', tenant(phone_seats=1), seat_check='partial')
    assert plan.errors == [] and plan.changed
    assert [item['user_principal_name'] for item in plan.predicted_errors if item['error'] == 'CountViolation'] == ['b@x', 'c@x']
    assert 'CountViolation' in plan.warnings[0]


def test_joining_members_need_seats_for_every_group_licence():
    plan = plan_group(group((PHONE, ())), [user('a@x', (PHONE, GROUP_ID, 'Active', None))], wanted(PHONE), 'present', 'teams',
                      tenant(phone_seats=0), joining=[user('new@x')])
    assert not plan.changed
    assert plan.seats['MCOEV']['needed'] == 1 and plan.errors


def test_unknown_licence_fails_before_any_write():
    plan = plan_group(group(), [], wanted('99999999-0000-4000-8000-000000000000'), 'present', 'teams', tenant())
    assert plan.errors and not plan.changed


# ---------------------------------------------------------------- member status

def test_member_status_counts_licensed_pending_and_errors_with_advice():
    members = [
        user('ok@x', (PHONE, GROUP_ID, 'Active', 'None')),
        user('err@x', (PHONE, GROUP_ID, 'Error', 'CountViolation')),
        user('new@x'),
        user('other@x', (PHONE, OTHER_GROUP, 'Error', 'CountViolation'), (PHONE, GROUP_ID, 'Active', None)),
    ]
    status = member_status(GROUP_ID, {PHONE: frozenset()}, members, {PHONE: 'MCOEV'})
    assert status.counts() == {'total': 4, 'licensed': 2, 'with_errors': 1, 'pending': 1}
    assert status.errors == [{'user_principal_name': 'err@x', 'id': 'id-err@x', 'sku_id': PHONE, 'sku_part_number': 'MCOEV', 'state': 'Error',
                              'error': 'CountViolation', 'last_updated': None, 'advice': ERROR_ADVICE['CountViolation']}]


def test_member_still_holding_a_removed_group_licence_is_pending():
    members = [user('a@x', (PHONE, GROUP_ID, 'Active', None), (DOMESTIC, GROUP_ID, 'Active', None))]
    assert member_status(GROUP_ID, {PHONE: frozenset()}, members, {}).pending == 1


@pytest.mark.parametrize('code', sorted(ERROR_ADVICE))
def test_every_documented_member_error_has_advice(code):
    members = [user('a@x', (PHONE, GROUP_ID, 'Error', code))]
    status = member_status(GROUP_ID, {PHONE: frozenset()}, members, {})
    assert status.errors[0]['error'] == code and status.errors[0]['advice'] == ERROR_ADVICE[code]


# ---------------------------------------------------------------- licenseProcessingState shapes (graph-facts 11.1)

@pytest.mark.parametrize('value, expected', [
    ('ProcessingComplete', 'ProcessingComplete'),
    ({'state': 'QueuedForProcessing'}, 'QueuedForProcessing'),
    (None, None),
])
def test_processing_state_accepts_string_and_object(value, expected):
    assert processing_state({'licenseProcessingState': value}) == expected


def test_processing_state_refuses_an_unknown_shape():
    with pytest.raises(GraphError):
        processing_state({'licenseProcessingState': ['ProcessingComplete']})


def test_wait_is_bounded_by_the_timeout(monkeypatch):
    from ansible_collections.m365.licensing.plugins.module_utils.licensing import _group_writes
    monkeypatch.setattr(_group_writes, 'read_group', lambda client, ref: {'id': ref, 'licenseProcessingState': {'state': 'ProcessingInProgress'}})
    monkeypatch.setattr(_group_writes, 'read_members', lambda client, ref: [])
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds
    _group, _members, settled = wait_for_group(None, GROUP_ID, lambda g, m: True, 12, sleep=sleep, clock=lambda: now[0])
    assert not settled and now[0] <= 12 and sleeps


# ---------------------------------------------------------------- direct -> group move

def absent(*sku_ids):
    return UserSpec(user='a@x', state='absent', licenses=wanted(*sku_ids))


def test_move_removes_the_direct_copy_only_when_the_group_copy_is_active():
    current = user('a@x', (PHONE, None, 'Active', None), (PHONE, GROUP_ID, 'Active', 'None'), (DOMESTIC, None, 'Active', None))
    plan = plan_direct_removal(absent(PHONE), current, tenant())
    assert plan.assign_body() == {'addLicenses': [], 'removeLicenses': [PHONE]}
    assert plan.after['inherited_licenses'] == ['MCOEV'] and plan.error is None


@pytest.mark.parametrize('group_copy, reason', [
    (None, 'no group assigns it'),
    ((PHONE, GROUP_ID, 'Error', 'CountViolation'), 'not active yet'),
    ((PHONE, GROUP_ID, 'Active', 'DependencyViolation'), 'not active yet'),
])
def test_move_keeps_the_direct_copy_otherwise(group_copy, reason):
    held = [(PHONE, None, 'Active', None)] + ([group_copy] if group_copy else [])
    plan = plan_direct_removal(absent(PHONE), user('a@x', *held), tenant())
    assert plan.assign_body() is None and plan.status == 'unchanged'
    assert reason in plan.warnings[0]


def test_move_keeps_the_direct_copy_when_the_group_disables_a_plan_it_enables():
    current = user('a@x', (E3, None, 'Active', None), (E3, GROUP_ID, 'Active', None))
    current['licenseAssignmentStates'][1]['disabledPlans'] = [P_EXCHANGE]
    plan = plan_direct_removal(absent(E3), current, tenant())
    assert plan.assign_body() is None and 'disables plans' in plan.warnings[0]


def test_move_is_a_no_op_once_done_and_refuses_other_states():
    done = user('a@x', (PHONE, GROUP_ID, 'Active', None))
    assert plan_direct_removal(absent(PHONE), done, tenant()).status == 'unchanged'
    assert plan_direct_removal(UserSpec(user='a@x', state='present', licenses=wanted(PHONE)), done, tenant()).status == 'failed'
    run = plan_direct_removals([(absent(PHONE), done), (absent(PHONE), None)], tenant())
    assert run.summary == {'total': 2, 'changed': 0, 'unchanged': 1, 'failed': 1, 'failed_after_writes': 0, 'not_attempted': 0}
    assert run.task_errors == []


# ---------------------------------------------------------------- issue 10's service-plan rules on the group and its members

def test_two_calling_plans_in_the_group_is_one_error_naming_the_exclusion():
    plan = plan_group(group((PHONE, ()), (DOMESTIC, ())), [], wanted(INTERNATIONAL), 'present', 'teams', tenant())
    assert len(plan.errors) == 1 and 'mutually exclusive' in plan.errors[0] and 'MCOPSTN2' in plan.errors[0]


def test_members_whose_other_licences_clash_or_lack_a_prerequisite_are_predicted():
    members = [
        user('suite@x', (E3, None, 'Active', None)),
        user('bare@x'),
        user('intl@x', (E3, None, 'Active', None), (PHONE, None, 'Active', None), (INTERNATIONAL, None, 'Active', None)),
    ]
    plan = plan_group(group(), members, wanted(PHONE, DOMESTIC), 'present', 'teams', tenant())
    assert plan.errors == []
    predicted = sorted((item['user_principal_name'], item['error']) for item in plan.predicted_errors)
    assert predicted == [('bare@x', 'DependencyViolation'), ('intl@x', 'MutuallyExclusiveViolation')]
    assert any('bare@x will end in DependencyViolation' in warning for warning in plan.warnings)


def test_a_member_already_holding_the_group_licences_is_not_predicted_to_fail():
    members = [user('a@x', (E3, None, 'Active', None), (PHONE, GROUP_ID, 'Active', None))]
    plan = plan_group(group((PHONE, ())), members, wanted(PHONE, DOMESTIC), 'present', 'teams', tenant())
    assert plan.predicted_errors == [] and plan.added == ['MCOPSTN1']
