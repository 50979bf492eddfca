# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the integration tests: sample credentials, playbook results, connection vars."""

import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTS_DIR))
PLAYBOOKS_DIR = os.path.join(TESTS_DIR, 'playbooks')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

# The automation app of the sample tenants (tests/graph_emulator/tenants/*.yml).
CLIENT_ID = '11111111-1111-4111-8111-111111111111'
CLIENT_SECRET = 'emulator-secret-0001'
READER_CLIENT_ID = '22222222-2222-4222-8222-222222222222'
READER_CLIENT_SECRET = 'emulator-secret-0002'


class PlaybookRun(object):
    """What one ansible-playbook run printed and what each task returned."""

    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name):
        """The result of the (last) task with this name."""
        matches = [entry for entry in self.results if entry['task'] == name]
        assert matches, 'task %r did not run; tasks that ran: %s\n%s' % (
            name, [entry['task'] for entry in self.results], self.output)
        return matches[-1]

    def __repr__(self):
        failures = [entry['result'].get('msg') for entry in self.results if entry['status'] == 'failed']
        return 'PlaybookRun(rc=%s, failures=%r)\n%s' % (self.rc, failures, self.output)


def connection_vars(emulator, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    """Extra vars that point the playbooks' module_defaults at the emulator."""
    info = emulator.info
    return dict(
        m365_tenant_id=info['tenant_id'],
        m365_client_id=client_id,
        m365_client_secret=client_secret,
        m365_authority_url=info['authority_url'],
        m365_graph_url=info['graph_url'],
        m365_ca_path=info['ca_path'],
    )


def playbook_command(path, vars_file, extra_vars=None, check=False, diff=False, verbosity=0):
    """Write the extra vars (with this Python as the interpreter) and return the ansible-playbook command."""
    all_vars = dict(ansible_python_interpreter=sys.executable)
    all_vars.update(extra_vars or {})
    with open(str(vars_file), 'w', encoding='utf-8') as handle:
        json.dump(all_vars, handle)
    command = [ANSIBLE_PLAYBOOK, path, '-e', '@%s' % vars_file]
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    if verbosity:
        command.append('-' + 'v' * verbosity)
    return command


def self_signed_certificate(common_name='m365-licensing-automation'):
    """A new RSA key and a self-signed certificate valid for 30 days, for certificate credentials in tests."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, certificate


def emulator_writes(emulator):
    """Write requests the emulator has answered so far (its own counter, not the module's claim)."""
    return emulator.stats()['writes']


def converge(run_playbook, emulator, extra, playbook, task):
    """check -> apply -> check (no change) -> apply (no change, no write); returns the apply's and the preview's results.

    Asserts on the emulator's write counter at every step: the preview writes nothing, the apply
    writes, and neither re-run writes.
    """
    start = emulator_writes(emulator)
    preview = run_playbook(playbook, extra, check=True, diff=True)
    assert preview.rc == 0, preview
    assert preview.task(task)['status'] == 'changed'
    assert emulator_writes(emulator) == start, 'check mode wrote to the tenant'
    applied = run_playbook(playbook, extra)
    assert applied.rc == 0, applied
    assert applied.task(task)['status'] == 'changed'
    after_apply = emulator_writes(emulator)
    assert after_apply > start
    again_check = run_playbook(playbook, extra, check=True)
    assert again_check.rc == 0 and again_check.task(task)['status'] == 'ok', again_check
    again = run_playbook(playbook, extra)
    assert again.rc == 0 and again.task(task)['status'] == 'ok', again
    assert again.task(task)['result']['requests']['writes'] == 0
    assert emulator_writes(emulator) == after_apply, 'the second run wrote to the tenant'
    return applied.task(task)['result'], preview.task(task)['result']
