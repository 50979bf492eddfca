# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret leaks: not in the output at -vvvv, not in task results, files, or the emulator's request log.

What is searched for: every client secret and certificate password a run was given (right or
wrong), the access token given, and every access token the emulator issued. The emulator's own
log redacts tokens, so tests/reliability/recording_emulator.py writes each issued token to a
file as it is issued; a bearer-looking string anywhere is a leak too.

Where: the combined stdout and stderr at -vvvv, each task result, every file under the run's
sandbox (its working directory, TMPDIR, ANSIBLE_HOME and Ansible's temporary directories: where
the modules could write), the emulator's request log (/_emulator/log) and its --log-file.

The bad-input catalogue (test_bad_input.py) already runs teams_license at -vvvv through every
failure case with the same search. Here: a control that shows the search finds a planted token
in the output and in a file; teams_license in its successful modes (diff, check mode, certificate
with password, caller's token, faults with expiring tokens); teams_sku_info through the
credential and connection failures of the catalogue.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reliability'))

# pylint: disable=wrong-import-position
from reliability_support import (CLIENT_ID, CLIENT_SECRET, PLAYBOOK, RELIABILITY_DIR, PlaybookRunner, RecordingEmulator,  # noqa: E402
                                 certificate_files,
                                 connection_vars, emulator_args, fetch_token, find_leaks, read_log_file, run_texts, task_result)
from playbook_harness import PLAYBOOKS_DIR  # noqa: E402
from test_bad_input import CASES, CERTIFICATE_CLIENT_ID, CERTIFICATE_PASSWORD, SECRETS, Context  # noqa: E402
from test_hardening import secret_forms  # noqa: E402

pytestmark = pytest.mark.integration

LEAK_PLAYBOOK = os.path.join(RELIABILITY_DIR, 'playbooks', 'leak_on_purpose.yml')
SKU_INFO_PLAYBOOK = os.path.join(PLAYBOOKS_DIR, 'sku_info.yml')
STAFF = ['%s@contoso.onmicrosoft.com' % name for name in ('AdeleV', 'AlexW', 'DiegoS', 'GradyA', 'HenriettaM', 'IsaiahL')]


@pytest.fixture(scope='module')
def certificates(tmp_path_factory):
    return certificate_files(tmp_path_factory.mktemp('certificates'), CERTIFICATE_PASSWORD)


@pytest.fixture(scope='module')
def contoso(tmp_path_factory, certificates):
    directory = tmp_path_factory.mktemp('emulator')
    log_file = str(directory / 'requests.jsonl')
    emulator = RecordingEmulator(args=emulator_args('contoso', '--log-file', log_file), token_file=str(directory / 'tokens.txt'))
    emulator.log_file = log_file
    with emulator:
        emulator.register_app({'client_id': CERTIFICATE_CLIENT_ID, 'display_name': 'Certificate automation',
                               'certificates': [certificates['certificate_pem']],
                               'roles': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All']})
        yield emulator


@pytest.fixture
def runner(collection_tree, tmp_path):
    return PlaybookRunner(collection_tree, tmp_path)


def all_secrets(emulator, *more):
    secrets = dict(SECRETS)
    secrets.update(('issued token %d' % number, token) for number, token in enumerate(sorted(emulator.issued_tokens())))
    secrets.update(('given token %d' % number, token) for number, token in enumerate(more))
    return secrets


def leaks(run, emulator, *more):
    """Every form of every secret (raw, trimmed, escaped, JSON-escaped, URL-encoded, cut) found anywhere."""
    texts = run_texts(run)
    texts['emulator log'] = json.dumps(emulator.log())
    with open(emulator.log_file, encoding='utf-8') as handle:
        texts['emulator log file'] = handle.read()
    return find_leaks(texts, secret_forms(all_secrets(emulator, *more)))


def test_the_search_finds_a_token_planted_in_the_output_and_in_a_file(contoso, runner):
    token = fetch_token(contoso)
    assert token in contoso.issued_tokens(), 'the recorder missed a token the emulator issued'
    run = runner.run(LEAK_PLAYBOOK, extra_vars=dict(planted=token), verbosity=4)
    assert run.rc == 0, run
    places = set(where for where, _what in find_leaks(run_texts(run), {'planted token': token}))
    assert 'output' in places
    assert any(where.endswith('planted.txt') for where in places), places
    assert find_leaks({'header': 'Authorization: Bearer %s' % ('x' * 40)}, {}) == [('header', 'a bearer token: Bearer xxxxx...')]


def test_the_emulator_log_saw_the_secrets_and_redacted_them(contoso, runner):
    contoso.reset(config=True)
    run = runner.run(PLAYBOOK, extra_vars=dict(connection_vars(contoso), users=STAFF[:1], licenses=['audio_conferencing']), verbosity=4)
    assert run.rc == 0, run
    entries = read_log_file(contoso.log_file)
    token_requests = [entry for entry in entries if entry['path'].endswith('/oauth2/v2.0/token')]
    graph_requests = [entry for entry in entries if entry['path'].startswith('/v1.0/')]
    # The search below covers requests that carried the secret and the token: the log holds them, redacted.
    assert token_requests and all(entry['request_body']['client_secret'] == '[REDACTED]' for entry in token_requests)
    assert graph_requests and all(entry['request_headers']['authorization'] == '[REDACTED]' for entry in graph_requests)
    assert not leaks(run, contoso)


def certificate_connection(certificates, form):
    return dict(m365_client_id=CERTIFICATE_CLIENT_ID, m365_client_secret=None, m365_client_certificate_path=certificates[form],
                m365_client_certificate_password=CERTIFICATE_PASSWORD)


SUCCESSFUL_RUNS = [
    ('apply with diff', {}, {}, dict(diff=True)),
    ('check mode with diff', {}, {}, dict(check=True, diff=True)),
    ('certificate with password, PFX', lambda context: certificate_connection(context.certificates, 'pfx'), {}, {}),
    ('certificate with password, PEM', lambda context: certificate_connection(context.certificates, 'pem'), {}, {}),
    ('access token given by the caller', lambda context: dict(m365_access_token=context.given_token, m365_client_secret=None), {}, {}),
    ('faults, throttling and tokens expiring mid-run', dict(m365_timeout=2),
     dict(fault_rate=0.3, fault_kinds=['429', '503', '504', 'reset', 'slow'], slow_seconds=3, token_lifetime=4), {}),
]


@pytest.mark.parametrize('name, connection, knobs, mode', SUCCESSFUL_RUNS, ids=[entry[0] for entry in SUCCESSFUL_RUNS])
def test_teams_license_at_vvvv_leaks_nothing(name, connection, knobs, mode, contoso, certificates, runner):
    contoso.reset(config=True)
    context = Context(contoso, certificates)
    context.given_token = fetch_token(contoso)
    extra = connection_vars(contoso)
    for option, value in context.resolve(connection).items():
        extra[option] = value
        if value is None:
            del extra[option]
    extra.update(users=STAFF, licenses=['phone_system', 'calling_plan_domestic'])
    if knobs:
        contoso.configure(**knobs)
    run = runner.run(PLAYBOOK, extra_vars=extra, verbosity=4, emulator=contoso, **mode)
    assert run.rc == 0, '%s: %r' % (name, run)
    assert task_result(run)['summary']['failed'] == 0
    assert not leaks(run, contoso, context.given_token)


CONNECTION_ROWS = [row for row in CASES if row.connection]


@pytest.mark.parametrize('row', CONNECTION_ROWS, ids=[row.name for row in CONNECTION_ROWS])
def test_teams_sku_info_through_the_failure_cases_leaks_nothing(row, contoso, certificates, runner):
    contoso.reset(config=True)
    context = Context(contoso, certificates)
    extra = connection_vars(contoso)
    for option, value in row.connection.items():
        extra[option] = context.resolve(value)
        if extra[option] is None:
            del extra[option]
    if row.knobs:
        contoso.configure(**row.knobs)
    run = runner.run(SKU_INFO_PLAYBOOK, extra_vars=extra, verbosity=4)
    # teams_sku_info only reads: the read-only and the usage-location-less apps succeed; every other row fails.
    assert (run.rc == 0) == (row.succeeds or row.writes > 0), run
    assert run.results, run
    given = [extra['m365_access_token']] if 'm365_access_token' in extra else []
    assert not leaks(run, contoso, *given)


# ---- issue 15, class 1: a credential with whitespace or control characters is refused before any request, unshown

def with_given_token(suffix):
    return lambda context: dict(m365_access_token=context.given_token[:20] + suffix[0] + context.given_token[20:] if suffix[1]
                                else context.given_token + suffix[0], m365_client_secret=None)


MANGLED_CREDENTIALS = [
    ('access token ending in a newline (a YAML | block)', with_given_token(('\n', False)), 'access_token', 'a newline at its end', {}),
    ('access token ending in CRLF (a Windows file lookup)', with_given_token(('\r\n', False)), 'access_token', 'a newline at its end', {}),
    ('access token with a space inside', with_given_token((' ', True)), 'access_token', 'whitespace inside', {}),
    ('access token with a tab inside', with_given_token(('\t', True)), 'access_token', 'whitespace inside', {}),
    ('access token with a unicode line separator inside', with_given_token(('\u2028', True)), 'access_token', 'inside', {}),
    ('client secret ending in a newline', lambda context: dict(m365_client_secret=CLIENT_SECRET + '\n'), 'client_secret',
     'a newline at its end', {}),
    ('client secret with a tab inside', lambda context: dict(m365_client_secret=CLIENT_SECRET[:8] + '\t' + CLIENT_SECRET[8:]),
     'client_secret', 'whitespace inside', {}),
    ('client secret from the environment ending in a newline',
     lambda context: dict(m365_client_secret=None, m365_client_id=None, m365_tenant_id=None), 'client_secret', 'a newline at its end',
     dict(AZURE_CLIENT_SECRET=CLIENT_SECRET + '\n', AZURE_CLIENT_ID=CLIENT_ID, AZURE_TENANT='contoso.onmicrosoft.com')),
    ('certificate password ending in a newline',
     lambda context: dict(certificate_connection(context.certificates, 'pfx'), m365_client_certificate_password=CERTIFICATE_PASSWORD + '\n'),
     'client_certificate_password', 'a newline at its end', {}),
]


@pytest.mark.parametrize('name, connection, option, words, env', MANGLED_CREDENTIALS, ids=[entry[0] for entry in MANGLED_CREDENTIALS])
def test_a_mangled_credential_is_refused_before_any_request_and_shown_in_no_form(name, connection, option, words, env, contoso, certificates,
                                                                                 runner):
    contoso.reset(config=True)
    context = Context(contoso, certificates)
    context.given_token = fetch_token(contoso)
    contoso.reset()
    extra = connection_vars(contoso)
    for key, value in context.resolve(connection).items():
        extra[key] = value
        if value is None:
            del extra[key]
    extra.update(users=STAFF[:2], licenses=['phone_system'])
    run = runner.run(PLAYBOOK, extra_vars=extra, env=env, verbosity=4)
    assert run.rc != 0, run
    message = task_result(run)['msg']
    assert message.startswith('%s holds ' % option) and words in message and 'the value is not shown' in message, message
    stats = contoso.stats()
    assert (stats['requests_total'], stats['writes'], stats['tokens_issued']) == (0, 0, 0), json.dumps(stats)
    given = [value for key, value in list(extra.items()) + list(env.items())
             if any(word in key.lower() for word in ('secret', 'token', 'password')) and isinstance(value, str)]
    assert not leaks(run, contoso, context.given_token, *given)
