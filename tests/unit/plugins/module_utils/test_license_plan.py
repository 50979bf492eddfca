# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the teams_license planner: table tests per rule, then hypothesis properties."""

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import (
    TEAMS_SCOPE,
    Capabilities,
    DesiredLicense,
    TenantSku,
    UserSpec,
    apply_plan,
    check_task_rules,
    plan_run,
    plan_user,
    tenant_sku_from_graph,
)

# ---------------------------------------------------------------- a small tenant
# Service plan ids (the Teams ones are Microsoft's, graph-facts 8.2 / 8.3).
P_MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'
P_MCOMEETADV = '3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40'
P_MCOPSTN1 = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8'
P_MCOPSTN2 = '5a10155d-f5c1-411a-a8ec-e99aae125390'
P_MCOPSTN8 = '16935b20-87c0-4908-934a-22aa267d0d26'
P_MCOPSTNC = '505e180f-f7e0-4b65-91d4-00d670bbd18c'
P_TEAMS1 = '57ff2da0-773e-42df-b2af-ffb7a2317929'
P_MCOSTANDARD = '0feaeb32-d00e-4d66-bd5a-43b5b83db82c'
P_EXCHANGE = 'efb87545-963c-4e0d-99df-69c6916d9eb0'
P_VIRTUALUSER = 'f47330e9-c134-43b3-9993-e7f004506889'
P_INTUNE = 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5'

E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
E5 = 'c7df2760-2c81-4ef7-b578-5b5392b571df'
E5_MINUTES = 'a91fc4e0-65e5-4266-aa76-4037509c1626'
PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
DOMESTIC = '0dab259f-bf13-4952-b7f8-7db8f131b28d'
INTERNATIONAL = 'd3b4fe1f-9992-4930-8acb-ca6ec609365e'
AUDIO = '0c266dff-15dd-4b49-8397-2bb16070ed52'
CREDITS = '47794cd0-f0e5-45c5-9033-2eb6b5fc84e0'
RESOURCE = '440eaaa8-b3e0-484b-a8be-62870b9ba70a'
VOICE = 'a6051f20-9cbc-47d2-930d-419183bf6cf1'
EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e'
COMPANY_SKU = '11111111-0000-0000-0000-000000000001'
SUSPENDED_SKU = '11111111-0000-0000-0000-000000000002'
EXPIRED_SKU = '11111111-0000-0000-0000-000000000003'
NOT_IN_TENANT = '99999999-0000-0000-0000-000000000000'

GROUP = 'aaaaaaaa-0000-0000-0000-00000000000a'
OTHER_GROUP = 'bbbbbbbb-0000-0000-0000-00000000000b'


def _sku(sku_id, part, category, plans, available=100, **extra):
    return TenantSku(sku_id=sku_id, part_number=part, product_name=part, category=category,
                     plans=dict(plans), applies_to=extra.get('applies_to', 'User'),
                     capability_status=extra.get('status', 'Enabled'), available=available,
                     enabled_units=extra.get('enabled_units', available + 10))


def tenant(**available):
    """The tenant's SKUs; keyword arguments override a part number's available seats."""
    skus = [
        _sku(E3, 'ENTERPRISEPACK', 'suite', {P_TEAMS1: 'TEAMS1', P_MCOSTANDARD: 'MCOSTANDARD', P_EXCHANGE: 'EXCHANGE_S_ENTERPRISE'}),
        _sku(E5, 'ENTERPRISEPREMIUM', 'suite', {P_TEAMS1: 'TEAMS1', P_MCOEV: 'MCOEV', P_MCOMEETADV: 'MCOMEETADV'}),
        _sku(E5_MINUTES, 'SPE_E5_CALLINGMINUTES', 'suite',
             {P_TEAMS1: 'TEAMS1', P_MCOEV: 'MCOEV', P_MCOMEETADV: 'MCOMEETADV', P_MCOPSTN8: 'MCOPSTN8'}),
        _sku(PHONE, 'MCOEV', 'phone_system', {P_MCOEV: 'MCOEV'}),
        _sku(DOMESTIC, 'MCOPSTN1', 'calling_plan', {P_MCOPSTN1: 'MCOPSTN1'}),
        _sku(INTERNATIONAL, 'MCOPSTN2', 'calling_plan', {P_MCOPSTN2: 'MCOPSTN2'}),
        _sku(AUDIO, 'MCOMEETADV', 'audio_conferencing', {P_MCOMEETADV: 'MCOMEETADV'}),
        _sku(CREDITS, 'MCOPSTNC', 'communications_credits', {P_MCOPSTNC: 'MCOPSTNC'}, available=10000000),
        _sku(RESOURCE, 'PHONESYSTEM_VIRTUALUSER', 'resource_account', {P_VIRTUALUSER: 'MCOEV_VIRTUALUSER'}),
        _sku(VOICE, 'BUSINESS_VOICE_MED2', 'teams_voice_bundle',
             {P_MCOEV: 'MCOEV', P_MCOPSTN1: 'MCOPSTN1', P_MCOMEETADV: 'MCOMEETADV'}),
        _sku(EMS, 'EMSPREMIUM', 'other', {P_INTUNE: 'INTUNE_A'}),
        _sku(COMPANY_SKU, 'COMPANY_ONLY', 'other', {}, applies_to='Company'),
        _sku(SUSPENDED_SKU, 'SUSPENDED_ADDON', 'teams_addon', {}, status='Suspended'),
        _sku(EXPIRED_SKU, 'EXPIRED_ADDON', 'teams_addon', {}, available=0, enabled_units=0, status='Warning'),
    ]
    by_part = dict((sku.part_number, sku) for sku in skus)
    for part, seats in available.items():
        by_part[part] = by_part[part]._replace(available=seats)
    return dict((sku.sku_id, sku) for sku in by_part.values())


SKUS = tenant()


def graph_user(upn='ana@contoso.com', location='US', direct=None, groups=None):
    """A Graph user: direct {skuId: [disabled]}, groups [(skuId, group, [disabled], error)]."""
    states = [{'skuId': sku_id, 'assignedByGroup': None, 'disabledPlans': list(disabled), 'state': 'Active', 'error': None}
              for sku_id, disabled in (direct or {}).items()]
    for sku_id, group, disabled, error in groups or ():
        states.append({'skuId': sku_id, 'assignedByGroup': group, 'disabledPlans': list(disabled),
                       'state': 'Active' if error in (None, 'None') else 'Error', 'error': error})
    assigned = {}
    for state in states:
        assigned.setdefault(state['skuId'], set(state['disabledPlans']))
        assigned[state['skuId']] &= set(state['disabledPlans'])
    return {'id': 'id-' + upn, 'userPrincipalName': upn, 'usageLocation': location,
            'assignedLicenses': [{'skuId': sku_id, 'disabledPlans': sorted(plans)} for sku_id, plans in assigned.items()],
            'licenseAssignmentStates': states}


def spec(*licenses, **options):
    """UserSpec; a licence is a skuId or (skuId, [disabled plan ids])."""
    wanted = tuple(DesiredLicense(item) if isinstance(item, str) else DesiredLicense(item[0], frozenset(item[1]))
                   for item in licenses)
    return UserSpec(user=options.pop('user', 'ana@contoso.com'), licenses=wanted, **options)


def added_skus(plan):
    return [entry['skuId'] for entry in plan.add]


# ---------------------------------------------------------------- state: present

def test_present_adds_a_missing_licence_with_no_plan_disabled_and_one_seat():
    plan = plan_user(spec(PHONE), graph_user(direct={E3: []}), SKUS)
    assert plan.assign_body() == {'addLicenses': [{'skuId': PHONE, 'disabledPlans': []}], 'removeLicenses': []}
    assert plan.added == ['MCOEV'] and plan.seats_needed == [PHONE]
    assert plan.status == 'changed' and plan.error is None


def test_present_adds_with_the_requested_disabled_plans():
    plan = plan_user(spec((E5, [P_MCOMEETADV])), graph_user(), SKUS)
    assert plan.add == [{'skuId': E5, 'disabledPlans': [P_MCOMEETADV]}]


def test_present_leaves_a_held_licence_alone_when_plans_are_not_managed():
    plan = plan_user(spec(E5), graph_user(direct={E5: [P_MCOMEETADV]}), SKUS)
    assert not plan.changed and plan.assign_body() is None and plan.status == 'unchanged'


def test_present_changes_plans_of_a_held_licence_in_place_without_a_seat():
    plan = plan_user(spec((E5, [])), graph_user(direct={E5: [P_MCOMEETADV]}), SKUS)
    assert plan.assign_body() == {'addLicenses': [{'skuId': E5, 'disabledPlans': []}], 'removeLicenses': []}
    assert plan.plans_changed == ['ENTERPRISEPREMIUM'] and plan.added == [] and plan.seats_needed == []


def test_present_with_the_same_disabled_plans_is_a_no_op():
    plan = plan_user(spec((E5, [P_MCOMEETADV])), graph_user(direct={E5: [P_MCOMEETADV]}), SKUS)
    assert not plan.changed


def test_present_never_adds_directly_a_licence_held_through_a_group():
    plan = plan_user(spec(E5), graph_user(groups=[(E5, GROUP, [], None)]), SKUS)
    assert not plan.changed and plan.seats_needed == []
    assert plan.inherited == [{'sku': 'ENTERPRISEPREMIUM', 'group': GROUP, 'group_name': None}]


def test_present_warns_that_plans_of_a_group_licence_are_set_on_the_group():
    plan = plan_user(spec((E5, [P_MCOMEETADV])), graph_user(groups=[(E5, GROUP, [], None)]), SKUS)
    assert not plan.changed and plan.error is None
    assert any('ENTERPRISEPREMIUM is inherited from group %s' % GROUP in warning and 'change them there' in warning
               for warning in plan.warnings)


# ---------------------------------------------------------------- state: absent

def test_absent_removes_a_direct_licence():
    plan = plan_user(spec(AUDIO, state='absent'), graph_user(direct={E3: [], AUDIO: []}), SKUS)
    assert plan.assign_body() == {'addLicenses': [], 'removeLicenses': [AUDIO]}
    assert plan.removed == ['MCOMEETADV']


def test_absent_of_a_licence_not_held_is_a_no_op():
    plan = plan_user(spec(AUDIO, state='absent'), graph_user(direct={E3: []}), SKUS)
    assert not plan.changed and plan.error is None


def test_absent_of_a_licence_held_only_through_a_group_fails_the_user_with_guidance():
    current = graph_user(direct={AUDIO: []}, groups=[(PHONE, GROUP, [], None)])
    plan = plan_user(spec(PHONE, AUDIO, state='absent'), current, SKUS)
    assert plan.status == 'failed' and plan.assign_body() is None
    assert plan.error == ("MCOEV of user ana@contoso.com is inherited from group %s: remove the user from the group "
                          "or change the group's licences" % GROUP)


def test_absent_of_a_licence_held_directly_and_through_a_group_fails_and_keeps_the_direct_copy():
    # The user keeps the licence through the group whatever happens to the direct copy, so absent
    # cannot be met; failing now (rather than removing the direct copy) keeps every re-run identical.
    current = graph_user(direct={AUDIO: []}, groups=[(AUDIO, GROUP, [], None)])
    plan = plan_user(spec(AUDIO, state='absent'), current, SKUS)
    assert plan.status == 'failed' and plan.assign_body() is None
    assert 'MCOMEETADV of user ana@contoso.com is inherited from group %s' % GROUP in plan.error
    assert plan_user(spec(AUDIO, state='absent'), current, SKUS).error == plan.error


# ---------------------------------------------------------------- state: exact

def test_exact_teams_scope_removes_unlisted_teams_licences_and_keeps_suites_and_others():
    current = graph_user(direct={E3: [], EMS: [], PHONE: [], AUDIO: [], CREDITS: []})
    plan = plan_user(spec(PHONE, state='exact'), current, SKUS)
    assert sorted(plan.remove) == sorted([AUDIO, CREDITS]) and plan.add == []
    assert plan.removed == ['MCOMEETADV', 'MCOPSTNC']


def test_exact_all_scope_removes_every_unlisted_direct_licence():
    current = graph_user(direct={E3: [], EMS: [], PHONE: [], AUDIO: []})
    plan = plan_user(spec(E3, PHONE, state='exact', exact_scope='all'), current, SKUS)
    assert sorted(plan.remove) == sorted([AUDIO, EMS])


def test_exact_all_scope_that_removes_the_suite_under_teams_phone_fails_as_graph_would():
    current = graph_user(direct={E3: [], PHONE: []})
    plan = plan_user(spec(PHONE, state='exact', exact_scope='all'), current, SKUS)
    assert plan.status == 'failed' and plan.assign_body() is None
    assert 'service plan MCOEV needs one of MCOSTANDARD' in plan.error and 'ENTERPRISEPACK' in plan.error


def test_exact_never_removes_an_inherited_licence():
    current = graph_user(direct={PHONE: []}, groups=[(AUDIO, GROUP, [], None)])
    plan = plan_user(spec(PHONE, state='exact'), current, SKUS)
    assert not plan.changed and plan.error is None
    assert plan.inherited == [{'sku': 'MCOMEETADV', 'group': GROUP, 'group_name': None}]
    assert any('MCOMEETADV stays' in warning for warning in plan.warnings)


def test_exact_swaps_calling_plans_in_one_body():
    current = graph_user(direct={PHONE: [], DOMESTIC: []})
    plan = plan_user(spec(PHONE, INTERNATIONAL, state='exact'), current, SKUS)
    assert plan.error is None
    assert plan.assign_body() == {'addLicenses': [{'skuId': INTERNATIONAL, 'disabledPlans': []}],
                                  'removeLicenses': [DOMESTIC]}


def test_exact_all_swaps_e3_for_e5_in_one_body():
    plan = plan_user(spec(E5, state='exact', exact_scope='all'), graph_user(direct={E3: []}), SKUS)
    assert plan.assign_body() == {'addLicenses': [{'skuId': E5, 'disabledPlans': []}], 'removeLicenses': [E3]}


def test_exact_changes_plans_in_place():
    plan = plan_user(spec((VOICE, [P_MCOMEETADV]), state='exact'), graph_user(direct={VOICE: []}), SKUS)
    assert plan.add == [{'skuId': VOICE, 'disabledPlans': [P_MCOMEETADV]}] and plan.remove == []


# ---------------------------------------------------------------- Teams rules

def test_a_second_calling_plan_next_to_a_held_one_fails_the_user_and_suggests_exact():
    plan = plan_user(spec(INTERNATIONAL), graph_user(direct={PHONE: [], DOMESTIC: []}), SKUS)
    assert plan.status == 'failed' and plan.assign_body() is None
    assert 'ana@contoso.com' in plan.error and 'MCOPSTN1, MCOPSTN2' in plan.error and 'state exact' in plan.error


def test_calling_minutes_of_a_suite_count_as_a_calling_plan():
    plan = plan_user(spec(DOMESTIC), graph_user(direct={E5_MINUTES: []}), SKUS)
    assert plan.status == 'failed' and 'SPE_E5_CALLINGMINUTES' in plan.error


def test_a_calling_plan_without_phone_system_fails_the_user():
    plan = plan_user(spec(DOMESTIC), graph_user(direct={E3: []}), SKUS)
    assert plan.status == 'failed'
    assert 'MCOPSTN1' in plan.error and 'Teams Phone' in plan.error


@pytest.mark.parametrize('current', [
    graph_user(direct={E5: []}),
    graph_user(direct={PHONE: []}),
    graph_user(groups=[(E5, GROUP, [], 'None')]),
], ids=['suite-e5', 'phone-add-on', 'e5-from-group-healthy-None-string'])
def test_phone_system_from_any_sku_allows_a_calling_plan(current):
    plan = plan_user(spec(DOMESTIC), current, SKUS)
    assert plan.error is None and added_skus(plan) == [DOMESTIC]


def test_a_disabled_phone_system_plan_does_not_count():
    plan = plan_user(spec(DOMESTIC), graph_user(direct={E5: [P_MCOEV]}), SKUS)
    assert plan.status == 'failed'


def test_a_group_licence_in_error_does_not_provide_phone_system():
    plan = plan_user(spec(DOMESTIC), graph_user(groups=[(E5, GROUP, [], 'CountViolation')]), SKUS)
    assert plan.status == 'failed'


def test_phone_system_and_a_calling_plan_in_one_task_go_together():
    plan = plan_user(spec(E3, PHONE, DOMESTIC), graph_user(), SKUS)
    assert plan.error is None and added_skus(plan) == [E3, PHONE, DOMESTIC]


def test_removing_phone_system_under_a_calling_plan_fails_the_user():
    plan = plan_user(spec(DOMESTIC, state='exact'), graph_user(direct={PHONE: [], DOMESTIC: []}), SKUS)
    assert plan.status == 'failed' and 'without Teams Phone' in plan.error


def test_disabling_the_phone_system_plan_under_a_calling_plan_fails_the_user():
    plan = plan_user(spec((E5, [P_MCOEV])), graph_user(direct={E5: [], DOMESTIC: []}), SKUS)
    assert plan.status == 'failed'


@pytest.mark.parametrize('connectivity', ['direct_routing', 'operator_connect'])
def test_direct_routing_user_holding_a_calling_plan_is_warned_and_still_gets_phone_system(connectivity):
    plan = plan_user(spec(PHONE, pstn_connectivity=connectivity), graph_user(direct={E3: [], DOMESTIC: []}), SKUS)
    assert plan.error is None and added_skus(plan) == [PHONE]
    assert any('MCOPSTN1' in warning and connectivity in warning and 'remove it' in warning for warning in plan.warnings)


def test_direct_routing_user_with_a_calling_plan_in_a_suite_is_warned_to_disable_the_plan():
    plan = plan_user(spec(E5_MINUTES, pstn_connectivity='direct_routing'), graph_user(), SKUS)
    assert plan.error is None and added_skus(plan) == [E5_MINUTES]
    assert any('MCOPSTN8' in warning and 'disable that plan' in warning for warning in plan.warnings)


def test_direct_routing_user_with_the_suite_calling_plan_disabled_gets_no_warning():
    plan = plan_user(spec((E5_MINUTES, [P_MCOPSTN8]), pstn_connectivity='direct_routing'), graph_user(), SKUS)
    assert plan.error is None and plan.warnings == []


def test_a_calling_plan_for_direct_routing_is_a_user_error_when_planned_directly():
    # check_task_rules refuses it first; the planner alone still refuses to write it.
    plan = plan_user(spec(PHONE, DOMESTIC, pstn_connectivity='direct_routing'), graph_user(), SKUS)
    assert plan.status == 'failed' and 'direct_routing' in plan.error


@pytest.mark.parametrize('addon, part, capability', [
    (PHONE, 'MCOEV', 'Phone System'),
    (AUDIO, 'MCOMEETADV', 'Audio Conferencing'),
])
def test_an_add_on_the_suite_already_provides_is_a_warning(addon, part, capability):
    plan = plan_user(spec(addon), graph_user(direct={E5: []}), SKUS)
    assert plan.error is None and added_skus(plan) == [addon]
    assert '%s is redundant: ENTERPRISEPREMIUM already provides %s' % (part, capability) in plan.warnings


def test_communications_credits_are_assignable_to_anyone():
    plan = plan_user(spec(CREDITS), graph_user(), SKUS)
    assert plan.error is None and plan.warnings == [] and added_skus(plan) == [CREDITS]


def test_a_rule_already_broken_and_untouched_only_warns():
    current = graph_user(direct={DOMESTIC: [], INTERNATIONAL: []})
    plan = plan_user(spec(AUDIO), current, SKUS)
    assert plan.error is None and added_skus(plan) == [AUDIO]
    assert any('2 Calling Plans' in warning for warning in plan.warnings)


def test_a_no_op_user_is_never_failed_by_the_rules():
    plan = plan_user(spec(DOMESTIC), graph_user(direct={DOMESTIC: []}), SKUS)
    assert plan.status == 'unchanged'


def test_custom_capabilities_replace_the_defaults():
    caps = Capabilities(phone_system={'INTUNE_A'}, calling_plan={'MCOPSTN1'}, audio_conferencing=set(),
                        communications_credits=set())
    assert plan_user(spec(DOMESTIC), graph_user(direct={EMS: [], E3: [], PHONE: []}), SKUS, caps).error is None
    assert plan_user(spec(DOMESTIC), graph_user(direct={PHONE: []}), SKUS, caps).status == 'failed'


# ---------------------------------------------------------------- usage location

def test_usage_location_is_patched_when_different():
    plan = plan_user(spec(PHONE, usage_location='GB'), graph_user(location='US', direct={E3: []}), SKUS)
    assert plan.usage_location == 'GB' and added_skus(plan) == [PHONE]
    assert plan.after['usage_location'] == 'GB' and plan.before['usage_location'] == 'US'


def test_usage_location_alone_is_a_change_without_an_assign_body():
    plan = plan_user(spec(PHONE, usage_location='GB'), graph_user(location='US', direct={PHONE: []}), SKUS)
    assert plan.changed and plan.assign_body() is None and plan.report()['usage_location_set'] == 'GB'


def test_same_usage_location_is_not_patched():
    plan = plan_user(spec(PHONE, usage_location='US'), graph_user(location='US', direct={PHONE: []}), SKUS)
    assert plan.usage_location is None and not plan.changed


def test_a_user_without_usage_location_who_needs_a_new_licence_fails_before_any_write():
    plan = plan_user(spec(PHONE), graph_user(upn='bo@contoso.com', location=None), SKUS)
    assert plan.error == 'user bo@contoso.com has no usage location: set usage_location (Graph refuses licences without it)'
    assert plan.assign_body() is None and plan.usage_location is None and plan.seats_needed == []


def test_a_user_without_usage_location_gets_it_set_with_the_licence():
    plan = plan_user(spec(PHONE, usage_location='FR'), graph_user(location=None, direct={E3: []}), SKUS)
    assert plan.error is None and plan.usage_location == 'FR' and added_skus(plan) == [PHONE]


def test_a_user_without_usage_location_can_lose_a_licence():
    plan = plan_user(spec(PHONE, state='absent'), graph_user(location=None, direct={PHONE: []}), SKUS)
    assert plan.error is None and plan.remove == [PHONE]


def test_moving_a_calling_plan_user_to_another_country_fails_that_user_by_default():
    current = graph_user(location='GB', direct={E3: [], PHONE: [], DOMESTIC: []})
    plan = plan_user(spec(AUDIO, usage_location='US'), current, SKUS)
    assert plan.status == 'failed' and plan.usage_location is None and plan.assign_body() is None
    assert 'holds a Calling Plan (MCOPSTN1) for GB' in plan.error and 'move_calling_plan_users' in plan.error


def test_moving_a_calling_plan_user_is_allowed_when_the_task_says_so():
    current = graph_user(location='GB', direct={E3: [], PHONE: [], DOMESTIC: []})
    plan = plan_user(spec(AUDIO, usage_location='US', move_calling_plan_users=True), current, SKUS)
    assert plan.error is None and plan.usage_location == 'US'


def test_moving_a_user_without_a_calling_plan_is_allowed():
    plan = plan_user(spec(AUDIO, usage_location='US'), graph_user(location='FR', direct={E3: []}), SKUS)
    assert plan.error is None and plan.usage_location == 'US'
    assert plan.warnings == ['usage location changes from FR to US']


def test_a_calling_plan_inherited_from_a_group_also_blocks_a_silent_move():
    current = graph_user(location='GB', direct={E3: [], PHONE: []}, groups=[(DOMESTIC, GROUP, [], None)])
    assert plan_user(spec(usage_location='US'), current, SKUS).status == 'failed'


# ---------------------------------------------------------------- Graph's plan rules and their advice

def test_teams_phone_without_a_suite_is_refused_before_any_write_naming_what_carries_teams():
    plan = plan_user(spec(PHONE, DOMESTIC), graph_user(), SKUS)
    assert plan.status == 'failed' and plan.assign_body() is None and plan.usage_location is None
    assert 'MCOEV needs one of MCOSTANDARD' in plan.error and 'ENTERPRISEPACK, ENTERPRISEPREMIUM' in plan.error


def test_teams_phone_and_a_suite_in_one_task_is_fine():
    plan = plan_user(spec(E3, PHONE, DOMESTIC), graph_user(), SKUS)
    assert plan.error is None and sorted(plan.added) == ['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1']


def test_advice_never_tells_to_add_phone_system_that_the_task_asks_for_when_its_group_copy_is_in_error():
    current = graph_user(direct={E3: []}, groups=[(PHONE, GROUP, [], 'CountViolation')])
    plan = plan_user(spec(PHONE, DOMESTIC), current, SKUS, group_names={GROUP: 'Teams Phone Users'})
    assert plan.status == 'failed'
    assert 'add Phone System' not in plan.error
    assert 'MCOEV is in licenses, but the user holds it only through group Teams Phone Users (%s)' % GROUP in plan.error
    assert 'Error (CountViolation)' in plan.error and 'reprocess' in plan.error


def test_advice_says_when_the_prerequisite_is_disabled_by_the_task_itself():
    plan = plan_user(spec((E3, [P_TEAMS1, P_MCOSTANDARD]), PHONE), graph_user(), SKUS)
    assert plan.status == 'failed' and 'ENTERPRISEPACK is in licenses but its' in plan.error
    assert 'enable it (disabled_plans / enabled_plans)' in plan.error


def test_inherited_licences_name_the_group():
    current = graph_user(direct={E3: []}, groups=[(PHONE, GROUP, [], None)])
    plan = plan_user(spec(PHONE), current, SKUS, group_names={GROUP: 'Teams Phone Users'})
    assert plan.inherited == [{'sku': 'MCOEV', 'group': GROUP, 'group_name': 'Teams Phone Users'}]


# ---------------------------------------------------------------- report paths

def test_a_failure_after_a_usage_location_write_keeps_it_in_the_report():
    plan = plan_user(spec(PHONE, usage_location='GB'), graph_user(location='US', direct={E3: []}), SKUS)
    plan.usage_location_written = True
    plan.fail('assignLicense refused')
    report = plan.report()
    assert report['status'] == 'failed' and report['usage_location_set'] == 'GB' and report['added'] == []
    assert plan.after == dict(plan.before, usage_location='GB')


def test_a_failure_after_the_licence_write_keeps_what_was_added():
    plan = plan_user(spec(PHONE), graph_user(direct={E3: []}), SKUS)
    plan.licences_written = True
    plan.fail('not provisioned within wait_timeout')
    assert plan.report()['added'] == ['MCOEV'] and plan.status == 'failed'


def test_a_user_never_attempted_is_reported_so():
    run = plan_run([(spec(PHONE), graph_user(direct={E3: []}))], SKUS)
    run.users[0].mark_not_attempted('the task stopped before any write')
    assert run.users[0].status == 'not_attempted' and run.users[0].assign_body() is None
    assert run.summary['not_attempted'] == 1 and run.summary['failed'] == 0


def test_failed_after_writes_is_counted():
    run = plan_run([(spec(PHONE), graph_user(direct={E3: []}))], SKUS)
    run.users[0].licences_written = True
    run.users[0].fail('provisioning failed')
    assert run.summary['failed'] == 1 and run.summary['failed_after_writes'] == 1


# ---------------------------------------------------------------- not found, report, diff

def test_a_user_not_found_fails_with_its_reference():
    plan = plan_user(spec(PHONE, user='ghost@contoso.com'), None, SKUS)
    assert plan.status == 'failed' and 'ghost@contoso.com not found' in plan.error
    assert plan.report()['status'] == 'failed' and plan.report()['id'] is None


def test_report_has_the_documented_keys():
    report = plan_user(spec(PHONE), graph_user(direct={E3: []}), SKUS).report()
    assert sorted(report) == sorted(['user', 'id', 'status', 'added', 'removed', 'plans_changed', 'inherited',
                                     'usage_location_set', 'warnings', 'error'])
    assert report['id'] == 'id-ana@contoso.com' and report['added'] == ['MCOEV']


def test_diff_shows_part_numbers_with_disabled_plan_names():
    current = graph_user(direct={E5: [P_MCOMEETADV, P_TEAMS1]}, groups=[(EMS, GROUP, [], None)])
    plan = plan_user(spec((E5, []), DOMESTIC), current, SKUS)
    assert plan.before == {'licenses': ['ENTERPRISEPREMIUM (disabled: MCOMEETADV, TEAMS1)'],
                           'inherited_licenses': ['EMSPREMIUM'], 'usage_location': 'US'}
    assert plan.after == {'licenses': ['ENTERPRISEPREMIUM', 'MCOPSTN1'], 'inherited_licenses': ['EMSPREMIUM'],
                          'usage_location': 'US'}


def test_a_failed_user_shows_no_difference():
    plan = plan_user(spec(INTERNATIONAL), graph_user(direct={PHONE: [], DOMESTIC: []}), SKUS)
    assert plan.status == 'failed' and plan.after == plan.before


def test_apply_plan_predicts_the_user_after_the_writes():
    current = graph_user(direct={DOMESTIC: [], E5: [P_MCOMEETADV]}, groups=[(E5, GROUP, [], None)])
    plan = plan_user(spec((E5, []), INTERNATIONAL, state='exact', usage_location='GB', move_calling_plan_users=True), current, SKUS)
    after = apply_plan(current, plan)
    assert after['usageLocation'] == 'GB'
    assert sorted(lic['skuId'] for lic in after['assignedLicenses']) == sorted([E5, INTERNATIONAL])
    assert {'skuId': E5, 'assignedByGroup': GROUP, 'disabledPlans': [], 'state': 'Active', 'error': None} \
        in after['licenseAssignmentStates']
    assert not plan_user(spec((E5, []), INTERNATIONAL, state='exact', usage_location='GB', move_calling_plan_users=True), after, SKUS).changed


# ---------------------------------------------------------------- task-level rules

def _errors(*specs, **tenant_overrides):
    return check_task_rules(specs, tenant(**tenant_overrides) if tenant_overrides else SKUS)


def test_a_valid_task_has_no_task_errors():
    assert _errors(spec(E3, PHONE, DOMESTIC), spec(PHONE, pstn_connectivity='direct_routing', user='b')) == []


def test_two_calling_plans_in_one_licence_set_is_a_task_error():
    assert _errors(spec(PHONE, DOMESTIC, INTERNATIONAL)) == [
        'licenses hold 2 Calling Plans (MCOPSTN1, MCOPSTN2) but a user can have only one: keep one (users: ana@contoso.com)']


def test_a_suite_with_calling_minutes_plus_a_calling_plan_is_a_task_error():
    assert any('2 Calling Plans' in error for error in _errors(spec(E5_MINUTES, DOMESTIC)))


def test_a_calling_plan_for_direct_routing_users_is_a_task_error():
    errors = _errors(spec(PHONE, DOMESTIC, pstn_connectivity='operator_connect'))
    assert len(errors) == 1 and 'MCOPSTN1 carries a Calling Plan' in errors[0] and 'operator_connect' in errors[0]


def test_a_voice_bundle_for_direct_routing_is_refused_unless_its_calling_plan_is_disabled():
    assert len(_errors(spec(VOICE, pstn_connectivity='direct_routing'))) == 1
    assert _errors(spec((VOICE, [P_MCOPSTN1]), pstn_connectivity='direct_routing')) == []


def test_a_suite_carrying_calling_minutes_for_direct_routing_is_not_a_task_error():
    assert _errors(spec(E5_MINUTES, pstn_connectivity='direct_routing')) == []


@pytest.mark.parametrize('sku_id, expected', [
    (COMPANY_SKU, 'COMPANY_ONLY applies to the company and cannot be assigned to a user'),
    (SUSPENDED_SKU, 'SUSPENDED_ADDON is Suspended in the tenant and cannot be assigned'),
    (EXPIRED_SKU, 'EXPIRED_ADDON has no enabled units in the tenant'),
    (NOT_IN_TENANT, 'licence %s is not subscribed in the tenant' % NOT_IN_TENANT),
])
def test_unassignable_skus_are_task_errors(sku_id, expected):
    errors = _errors(spec(sku_id))
    assert len(errors) == 1 and errors[0].startswith(expected)


def test_removing_an_unassignable_sku_is_allowed():
    assert _errors(spec(SUSPENDED_SKU, COMPANY_SKU, state='absent')) == []


def test_a_disabled_plan_that_is_not_in_the_sku_is_a_task_error():
    errors = _errors(spec((PHONE, [P_MCOMEETADV])))
    assert len(errors) == 1 and '%s is not a service plan of MCOEV' % P_MCOMEETADV in errors[0]


def test_one_sku_listed_twice_with_different_plans_is_a_task_error():
    errors = _errors(spec(E5, (E5, [P_MCOMEETADV])))
    assert errors == ['ENTERPRISEPREMIUM is listed twice with different plans: list it once (users: ana@contoso.com)']


@pytest.mark.parametrize('location', ['usa', 'us', 'U1', ''])
def test_an_invalid_usage_location_is_a_task_error(location):
    errors = _errors(spec(PHONE, usage_location=location))
    assert len(errors) == 1 and 'usage_location' in errors[0]


def test_exact_teams_scope_refuses_a_suite_and_exact_all_accepts_it():
    errors = _errors(spec(E3, PHONE, state='exact'))
    assert len(errors) == 1 and 'ENTERPRISEPACK is not a Teams licence' in errors[0] and 'exact_scope all' in errors[0]
    assert _errors(spec(E3, PHONE, state='exact', exact_scope='all')) == []


def test_a_task_error_shared_by_many_users_is_reported_once_naming_them():
    specs = [spec(COMPANY_SKU, user='u%d@contoso.com' % number) for number in range(7)]
    errors = check_task_rules(specs, SKUS)
    assert len(errors) == 1 and errors[0].endswith('(users: u0@contoso.com, u1@contoso.com, u2@contoso.com, '
                                                   'u3@contoso.com, u4@contoso.com and 2 more)')


# ---------------------------------------------------------------- the run: seats

def _items(count, licence, current=None):
    return [(spec(licence, user='u%d@contoso.com' % number), current or graph_user(upn='u%d@contoso.com' % number))
            for number in range(count)]


def test_strict_shortage_stops_the_run_with_how_many_to_buy():
    run = plan_run(_items(3, DOMESTIC, graph_user(direct={PHONE: []})), tenant(MCOPSTN1=1))
    assert run.task_errors == ['MCOPSTN1: 3 users need it but 1 seat is available: buy 2 more or remove users from the list']
    assert run.seats['MCOPSTN1'] == {'available_before': 1, 'needed': 3, 'freed': 0, 'available_after': 1}


def test_strict_shortage_message_with_one_user_and_no_seat():
    run = plan_run(_items(1, AUDIO), tenant(MCOMEETADV=0))
    assert run.task_errors == ['MCOMEETADV: 1 user needs it but 0 seats are available: buy 1 more or remove users from the list']


def test_strict_with_enough_seats_reports_them():
    run = plan_run(_items(2, AUDIO), tenant(MCOMEETADV=5))
    assert run.task_errors == [] and run.shortages == []
    assert run.seats == {'MCOMEETADV': {'available_before': 5, 'needed': 2, 'freed': 0, 'available_after': 3}}
    assert run.summary == {'total': 2, 'changed': 2, 'unchanged': 0, 'failed': 0, 'not_attempted': 0,
                           'failed_after_writes': 0} and run.changed


def test_seats_freed_in_the_same_run_are_not_available_to_adds():
    swapper = (spec(PHONE, DOMESTIC, state='exact', user='a'), graph_user(upn='a', direct={PHONE: [], INTERNATIONAL: []}))
    newcomer = (spec(PHONE, INTERNATIONAL, user='b'), graph_user(upn='b', direct={PHONE: []}))
    run = plan_run([swapper, newcomer], tenant(MCOPSTN2=0))
    assert run.task_errors == ['MCOPSTN2: 1 user needs it but 0 seats are available: buy 1 more or remove users from the list']


def test_communications_credits_sentinel_never_runs_short():
    run = plan_run(_items(50, CREDITS), SKUS)
    assert run.task_errors == [] and run.seats['MCOPSTNC']['needed'] == 50


def test_in_place_changes_and_group_licences_need_no_seat():
    items = [(spec((E5, [])), graph_user(upn='a', direct={E5: [P_MCOMEETADV]})),
             (spec(E5), graph_user(upn='b', groups=[(E5, GROUP, [], None)]))]
    run = plan_run(items, tenant(ENTERPRISEPREMIUM=0))
    assert run.task_errors == [] and run.seats == {}


def test_removing_a_licence_also_held_through_a_group_frees_no_seat():
    items = [(spec(AUDIO, state='absent'), graph_user(direct={AUDIO: []}, groups=[(AUDIO, GROUP, [], None)]))]
    assert plan_run(items, SKUS).seats == {}


def test_partial_licenses_users_in_input_order_while_seats_last():
    run = plan_run(_items(3, AUDIO), tenant(MCOMEETADV=1), seat_check='partial')
    assert [plan.status for plan in run.users] == ['changed', 'failed', 'failed']
    assert run.task_errors == [] and len(run.shortages) == 1
    assert 'u1@contoso.com' in run.users[1].error and 'MCOMEETADV' in run.users[1].error
    assert run.users[2].assign_body() is None
    assert run.seats['MCOMEETADV'] == {'available_before': 1, 'needed': 1, 'freed': 0, 'available_after': 0}
    assert run.summary == {'total': 3, 'changed': 1, 'unchanged': 0, 'failed': 2, 'not_attempted': 0,
                           'failed_after_writes': 0}


def test_partial_a_user_short_of_one_sku_takes_no_seat_of_another():
    first = (spec(AUDIO, DOMESTIC, user='a'), graph_user(upn='a', direct={PHONE: []}))
    second = (spec(AUDIO, user='b'), graph_user(upn='b'))
    run = plan_run([first, second], tenant(MCOMEETADV=1, MCOPSTN1=0), seat_check='partial')
    assert run.users[0].status == 'failed' and 'MCOPSTN1' in run.users[0].error
    assert run.users[1].status == 'changed'


def test_user_failures_take_no_seat():
    items = [(spec(AUDIO, user='ghost'), None), (spec(AUDIO, user='b'), graph_user(upn='b'))]
    run = plan_run(items, tenant(MCOMEETADV=1))
    assert run.task_errors == [] and run.seats['MCOMEETADV']['needed'] == 1


def test_tenant_sku_from_graph_computes_available_seats():
    subscribed = {'skuId': CREDITS, 'skuPartNumber': 'MCOPSTNC', 'appliesTo': 'User', 'capabilityStatus': 'Enabled',
                  'consumedUnits': 3, 'prepaidUnits': {'enabled': 10000000, 'suspended': 0, 'warning': 0},
                  'servicePlans': [{'servicePlanId': P_MCOPSTNC, 'servicePlanName': 'MCOPSTNC'}]}
    sku = tenant_sku_from_graph(subscribed, 'communications_credits')
    assert sku.available == 9999997 and sku.plans == {P_MCOPSTNC: 'MCOPSTNC'} and sku.category == 'communications_credits'
    overused = tenant_sku_from_graph(dict(subscribed, consumedUnits=12, prepaidUnits={'enabled': 10}), 'other')
    assert overused.available == 0


# ---------------------------------------------------------------- properties

GROUPABLE = [E3, E5, E5_MINUTES, PHONE, DOMESTIC, INTERNATIONAL, AUDIO, CREDITS, EMS]
ASSIGNABLE = GROUPABLE + [RESOURCE, VOICE]
HELD = ASSIGNABLE + [NOT_IN_TENANT]
PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plan_subsets(sku_id):
    plans = sorted(SKUS[sku_id].plans) if sku_id in SKUS else []
    return st.lists(st.sampled_from(plans), unique=True) if plans else st.just([])


@st.composite
def current_users(draw):
    direct_ids = draw(st.lists(st.sampled_from(HELD), unique=True, max_size=5))
    direct = dict((sku_id, draw(_plan_subsets(sku_id))) for sku_id in direct_ids)
    group_ids = draw(st.lists(st.sampled_from(GROUPABLE), unique=True, max_size=3))
    groups = [(sku_id, draw(st.sampled_from([GROUP, OTHER_GROUP])), draw(_plan_subsets(sku_id)),
               draw(st.sampled_from([None, 'None', 'CountViolation']))) for sku_id in group_ids]
    return graph_user(location=draw(st.sampled_from([None, 'US', 'GB'])), direct=direct, groups=groups)


@st.composite
def user_specs(draw):
    sku_ids = draw(st.lists(st.sampled_from(ASSIGNABLE), unique=True, max_size=4))
    licenses = tuple(DesiredLicense(sku_id, draw(st.none() | _plan_subsets(sku_id).map(frozenset))) for sku_id in sku_ids)
    return UserSpec(user='ana@contoso.com', state=draw(st.sampled_from(['present', 'absent', 'exact'])),
                    licenses=licenses, usage_location=draw(st.sampled_from([None, 'US', 'FR'])),
                    pstn_connectivity=draw(st.sampled_from([None, 'calling_plan', 'direct_routing', 'operator_connect'])),
                    exact_scope=draw(st.sampled_from(['teams', 'all'])))


def _direct_states(user):
    return dict((state['skuId'], sorted(state['disabledPlans'])) for state in user['licenseAssignmentStates']
                if not state['assignedByGroup'])


def _group_states(user):
    return sorted((state['skuId'], state['assignedByGroup'], sorted(state['disabledPlans']))
                  for state in user['licenseAssignmentStates'] if state['assignedByGroup'])


@PROPERTY_SETTINGS
@given(spec_=user_specs(), current=current_users())
def test_property_applying_a_plan_then_planning_again_changes_nothing(spec_, current):
    plan = plan_user(spec_, current, SKUS)
    assume(plan.error is None)
    replan = plan_user(spec_, apply_plan(current, plan), SKUS)
    assert not replan.changed and replan.assign_body() is None and replan.seats_needed == []
    assert replan.error is None


@PROPERTY_SETTINGS
@given(spec_=user_specs(), current=current_users())
def test_property_inherited_licences_are_never_removed(spec_, current):
    plan = plan_user(spec_, current, SKUS)
    body = plan.assign_body() or {'removeLicenses': []}
    assert set(body['removeLicenses']) <= set(_direct_states(current))
    assert _group_states(apply_plan(current, plan)) == _group_states(current)


@PROPERTY_SETTINGS
@given(specs=st.lists(user_specs(), min_size=1, max_size=4), users=st.lists(current_users(), min_size=4, max_size=4),
       seat_check=st.sampled_from(['strict', 'partial']))
def test_property_seat_demand_equals_the_new_adds(specs, users, seat_check):
    items = list(zip(specs, users))
    run = plan_run(items, tenant(MCOEV=1, MCOMEETADV=2), seat_check=seat_check)
    expected = {}
    for plan, (_spec, current) in zip(run.users, items):
        held = set(lic['skuId'] for lic in current['assignedLicenses'])
        for entry in (plan.assign_body() or {'addLicenses': []})['addLicenses']:
            if entry['skuId'] not in held:
                part = SKUS[entry['skuId']].part_number
                expected[part] = expected.get(part, 0) + 1
    if run.task_errors:
        assert seat_check == 'strict'
    else:
        assert dict((part, seats['needed']) for part, seats in run.seats.items() if seats['needed']) == expected
        assert all(seats['available_after'] >= 0 for seats in run.seats.values())


@PROPERTY_SETTINGS
@given(spec_=user_specs(), current=current_users())
def test_property_exact_teams_never_touches_skus_outside_its_scope(spec_, current):
    spec_ = spec_._replace(state='exact', exact_scope='teams')
    assume(check_task_rules([spec_], SKUS) == [])
    plan = plan_user(spec_, current, SKUS)
    touched = set(added_skus(plan)) | set(plan.remove)
    assert all(SKUS[sku_id].category in TEAMS_SCOPE for sku_id in touched)

    def outside(user):
        return dict((sku_id, disabled) for sku_id, disabled in _direct_states(user).items()
                    if sku_id not in SKUS or SKUS[sku_id].category not in TEAMS_SCOPE)
    assert outside(apply_plan(current, plan)) == outside(current)


@PROPERTY_SETTINGS
@given(spec_=user_specs(), current=current_users())
def test_property_every_body_carries_both_arrays(spec_, current):
    body = plan_user(spec_, current, SKUS).assign_body()
    if body is not None:
        assert isinstance(body['addLicenses'], list) and isinstance(body['removeLicenses'], list)
        assert body['addLicenses'] or body['removeLicenses']
        assert all(sorted(entry) == ['disabledPlans', 'skuId'] for entry in body['addLicenses'])


@PROPERTY_SETTINGS
@given(specs=st.lists(user_specs(), min_size=1, max_size=4), users=st.lists(current_users(), min_size=4, max_size=4))
def test_property_a_failed_user_writes_nothing(specs, users):
    items = list(zip(specs, users))
    run = plan_run(items, tenant(MCOEV=0, MCOPSTN1=1, ENTERPRISEPREMIUM=1), seat_check='partial')
    for plan, (_spec, current) in zip(run.users, items):
        if plan.status == 'failed':
            assert plan.assign_body() is None and plan.usage_location is None and not plan.changed
            assert plan.seats_needed == [] and apply_plan(current, plan) == current


# ---------------------------------------------------------------- memory of a large task (issue #13)

def test_without_diff_mode_no_diff_view_is_built_or_kept(monkeypatch):
    # A 100,000-user no-op must not pay for a before/after per user that nobody shows.
    from ansible_collections.m365.licensing.plugins.module_utils.licensing import _plan

    def refuse(*_args):
        raise AssertionError('a diff view was built without diff mode')

    monkeypatch.setattr(_plan, '_diff_view', refuse)
    run = plan_run([(spec(PHONE), graph_user(direct={E3: []})), (spec(E3, user='bo@contoso.com'),
                                                                 graph_user('bo@contoso.com', direct={E3: []}))],
                   SKUS, diff=False)
    assert [plan.status for plan in run.users] == ['changed', 'unchanged']
    assert all(plan.before is None and plan.after is None for plan in run.users)


def test_a_settled_no_op_plan_holds_no_list_of_its_own_and_reports_the_same_entry():
    from ansible_collections.m365.licensing.plugins.module_utils.licensing import _plan

    plan = plan_user(spec(E3), graph_user(direct={E3: []}), SKUS, diff=False)
    assert not hasattr(plan, '__dict__')
    lists = ('add', 'remove', 'seats_needed', 'added', 'removed', 'plans_changed', 'inherited', 'warnings')
    assert all(getattr(plan, name) is _plan.SETTLED_EMPTY for name in lists)
    assert plan.report() == {'user': 'ana@contoso.com', 'id': 'id-ana@contoso.com', 'status': 'unchanged', 'added': [],
                             'removed': [], 'plans_changed': [], 'inherited': [], 'usage_location_set': None,
                             'warnings': [], 'error': None}
    with pytest.raises(TypeError):
        plan.warnings.append('late')
    compact = plan.report(compact=True)
    assert json.dumps(compact, sort_keys=True) == json.dumps(plan.report(), sort_keys=True)


def test_diff_views_are_the_same_whether_read_before_or_after_a_failure():
    plan = plan_user(spec(PHONE, DOMESTIC), graph_user(direct={E3: []}), SKUS)
    assert plan.after['licenses'] == ['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1']
    plan.fail('user ana@contoso.com: refused')
    assert plan.after == plan.before == {'licenses': ['ENTERPRISEPACK'], 'inherited_licenses': [], 'usage_location': 'US'}
