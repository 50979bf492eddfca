# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license's guard: a licence change that would release a user's phone number is refused.

graph-facts 12.3: removing a number's prerequisite licence unassigns the number (a Direct
Routing number is even deleted from the tenant's inventory). A Calling Plan number needs a
Calling Plan; Direct Routing and Operator Connect numbers need Teams Phone.

``numbers_released`` is pure. ``guard_number_releases`` reads the numbers of only those users
whose change loses Teams Phone or a Calling Plan, and refuses them per user; without
TeamsTelephoneNumber.Read.All it warns once and lets the change through.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.phone._number_facts import (
    TEAMS_LICENSING, enabled_plan_names, plan_names_by_sku)
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import NUMBER_TYPE_NAMES
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_reads import PermissionMissing, read_user_numbers

VOICE_PLANS = TEAMS_LICENSING.phone_system | TEAMS_LICENSING.calling_plan


def numbers_released(numbers, plans_after, licensing=TEAMS_LICENSING):
    """The numbers whose prerequisite plan is missing from ``plans_after`` (names), sorted."""
    released = []
    for number in numbers:
        if not (set(plans_after) & licensing.needed_plans(number.get('numberType'))):
            released.append(number)
    return sorted(released, key=lambda number: number.get('telephoneNumber') or '')


def loses_voice_plans(plans_before, plans_after):
    return bool((set(plans_before) - set(plans_after)) & VOICE_PLANS)


def release_message(user, released):
    described = ', '.join('%s (%s)' % (number.get('telephoneNumber'), NUMBER_TYPE_NAMES.get(number.get('numberType'), number.get('numberType')))
                          for number in released)
    return ('user %s: this licence change would release phone number(s) %s: Teams unassigns a number whose Calling Plan or '
            'Teams Phone is removed, and deletes a Direct Routing number from the tenant. Move or unassign the number first '
            '(m365.licensing.teams_phone_number), or set release_numbers: true to accept' % (user, described))


def guard_number_releases(client, plans, current_of, subscribed_skus, predict_after, warn):
    """Fail (plan.fail) every plan whose change would release a number. Returns the users refused.

    ``plans``: teams_license UserPlans (``user``, ``id``, ``error``, ``fail``); ``current_of(user)``
    the Graph user read; ``predict_after(current, plan)`` the user as the plan leaves it.
    """
    plans_by_sku = plan_names_by_sku(subscribed_skus)
    at_risk = []
    for plan in plans:
        current = current_of(plan.user)
        if plan.error is not None or current is None or not plan.id:
            continue
        after = enabled_plan_names(predict_after(current, plan), plans_by_sku)
        if loses_voice_plans(enabled_plan_names(current, plans_by_sku), after):
            at_risk.append((plan, after))
    if not at_risk:
        return []
    try:
        numbers = read_user_numbers(client, [plan.id for plan, _after in at_risk])
    except PermissionMissing as error:
        warn('%s; licence changes that remove Teams Phone or a Calling Plan were not checked for phone numbers they '
             'would release' % error.message)
        return []
    refused = []
    for plan, after in at_risk:
        released = numbers_released(numbers.get(plan.id, []), after)
        if released:
            plan.fail(release_message(plan.user, released))
            refused.append(plan.user)
    return refused
