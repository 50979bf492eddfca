# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planner of teams_group_license: (group, its members, desired licences, seats) -> GroupPlan.

No I/O and no Ansible imports. It reuses the pieces of ``_plan.py`` (desired licences by SKU,
the Teams scope, the task-level licence-set checks and the Teams rules) on the group's own
licence set, so a group and a user are judged by the same rules.

- ``group_refusal(group)``: why group-based licensing cannot use this group, or None. It needs a
  security group or a Microsoft 365 group with ``securityEnabled`` (graph-facts 11.1).
- ``plan_group(group, members, desired, state, exact_scope, skus, seat_check, capabilities)``:
  one GroupPlan. ``group`` is the Graph group (``id``, ``displayName``, ``assignedLicenses``);
  ``members`` are Graph users with ``assignedLicenses`` (direct members only: graph-facts 11.1,
  nested groups are not honoured); ``desired`` a tuple of DesiredLicense; ``skus`` is
  ``{skuId: TenantSku}``; ``joining`` the Graph users the task is about to add as members.

Rules: teams_license's task-level checks and Teams rules apply to the group's own licence set, and
so do issue 10's service-plan rules (``_plan_rules.py``): a mutual exclusion inside the group's set
fails every member, so it stops the task; the prerequisites of a Calling Plan must be in the same
group (graph-facts 1.5). For each member, the same rules on what the member would hold (their
other licences plus the group's) predict which members Graph will put in ``DependencyViolation`` or
``MutuallyExclusiveViolation`` (graph-facts 3.2): those are reported in ``predicted_errors``, with the
members Graph will leave in ``CountViolation``, and do not stop the task (a group's members cannot
be excluded one by one; fix the member, then reprocess).

Seats: a member newly consumes a seat of a SKU the group adds when they do not hold that SKU
yet, directly or through another group (one seat per user however many paths, graph-facts
Addenda). Plan changes in place and removals need none; seats freed by removals are not
counted, since Graph processes members asynchronously.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import (
    TEAMS_SCOPE, DesiredLicense, UserSpec, _capability_sets, _category, _desired_by_sku, _effective, _holdings,
    _licence_label, _part_number, _plural, _rule_findings, check_task_rules)
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan_rules import describe, enabled_plans, new_violations

SEAT_CHECKS = ('strict', 'partial')


class GroupPlan(object):
    """What the group needs: one assignLicense body, the report lists, seats, errors."""

    def __init__(self, group):
        self.group_id = group.get('id')
        self.display_name = group.get('displayName')
        self.add = []               # [{'skuId', 'disabledPlans'}]: new SKUs and in-place plan changes
        self.remove = []            # [skuId]
        self.added = []
        self.removed = []
        self.plans_changed = []
        self.seats = {}             # part number -> {'available_before', 'needed', 'available_after'}
        self.shortages = []         # one message per SKU short of seats
        self.predicted_errors = []  # [{'user_principal_name', 'id', 'error', 'detail'}]: member errors Graph will record
        self.errors = []            # what stops the task before any write
        self.warnings = []
        self.before = None
        self.after = None

    @property
    def changed(self):
        return bool(self.add or self.remove)

    def assign_body(self):
        """The group's assignLicense body (both members always present, graph-facts 1.1 and 1.5), or None."""
        if not self.changed:
            return None
        return {'addLicenses': [dict(entry, disabledPlans=list(entry['disabledPlans'])) for entry in self.add],
                'removeLicenses': list(self.remove)}


def group_refusal(group):
    """Why this group cannot carry licences, or None (graph-facts 11.1)."""
    if group.get('securityEnabled') is False:
        kind = 'a Microsoft 365 group' if 'Unified' in (group.get('groupTypes') or []) else 'a distribution list'
        return ("group %s (%s) is %s without securityEnabled: group-based licensing needs a security group or a "
                "Microsoft 365 group with securityEnabled true; use or create such a group"
                % (group.get('displayName'), group.get('id'), kind))
    return None


def group_licences(group):
    """{skuId: frozenset of disabled plan ids} the group assigns now."""
    return dict((item['skuId'].lower(), frozenset(plan.lower() for plan in item.get('disabledPlans') or ()))
                for item in group.get('assignedLicenses') or [])


def _licence_set_view(licences, skus):
    return {'licenses': sorted(_licence_label(sku_id, disabled, skus) for sku_id, disabled in licences.items())}


def _in_scope(sku_id, exact_scope, skus):
    return exact_scope == 'all' or _category(sku_id, skus) in TEAMS_SCOPE


def _plan_licences(plan, current, desired, state, exact_scope, skus):
    """Fill add/remove and the report lists; return the group's licence set after the write."""
    after = dict(current)
    if state == 'absent':
        for sku_id in desired:
            if sku_id in current:
                plan.remove.append(sku_id)
                after.pop(sku_id)
        plan.removed = sorted(_part_number(sku_id, skus) for sku_id in plan.remove)
        return after
    for sku_id, disabled in desired.items():
        if sku_id not in current:
            plan.add.append({'skuId': sku_id, 'disabledPlans': sorted(disabled or ())})
            plan.added.append(_part_number(sku_id, skus))
            after[sku_id] = disabled or frozenset()
        elif disabled is not None and disabled != current[sku_id]:
            # An add entry for a SKU the group already assigns replaces its disabledPlans (graph-facts 1.1).
            plan.add.append({'skuId': sku_id, 'disabledPlans': sorted(disabled)})
            plan.plans_changed.append(_part_number(sku_id, skus))
            after[sku_id] = disabled
    if state == 'exact':
        for sku_id in current:
            if sku_id not in desired and _in_scope(sku_id, exact_scope, skus):
                plan.remove.append(sku_id)
                after.pop(sku_id)
        plan.removed = sorted(_part_number(sku_id, skus) for sku_id in plan.remove)
    plan.added.sort()
    plan.plans_changed.sort()
    return after


def _sku_plans(skus):
    return dict((sku_id, sku.plans) for sku_id, sku in skus.items())


def _rule_errors(plan, desired, state, exact_scope, current, after, skus, caps, capabilities):
    """teams_license's licence-set checks on what the task asks; its Teams rules and issue 10's exclusions
    on the group's own set (see the module docstring)."""
    name = 'group %s' % plan.display_name
    if desired and state != 'absent':
        spec = UserSpec(user=name, state=state, licenses=tuple(_desired_as_list(desired)), exact_scope=exact_scope)
        plan.errors.extend(error.replace('(users: %s)' % name, '(%s)' % name) for error in check_task_rules([spec], skus, capabilities))
    exclusions = [violation for violation in new_violations(enabled_plans(current, _sku_plans(skus)), enabled_plans(after, _sku_plans(skus)))
                  if violation.kind == 'exclusion']
    plan.errors.extend('%s: %s' % (name, describe(violation)) for violation in exclusions)
    held = [(sku_id, disabled, None) for sku_id, disabled in after.items()]
    for (rule, _skus), (message, _always_warning) in _rule_findings(held, None, skus, caps).items():
        if rule == 'two_calling_plans' and exclusions:
            continue    # the same conflict, already named by the exclusion rule
        plan.errors.append('%s %s' % (name, message.replace('a user can', 'a member can')))


def _member_rule_errors(plan, group_id, members, after, skus):
    """Members whose other licences plus the group's break a service-plan rule (graph-facts 3.2 member errors)."""
    sku_plans = _sku_plans(skus)
    for member in members:
        direct, inherited = _holdings(member)
        elsewhere = dict((path, paths) for path, paths in
                         ((sku_id, [p for p in paths if p[0] != group_id]) for sku_id, paths in inherited.items()) if paths)
        before = dict((sku_id, disabled) for sku_id, disabled, _via in _effective(direct, inherited))
        held_after = dict((sku_id, disabled) for sku_id, disabled, _via in _effective(direct, elsewhere))
        for sku_id, disabled in after.items():
            held_after.setdefault(sku_id, disabled)
        for violation in new_violations(enabled_plans(before, sku_plans), enabled_plans(held_after, sku_plans)):
            plan.predicted_errors.append({
                'user_principal_name': member.get('userPrincipalName'), 'id': member.get('id'),
                'error': 'MutuallyExclusiveViolation' if violation.kind == 'exclusion' else 'DependencyViolation',
                'detail': describe(violation).replace('no licence of the user would enable', 'the member would not hold')})


def _desired_as_list(desired):
    return [DesiredLicense(sku_id, disabled) for sku_id, disabled in desired.items()]


def _holds(member, sku_id):
    return any((item.get('skuId') or '').lower() == sku_id for item in member.get('assignedLicenses') or [])


def _plan_seats(plan, members, joining, after, seat_check, skus):
    """Members who would newly consume a seat, against what is available (see the module docstring).

    Existing members count for the SKUs the group adds; members about to join count for every SKU
    the group will assign.
    """
    added = set(entry['skuId'] for entry in plan.add if _part_number(entry['skuId'], skus) in plan.added)
    for sku_id in sorted(after, key=lambda sku_id: _part_number(sku_id, skus)):
        candidates = (list(members) if sku_id in added else []) + list(joining)
        if not candidates:
            continue
        sku = skus[sku_id]
        newcomers = [member for member in candidates if not _holds(member, sku_id)]
        needed = len(newcomers)
        plan.seats[sku.part_number] = {'available_before': sku.available, 'needed': needed,
                                       'available_after': max(sku.available - needed, 0)}
        if needed <= sku.available:
            continue
        plan.shortages.append('%s: %s of group %s would newly take a seat but %s: buy %d more or remove members'
                              % (sku.part_number, _plural(needed, 'member', 'members'), plan.display_name,
                                 _plural(sku.available, 'seat is available', 'seats are available'), needed - sku.available))
        # Graph processes members in its own order; which ones end in CountViolation is not ours to
        # choose. The list names the members beyond the available seats in membership order.
        plan.predicted_errors.extend({'user_principal_name': member.get('userPrincipalName'), 'id': member.get('id'),
                                      'error': 'CountViolation', 'detail': 'no seat left for %s' % sku.part_number}
                                     for member in newcomers[sku.available:])
    if seat_check == 'strict':
        plan.errors.extend(plan.shortages)
    elif plan.shortages:
        plan.warnings.extend('%s; with seat_check partial the write goes ahead and those members end in CountViolation'
                             % shortage for shortage in plan.shortages)


def plan_group(group, members, desired, state, exact_scope, skus, seat_check='strict', capabilities=None, joining=()):
    """The GroupPlan (see the module docstring). A plan with ``errors`` must not be written."""
    plan = GroupPlan(group)
    refusal = group_refusal(group)
    if refusal:
        plan.errors.append(refusal)
        return plan
    current = group_licences(group)
    wanted = _desired_by_sku(desired)
    unknown = [sku_id for sku_id in wanted if sku_id not in skus]
    if unknown:
        plan.errors.extend('licence %s is not subscribed in the tenant' % sku_id for sku_id in unknown)
        return plan
    after = _plan_licences(plan, current, wanted, state, exact_scope, skus)
    plan.before = _licence_set_view(current, skus)
    plan.after = _licence_set_view(after, skus)
    if plan.changed:
        _rule_errors(plan, wanted, state, exact_scope, current, after, skus, _capability_sets(capabilities), capabilities)
    if plan.changed or joining:
        _plan_seats(plan, members, joining, after, seat_check, skus)
        _member_rule_errors(plan, group.get('id'), (list(members) if plan.changed else []) + list(joining), after, skus)
    for item in plan.predicted_errors:
        if item['error'] != 'CountViolation':
            plan.warnings.append('member %s will end in %s: %s' % (item['user_principal_name'], item['error'], item['detail']))
    return plan
