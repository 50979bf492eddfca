# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planner of teams_phone_number: (requests, what Graph shows) -> per-assignment plans.

No I/O and no Ansible imports. Every refusal the Teams rules give (graph-facts 12.3) is
predicted here, so check mode and the run report the same per-user result.

Inputs
------
``NumberRequest(user, number, number_type, category, location_id, state)``
    ``number`` is E.164, ``'auto'`` (present only) or ``'all'`` (absent only); ``number_type``
    is the Graph value (``callingPlan``, ``directRouting``, ``operatorConnect``) or None (absent).
``UserFacts(user, plans, resource_account, teams_features, numbers)``
    ``user`` the Graph user dict (``id``, ``userPrincipalName``, ``usageLocation``); ``plans``
    the enabled service-plan names of its licences; ``teams_features`` the
    ``userConfigurations.featureTypes`` or None when not read; ``numbers`` the
    numberAssignments the user holds.
``inventory``: ``{telephoneNumber: numberAssignment or None}`` for every explicit number.
``pools``: ``{(numberType, isoCountryCode, capability): [free numberAssignments]}`` for ``auto``.

Output
------
``NumberPlan`` per request, in input order: ``operations`` (``[{'operation': 'unassign' |
'assign' | 'update', 'body': {...}}]`` in the order to send), ``status``, ``error``,
``number`` (chosen for ``auto``), ``before`` / ``after`` (the user's numbers).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

NUMBER_TYPES = {'calling_plan': 'callingPlan', 'direct_routing': 'directRouting', 'operator_connect': 'operatorConnect'}
NUMBER_TYPE_NAMES = dict((graph, name) for name, graph in NUMBER_TYPES.items())
# US and Canada Calling Plan numbers need an emergency location when assigned (graph-facts 12.3).
EMERGENCY_LOCATION_COUNTRIES = ('US', 'CA')
USER_CAPABILITY = 'userAssignment'
RESOURCE_ACCOUNT_CAPABILITY = 'voiceApplicationAssignment'
# featureTypes Teams shows once it has processed the licence a number type needs (graph-facts 12.2, INFERRED).
TEAMS_FEATURE = {'callingPlan': 'CallingPlan', 'directRouting': 'PhoneSystem', 'operatorConnect': 'PhoneSystem'}
RESOURCE_ACCOUNT_FEATURE = 'PhoneSystemVirtualUser'

NumberRequest = collections.namedtuple('NumberRequest', 'user number number_type category location_id state')
UserFacts = collections.namedtuple('UserFacts', 'user plans resource_account teams_features numbers')


class Licensing(collections.namedtuple('Licensing', 'phone_system calling_plan')):
    """Service-plan names that are Teams Phone and Calling Plans (from the licence catalogue)."""

    __slots__ = ()

    def needed_plans(self, number_type):
        """The plans a number type needs (graph-facts 12.3)."""
        return self.calling_plan if number_type == 'callingPlan' else self.phone_system

    @staticmethod
    def label(number_type):
        return 'a Calling Plan' if number_type == 'callingPlan' else 'Teams Phone'


class NumberPlan:
    """What to do for one request; the module's per-user result."""

    def __init__(self, request, user_id=None):
        self.request = request
        self.user = request.user
        self.id = user_id
        self.number = request.number
        self.number_type = request.number_type
        self.category = request.category
        self.operations = []
        self.error = None
        self.warnings = []
        self.released_from = None
        self.before = []
        self.after = []
        self.attempted = True   # False: the task stopped before this request (status not_attempted)

    @property
    def changed(self):
        return bool(self.operations) and self.error is None

    @property
    def status(self):
        if not self.attempted:
            return 'not_attempted'
        if self.error is not None:
            return 'failed'
        return 'changed' if self.operations else 'unchanged'

    def fail(self, error):
        self.error = error
        self.operations = []
        self.after = list(self.before)

    def not_attempted(self, reason):
        """The task stopped before this request (brief contract: status not_attempted, error says why)."""
        self.fail(reason)
        self.attempted = False

    def report(self):
        return {'user': self.user, 'id': self.id, 'number': self.number,
                'number_type': NUMBER_TYPE_NAMES.get(self.number_type, self.number_type),
                'category': self.category, 'state': self.request.state, 'status': self.status,
                'operations': [item['operation'] for item in self.operations],
                'released_from': self.released_from, 'warnings': list(self.warnings), 'error': self.error}


def held_numbers(facts):
    return sorted(item.get('telephoneNumber') for item in facts.numbers) if facts else []


def plan_numbers(requests, users, inventory, pools, licensing, move_numbers=False):
    """One NumberPlan per request. ``users``: {reference lower case: UserFacts or None}."""
    claimed = {}            # telephoneNumber -> user id that this run gives it to
    # auto never picks a number that another entry of the task names.
    named = set(request.number for request in requests if request.state == 'present' and request.number not in ('auto', 'all'))
    pool_state = dict((key, list(values)) for key, values in pools.items())
    plans = []
    for request in requests:
        facts = users.get(request.user.lower())
        plan = NumberPlan(request, facts.user.get('id') if facts else None)
        plan.before = held_numbers(facts)
        plan.after = list(plan.before)
        if facts is None:
            plan.fail('user %s does not exist' % request.user)
        elif request.state == 'absent':
            _plan_absent(plan, facts)
        else:
            _plan_present(plan, facts, inventory, pool_state, claimed, named, licensing, move_numbers)
        plans.append(plan)
    _follow_numbers_across_plans(plans)
    return plans


def _plan_absent(plan, facts):
    request = plan.request
    for item in sorted(facts.numbers, key=lambda number: number.get('telephoneNumber')):
        if request.number not in ('all', item.get('telephoneNumber')):
            continue
        if request.number_type and item.get('numberType') != request.number_type:
            continue
        plan.operations.append({'operation': 'unassign', 'body': {'telephoneNumber': item['telephoneNumber'],
                                                                  'numberType': item['numberType']}})
        plan.after.remove(item['telephoneNumber'])
    if request.number != 'all':
        plan.number = request.number


def _plan_present(plan, facts, inventory, pools, claimed, named, licensing, move_numbers):
    request = plan.request
    user_id = facts.user.get('id')
    if request.number == 'auto':
        held = _held_match(facts, request)
        number = held or _pick_free(facts, request, pools, set(claimed) | named)
        if number is None:
            plan.fail('user %s: no free %s number with the %s capability in %s (the usage location); buy or port numbers, '
                      'or name one' % (request.user, NUMBER_TYPE_NAMES[request.number_type], account_capability(facts),
                                       facts.user.get('usageLocation') or 'no country'))
            return
    else:
        number = inventory.get(request.number)
        if number is None:
            plan.fail('user %s: number %s is not in the tenant (graph-facts 12.2: "is not found from tenant")'
                      % (request.user, request.number))
            return
    plan.number = number['telephoneNumber']
    owner = claimed.get(plan.number)
    if owner not in (None, user_id):
        plan.fail('user %s: number %s is given to another user of this task' % (request.user, plan.number))
        return
    error = refusal(facts, number, request, licensing, move_numbers)
    if error:
        plan.fail('user %s: %s' % (request.user, error))
        return
    claimed[plan.number] = user_id
    _operations_for(plan, facts, number, request)


def _operations_for(plan, facts, number, request):
    user_id = facts.user.get('id')
    category = request.category or 'primary'
    holder = number.get('assignmentTargetId')
    if holder == user_id and (number.get('assignmentCategory') or 'primary') == category:
        if request.location_id and request.location_id != number.get('locationId'):
            plan.operations.append({'operation': 'update', 'body': {'telephoneNumber': plan.number, 'locationId': request.location_id}})
        return
    if holder:
        # Moving a number to another user or category is unassign, then assign (graph-facts 12.2).
        plan.operations.append({'operation': 'unassign', 'body': {'telephoneNumber': plan.number, 'numberType': number['numberType']}})
        if holder != user_id:
            plan.released_from = holder
    body = {'telephoneNumber': plan.number, 'assignmentTargetId': user_id, 'numberType': number['numberType'],
            'assignmentCategory': category}
    if request.location_id:
        body['locationId'] = request.location_id
    plan.operations.append({'operation': 'assign', 'body': body})
    if plan.number not in plan.after:
        plan.after = sorted(plan.after + [plan.number])


def _held_match(facts, request):
    """For auto: a number of the right type and category the user already holds (idempotence)."""
    category = request.category or 'primary'
    for item in sorted(facts.numbers, key=lambda number: number.get('telephoneNumber')):
        if item.get('numberType') == request.number_type and (item.get('assignmentCategory') or 'primary') == category:
            return item
    return None


def account_capability(facts):
    """The capability a number needs for this account (graph-facts 12.2 capabilities)."""
    return RESOURCE_ACCOUNT_CAPABILITY if facts.resource_account else USER_CAPABILITY


def pool_key(number_type, country, capability):
    return (number_type, country, capability)


def _pick_free(facts, request, pools, taken):
    """The lowest free number of the type, in the user's country, with the capability; never one already taken."""
    pool = pools.get(pool_key(request.number_type, facts.user.get('usageLocation'), account_capability(facts))) or []
    for item in sorted(pool, key=lambda number: number.get('telephoneNumber')):
        if item.get('telephoneNumber') not in taken and not item.get('assignmentTargetId'):
            return item
    return None


def refusal(facts, number, request, licensing, move_numbers=False):
    """Why Teams would refuse to give ``number`` to the user (graph-facts 12.3), or None."""
    user_id = facts.user.get('id')
    number_type = number.get('numberType')
    telephone_number = number.get('telephoneNumber')
    if request.number_type and number_type != request.number_type:
        return 'number %s is a %s number, not %s' % (telephone_number, NUMBER_TYPE_NAMES.get(number_type, number_type),
                                                     NUMBER_TYPE_NAMES[request.number_type])
    holder = number.get('assignmentTargetId')
    if holder == user_id and (number.get('assignmentCategory') or 'primary') == (request.category or 'primary'):
        return None     # already in place: Teams accepts the same assignment again
    if holder and holder != user_id and not move_numbers:
        return ('number %s is assigned to another account (%s); set move_numbers: true to move it (unassign, then assign)'
                % (telephone_number, holder))
    capability = account_capability(facts)
    if capability not in (number.get('capabilities') or ()):
        has = ', '.join(number.get('capabilities') or ()) or 'none'
        return 'number %s lacks the %s capability (it has: %s)' % (telephone_number, capability, has)
    usage_location = facts.user.get('usageLocation')
    if usage_location != number.get('isoCountryCode'):
        return ('number %s is in %s but the usage location is %s: they must match'
                % (telephone_number, number.get('isoCountryCode'), usage_location or 'not set'))
    if not (facts.plans & licensing.needed_plans(number_type)):
        return '%s number %s needs %s licence, which the user does not hold' % (
            NUMBER_TYPE_NAMES.get(number_type), telephone_number, licensing.label(number_type))
    if facts.teams_features is not None and not _teams_ready(facts, number_type):
        return ('Teams has not processed the licence yet (featureTypes: %s); wait (wait_for_teams) and run again'
                % (', '.join(facts.teams_features) or 'none'))
    if (number_type == 'callingPlan' and number.get('isoCountryCode') in EMERGENCY_LOCATION_COUNTRIES
            and not (request.location_id or number.get('locationId'))):
        return ('Calling Plan number %s in %s needs an emergency location: set location_id'
                % (telephone_number, number.get('isoCountryCode')))
    return None


def _teams_ready(facts, number_type):
    return features_cover(facts.teams_features, number_type)


def features_cover(features, number_type):
    """True when Teams' featureTypes show the licence a number type needs (graph-facts 12.2, INFERRED)."""
    features = set(features or ())
    if number_type != 'callingPlan' and RESOURCE_ACCOUNT_FEATURE in features:
        return True
    return TEAMS_FEATURE[number_type] in features


def _follow_numbers_across_plans(plans):
    """A number one plan unassigns leaves every other plan's view of its holder too (diff only)."""
    moved = dict((plan.number, plan.released_from) for plan in plans if plan.released_from and plan.error is None)
    for plan in plans:
        if plan.id in moved.values():
            plan.after = [number for number in plan.after if moved.get(number) != plan.id]
