# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the reliability and security tests share: emulators, playbook runs, tenant views, leak search.

Used by tests/reliability and by tests/integration/test_bad_input.py and test_secrets.py, which
put this directory on sys.path. Playbooks run through PlaybookRunner; given the emulator, a
check-mode run asserts that the emulator's write counter did not move, like the integration
fixture's guard.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

RELIABILITY_DIR = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(RELIABILITY_DIR)
REPO_ROOT = os.path.dirname(TESTS_DIR)
INTEGRATION_DIR = os.path.join(TESTS_DIR, 'integration')
for _path in (TESTS_DIR, INTEGRATION_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# pylint: disable=wrong-import-position
from graph_emulator.launcher import Emulator  # noqa: E402
from playbook_harness import CLIENT_ID, CLIENT_SECRET, PlaybookRun, connection_vars, playbook_command, self_signed_certificate  # noqa: E402

PLAYBOOK = os.path.join(RELIABILITY_DIR, 'playbooks', 'teams_license.yml')
TENANTS_DIR = os.path.join(RELIABILITY_DIR, 'tenants')
RECORDER = os.path.join(RELIABILITY_DIR, 'recording_emulator.py')
CALLBACK_PLUGINS = os.path.join(INTEGRATION_DIR, 'callback_plugins')
AZURE_VARIABLES = ('AZURE_TENANT_ID', 'AZURE_TENANT', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SECRET',
                   'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_CLOUD_ENVIRONMENT')
TASK = 'Licences'

# Re-exported for the tests: the sample tenants' automation app and the connection extra vars.
__all__ = ['CLIENT_ID', 'CLIENT_SECRET', 'connection_vars']


def build_collection_tree(destination):
    """Copy the working tree to destination/ansible_collections/m365/licensing; returns destination.

    Each test session gets its own copy, so a colleague rebuilding .tmp/collections in the same
    checkout cannot pull the collection from under a half-hour soak.
    """
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), destination],
                   check=True, stdout=subprocess.DEVNULL)
    return destination


# ---------------------------------------------------------------- emulators

class RecordingEmulator(Emulator):
    """The emulator, started through recording_emulator.py: issued_tokens() lists every token it issued."""

    def __init__(self, args=(), token_file=None, **kwargs):
        super(RecordingEmulator, self).__init__(args=args, **kwargs)
        if token_file is None:
            handle, token_file = tempfile.mkstemp(prefix='issued-tokens-', suffix='.txt')
            os.close(handle)
        self.token_file = token_file

    def command(self):
        # The recorder in front of the emulator package.
        return [self.python, RECORDER, self.token_file] + self.args

    def issued_tokens(self):
        if not os.path.exists(self.token_file):
            return set()
        with open(self.token_file, encoding='ascii') as handle:
            return set(line.strip() for line in handle if line.strip())

    def kill(self):
        """SIGKILL: no clean shutdown, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.stop()

    def crash_keeping_state(self):
        """Die at once, keeping every write it acknowledged, as Graph keeps what it applied.

        SIGTERM is not enough: while a stopping emulator saves its state, the connections it
        already holds are still served, without latency, so a client never notices. Instead:
        stop answering (every later request is applied but its answer never comes), save the
        tenant to --state-file, then SIGKILL, which resets every open connection.
        """
        self.configure(latency_ms=3600 * 1000)
        self.save()
        self.kill()


def emulator_args(tenant='contoso', *more):
    """--tenant NAME for the emulator's fixtures, or a path for ours (tests/reliability/tenants)."""
    own = os.path.join(TENANTS_DIR, '%s.yml' % tenant)
    return ('--tenant', own if os.path.exists(own) else tenant) + tuple(str(arg) for arg in more)


# ---------------------------------------------------------------- playbook runs

class RunningPlaybook(object):
    """An ansible-playbook started in the background (concurrency and restart tests)."""

    def __init__(self, process, results_file, sandbox, guard):
        self.process = process
        self.results_file = results_file
        self.sandbox = sandbox
        self.guard = guard

    def wait(self, timeout=None):
        """The PlaybookRun, with .sandbox (where the run's files are) and .results_file."""
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        run = PlaybookRun(subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr),
                          read_results(self.results_file))
        run.sandbox = self.sandbox
        run.results_file = self.results_file
        if self.guard is not None:
            self.guard(run)
        return run


def read_results(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


class PlaybookRunner(object):
    """Runs ansible-playbook against the collection copy; each run gets its own sandbox directory.

    The sandbox is the run's working directory, TMPDIR, ANSIBLE_HOME and Ansible's local and
    remote temporary directories, so every file the modules write lands there, where the
    secrets tests search it. The extra-vars file (which holds the test's credentials) lives
    outside it.
    """

    def __init__(self, collections_dir, work_dir):
        self.collections_dir = collections_dir
        self.work_dir = str(work_dir)
        self.count = 0
        self.short_links = None

    def short_temporary_dir(self, name, target):
        """A short path to target for TMPDIR: ansible-core 2.21's controller opens a Unix socket under
        TMPDIR, and a socket path longer than 107 bytes fails ("Local RPC server did not start").
        pytest's sandbox paths are longer; the link keeps the files inside the sandbox."""
        if self.short_links is None:
            self.short_links = tempfile.mkdtemp(prefix='m365-rel-')
        link = os.path.join(self.short_links, name)
        os.symlink(target, link)
        return link

    def close(self):
        if self.short_links is not None:
            shutil.rmtree(self.short_links, ignore_errors=True)

    def _prepare(self, playbook, extra_vars, check, diff, verbosity, env):
        self.count += 1
        name = 'run-%03d' % self.count
        vars_file = os.path.join(self.work_dir, '%s-vars.json' % name)
        results_file = os.path.join(self.work_dir, '%s-results.jsonl' % name)
        sandbox = os.path.join(self.work_dir, '%s-sandbox' % name)
        for directory in ('cwd', 'tmp', 'ansible-home', 'local-tmp', 'remote-tmp'):
            os.makedirs(os.path.join(sandbox, directory))
        path = playbook if os.path.isabs(playbook) else os.path.join(RELIABILITY_DIR, 'playbooks', playbook)
        command = playbook_command(path, vars_file, extra_vars, check, diff, verbosity)
        run_env = dict(os.environ)
        for variable in AZURE_VARIABLES:
            run_env.pop(variable, None)
        run_env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections_dir,
            ANSIBLE_CALLBACK_PLUGINS=CALLBACK_PLUGINS,
            ANSIBLE_CALLBACKS_ENABLED='result_recorder',
            ANSIBLE_LOCALHOST_WARNING='false',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
            ANSIBLE_NOCOLOR='true',
            ANSIBLE_RETRY_FILES_ENABLED='false',
            ANSIBLE_HOME=os.path.join(sandbox, 'ansible-home'),
            ANSIBLE_LOCAL_TEMP=os.path.join(sandbox, 'local-tmp'),
            ANSIBLE_REMOTE_TEMP=os.path.join(sandbox, 'remote-tmp'),
            TMPDIR=self.short_temporary_dir(name, os.path.join(sandbox, 'tmp')),
            RESULT_RECORDER_FILE=results_file,
        )
        run_env.update(env or {})
        return command, run_env, results_file, sandbox

    def start(self, playbook=PLAYBOOK, extra_vars=None, check=False, diff=False, verbosity=0, env=None, emulator=None):
        command, run_env, results_file, sandbox = self._prepare(playbook, extra_vars, check, diff, verbosity, env)
        guard = check_mode_guard(emulator) if check and emulator is not None else None
        process = subprocess.Popen(command, env=run_env, cwd=os.path.join(sandbox, 'cwd'), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True)
        return RunningPlaybook(process, results_file, sandbox, guard)

    def run(self, playbook=PLAYBOOK, extra_vars=None, check=False, diff=False, verbosity=0, env=None, emulator=None,
            timeout=1800):
        """Run to the end; with check=True and an emulator, assert that its write counter did not move."""
        return self.start(playbook, extra_vars, check, diff, verbosity, env, emulator).wait(timeout=timeout)


def check_mode_guard(emulator):
    """A callable for after a check-mode run: fails when the emulator's write counter moved."""
    before = emulator.stats()['writes']

    def guard(run):
        after = emulator.stats()['writes']
        assert after == before, 'check mode wrote to the emulator: writes went from %d to %d\n%r' % (before, after, run)
    return guard


def task_result(run, name=TASK):
    return run.task(name)['result']


# ---------------------------------------------------------------- tenant views

def sku_names(state):
    return dict((sku['skuId'], sku['skuPartNumber']) for sku in state['skus'])


def licences_by_user(state):
    """{upn lower case: frozenset of part numbers held, directly or through a group}."""
    names = sku_names(state)
    return dict((user['userPrincipalName'].lower(), frozenset(names[entry['skuId']] for entry in user['assignedLicenses']))
                for user in state['users'])


def direct_licences_by_user(state):
    """{upn lower case: frozenset of part numbers assigned directly}."""
    names = sku_names(state)
    return dict((user['userPrincipalName'].lower(),
                 frozenset(names[entry['skuId']] for entry in user['licenseAssignmentStates'] if not entry['assignedByGroup']))
                for user in state['users'])


def usage_locations(state):
    return dict((user['userPrincipalName'].lower(), user.get('usageLocation')) for user in state['users'])


def seats_consumed(state):
    return dict((sku['skuPartNumber'], sku['consumedUnits']) for sku in state['skus'])


def duplicate_assignments(state):
    """Users holding a SKU twice in assignedLicenses or with two direct assignments of it."""
    problems = []
    for user in state['users']:
        held = [entry['skuId'] for entry in user['assignedLicenses']]
        direct = [entry['skuId'] for entry in user['licenseAssignmentStates'] if not entry['assignedByGroup']]
        if len(held) != len(set(held)) or len(direct) != len(set(direct)):
            problems.append(user['userPrincipalName'])
    return problems


def holders(state):
    """{part number: number of users holding it}, to compare with consumedUnits."""
    counts = {}
    for licences in licences_by_user(state).values():
        for part_number in licences:
            counts[part_number] = counts.get(part_number, 0) + 1
    return counts


# ---------------------------------------------------------------- leaks

BEARER = re.compile(r'Bearer\s+[A-Za-z0-9._~+/=-]{16,}')


def find_leaks(texts, secrets):
    """[(where, what)] for every secret value found in any text.

    texts: {where: text}; secrets: {what: value}. Values shorter than 8 characters are refused:
    they would match by chance and prove nothing.
    """
    found = []
    for what, value in secrets.items():
        assert value and len(value) >= 8, 'secret %s is too short to search for: %r' % (what, value)
        for where, text in texts.items():
            if value in text:
                found.append((where, what))
    for where, text in texts.items():
        for match in BEARER.finditer(text):
            found.append((where, 'a bearer token: %s...' % match.group(0)[:12]))
    return found


def sandbox_texts(sandbox):
    """{path: text} of every file under a run's sandbox (what the modules wrote)."""
    texts = {}
    for root, _dirs, files in os.walk(sandbox):
        for name in files:
            path = os.path.join(root, name)
            with open(path, 'rb') as handle:
                texts[path] = handle.read().decode('utf-8', errors='replace')
    return texts


def run_texts(run):
    """Everything a playbook run produced: its output, each task result and the files under its sandbox."""
    texts = {'output': run.output, 'results': json.dumps(run.results)}
    texts.update(sandbox_texts(run.sandbox))
    return texts


def emulator_log_text(emulator):
    return json.dumps(emulator.log())


def wait_until(predicate, timeout, interval=0.05, what='condition'):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- emulator log

FAULT_KINDS = ('429', '503', '504', 'reset', 'slow')


def read_log_file(path):
    """The entries of an emulator --log-file (one JSON object per line)."""
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _item_statuses(entry):
    """Statuses of a $batch envelope's items, or None when its logged answer cannot be read."""
    body = entry.get('response_body')
    if not isinstance(body, dict):
        return None
    return [item.get('status') for item in body.get('responses') or []]


def fault_counts(entries, stats, slow_seconds):
    """Injected faults by kind, from the request log and the emulator's counters.

    Exact from the log: reset (answers never sent), 503 and 504 (plain answers and $batch items),
    and 429 (every 429 seen minus the emulator's real throttling, its `throttled` counter: a fault
    429 and a throttle 429 look alike in a log). "slow" leaves no mark but time, and a busy
    machine can make an ordinary answer slow too, so it is the rest of the `faults` counter,
    checked against the answers that took slow_seconds or more (`slow_answers_seen`).
    """
    counts = dict.fromkeys(FAULT_KINDS, 0)
    seen_429 = 0
    unreadable = 0
    slow_answers = 0
    for entry in entries:
        if entry['connection_reset']:
            counts['reset'] += 1
            continue
        if entry['duration_ms'] >= slow_seconds * 1000:
            slow_answers += 1
        statuses = [entry['status']]
        if entry['path'].split('?')[0].lower() == '/v1.0/$batch' and entry['status'] == 200:
            statuses = _item_statuses(entry)
            if statuses is None:
                unreadable += 1
                statuses = []
        for status in statuses:
            if status in (503, 504):
                counts[str(status)] += 1
            elif status == 429:
                seen_429 += 1
    counts['429'] = seen_429 - stats['throttled']
    counts['slow'] = stats['faults'] - sum(counts[kind] for kind in ('429', '503', '504', 'reset'))
    counts['slow_answers_seen'] = slow_answers
    counts['unreadable_batch_answers'] = unreadable
    return counts


def expired_token_rejections(entries):
    """How many requests Graph refused because their token had expired."""
    return sum(1 for entry in entries if entry['status'] == 401 and 'expired' in json.dumps(entry.get('response_body')))


# ---------------------------------------------------------------- certificates

def certificate_files(directory, password):
    """A new key and self-signed certificate as an encrypted PEM and a PFX (both with password).

    Returns {'certificate_pem': str, 'pem': path, 'pfx': path}.
    """
    key, certificate = self_signed_certificate('m365-licensing-reliability')
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    encryption = serialization.BestAvailableEncryption(password.encode())
    pem = os.path.join(str(directory), 'app-encrypted.pem')
    with open(pem, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption) + certificate_pem)
    pfx = os.path.join(str(directory), 'app.pfx')
    with open(pfx, 'wb') as handle:
        handle.write(pkcs12.serialize_key_and_certificates(b'app', key, certificate, None, encryption))
    return dict(certificate_pem=certificate_pem.decode(), pem=pem, pfx=pfx)


def fetch_token(emulator, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    """An access token got the way a caller outside Ansible would: client credentials, straight from the emulator."""
    info = emulator.info
    session = requests.Session()
    session.trust_env = False
    try:
        answer = session.post('%s/%s/oauth2/v2.0/token' % (info['authority_url'], info['tenant_id']), verify=info['ca_path'],
                              data=dict(grant_type='client_credentials', client_id=client_id, client_secret=client_secret,
                                        scope='%s/.default' % info['graph_url']), timeout=30)
    finally:
        session.close()
    answer.raise_for_status()
    return answer.json()['access_token']


def unused_local_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]
