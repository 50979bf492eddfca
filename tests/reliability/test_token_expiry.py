# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An access token that expires in the middle of a run is renewed without failing any user.

msal treats a token with less than five minutes left as expired and asks for a new one, so with
short lifetimes every request starts with a fresh token; the fault soak covers that (20 s tokens
in make soak). What remains is a token that expires while one request is being retried: here
the first Graph request is answered late (a "slow" fault: applied, answered after the client's
timeout), so its retry carries a token that has expired meanwhile. Graph answers 401, the module
gets a new token and carries on.
"""

import threading

import pytest

from reliability_support import (CLIENT_SECRET, RecordingEmulator, connection_vars, emulator_args, expired_token_rejections, find_leaks,
                                 run_texts, task_result, wait_until)

pytestmark = pytest.mark.integration

OFFICE_STAFF = ['%s@contoso.onmicrosoft.com' % name for name in ('AdeleV', 'AlexW', 'DiegoS', 'GradyA', 'HenriettaM', 'IsaiahL')]
LIFETIME = 2
TIMEOUT = 2
SLOW = 3


@pytest.fixture
def contoso(tmp_path):
    with RecordingEmulator(args=emulator_args('contoso', '--token-lifetime', LIFETIME, '--slow-seconds', SLOW),
                           token_file=str(tmp_path / 'tokens.txt')) as running:
        yield running


def held(emulator, upn):
    names = dict((sku['skuId'], sku['skuPartNumber']) for sku in emulator.state()['skus'])
    user = next(user for user in emulator.state()['users'] if user['userPrincipalName'] == upn)
    return set(names[entry['skuId']] for entry in user['assignedLicenses'])


def slow_first_request(emulator):
    """Make the next Graph request slow, and only that one (faults are drawn per request)."""
    emulator.configure(fault_rate=1.0, fault_kinds=['slow'])
    wait_until(lambda: emulator.stats()['faults'] >= 1, timeout=60, what='the first slow answer')
    emulator.configure(fault_rate=0.0)


def test_a_token_that_expires_between_two_attempts_is_renewed(contoso, runner):
    extra = connection_vars(contoso)
    extra.update(users=OFFICE_STAFF, licenses=['phone_system'], m365_timeout=TIMEOUT, max_concurrency=1)
    running = runner.start(extra_vars=extra, verbosity=4)
    slow_first_request(contoso)
    run = running.wait(timeout=120)
    assert run.rc == 0, run
    assert expired_token_rejections(contoso.log()) >= 1, 'no request was retried with an expired token'
    result = task_result(run)
    assert result['summary'] == dict(total=6, changed=6, unchanged=0, failed=0, not_attempted=0, failed_after_writes=0)
    for upn in OFFICE_STAFF:
        assert 'MCOEV' in held(contoso, upn)
    assert result['requests']['token_requests'] >= 2
    # Renewing the token printed neither the secret nor any token, even at -vvvv.
    secrets = dict(('token %d' % number, token) for number, token in enumerate(contoso.issued_tokens()))
    secrets['client secret'] = CLIENT_SECRET
    assert not find_leaks(run_texts(run), secrets)


def test_a_request_retried_after_expiry_gets_a_valid_token_while_other_requests_ran(contoso):
    """Two requests share one client: the first is answered too late and retried after every token it saw expired."""
    from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient
    info = contoso.info
    options = connection_vars(contoso)
    client = GraphClient(tenant_id=info['tenant_id'], client_id=options['m365_client_id'], client_secret=options['m365_client_secret'],
                         authority_url=info['authority_url'], graph_url=info['graph_url'], ca_path=info['ca_path'],
                         timeout=TIMEOUT, max_retries=3)
    outcome = {}

    def first_request():
        try:
            outcome['skus'] = client.get_paged('/subscribedSkus')
        except Exception as error:  # pylint: disable=broad-except
            outcome['error'] = error

    worker = threading.Thread(target=first_request)
    contoso.configure(fault_rate=1.0, fault_kinds=['slow'])
    worker.start()
    wait_until(lambda: contoso.stats()['faults'] >= 1, timeout=60, what='the slow answer')
    contoso.configure(fault_rate=0.0)
    client.get('/users', params={'$top': '1'})  # another request takes a newer token meanwhile
    worker.join(timeout=60)
    assert 'error' not in outcome, outcome.get('error')
    assert outcome['skus']
