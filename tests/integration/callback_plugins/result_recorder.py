# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: append every task result as one JSON line to $RESULT_RECORDER_FILE.

The integration tests read it to assert on what each module returned, beside what the
emulator's state and write counters say.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r'''
name: result_recorder
type: aggregate
short_description: Record task results as JSON lines for the integration tests
description:
  - Writes one JSON object per task result to the file named by E(RESULT_RECORDER_FILE).
options: {}
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'result_recorder'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get('RESULT_RECORDER_FILE')
        if not path:
            return
        entry = dict(task=result.task_name, status=status, result=self._clean(result._result))
        with open(path, 'a') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    @staticmethod
    def _clean(result):
        return dict((key, value) for key, value in result.items() if not key.startswith('_ansible'))

    def v2_runner_on_ok(self, result):
        self._record(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')
