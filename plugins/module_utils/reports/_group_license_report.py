# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_group_license results: what the run read, planned and did, as the module's return value.

``changed`` is true when a write was accepted (in check mode: when one would be sent). Member
counts and errors come from the members as last read (after the wait, when there was one).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_members import member_status
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_plan import group_licences
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_writes import processing_state as group_processing_state


class GroupRun(object):
    """What the run read, planned and did; becomes the module result."""

    def __init__(self, module):
        self.module = module
        self.group, self.plan, self.members, self.part_numbers = {}, None, [], {}
        self.joining, self.reprocessed, self.written = [], [], False

    def status(self):
        return member_status(self.group.get('id'), group_licences(self.group), self.members, self.part_numbers)

    def result(self):
        plan, status = self.plan, self.status()
        result = dict(
            changed=self.written or (self.module.check_mode and bool(plan and (plan.changed or self.joining or self.reprocessed))),
            group={'id': self.group.get('id'), 'display_name': self.group.get('displayName')},
            added=plan.added if plan else [], removed=plan.removed if plan else [],
            plans_changed=plan.plans_changed if plan else [],
            members_added=[user.get('userPrincipalName') for user in self.joining],
            members=status.counts(), errors=status.errors, predicted_errors=plan.predicted_errors if plan else [],
            reprocessed=self.reprocessed, processing_state=self.processing_state(), seats=plan.seats if plan else {},
            requests=self.module.request_stats())
        if self.module._diff and plan is not None and plan.before is not None:
            result['diff'] = {'before': plan.before, 'after': plan.after}
        return result

    def processing_state(self):
        try:
            return group_processing_state(self.group)
        except GraphError:
            return None

    def fail(self, message, **extra):
        self.module.fail_json(msg=message, **dict(self.result(), **extra))
