# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure: how a group's members stand with the group's licences, read from their licenseAssignmentStates.

A member's copy of a group licence is the licenseAssignmentState whose ``assignedByGroup`` is the
group (graph-facts 3.2). Its ``error`` is healthy when null or the string "None" (graph-facts
Addenda); otherwise one of the group-licensing error codes (graph-facts 3.2, 11.3), which the
group write never returns itself: they show up on the members afterwards.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.licensing._holdings import error_advice
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import HEALTHY_ASSIGNMENT_ERRORS

ERROR_STATES = ('Error', 'ActiveWithError')


def _group_copies(member, group_id, sku_ids):
    """{skuId: licenseAssignmentState} of the member's copies from this group."""
    copies = {}
    for state in member.get('licenseAssignmentStates') or []:
        sku_id = (state.get('skuId') or '').lower()
        if (state.get('assignedByGroup') or '').lower() == group_id and sku_id in sku_ids:
            copies[sku_id] = state
    return copies


def copy_in_error(state):
    return state.get('error') not in HEALTHY_ASSIGNMENT_ERRORS or state.get('state') in ERROR_STATES


def member_error_entry(member, sku_part_number, state):
    """One member error: the user, and the licence with teams_license_info's names (sku_id, sku_part_number,
    state, error) and its advice (issue 11's ``error_advice``, so both modules say the same). One place to change."""
    error = state.get('error') if state.get('error') not in HEALTHY_ASSIGNMENT_ERRORS else 'Other'
    return {'user_principal_name': member.get('userPrincipalName'), 'id': member.get('id'), 'sku_id': state.get('skuId'),
            'sku_part_number': sku_part_number, 'state': state.get('state'), 'error': error,
            'last_updated': state.get('lastUpdatedDateTime'), 'advice': error_advice(error)}


class MemberStatus(object):
    """Counts and errors of the members for the group's licences."""

    def __init__(self):
        self.total = 0
        self.licensed = 0
        self.pending = 0
        self.errors = []
        self.members_in_error = []  # Graph users with at least one copy in error

    @property
    def with_errors(self):
        return len(self.members_in_error)

    def counts(self):
        return {'total': self.total, 'licensed': self.licensed, 'with_errors': self.with_errors, 'pending': self.pending}


def member_status(group_id, group_licences, members, part_numbers):
    """MemberStatus of ``members`` (Graph users) for ``group_licences`` ({skuId: disabled plans}).

    A member is pending while a copy of a group licence is missing, has other disabled plans than
    the group's, or is still there for a licence the group no longer assigns: Graph has not
    processed the member yet (graph-facts 1.5, asynchronous).
    """
    status = MemberStatus()
    group_id = (group_id or '').lower()
    wanted = set(group_licences)
    for member in members:
        status.total += 1
        copies = _group_copies(member, group_id, wanted)
        stale = [state for state in member.get('licenseAssignmentStates') or []
                 if (state.get('assignedByGroup') or '').lower() == group_id and (state.get('skuId') or '').lower() not in wanted]
        errors = [member_error_entry(member, part_numbers.get(sku_id, sku_id), state)
                  for sku_id, state in sorted(copies.items()) if copy_in_error(state)]
        differs = [sku_id for sku_id, state in copies.items()
                   if frozenset(plan.lower() for plan in state.get('disabledPlans') or ()) != group_licences[sku_id]]
        if errors:
            status.errors.extend(errors)
            status.members_in_error.append(member)
        elif len(copies) < len(wanted) or stale or differs:
            status.pending += 1
        elif wanted:
            status.licensed += 1
    return status
