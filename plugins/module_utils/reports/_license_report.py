# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license results: per-user report, summary, seats, requests, diff, and how the task ends.

The task fails when the run stopped before writing (task-level problems) or when any user
failed; every user's outcome is returned either way, so a partial failure is never hidden.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.reports._streamed_result import end_streamed

# Long lists are cut in messages; every user stays in the `users` return value.
MESSAGE_USER_LIMIT = 20
WARNING_LIMIT = 10


def _cut(text, limit=300):
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _worth_listing(plan):
    """A user the task did something to, or has something to say about (return_unchanged_users=false)."""
    return plan.status != 'unchanged' or bool(plan.warnings)


class PlanEntries(object):
    """The ``users`` entries of a run, each built when read: 100,000 entries never exist at once
    (reports/_streamed_result.py writes them one by one; anything else may take list() of it)."""

    def __init__(self, plans, unchanged=True):
        self.plans = plans if unchanged else [plan for plan in plans if _worth_listing(plan)]

    def __iter__(self):
        return (plan.report(compact=True) for plan in self.plans)

    def __len__(self):
        return len(self.plans)


class LicenseReport(object):
    """Collects what the run did and turns it into exit_json / fail_json."""

    def __init__(self, module):
        self.module = module
        self.run = None
        self.writes_applied = 0
        self.stop_message = None  # set when the writes stopped early (issue 15): the task's one message
        self.warnings = []
        self.expected_users = []
        self.stop_reason = None

    def expect_users(self, references):
        """The task's distinct users, known before any read: reported as not_attempted if the task stops early."""
        self.expected_users = list(references)

    def add_warnings(self, warnings):
        self.warnings.extend(warnings)

    def set_plan(self, run):
        self.run = run

    def _unplanned_users(self):
        reason = 'not attempted: %s' % (self.stop_reason or 'the task stopped before reading this user (see msg)')
        return [{'user': user, 'id': None, 'status': 'not_attempted', 'added': [], 'removed': [], 'plans_changed': [],
                 'inherited': [], 'usage_location_set': None, 'warnings': [], 'error': reason}
                for user in self.expected_users]

    def result(self, lazy_users=False):
        """The module result; ``lazy_users``: ``users`` is a PlanEntries (one entry built at a time, for end_streamed)."""
        if self.run is not None:
            entries = PlanEntries(self.run.users, self.module.params.get('return_unchanged_users', True))
            users = entries if lazy_users else list(entries)
            summary = self.run.summary
        else:
            users = self._unplanned_users()
            summary = dict(total=len(users), changed=0, unchanged=0, failed=0, not_attempted=len(users),
                           failed_after_writes=0)
        result = dict(
            changed=self._changed(),
            users=users,
            summary=summary,
            seats=self.run.seats if self.run is not None else {},
            requests=self.module.request_stats(),
        )
        if self.module._diff and self.run is not None:
            result['diff'] = self._diff(self.run.users)
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
            if (plan.error is None or plan.written) and plan.changed and plan.before is not None:
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
        """Stop the task; nothing has been written: every user without an error of their own is not_attempted."""
        self.stop_reason = 'the task was refused before any write: %s' % _cut('; '.join(errors))
        if self.run is not None:
            for plan in self.run.users:
                if plan.error is None:
                    plan.mark_not_attempted('user %s: not attempted: %s' % (plan.upn, self.stop_reason))
        self._emit_warnings()
        message = 'nothing was changed: %s' % '; '.join(errors)
        end_streamed(self.module, 'users', self.result(lazy_users=True), msg=message, errors=list(errors))

    def finish(self):
        self._emit_warnings()
        result = self.result(lazy_users=True)
        failed = [plan for plan in self.run.users if plan.error is not None]
        if not failed:
            end_streamed(self.module, 'users', result)
            return
        if self.stop_message:
            # A stop (a refusal for every user, a signal): one short message, the users say the rest.
            end_streamed(self.module, 'users', result, msg=self.stop_message)
            return
        shown = '; '.join(plan.error for plan in failed[:MESSAGE_USER_LIMIT])
        more = ' (and %d more, see users)' % (len(failed) - MESSAGE_USER_LIMIT) if len(failed) > MESSAGE_USER_LIMIT else ''
        if self.module.check_mode:
            done = 'check mode: nothing was written'
        else:
            summary = self.run.summary
            done = '%d changed, %d unchanged; fix the failed users and re-run: users already right are left alone' % (
                summary['changed'], summary['unchanged'])
            if summary['failed_after_writes']:
                done += '; %d of the failed users had some writes accepted (see users[].usage_location_set and added)' % (
                    summary['failed_after_writes'])
        message = '%d of %d users failed (%s): %s%s' % (len(failed), len(self.run.users), done, shown, more)
        end_streamed(self.module, 'users', result, msg=message)
