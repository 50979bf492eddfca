# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply number plans: single requests, bounded concurrency, each operation polled, then read back.

graph-facts 12.1/12.2: assignNumber and unassignNumber answer 202 with a ``Location`` naming an
operation; its ``status`` goes ``notStarted`` -> ``running`` -> ``succeeded`` or ``failed``
(``numbers[].statusDetail`` says why). No poll interval is documented: poll with backoff,
bounded by ``wait_timeout``, then confirm by reading the number. Number writes never go in
$batch (an unassign in $batch was seen failing, 12.2). updateNumber is synchronous.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError, GraphError
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_reads import NUMBERS_PATH, read_number

OPERATION_PATHS = {'assign': NUMBERS_PATH + '/assignNumber', 'unassign': NUMBERS_PATH + '/unassignNumber',
                   'update': NUMBERS_PATH + '/updateNumber'}
FINAL_STATUSES = ('succeeded', 'failed')
POLL_FIRST = 0.25   # seconds before the first poll; doubles up to POLL_CAP
POLL_CAP = 5.0


class OperationFailed(Exception):
    """An operation ended failed or did not end in time; the message is for the user."""


class NumberWriter:
    """Runs the plans' operations; stops starting new users after a fatal error (auth, permission)."""

    def __init__(self, client, wait_timeout, max_concurrency, sleep=time.sleep, clock=time.monotonic):
        self.client = client
        self.wait_timeout = wait_timeout
        self.max_concurrency = max_concurrency
        self.sleep = sleep
        self.clock = clock
        self.stopped = None     # why the writer stopped, once it did
        self.writes = 0         # operations that succeeded
        self._lock = threading.Lock()

    def apply(self, plans):
        todo = [plan for plan in plans if plan.operations and plan.error is None]
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(todo))) as pool:
            list(pool.map(self._apply_plan, todo))

    def _apply_plan(self, plan):
        if self.stopped:
            plan.not_attempted('not attempted: the task stopped after an earlier error: %s' % self.stopped)
            return
        done = []
        try:
            for item in plan.operations:
                self._run_operation(item)
                done.append(item['operation'])
            self._confirm(plan)
        except OperationFailed as failure:
            plan.fail(self._message(plan, done, str(failure)))
        except GraphError as error:
            if isinstance(error, AuthenticationError) or error.status in (401, 403):
                with self._lock:
                    self.stopped = self.stopped or str(error)
            plan.fail(self._message(plan, done, str(error)))

    @staticmethod
    def _message(plan, done, reason):
        prefix = 'user %s: number %s' % (plan.user, plan.number or 'all')
        if done:
            # A move that unassigned but could not assign leaves the number free: say so.
            return '%s: %s succeeded, then: %s' % (prefix, ' and '.join(done), reason)
        return '%s: %s' % (prefix, reason)

    def _count_write(self):
        with self._lock:
            self.writes += 1

    def _run_operation(self, item):
        if item['operation'] == 'update':
            self.client.post(OPERATION_PATHS['update'], body=item['body'])
            self._count_write()
            return
        answer = self.client.request_full('POST', OPERATION_PATHS[item['operation']], body=item['body'])
        location = answer.header('Location')
        if answer.status != 202 or not location:
            raise OperationFailed('%sNumber answered HTTP %s without an operation Location (graph-facts 12.1 expects 202)'
                                  % (item['operation'], answer.status))
        self._wait(location, item['operation'])
        self._count_write()

    def _wait(self, location, operation):
        """Poll the operation with backoff until it ends or wait_timeout passes."""
        deadline = self.clock() + self.wait_timeout
        delay = POLL_FIRST
        status = 'notStarted'
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise OperationFailed('%sNumber still %s after wait_timeout (%ss); it may still complete: run the task again '
                                      'to see' % (operation, status, self.wait_timeout))
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_CAP)
            body = self.client.get(location)
            if not isinstance(body, dict) or not isinstance(body.get('status'), str):
                raise OperationFailed('unexpected operation answer from Graph (no status)')
            status = body['status']
            if status == 'succeeded':
                return
            if status == 'failed':
                raise OperationFailed('%sNumber failed: %s' % (operation, _status_detail(body)))

    def _confirm(self, plan):
        """Read each number back: the operation's word is confirmed by the number itself."""
        last_by_number = dict((item['body']['telephoneNumber'], item) for item in plan.operations)
        for telephone_number, last in sorted(last_by_number.items()):
            number = read_number(self.client, telephone_number)
            holder = (number or {}).get('assignmentTargetId')
            if last['operation'] == 'unassign':
                if holder == plan.id:
                    raise OperationFailed('unassignNumber succeeded but %s still shows the user' % telephone_number)
            elif holder != plan.id:
                raise OperationFailed('the operation succeeded but %s reads back as held by %s' % (telephone_number, holder or 'nobody'))
            elif last['operation'] == 'update' and number.get('locationId') != last['body'].get('locationId'):
                raise OperationFailed('updateNumber succeeded but %s reads back with location %s'
                                      % (telephone_number, number.get('locationId')))


def _status_detail(body):
    details = [item.get('statusDetail') for item in body.get('numbers') or [] if isinstance(item, dict) and item.get('statusDetail')]
    return '; '.join(details) or 'no statusDetail given'
