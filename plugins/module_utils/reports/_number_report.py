# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_phone_number results: per-assignment report, summary, requests, diff, and how the task ends.

Same shape and endings as teams_license's report: every user's outcome is returned, and the
task fails when any user failed or was not attempted, so a partial failure is never hidden.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.phone._number_reads import voice_summary

MESSAGE_USER_LIMIT = 20
STATUSES = ('changed', 'unchanged', 'failed', 'not_attempted')


class NumberReport(object):

    def __init__(self, module):
        self.module = module
        self.plans = []
        self.configurations = {}
        self.writes = 0
        self.extra = {}

    def summary(self):
        counts = dict((status, 0) for status in STATUSES)
        for plan in self.plans:
            counts[plan.status] += 1
        counts['total'] = len(self.plans)
        return counts

    def changed(self):
        if self.module.check_mode:
            return any(plan.changed for plan in self.plans)
        return self.writes > 0     # operations that succeeded

    def _user_entry(self, plan):
        entry = plan.report()
        if plan.id in self.configurations:
            entry['voice'] = voice_summary(self.configurations[plan.id])
        return entry

    def result(self):
        result = dict(changed=self.changed(), users=[self._user_entry(plan) for plan in self.plans], summary=self.summary(),
                      requests=self.module.request_stats())
        result.update(self.extra)
        if self.module._diff:
            before, after = {}, {}
            for plan in self.plans:
                if plan.changed:
                    before[plan.user] = plan.before
                    after[plan.user] = plan.after
            result['diff'] = dict(before=before, after=after)
        return result

    def fail_before_writes(self, message):
        self.module.fail_json(msg='nothing was changed: %s' % message, **self.result())

    def finish(self):
        result = self.result()
        failed = [plan for plan in self.plans if plan.error is not None]
        if not failed:
            self.module.exit_json(**result)
        shown = '; '.join(plan.error for plan in failed[:MESSAGE_USER_LIMIT])
        more = ' (and %d more, see users)' % (len(failed) - MESSAGE_USER_LIMIT) if len(failed) > MESSAGE_USER_LIMIT else ''
        done = 'check mode: nothing was written' if self.module.check_mode else (
            '%(changed)d changed, %(unchanged)d unchanged; fix the failed users and re-run' % self.summary())
        self.module.fail_json(msg='%d of %d assignments failed (%s): %s%s' % (len(failed), len(self.plans), done, shown, more), **result)
