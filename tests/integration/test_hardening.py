# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening catalogue (issue 15): faults and inputs a demanding user or an attacker brings.

Every row runs teams_license at -vvvv through a real ansible-playbook against the emulator, whose
fault_script knob (tests/graph_emulator/faults.py) hands out exactly the faults the row names, and
asserts, from the emulator and not from the module's claim:

- the outcome and a message naming what is wrong (the option, the request throttled, the answer
  that was malformed, Entra's side rather than the credentials);
- the exact write counters (`writes`, `writes_applied`) and which users changed;
- that no form of any secret (raw, escaped, JSON-escaped, URL-encoded, cut) is anywhere: output,
  task result, files written during the run, the emulator's log.

Then the stop (class 2): Ctrl-C, SIGTERM to ansible-playbook, and AWX's cancel as ansible-runner
delivers it, in the middle of a write phase of 240 users: nothing is written once ansible-playbook
has gone, at most the envelopes in flight finish, and every user holds its licences from before or
after, never half of a change.
"""

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reliability'))

# pylint: disable=wrong-import-position
from reliability_support import (CLIENT_ID, CLIENT_SECRET, PLAYBOOK, PlaybookRunner, RecordingEmulator,  # noqa: E402
                                 connection_vars, emulator_args, find_leaks, licences_by_user, run_texts, task_result,
                                 usage_locations, wait_until)
from test_bad_input import READER_ID, READER_SECRET, SECRETS  # noqa: E402

pytestmark = pytest.mark.integration

CONTOSO = 'contoso.onmicrosoft.com'
ADELE = ['AdeleV@%s' % CONTOSO]
E3_PLUS_PHONE = frozenset(('ENTERPRISEPACK', 'MCOEV'))
SKUS = 'GET /v1.0/subscribedSkus'
TOKEN_ENDPOINT = '/oauth2/v2.0/token'
BATCH = 'POST /v1.0/$batch'


def secret_forms(secrets):
    """{what: form} of every form of every secret: raw, trimmed, escaped, JSON-escaped, URL-encoded, and cuts of it."""
    from urllib.parse import quote
    forms = {}
    for what, value in secrets.items():
        trimmed = value.strip()
        candidates = {'raw': value, 'trimmed': trimmed, 'escaped': repr(value)[1:-1], 'json': json.dumps(value)[1:-1],
                      'url': quote(value, safe=''), 'head': trimmed[:10], 'tail': trimmed[-10:]}
        if len(trimmed) >= 30:
            candidates['middle'] = trimmed[len(trimmed) // 2 - 5:len(trimmed) // 2 + 5]
        for kind, form in candidates.items():
            if len(form) >= 8:
                forms['%s (%s)' % (what, kind)] = form
    return forms


class Row(collections.namedtuple('Row', 'name options connection knobs names writes applied changed succeeds env requests')):
    """One case. connection: extra vars (callables of the emulator); knobs: emulator config (fault_script);
    names: fragments of msg (or of the warnings when it succeeds); writes/applied: the emulator's exact counters;
    changed: {user: licences afterwards}; requests: when not None, the exact number of requests the emulator saw."""


def row(name, names, options=None, connection=None, knobs=None, writes=0, applied=None, changed=None, succeeds=False, env=None,
        requests=None):
    return Row(name, options or dict(users=ADELE, licenses=['phone_system']), connection or {}, knobs or {}, tuple(names), writes,
               writes if applied is None else applied, changed or {}, succeeds, env or {}, requests)


def faults(*entries):
    return dict(fault_script=[dict(entry) for entry in entries])


def fault(match, kind, count=1, retry_after=None):
    entry = dict(match=match, kind=kind, count=count)
    if retry_after is not None:
        entry['retry_after'] = retry_after
    return entry


ADELE_DONE = {ADELE[0]: E3_PLUS_PHONE}
WORKS = dict(writes=1, changed=ADELE_DONE, succeeds=True)
ROWS = [
    # ---- class 3: no hang
    row('Retry-After of a day on the SKU read fails at once, naming it',
        ['Graph throttled GET /subscribedSkus and asked to wait 86400 s (Retry-After), more than the retry budget has left'],
        knobs=faults(fault(SKUS, '429', retry_after=86400))),
    row('Retry-After of a day on one user write fails that user only, naming the request',
        ['Graph throttled POST /users/', '/assignLicense and asked to wait 86400 s', 'user AdeleV@contoso.onmicrosoft.com'],
        options=dict(users=ADELE + ['AlexW@%s' % CONTOSO], licenses=['phone_system']),
        knobs=faults(fault(lambda emulator: '/users/%s/assignLicense' % user_id(emulator, ADELE[0]), '429', retry_after=86400)),
        writes=2, applied=1,
        changed={'AlexW@%s' % CONTOSO: E3_PLUS_PHONE}),
    row('Retry-After 0 five times on the SKU read backs off and then works', [], knobs=faults(fault(SKUS, '429', 5, retry_after=0)),
        **WORKS),
    row('Retry-After 0 on every token request backs off and then works', [],
        knobs=faults(fault(TOKEN_ENDPOINT, '429', 2, retry_after=0)), **WORKS),
    # ---- class 5: a malformed answer is an error, not a fact
    row('empty 200 to the SKU read, once: retried', [], knobs=faults(fault(SKUS, 'malformed:empty')), **WORKS),
    row('truncated 200 to the SKU read, once: retried', [], knobs=faults(fault(SKUS, 'malformed:truncated')), **WORKS),
    row('HTML 200 to the SKU read, once: retried', [], knobs=faults(fault(SKUS, 'malformed:html')), **WORKS),
    row('string 200 to the SKU read, once: retried', [], knobs=faults(fault(SKUS, 'malformed:string')), **WORKS),
    row('null 200 to the SKU read, once: retried', [], knobs=faults(fault(SKUS, 'malformed:null')), **WORKS),
    row('HTML 200 to every SKU read: a Graph error with the request-id, never "no subscriptions"',
        ["cannot read the tenant's subscribed SKUs", 'malformed answer to GET /subscribedSkus: expected a JSON object, got an HTML',
         'request-id', 'gave up after 6 attempts'], knobs=faults(fault(SKUS, 'malformed:html', 10))),
    row('null 200 to every SKU read: never "zero seats"',
        ['malformed answer to GET /subscribedSkus: expected a JSON object, got null', 'request-id'],
        knobs=faults(fault(SKUS, 'malformed:null', 10))),
    row('null body for a user read, once: retried, never "user not found"', [],
        knobs=faults(fault('GET /v1.0/users/AdeleV', 'malformed:null')), **WORKS),
    row('string body for every read of a user: that user fails, never "not found"',
        ['user AdeleV@contoso.onmicrosoft.com', 'malformed answer to GET /users/AdeleV@contoso.onmicrosoft.com'],
        options=dict(users=ADELE + ['AlexW@%s' % CONTOSO], licenses=['phone_system']),
        knobs=faults(fault('GET /v1.0/users/AdeleV', 'malformed:string', 10)), writes=1,
        changed={'AlexW@%s' % CONTOSO: E3_PLUS_PHONE}),
    row('truncated answer to the envelope of user reads: retried, never "no such users"', [],
        knobs=faults(fault(BATCH, 'malformed:truncated', 1)), writes=1, changed=ADELE_DONE, succeeds=True),
    # ---- class 6: Entra has blips too
    row('token endpoint 503 AADSTS90033 once: retried', [], knobs=faults(fault(TOKEN_ENDPOINT, '503')), **WORKS),
    row('token endpoint HTML 503 once: retried', [], knobs=faults(fault(TOKEN_ENDPOINT, 'html_503')), **WORKS),
    row('token endpoint down: Entra is blamed, not the credentials',
        ['could not get a token for client %s' % CLIENT_ID, 'answered HTTP 503', "a fault on Entra's side, not a problem with the"
         ' credentials', 'after 6 attempts'], knobs=faults(fault(TOKEN_ENDPOINT, '503', 10))),
    row('token endpoint answers a sign-in page with 200',
        ['answered HTTP 200 with a body that is not JSON (an HTML page)', 'proxy', 'HTTPS_PROXY'],
        knobs=faults(fault(TOKEN_ENDPOINT, 'malformed:html', 10))),
    # ---- class 7: options checked before anything is sent, messages point at the option
    row('graph_url ending in /v1.0', ["graph_url '", "' ends in the API version /v1.0"],
        connection=dict(m365_graph_url=lambda emulator: emulator.info['graph_url'] + '/v1.0'), requests=0),
    row('graph_url ending in /beta/', ['ends in the API version /beta'],
        connection=dict(m365_graph_url=lambda emulator: emulator.info['graph_url'] + '/beta/'), requests=0),
    row('authority_url with the tenant in it', ["authority_url '", 'has a path', 'the tenant is appended from tenant_id'],
        connection=dict(m365_authority_url=lambda emulator: '%s/%s' % (emulator.info['authority_url'], emulator.info['tenant_id'])),
        requests=0),
    row('graph_url over http', ['must start with https://'],
        connection=dict(m365_graph_url=lambda emulator: emulator.info['graph_url'].replace('https://', 'http://')), requests=0),
    row('tenant_id with surrounding spaces is trimmed and works', [],
        connection=dict(m365_tenant_id=lambda emulator: '  %s \n' % emulator.info['tenant_id']), **WORKS),
    row('tenant_id with a space inside', ["tenant_id 'contoso .onmicrosoft.com'"],
        connection=dict(m365_tenant_id='contoso .onmicrosoft.com'), requests=0),
    row('client_id with a space inside', ["client_id '11111111-1111 -4111-8111-111111111111'"],
        connection=dict(m365_client_id='11111111-1111 -4111-8111-111111111111'), requests=0),
    row('timeout of 0', ['timeout must be a number of seconds from 1 to 600, got 0'], connection=dict(m365_timeout=0), requests=0),
    row('negative timeout', ['got -5'], connection=dict(m365_timeout=-5), requests=0),
    row('max_retries of a thousand', ['max_retries must be a whole number from 0 to 20, got 1000'],
        connection=dict(m365_max_retries=1000), requests=0),
    row('ca_path that does not exist', ['ca_path /nonexistent/ca.pem is not a readable file'],
        connection=dict(m365_ca_path='/nonexistent/ca.pem'), requests=0),
    # ---- class 8: the task's own credential wins
    row("the task's secret wins over a certificate in the environment", [], env=dict(AZURE_CLIENT_CERTIFICATE_PATH='/nonexistent/env.pfx'),
        **WORKS),
    row("a managed identity named in the task wins over a secret in the environment", [],
        connection=dict(m365_managed_identity='system', m365_client_secret=None, m365_client_id=None, m365_tenant_id=None,
                        m365_authority_url=None),
        env=dict(AZURE_CLIENT_ID=CLIENT_ID, AZURE_SECRET='wrong-secret-from-env-2', AZURE_TENANT=lambda emulator: emulator.info['tenant_id'],
                 AZURE_POD_IDENTITY_AUTHORITY_HOST=lambda emulator: emulator.info['graph_url']), **WORKS),
    row('without a method in the task, the environment supplies it', [],
        connection=dict(m365_client_secret=None, m365_client_id=None, m365_tenant_id=None),
        env=dict(AZURE_CLIENT_ID=CLIENT_ID, AZURE_SECRET=CLIENT_SECRET, AZURE_TENANT=lambda emulator: emulator.info['tenant_id']),
        **WORKS),
    row("the task's app wins over the environment's", [], env=dict(AZURE_CLIENT_ID=READER_ID, AZURE_CLIENT_SECRET=READER_SECRET),
        **WORKS),
    # ---- issue 10 item 4 with class 2's mechanism: stop early on what no retry can fix
    row('missing write permission: one short message, no further write',
        ['user AdeleV@contoso.onmicrosoft.com: assignLicense refused with HTTP 403 Authorization_RequestDenied',
         'the app lacks the Graph application permission LicenseAssignment.ReadWrite.All',
         'No further write was sent: 0 user(s) not attempted'],
        connection=dict(m365_client_id=READER_ID, m365_client_secret=READER_SECRET), writes=1, applied=0),
]


@pytest.fixture(scope='module')
def contoso(tmp_path_factory):
    directory = tmp_path_factory.mktemp('emulator')
    emulator = RecordingEmulator(args=emulator_args('contoso'), token_file=str(directory / 'tokens.txt'))
    with emulator:
        yield emulator


@pytest.fixture
def runner(collection_tree, tmp_path):
    return PlaybookRunner(collection_tree, tmp_path)


def resolve(value, emulator):
    return value(emulator) if callable(value) else value


def user_id(emulator, upn):
    return next(user['id'] for user in emulator.state()['users'] if user['userPrincipalName'].lower() == upn.lower())


def resolved_knobs(knobs, emulator):
    script = [dict((name, resolve(value, emulator)) for name, value in entry.items()) for entry in knobs.get('fault_script', [])]
    return dict(knobs, fault_script=script) if script else dict(knobs)


def tenant_view(emulator):
    state = emulator.state()
    licences, locations = licences_by_user(state), usage_locations(state)
    return dict((user, (licences[user], locations[user])) for user in licences)


def leaks(run, emulator, extra, env):
    secrets = dict(SECRETS)
    secrets.update(('issued token %d' % number, token) for number, token in enumerate(sorted(emulator.issued_tokens())))
    for name, value in list(extra.items()) + list(env.items()):
        if any(word in name.lower() for word in ('secret', 'password', 'token')) and isinstance(value, str) and len(value.strip()) >= 8:
            secrets['given %s' % name] = value
    texts = run_texts(run)
    texts['emulator log'] = json.dumps(emulator.log())
    return find_leaks(texts, secret_forms(secrets))


def test_the_catalogue_has_at_least_30_rows_with_distinct_names():
    assert len(ROWS) >= 30 and len(set(entry.name for entry in ROWS)) == len(ROWS)


@pytest.mark.parametrize('case', ROWS, ids=[entry.name for entry in ROWS])
def test_hardening(case, contoso, runner):
    contoso.reset(config=True)
    extra = connection_vars(contoso)
    for name, value in case.connection.items():
        extra[name] = resolve(value, contoso)
        if extra[name] is None:
            del extra[name]
    extra.update(case.options)
    env = dict((name, resolve(value, contoso)) for name, value in case.env.items())
    before = tenant_view(contoso)
    if case.knobs:
        contoso.configure(**resolved_knobs(case.knobs, contoso))
    contoso.stats()  # the inspection calls are not counted; reset the clock of this row
    started = time.monotonic()

    run = runner.run(PLAYBOOK, extra_vars=extra, verbosity=4, env=env, timeout=240)

    elapsed = time.monotonic() - started
    result = task_result(run)
    if case.succeeds:
        assert run.rc == 0, run
        assert result['summary']['failed'] == 0
    else:
        assert run.rc != 0, run
        text = result['msg']
        for fragment in case.names:
            assert fragment in text, 'the message lacks %r:\n%s' % (fragment, text)
        assert 'Traceback' not in json.dumps(result)
    stats = contoso.stats()
    assert (stats['writes'], stats['writes_applied']) == (case.writes, case.applied), json.dumps(stats)
    if case.requests is not None:
        assert stats['requests_total'] == case.requests, json.dumps(stats)
    after = tenant_view(contoso)
    changed = dict((user, after[user][0]) for user in after if after[user] != before[user])
    assert changed == dict((user.lower(), licences) for user, licences in case.changed.items())
    assert elapsed < 120, 'the run took %.0f s: a wait was not bounded' % elapsed
    assert not leaks(run, contoso, extra, env)
    contoso.reset()


# ---- class 2: stopping a run stops the writes ----------------------------------------------------

STOP_USERS = 240
DESIRED = frozenset(('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'))
SCENARIO = dict(licenses=sorted(DESIRED), state='exact', exact_scope='all', usage_location='US')
IN_FLIGHT_LIMIT = 4 * 20  # max_concurrency envelopes of 20 writes may be on their way when the stop comes
QUIET_SECONDS = 4.0


@pytest.fixture(scope='module')
def big_tenant(tmp_path_factory):
    directory = tmp_path_factory.mktemp('big-tenant')
    # Slow answers (0.4 s an envelope plus 20 ms an item) so that the write phase lasts several seconds.
    emulator = RecordingEmulator(args=('--generate-users', STOP_USERS, '--seed', 6, '--throttle', 'off', '--latency-ms', 400,
                                       '--batch-item-ms', 20), token_file=str(directory / 'tokens.txt'))
    with emulator:
        yield emulator


def ctrl_c(process, _emulator):
    """A terminal's Ctrl-C: SIGINT to ansible-playbook's process group (its workers run in sessions of their own)."""
    os.killpg(os.getpgid(process.pid), signal.SIGINT)


def sigterm(process, _emulator):
    process.send_signal(signal.SIGTERM)


def run_and_stop(runner, emulator, extra, stop):
    """Start the playbook in a session of its own, stop it once writes are under way; (writes at the stop, at exit)."""
    command, env, _results, sandbox = runner._prepare(PLAYBOOK, extra, False, False, 0, None)
    process = subprocess.Popen(command, env=env, cwd=os.path.join(sandbox, 'cwd'), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    wait_until(lambda: emulator.stats()['writes'] > 0, timeout=120, what='the first write')
    at_stop = emulator.stats()['writes']
    stop(process, emulator)
    process.communicate(timeout=120)
    return at_stop, emulator.stats()['writes']


def run_and_cancel_through_ansible_runner(tmp_path, collections_dir, emulator, extra, monkeypatch):
    """AWX's cancel: ansible-runner's cancel_callback turns true, runner SIGKILLs ansible-playbook's process group."""
    ansible_runner = pytest.importorskip('ansible_runner')
    monkeypatch.setenv('PATH', os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    private = tmp_path / 'runner'
    (private / 'project').mkdir(parents=True)
    shutil.copy(PLAYBOOK, str(private / 'project' / 'teams_license.yml'))
    marks = {}

    def cancel():
        writes = emulator.stats()['writes']
        if writes > 0 and 'at_stop' not in marks:
            marks['at_stop'] = writes
        return 'at_stop' in marks

    env = dict(ANSIBLE_COLLECTIONS_PATH=collections_dir, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    result = ansible_runner.run(private_data_dir=str(private), playbook='teams_license.yml', extravars=extra, envvars=env,
                                cancel_callback=cancel, quiet=True,
                                # AWX polls its cancel flag between output lines; runner's default waits up to 5 s.
                                settings={'pexpect_timeout': 0.2})
    assert result.status == 'canceled', '%s: %s' % (result.status, result.stdout.read()[-3000:])
    return marks['at_stop'], emulator.stats()['writes']


STOPS = [('Ctrl-C', ctrl_c), ('SIGTERM to ansible-playbook', sigterm), ('AWX cancel through ansible-runner', None)]


@pytest.mark.parametrize('name, stop', STOPS, ids=[entry[0] for entry in STOPS])
def test_a_stop_in_the_middle_of_the_writes_stops_them(name, stop, big_tenant, runner, collection_tree, tmp_path, monkeypatch):
    big_tenant.reset()
    state = big_tenant.state()
    users = sorted(user['userPrincipalName'] for user in state['users'])[:STOP_USERS]
    before = licences_by_user(state)
    extra = dict(connection_vars(big_tenant), users=users, max_concurrency=4, **SCENARIO)
    if stop is None:
        at_stop, at_exit = run_and_cancel_through_ansible_runner(tmp_path, collection_tree, big_tenant, extra, monkeypatch)
    else:
        at_stop, at_exit = run_and_stop(runner, big_tenant, extra, stop)
    time.sleep(QUIET_SECONDS)
    settled = big_tenant.stats()['writes']
    assert settled == at_exit, '%s: %d writes were sent after ansible-playbook had gone' % (name, settled - at_exit)
    assert at_exit - at_stop <= IN_FLIGHT_LIMIT, '%s: %d writes after the stop' % (name, at_exit - at_stop)
    planned = sum(1 for user in users if before[user.lower()] != DESIRED)
    assert at_exit < planned, '%s: the run was not stopped (%d of %d writes)' % (name, at_exit, planned)
    after = licences_by_user(big_tenant.state())
    half = [user for user in users if after[user.lower()] not in (before[user.lower()], DESIRED)]
    assert not half, '%s: users neither before nor after: %s' % (name, half[:5])


def module_processes(ancestor):
    """Pids of the teams_license module processes below ``ancestor`` (Linux /proc)."""
    found = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                words = handle.read().split(b'\0')
        except OSError:
            continue
        if not (words and words[0].endswith(b'python3.11') or b'python' in words[0]) or not any(
                word.endswith(b'AnsiballZ_teams_license.py') for word in words):
            continue
        pid = int(name)
        while pid > 1:
            if pid == ancestor:
                found.append(int(name))
                break
            try:
                with open('/proc/%d/stat' % pid, 'rb') as handle:
                    pid = int(handle.read().rsplit(b')', 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
    return found


def test_sigterm_to_the_module_reports_every_user_and_the_ones_not_attempted(big_tenant, runner):
    big_tenant.reset()
    state = big_tenant.state()
    users = sorted(user['userPrincipalName'] for user in state['users'])[:STOP_USERS]
    extra = dict(connection_vars(big_tenant), users=users, max_concurrency=4, **SCENARIO)
    running = runner.start(PLAYBOOK, extra_vars=extra)
    wait_until(lambda: big_tenant.stats()['writes'] > 0, timeout=120, what='the first write')
    for pid in module_processes(running.process.pid):
        os.kill(pid, signal.SIGTERM)
    run = running.wait(timeout=120)
    result = task_result(run)
    assert run.rc != 0
    statuses = collections.Counter(entry['status'] for entry in result['users'])
    assert sum(statuses.values()) == len(users), statuses
    assert statuses['not_attempted'] > 0, statuses
    assert result['msg'].startswith('the run was stopped by SIGTERM: the writes already sent finished and nothing more was sent;'
                                    ' %d user(s) not attempted' % statuses['not_attempted']), result['msg']
    skipped = [entry for entry in result['users'] if entry['status'] == 'not_attempted']
    assert all('the run was stopped by SIGTERM' in entry['error'] for entry in skipped)
    after, before = licences_by_user(big_tenant.state()), licences_by_user(state)
    assert all(after[entry['user'].lower()] == before[entry['user'].lower()] for entry in skipped), 'a user not attempted was written'
    at_exit = big_tenant.stats()['writes']
    time.sleep(QUIET_SECONDS)
    assert big_tenant.stats()['writes'] == at_exit, 'writes went on after the module reported'


def test_a_missing_permission_wastes_one_envelope_and_reports_every_user(big_tenant, runner):
    big_tenant.reset()
    state = big_tenant.state()
    users = sorted(user['userPrincipalName'] for user in state['users'])[:STOP_USERS]
    extra = dict(connection_vars(big_tenant), users=users, max_concurrency=4, m365_client_id=READER_ID,
                 m365_client_secret=READER_SECRET, **SCENARIO)
    run = runner.run(PLAYBOOK, extra_vars=extra, verbosity=4)
    result = task_result(run)
    stats = big_tenant.stats()
    statuses = collections.Counter(entry['status'] for entry in result['users'])
    # One envelope of writes, the first (here the usage-location PATCHes of the users outside the US), then none.
    assert stats['writes_applied'] == 0 and stats['writes'] == statuses['failed'] <= 20, json.dumps(stats)
    assert stats['requests']['PATCH /v1.0/users/{id}'] == stats['writes'] and 'POST /v1.0/users/{id}/assignLicense' not in stats['requests']
    assert sum(statuses.values()) == len(users), statuses
    assert result['msg'] == ('user %s: setting the usage location refused with HTTP 403 Authorization_RequestDenied (request-id %s):'
                             ' the app lacks the Graph application permission User.ReadWrite.All: grant it (with admin consent) and'
                             ' re-run. No further write was sent: %d user(s) not attempted (see users)'
                             % (result['msg'].split(' ')[1].rstrip(':'), result['msg'].split('request-id ')[1].split(')')[0],
                                statuses['not_attempted']))
    assert statuses['not_attempted'] == sum(1 for entry in result['users'] if entry['status'] == 'not_attempted') > 100
    assert len(result['msg']) < 400
    assert licences_by_user(big_tenant.state()) == licences_by_user(state)
