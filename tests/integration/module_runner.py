# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's real code in this process, over real HTTP to the emulator, and return its result.

An ansible-playbook run costs about a second of start-up; the differential test needs hundreds
of runs, so it calls the module's main() with patched arguments instead (the code path after
argument parsing is the same). A handful of real ansible-playbook cases cover the rest.
"""

import contextlib
import io
import json

from ansible.module_utils.common import warnings as ansible_warnings

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()):
            yield


def run_module(main, args, check=False, diff=False):
    """main(): the module's entry point; returns the JSON result it printed (exit_json or fail_json)."""
    module_args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    output = io.StringIO()
    # AnsibleModule keeps warnings in a process-wide list: start each run clean, as a fresh process would.
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()
    with patch_module_args(module_args), contextlib.redirect_stdout(output):
        try:
            main()
        except SystemExit:
            pass
    return json.loads(output.getvalue())


def connection_args(emulator, client_id='11111111-1111-4111-8111-111111111111', client_secret='emulator-secret-0001'):
    info = emulator.info
    return dict(tenant_id=info['tenant_id'], client_id=client_id, client_secret=client_secret,
                authority_url=info['authority_url'], graph_url=info['graph_url'], ca_path=info['ca_path'])
