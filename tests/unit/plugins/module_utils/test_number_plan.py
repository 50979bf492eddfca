# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure number planner, the input parser, the licence guard and the Teams readiness wait."""

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.phone._licence_guard import (
    guard_number_releases, loses_voice_plans, numbers_released)
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_facts import TEAMS_LICENSING, enabled_plan_names
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_input import NumberInputError, parse_assignments
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import (
    NumberRequest, UserFacts, plan_numbers, pool_key)
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_reads import PermissionMissing
from ansible_collections.m365.licensing.plugins.module_utils.phone._teams_readiness import not_ready, wait_for_teams

LOCATION = 'loc-1'
CALLING = frozenset(('MCOEV', 'MCOPSTN1', 'TEAMS1'))
PHONE_ONLY = frozenset(('MCOEV', 'TEAMS1'))
READY = ('Teams', 'PhoneSystem', 'CallingPlan')


def user(name, plans=CALLING, country='US', features=READY, numbers=(), resource=False):
    graph_user = {'id': 'id-' + name, 'userPrincipalName': name + '@contoso.com', 'usageLocation': country}
    return UserFacts(graph_user, set(plans), resource, None if features is None else list(features), list(numbers))


def number(telephone, number_type='callingPlan', country='US', holder=None, capabilities=('userAssignment',), location=None,
           category='primary'):
    return {'telephoneNumber': telephone, 'numberType': number_type, 'isoCountryCode': country, 'assignmentTargetId': holder,
            'assignmentCategory': category if holder else None, 'capabilities': list(capabilities), 'locationId': location}


def request(name, telephone, number_type='callingPlan', state='present', location=LOCATION, category=None):
    return NumberRequest(name + '@contoso.com', telephone, number_type, category, location, state)


def plan_one(req, facts, inventory=None, pools=None, move=False):
    users = {req.user.lower(): facts}
    return plan_numbers([req], users, inventory or {}, pools or {}, TEAMS_LICENSING, move)[0]


def test_a_free_number_is_assigned_in_one_operation():
    plan = plan_one(request('adele', '+14255550102'), user('adele'), {'+14255550102': number('+14255550102')})
    assert plan.status == 'changed'
    assert plan.operations == [{'operation': 'assign', 'body': {
        'telephoneNumber': '+14255550102', 'assignmentTargetId': 'id-adele', 'numberType': 'callingPlan',
        'assignmentCategory': 'primary', 'locationId': LOCATION}}]
    assert (plan.before, plan.after) == ([], ['+14255550102'])


def test_a_number_already_held_is_unchanged():
    held = number('+14255550102', holder='id-adele', location=LOCATION)
    plan = plan_one(request('adele', '+14255550102'), user('adele', numbers=[held]), {'+14255550102': held})
    assert (plan.status, plan.operations) == ('unchanged', [])


def test_a_new_location_for_a_held_number_is_an_update():
    held = number('+14255550102', holder='id-adele', location='old')
    plan = plan_one(request('adele', '+14255550102'), user('adele', numbers=[held]), {'+14255550102': held})
    assert [item['operation'] for item in plan.operations] == ['update']


@pytest.mark.parametrize('facts, inventory_number, req, expected', [
    (user('adele'), None, request('adele', '+14255550199'), 'is not in the tenant'),
    (user('adele'), number('+14255550102', holder='id-brian'), request('adele', '+14255550102'), 'move_numbers: true'),
    (user('adele', country='GB'), number('+14255550102'), request('adele', '+14255550102'), 'is in US but the usage location is GB'),
    (user('adele', plans=PHONE_ONLY), number('+14255550102'), request('adele', '+14255550102'), 'needs a Calling Plan licence'),
    (user('adele', plans={'TEAMS1', 'MCOPSTN1'}), number('+14255557001', 'directRouting'),
     request('adele', '+14255557001', 'directRouting'), 'needs Teams Phone licence'),
    (user('adele', features=['Teams']), number('+14255550102'), request('adele', '+14255550102'), 'Teams has not processed'),
    (user('adele'), number('+14255550102'), request('adele', '+14255550102', location=None), 'needs an emergency location'),
    (user('adele'), number('+14255550102', country='CA'), request('adele', '+14255550102', location=None), None),
    (user('adele'), number('+14255550190', capabilities=('conferenceAssignment',)), request('adele', '+14255550190'),
     'lacks the userAssignment capability'),
    (user('aa', resource=True), number('+14255550102'), request('aa', '+14255550102'), 'lacks the voiceApplicationAssignment'),
    (user('adele'), number('+14255557001', 'directRouting'), request('adele', '+14255557001'), 'is a direct_routing number'),
])
def test_each_documented_refusal_is_predicted(facts, inventory_number, req, expected):
    """graph-facts 12.3 rules, one each; nothing is written for a refused user."""
    if expected is None:   # Canada: usage location US differs, so the country rule fires first
        facts = facts._replace(user=dict(facts.user, usageLocation='CA'))
        expected = 'needs an emergency location'
    plan = plan_one(req, facts, {req.number: inventory_number})
    assert plan.status == 'failed'
    assert expected in plan.error and req.user in plan.error
    assert plan.operations == []


def test_direct_routing_needs_teams_phone_but_no_calling_plan():
    plan = plan_one(request('megan', '+14255557001', 'directRouting', location=None), user('megan', plans=PHONE_ONLY,
                    features=['Teams', 'PhoneSystem']), {'+14255557001': number('+14255557001', 'directRouting')})
    assert plan.status == 'changed'


def test_features_unknown_skip_the_readiness_check():
    plan = plan_one(request('adele', '+14255550102'), user('adele', features=None), {'+14255550102': number('+14255550102')})
    assert plan.status == 'changed'


def test_move_is_unassign_then_assign():
    taken = number('+14255550102', holder='id-brian')
    plan = plan_one(request('adele', '+14255550102'), user('adele'), {'+14255550102': taken}, move=True)
    assert [item['operation'] for item in plan.operations] == ['unassign', 'assign']
    assert plan.operations[0]['body'] == {'telephoneNumber': '+14255550102', 'numberType': 'callingPlan'}
    assert plan.released_from == 'id-brian'


def test_auto_picks_the_lowest_free_number_and_never_twice():
    pool = [number('+14255550105'), number('+14255550103'), number('+14255550104')]
    requests = [request('adele', 'auto'), request('alex', 'auto'), request('diego', '+14255550104')]
    users = dict((req.user.lower(), user(req.user.split('@')[0])) for req in requests)
    inventory = {'+14255550104': number('+14255550104')}
    plans = plan_numbers(requests, users, inventory, {pool_key('callingPlan', 'US', 'userAssignment'): pool}, TEAMS_LICENSING)
    # +104 is named by a later entry: auto skips it, so every entry succeeds.
    assert [plan.number for plan in plans] == ['+14255550103', '+14255550105', '+14255550104']
    assert [plan.status for plan in plans] == ['changed'] * 3


def test_auto_is_deterministic_and_keeps_a_held_number():
    held = number('+14255550109', holder='id-adele', location=LOCATION)
    pool = [number('+14255550103')]
    plan = plan_one(request('adele', 'auto'), user('adele', numbers=[held]), pools={pool_key('callingPlan', 'US', 'userAssignment'): pool})
    assert (plan.number, plan.status) == ('+14255550109', 'unchanged')


def test_auto_with_an_empty_pool_fails_that_user():
    plan = plan_one(request('adele', 'auto'), user('adele'), pools={})
    assert plan.status == 'failed' and 'no free calling_plan number' in plan.error


def test_absent_unassigns_only_what_the_user_holds():
    held = [number('+14255550102', holder='id-adele'), number('+14255557001', 'directRouting', holder='id-adele')]
    one = plan_one(request('adele', '+14255550102', state='absent', number_type=None), user('adele', numbers=held))
    assert [item['body']['telephoneNumber'] for item in one.operations] == ['+14255550102']
    every = plan_one(request('adele', 'all', state='absent', number_type=None), user('adele', numbers=held))
    assert len(every.operations) == 2 and every.after == []
    nothing = plan_one(request('adele', '+14255550199', state='absent', number_type=None), user('adele', numbers=held))
    assert nothing.status == 'unchanged'


def test_missing_user_fails_that_request_only():
    plans = plan_numbers([request('ghost', '+14255550102'), request('adele', '+14255550103')],
                         {'adele@contoso.com': user('adele'), 'ghost@contoso.com': None},
                         {'+14255550102': number('+14255550102'), '+14255550103': number('+14255550103')}, {}, TEAMS_LICENSING)
    assert [plan.status for plan in plans] == ['failed', 'changed']
    assert 'does not exist' in plans[0].error


# --- input ------------------------------------------------------------------------------------------

def test_input_normalises_numbers_and_maps_types():
    requests = parse_assignments([{'user': 'a@x', 'number': '+1 (425) 555-0102', 'number_type': 'calling_plan'}], 'present')
    assert requests[0].number == '+14255550102' and requests[0].number_type == 'callingPlan'


@pytest.mark.parametrize('items, message', [
    ([], 'assignments is empty'),
    ([{'user': 'a@x', 'number': '4255550102', 'number_type': 'calling_plan'}], 'is not E.164'),
    ([{'user': 'a@x', 'number': '+14255550102'}], 'number_type is required'),
    ([{'user': 'a@x', 'number': None, 'number_type': 'calling_plan'}], 'number is required'),
    ([{'user': 'a@x', 'number': 'all', 'number_type': 'calling_plan'}], 'only for state absent'),
    ([{'user': 'a@x', 'number': 'auto', 'state': 'absent'}], 'only for state present'),
    ([{'user': 'a@x', 'number': '+14255550102', 'number_type': 'calling_plan'},
      {'user': 'b@x', 'number': '+14255550102', 'number_type': 'calling_plan'}], 'appears twice'),
])
def test_bad_input_names_the_entry(items, message):
    with pytest.raises(NumberInputError) as error:
        parse_assignments(items, 'present')
    assert message in str(error.value)


# --- licence guard ------------------------------------------------------------------------------------

def test_numbers_released_by_a_licence_change():
    calling = number('+14255550100', holder='u')
    direct = number('+14255557000', 'directRouting', holder='u')
    assert numbers_released([calling, direct], {'MCOEV', 'TEAMS1'}) == [calling]
    assert numbers_released([calling, direct], {'TEAMS1'}) == [calling, direct]
    assert numbers_released([calling, direct], CALLING) == []
    assert loses_voice_plans(CALLING, PHONE_ONLY) and not loses_voice_plans(CALLING, CALLING | {'MCOMEETADV'})


class GuardPlan(object):
    def __init__(self, user, user_id):
        self.user, self.id, self.error = user, user_id, None

    def fail(self, error):
        self.error = error


SKUS = [{'skuId': 'sku-e3', 'servicePlans': [{'servicePlanId': 'p-teams', 'servicePlanName': 'TEAMS1'}]},
        {'skuId': 'sku-ev', 'servicePlans': [{'servicePlanId': 'p-ev', 'servicePlanName': 'MCOEV'}]},
        {'skuId': 'sku-cp', 'servicePlans': [{'servicePlanId': 'p-cp', 'servicePlanName': 'MCOPSTN1'}]}]


def graph_user(user_id, skus):
    return {'id': user_id, 'assignedLicenses': [{'skuId': sku, 'disabledPlans': []} for sku in skus]}


def test_enabled_plan_names_skip_disabled_plans():
    current = {'assignedLicenses': [{'skuId': 'sku-e3', 'disabledPlans': ['p-teams']}, {'skuId': 'sku-ev', 'disabledPlans': []}]}
    assert enabled_plan_names(current, {'sku-e3': {'p-teams': 'TEAMS1'}, 'sku-ev': {'p-ev': 'MCOEV'}}) == {'MCOEV'}


def test_guard_refuses_only_users_whose_change_releases_a_number(monkeypatch):
    currents = {'brian': graph_user('id-b', ['sku-e3', 'sku-ev', 'sku-cp']), 'nora': graph_user('id-n', ['sku-e3', 'sku-ev', 'sku-cp']),
                'marco': graph_user('id-m', ['sku-e3'])}
    afters = {'brian': graph_user('id-b', ['sku-e3', 'sku-ev']), 'nora': graph_user('id-n', ['sku-e3', 'sku-ev']),
              'marco': graph_user('id-m', ['sku-e3'])}
    read = []

    def fake_read(client, user_ids):
        read.append(sorted(user_ids))
        return {'id-b': [number('+14255550100', holder='id-b')], 'id-n': []}

    monkeypatch.setattr('ansible_collections.m365.licensing.plugins.module_utils.phone._licence_guard.read_user_numbers', fake_read)
    plans = [GuardPlan(name, currents[name]['id']) for name in ('brian', 'nora', 'marco')]
    refused = guard_number_releases(None, plans, currents.get, SKUS, lambda current, plan: afters[plan.user], None)
    assert refused == ['brian'] and read == [['id-b', 'id-n']]
    assert '+14255550100 (calling_plan)' in plans[0].error and 'release_numbers: true' in plans[0].error
    assert plans[1].error is None and plans[2].error is None


def test_guard_without_the_read_permission_warns_once_and_lets_changes_through(monkeypatch):
    def forbidden(client, user_ids):
        raise PermissionMissing('cannot read numbers: the app lacks TeamsTelephoneNumber.Read.All', status=403)

    monkeypatch.setattr('ansible_collections.m365.licensing.plugins.module_utils.phone._licence_guard.read_user_numbers', forbidden)
    warnings = []
    plans = [GuardPlan('brian', 'id-b'), GuardPlan('nora', 'id-n')]
    currents = {'brian': graph_user('id-b', ['sku-e3', 'sku-ev', 'sku-cp']), 'nora': graph_user('id-n', ['sku-e3', 'sku-ev', 'sku-cp'])}
    guard_number_releases(None, plans, currents.get, SKUS, lambda current, plan: graph_user(current['id'], ['sku-e3']), warnings.append)
    assert len(warnings) == 1 and 'TeamsTelephoneNumber.Read.All' in warnings[0]
    assert all(plan.error is None for plan in plans)


# --- Teams readiness ------------------------------------------------------------------------------------

def test_wait_for_teams_polls_until_ready_and_is_bounded():
    now = [0.0]
    answers = [{'u': {'featureTypes': ['Teams']}}, {'u': {'featureTypes': ['Teams', 'PhoneSystem']}},
               {'u': {'featureTypes': ['Teams', 'PhoneSystem', 'CallingPlan']}}]
    configurations, _seconds, polls = wait_for_teams(lambda ids: dict(answers.pop(0)), {'u': {'callingPlan'}}, 60,
                                                     sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert polls == 3 and not_ready(configurations, {'u': {'callingPlan'}}) == []
    now[0] = 0.0
    configurations, seconds, _polls = wait_for_teams(lambda ids: {'u': {'featureTypes': ['Teams']}}, {'u': {'callingPlan'}}, 10,
                                                     sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert seconds == 10 and not_ready(configurations, {'u': {'callingPlan'}}) == ['u']
