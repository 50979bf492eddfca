# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license results: per-user report, summary, seats, requests, diff, and how the task ends.

The task fails when the run stopped before writing (task-level problems) or when any user
failed; every user's outcome is returned either way, so a partial failure is never hidden.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Long lists are cut in messages; every user stays in the `users` return value.
MESSAGE_USER_LIMIT = 20
WARNING_LIMIT = 10


class LicenseReport(object):
    """Collects what the run did and turns it into exit_json / fail_json."""

    def __init__(self, module):
        self.module = module
        self.run = None
        self.writes_applied = 0
        self.stop_message = None  # set when the writes stopped early (issue 15): the task's one message
        self.warnings = []

    def add_warnings(self, warnings):
        self.warnings.extend(warnings)

    def set_plan(self, run):
        self.run = run

    def result(self):
        plans = self.run.users if self.run is not None else []
        summary = self.run.summary if self.run is not None else dict(total=0, changed=0, unchanged=0, failed=0)
        result = dict(
            changed=self._changed(),
            users=[plan.report() for plan in plans],
            summary=summary,
            seats=self.run.seats if self.run is not None else {},
            requests=self.module.request_stats(),
        )
        if self.module._diff and self.run is not None:
            result['diff'] = self._diff(plans)
        return result

    def _changed(self):
        if self.run is None:
            return False
        if self.module.check_mode:
            return any(plan.changed and plan.error is None for plan in self.run.users)
        return self.writes_applied > 0

    @staticmethod
    def _diff(plans):
        before, after = {}, {}
        for plan in plans:
            if plan.error is None and plan.changed and plan.before is not None:
                before[plan.upn] = plan.before
                after[plan.upn] = plan.after
        return dict(before=before, after=after)

    def _emit_warnings(self):
        for warning in self.warnings:
            self.module.warn(warning)
        if self.run is None:
            return
        warned = [(plan.upn, warning) for plan in self.run.users for warning in plan.warnings]
        for upn, warning in warned[:WARNING_LIMIT]:
            self.module.warn('%s: %s' % (upn, warning))
        if len(warned) > WARNING_LIMIT:
            self.module.warn('%d more user warnings: see users[].warnings' % (len(warned) - WARNING_LIMIT))

    def fail_before_writes(self, errors):
        """Stop the task; nothing has been written, so no user is reported changed."""
        if self.run is not None:
            for plan in self.run.users:
                if plan.error is None and plan.changed:
                    plan.fail('user %s: nothing was written: the task stopped before any write (see msg)' % plan.upn)
        self._emit_warnings()
        message = 'nothing was changed: %s' % '; '.join(errors)
        self.module.fail_json(msg=message, errors=list(errors), **self.result())

    def finish(self):
        self._emit_warnings()
        result = self.result()
        failed = [plan for plan in self.run.users if plan.error is not None]
        if not failed:
            self.module.exit_json(**result)
        if self.stop_message:
            # A stop (a refusal for every user, a signal): one short message, the users say the rest.
            self.module.fail_json(msg=self.stop_message, **result)
        shown = '; '.join(plan.error for plan in failed[:MESSAGE_USER_LIMIT])
        more = ' (and %d more, see users)' % (len(failed) - MESSAGE_USER_LIMIT) if len(failed) > MESSAGE_USER_LIMIT else ''
        if self.module.check_mode:
            done = 'check mode: nothing was written'
        else:
            summary = self.run.summary
            done = '%d changed, %d unchanged; fix the failed users and re-run: users already right are left alone' % (
                summary['changed'], summary['unchanged'])
        self.module.fail_json(msg='%d of %d users failed (%s): %s%s' % (len(failed), len(self.run.users), done, shown, more),
                              **result)
