# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planner for moving users from direct licences to group-based ones without a gap.

teams_license's ``remove_direct_if_inherited: true`` (with ``state: absent``) plans through
``plan_direct_removals`` instead of ``plan_run``: for every listed licence, the user's direct copy
is removed only where a copy of the same licence is already in force through a group - state
``Active``, no error (graph-facts 3.2) - and enables at least every plan the direct copy enables.
Otherwise the direct copy stays and the user is reported unchanged with a warning saying what the
group copy lacks, so a re-run after Graph has processed the group finishes the move.

Why this is safe: a user holding the same SKU directly and through a group holds one licence
(one seat, graph-facts Addenda) with two assignment paths, and only the direct path can be
removed with assignLicense (graph-facts 3.2). Removing it while the group path is in force
leaves the user's licences and enabled plans as they were; the removal is the only change in
that user's call, so no call can leave the user without the licence. Losing Teams Phone even
for a moment releases the user's phone number (graph-facts 12.3).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import (
    RunPlan, UserPlan, _desired_by_sku, _holdings, _part_number, _report_inherited)


def _covering_group(direct_disabled, paths):
    """The first group whose copy is in force and enables every plan the direct copy enables, or None."""
    for group, group_disabled, healthy in paths:
        if healthy and group_disabled <= direct_disabled:
            return group
    return None


def _why_kept(part, paths):
    if not paths:
        return '%s stays direct: no group assigns it to the user yet (add the user to the group and re-run)' % part
    in_force = [group for group, _disabled, healthy in paths if healthy]
    if not in_force:
        return ('%s stays direct: its copy from group %s is not active yet (still processing or in error; see '
                'teams_group_license errors) - re-run once it is' % (part, ', '.join(group for group, _d, _h in paths)))
    return ('%s stays direct: the copy from group %s disables plans the direct copy enables; align the group\'s '
            'disabled_plans first' % (part, ', '.join(in_force)))


def plan_direct_removal(spec, current, skus):
    """The UserPlan removing the direct copies that a group copy already covers (see the module docstring)."""
    if current is None:
        plan = UserPlan(spec.user)
        plan.fail('user %s not found: check the user principal name or object id' % spec.user)
        return plan
    plan = UserPlan(spec.user, current.get('id'), current.get('userPrincipalName'))
    direct, inherited = _holdings(current)
    if spec.state != 'absent':
        plan.fail('user %s: remove_direct_if_inherited works with state absent only (got %s)' % (plan.upn, spec.state))
        return plan
    after = dict(direct)
    for sku_id in _desired_by_sku(spec.licenses):
        if sku_id not in direct:
            continue
        paths = inherited.get(sku_id, [])
        if _covering_group(direct[sku_id], paths) is None:
            plan.warnings.append(_why_kept(_part_number(sku_id, skus), paths))
            continue
        plan.remove.append(sku_id)
        plan.removed.append(_part_number(sku_id, skus))
        after.pop(sku_id)
        _report_inherited(plan, sku_id, inherited, skus)
    plan.removed.sort()
    plan.keep_diff_views(skus, direct, inherited, current.get('usageLocation'), after)
    return plan


def plan_direct_removals(items, skus):
    """The RunPlan of ``[(UserSpec, current)]``; no seat changes hands (the group copy keeps the seat)."""
    return RunPlan([plan_direct_removal(spec, current, skus) for spec, current in items], {}, [], 'strict')
