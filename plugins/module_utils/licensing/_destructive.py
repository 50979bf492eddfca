# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input whose effect is a wipe: refused unless the task says so in an option that names the consequence.

Two shapes are refused whatever the users hold, with counts of what the run would take away,
computed from the plan before any write (so check mode shows the same message):

- ``state: exact`` with an empty licence list and ``exact_scope: all``: every licence assigned
  directly (mailbox, OneDrive, everything) goes. Option ``allow_removing_all_licenses``.
- a licence whose ``enabled_plans: []`` (or ``disabled_plans`` naming every plan) switches off every
  service plan of it. Option ``allow_disabling_all_plans``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

USER_NAME_LIMIT = 5


def _name_users(users):
    shown = ', '.join(users[:USER_NAME_LIMIT])
    return shown if len(users) <= USER_NAME_LIMIT else '%s and %d more' % (shown, len(users) - USER_NAME_LIMIT)


def _counted(parts):
    counts = {}
    for part in parts:
        counts[part] = counts.get(part, 0) + 1
    return ', '.join('%s x%d' % (part, count) for part, count in sorted(counts.items()))


def _wipe_all_refusal(specs, plans):
    wiped = [(spec, plan) for spec, plan in zip(specs, plans)
             if spec.state == 'exact' and spec.exact_scope == 'all' and not spec.licenses]
    if not wiped:
        return None
    removed = [part for _spec, plan in wiped for part in plan.removed]
    losing = [plan.upn for _spec, plan in wiped if plan.removed]
    what = ('%d users would lose %d licences (%s)' % (len(losing), len(removed), _counted(removed))
            if removed else 'no user holds a direct licence today')
    return ('state exact with licenses: [] and exact_scope all removes every licence assigned directly to the users '
            '(mailbox and files included): %s; set allow_removing_all_licenses: true if that is meant (users: %s)'
            % (what, _name_users([spec.user for spec, _plan in wiped])))


def _all_plans_off_refusals(specs, plans, skus):
    by_sku = {}
    for spec, plan in zip(specs, plans):
        if spec.state == 'absent':
            continue
        for wanted in spec.licenses:
            sku = skus.get(wanted.sku_id)
            if sku is None or not sku.plans or wanted.disabled_plans is None:
                continue
            if set(sku.plans) <= set(wanted.disabled_plans):
                holders = by_sku.setdefault(wanted.sku_id, [])
                if sku.part_number in plan.plans_changed:
                    holders.append(plan.upn)
    refusals = []
    for sku_id, holders in sorted(by_sku.items(), key=lambda item: skus[item[0]].part_number):
        sku = skus[sku_id]
        refusals.append('%s with enabled_plans: [] (or every plan in disabled_plans) switches off all %d of its service '
                        'plans: %d users holding it would lose them%s; set allow_disabling_all_plans: true if that is meant'
                        % (sku.part_number, len(sku.plans), len(holders),
                           ' (%s)' % _name_users(holders) if holders else ''))
    return refusals


def destructive_refusals(specs, run, skus, allow_removing_all_licenses=False, allow_disabling_all_plans=False):
    """Messages for each wipe the task asks for without the option that allows it (empty: nothing to refuse)."""
    refusals = []
    if not allow_removing_all_licenses:
        refusal = _wipe_all_refusal(specs, run.users)
        if refusal:
            refusals.append(refusal)
    if not allow_disabling_all_plans:
        refusals.extend(_all_plans_off_refusals(specs, run.users, skus))
    return refusals
