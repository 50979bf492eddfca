# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for integration tests: real ansible-playbook runs against the Graph emulator.

The collection is copied into .tmp/collections/ansible_collections/m365/licensing once per
session (the Makefile's `tree` target does the same), so the playbooks run the code as it is
in the working tree. Every run records its task results through the result_recorder callback.

Check-mode guard: every run_playbook(..., check=True) against an emulator asserts that the
emulator's `writes` counter (/_emulator/stats) did not move. The emulator is the one passed as
`emulator=`, else the one answering at the run's m365_graph_url when that is a loopback address.
"""

import json
import os
import subprocess
import sys
import warnings
from urllib.parse import urlsplit

import pytest
import requests

from graph_emulator.launcher import Emulator
from playbook_harness import PLAYBOOKS_DIR, REPO_ROOT, TESTS_DIR, PlaybookRun, playbook_command

COLLECTIONS_DIR = os.path.join(REPO_ROOT, '.tmp', 'collections')
# Credentials reach modules through options in these tests; AZURE_* from the caller's shell must not leak in.
AZURE_VARIABLES = ('AZURE_TENANT_ID', 'AZURE_TENANT', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SECRET',
                   'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_CLOUD_ENVIRONMENT')
LOOPBACK_HOSTS = ('127.0.0.1', 'localhost', '::1')


@pytest.fixture(scope='session')
def collection_tree():
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), COLLECTIONS_DIR],
                   check=True, stdout=subprocess.DEVNULL)
    return COLLECTIONS_DIR


@pytest.fixture(scope='module')
def emulator():
    with Emulator(args=('--tenant', 'contoso')) as running:
        yield running


@pytest.fixture
def fresh_emulator(emulator):
    """The module's emulator, reset to the sample tenant and zero counters."""
    emulator.reset()
    return emulator


def playbook_environment(collection_tree, results_file, env):
    run_env = dict(os.environ)
    for name in AZURE_VARIABLES:
        run_env.pop(name, None)
    run_env.update(
        ANSIBLE_COLLECTIONS_PATH=collection_tree,
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(TESTS_DIR, 'callback_plugins'),
        ANSIBLE_CALLBACKS_ENABLED='result_recorder',
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_NOCOLOR='true',
        ANSIBLE_RETRY_FILES_ENABLED='false',
        RESULT_RECORDER_FILE=str(results_file),
    )
    run_env.update(env or {})
    return run_env


@pytest.fixture
def run_playbook(collection_tree, tmp_path):
    """Run a playbook from tests/integration/playbooks (or a path) and return a PlaybookRun."""
    counter = [0]

    def run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, timeout=600, emulator=None):
        watched = WriteCounter.for_run(emulator, extra_vars) if check else None
        counter[0] += 1
        results_file = tmp_path / ('results-%d.jsonl' % counter[0])
        vars_file = tmp_path / ('vars-%d.json' % counter[0])
        path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS_DIR, playbook)
        command = playbook_command(path, vars_file, extra_vars, check, diff, verbosity)
        completed = subprocess.run(command, env=playbook_environment(collection_tree, results_file, env), cwd=REPO_ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                   timeout=timeout, check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        run_result = PlaybookRun(completed, results)
        if watched is not None:
            watched.assert_unchanged(run_result)
        return run_result

    return run


class WriteCounter(object):
    """The `writes` counter of the emulator a check-mode run talks to, read before and after the run."""

    def __init__(self, read):
        self._read = read
        self.before = read()

    @classmethod
    def for_run(cls, emulator, extra_vars):
        """The counter of `emulator`, else of the emulator at extra_vars' m365_graph_url; None when there is none."""
        if emulator is not None:
            return cls(lambda: emulator.stats()['writes'])
        graph_url = (extra_vars or {}).get('m365_graph_url')
        if not graph_url or urlsplit(graph_url).hostname not in LOOPBACK_HOSTS:
            return None
        counter = cls(lambda: emulator_writes(graph_url, (extra_vars or {}).get('m365_ca_path')))
        return counter if counter.before is not None else None

    def assert_unchanged(self, run):
        after = self._read()
        assert after == self.before, 'check mode wrote to the emulator: writes went from %s to %s\n%r' % (self.before, after, run)


def emulator_writes(graph_url, ca_path):
    """The writes counter from {graph_url}/_emulator/stats, or None when no emulator answers there."""
    session = requests.Session()
    session.trust_env = False  # no proxy and no REQUESTS_CA_BUNDLE between us and the loopback emulator
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # verify=False when the test left ca_path out on purpose
            response = session.get('%s/_emulator/stats' % graph_url.rstrip('/'), verify=ca_path or False, timeout=30)
        return response.json()['writes'] if response.status_code == 200 else None
    except (requests.exceptions.RequestException, ValueError, KeyError, TypeError):
        return None
    finally:
        session.close()
