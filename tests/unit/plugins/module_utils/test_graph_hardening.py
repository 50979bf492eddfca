# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 15 at client level: the classes of the hardening issue, each in general, against a fake session.

1 secrets in no form; 2 a stop that stops (and issue 10's stop on a refusal no retry can fix);
3 bounded waits; 5 malformed answers; 7 options checked up front; 8 the task's credential wins;
9 the declared msal floor. Class 6 (token endpoint) is in test_graph_auth.py, class 4 is issue 10's.
New names are imported inside the tests, so that on 1.0 each test fails on its own.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import ConfigurationError, GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient

from test_graph_client import TOKEN, FakeClock, FakeResponse, FakeSession, graph_error_body, make_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
GRAPH = 'https://graph.microsoft.com/v1.0'
SECRET = 'Zq8~aB3.cD4_eF5-gH6iJ7kL8mN9oP0qR1sT2'
OK = FakeResponse(200, {'value': []}, {'request-id': 'ok-id'})


def forms_of(secret):
    """Every form the secret tests look for: raw, trimmed, escaped, JSON-escaped, URL-encoded, and cuts."""
    trimmed = secret.strip()
    forms = {secret, trimmed, repr(secret)[1:-1], json.dumps(secret)[1:-1], requests.utils.quote(secret, safe='')}
    forms.update([trimmed[:12], trimmed[-12:], trimmed[len(trimmed) // 3:len(trimmed) // 3 + 12]])
    return set(form for form in forms if len(form) >= 8)


def assert_no_form(text, *secrets):
    for secret in secrets:
        for form in forms_of(secret):
            assert form not in text, 'a form of a secret (%r...) is in: %s' % (form[:4], text)


# ----- class 1: a token or secret never appears, in any form -----

@pytest.mark.parametrize('value', [TOKEN + '\n', TOKEN + '\r\n', ' ' + TOKEN, TOKEN[:20] + '\t' + TOKEN[20:], TOKEN + '\x00'],
                         ids=['newline at the end', 'CRLF at the end', 'space at the start', 'tab inside', 'NUL'])
def test_an_access_token_with_whitespace_or_control_characters_is_refused_before_any_request(value):
    session = FakeSession([OK])
    with pytest.raises(ConfigurationError) as caught:
        make_client(session, access_token=value)
    assert caught.value.message.startswith('access_token holds ') and 'the value is not shown' in caught.value.message
    assert session.calls == []
    assert_no_form(str(caught.value) + repr(caught.value.args), value)


@pytest.mark.parametrize('option', ['client_secret', 'client_certificate_password'])
def test_a_secret_with_a_newline_is_refused_without_echoing_it(option):
    options = dict(tenant_id='contoso.onmicrosoft.com', client_id='11111111-1111-1111-1111-111111111111', access_token=None)
    options[option] = SECRET + '\n'
    if option == 'client_certificate_password':
        options['client_certificate_path'] = '/nonexistent.pfx'
    session = FakeSession([OK])
    with pytest.raises(ConfigurationError) as caught:
        make_client(session, **options)
    assert option in str(caught.value) and 'a newline at its end' in str(caught.value)
    assert session.calls == []
    assert_no_form(str(caught.value), SECRET)


def test_a_certificate_password_may_hold_a_space_it_never_leaves_the_host():
    from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import check_credential
    assert check_credential('client_certificate_password', 'two words', password=True) == 'two words'
    with pytest.raises(ConfigurationError):
        check_credential('client_secret', 'two words')


@pytest.mark.parametrize('render', [
    lambda secret: 'raw %s here' % secret,
    lambda secret: 'repr %r here' % secret,
    lambda secret: 'json %s here' % json.dumps({'client_secret': secret}),
    lambda secret: 'url client_secret=%s&scope=x' % requests.utils.quote(secret, safe=''),
    lambda secret: 'cut at the end: %s...' % secret[:14],
    lambda secret: 'cut at the start: ...%s' % secret[-14:],
    lambda secret: 'both sides cut: %s' % secret[9:25],
    lambda secret: "header ('Authorization', 'Bearer %s')" % 'unrelated-token-value-1234',
], ids=['raw', 'python-escaped', 'JSON-escaped', 'URL-encoded', 'cut end', 'cut start', 'middle', 'any bearer'])
def test_redact_masks_every_form_of_a_secret(render):
    from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import redact
    secret = SECRET + '\n"\\'  # escaping changes its forms
    text = redact(render(secret), [secret])
    assert '********' in text
    assert_no_form(text, secret, 'unrelated-token-value-1234')


def test_redact_never_masks_the_name_of_the_option_to_fix():
    from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import redact
    secret = 'pfx-password-3e1c'  # holds the piece "password"
    text = redact('wrong client_certificate_password for app.pfx; the password pfx-password-3e1c failed', [secret])
    assert text == 'wrong client_certificate_password for app.pfx; the ******** ******** failed'


def test_an_exception_quoting_the_authorization_header_is_redacted():
    """requests refuses a header value with a newline and quotes it whole (issue 15's first example)."""
    failure = requests.exceptions.InvalidHeader("Invalid leading whitespace, reserved character(s), or return character(s)"
                                                " in header value: 'Bearer %s\\n'" % TOKEN)
    session = FakeSession([failure])
    client = make_client(session)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert 'request to %s/subscribedSkus failed' % GRAPH in str(caught.value)
    assert_no_form(str(caught.value), TOKEN)
    assert len(session.calls) == 1


def test_a_connection_error_quoting_a_cut_of_the_token_is_redacted():
    failure = requests.exceptions.ConnectionError('Connection aborted while sending headers ...%s' % TOKEN[5:30])
    client = make_client(FakeSession([failure, failure]), max_retries=1)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert 'cannot reach' in str(caught.value)
    assert_no_form(str(caught.value), TOKEN)


# ----- class 3: no hang -----

def throttled(retry_after, request_id='throttle-id'):
    return FakeResponse(429, graph_error_body('TooManyRequests', 'Please retry again later.', request_id),
                        {'Retry-After': retry_after, 'request-id': request_id})


def test_a_retry_after_of_a_day_fails_at_once_naming_what_was_throttled():
    clock = FakeClock()
    session = FakeSession([throttled('86400')])
    client = make_client(session, clock)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus?$select=skuId')
    text = str(caught.value)
    assert 'Graph throttled GET /subscribedSkus' in text and 'asked to wait 86400 s' in text and 'retry_budget 300s' in text
    assert 'request-id throttle-id' in text
    assert clock.sleeps == [] and len(session.calls) == 1


@pytest.mark.parametrize('value', ['0', '0.0', '0.001', '-3', 'soon'])
def test_a_retry_after_of_zero_or_nonsense_never_makes_a_busy_loop(value):
    clock = FakeClock()
    session = FakeSession([throttled(value)] * 3 + [OK])
    client = make_client(session, clock)
    client.get('/subscribedSkus')
    assert len(clock.sleeps) == 3 and all(wait >= 0.1 for wait in clock.sleeps)
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2] and clock.sleeps[2] >= 0.4  # a growing floor


def test_waits_stop_when_the_budget_runs_out_and_the_message_says_so():
    clock = FakeClock()
    session = FakeSession([throttled('100')] * 5)
    client = make_client(session, clock, retry_budget=250, max_retries=10)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert clock.now <= 250 and len(session.calls) == 3
    assert 'Graph throttled GET /subscribedSkus' in str(caught.value) and 'gave up after 3 attempts' in str(caught.value)


class ItemScripts:
    """A $batch endpoint whose items answer from per-id scripts of (status, headers, body)."""

    def __init__(self, scripts=None, default=(200, {}, {'id': 'user'}), on_envelope=None):
        self.scripts = scripts or {}
        self.default = default
        self.envelopes = []
        self.on_envelope = on_envelope
        self.lock = threading.Lock()

    def __call__(self, method, url, kwargs):
        with self.lock:
            items = kwargs['json']['requests']
            self.envelopes.append(items)
            responses = []
            for item in items:
                script = self.scripts.get(item['id'])
                status, headers, body = script.pop(0) if script else self.default
                responses.append({'id': item['id'], 'status': status, 'headers': headers, 'body': body})
        if self.on_envelope:
            self.on_envelope(len(self.envelopes))
        return FakeResponse(200, {'responses': responses})

    def sent(self):
        return [item['id'] for envelope in self.envelopes for item in envelope]


def item_throttle(retry_after):
    return (429, {'Retry-After': retry_after}, graph_error_body('TooManyRequests', 'Please retry again later.'))


def reads(count):
    return [{'method': 'GET', 'url': '/users/user%d?$select=id' % index} for index in range(count)]


def writes(count):
    return [{'method': 'POST', 'url': '/users/user%d/assignLicense' % index, 'body': {'addLicenses': [], 'removeLicenses': []}}
            for index in range(count)]


def test_a_batch_item_throttled_for_a_day_is_given_up_and_no_later_call_sleeps_a_day():
    clock = FakeClock()
    service = ItemScripts({'0': [item_throttle('86400')]})
    client = make_client(FakeSession(handler=service), clock)
    first = client.batch(reads(3))
    assert [result.ok for result in first] == [False, True, True]
    assert 'Graph throttled GET /users/user0 and asked to wait 86400 s' in str(first[0].error())
    client.batch(reads(2))
    assert clock.now < 1 and all(wait < 300 for wait in clock.sleeps)


def test_a_batch_item_answered_retry_after_zero_a_hundred_times_backs_off():
    clock = FakeClock()
    service = ItemScripts({'0': [item_throttle('0')] * 100})
    client = make_client(FakeSession(handler=service), clock, retry_budget=60)
    result = client.batch(reads(1))[0]
    assert not result.ok and result.status == 429
    assert len(service.envelopes) <= 12, 'a busy loop: %d envelopes' % len(service.envelopes)
    assert clock.now <= 60 + 32


# ----- class 5: a malformed answer is an error, not a fact -----

MALFORMED = {
    'empty': '',
    'truncated': '{"value": [{"skuId": "',
    'html': '<!DOCTYPE html><html><body>Sign in</body></html>',
    'string': '"ok"',
    'null': 'null',
    'list': '[1, 2]',
}


@pytest.mark.parametrize('form', sorted(MALFORMED))
def test_a_malformed_200_to_a_read_is_retried_then_a_graph_error_with_the_request_id(form):
    bad = FakeResponse(200, text=MALFORMED[form], headers={'request-id': 'bad-%s' % form})
    session = FakeSession([bad] * 3)
    client = make_client(session, max_retries=2)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    text = str(caught.value)
    assert 'malformed answer to GET /subscribedSkus' in text and 'request-id bad-%s' % form in text
    assert 'gave up after 3 attempts' in text and len(session.calls) == 3


def test_one_malformed_answer_then_a_good_one_is_healed_by_the_retry():
    session = FakeSession([FakeResponse(200, text='<html>proxy</html>'), OK])
    assert make_client(session).get('/subscribedSkus') == {'value': []}
    assert len(session.calls) == 2


def test_a_malformed_answer_to_a_write_is_not_sent_again():
    session = FakeSession([FakeResponse(200, text='"ok"', headers={'request-id': 'w1'}), OK])
    with pytest.raises(GraphError) as caught:
        make_client(session).post('/users/u1/assignLicense', {'addLicenses': [], 'removeLicenses': []})
    assert 'malformed answer to POST /users/u1/assignLicense' in str(caught.value) and len(session.calls) == 1


@pytest.mark.parametrize('page', [{'value': None}, {'value': 'x'}, {'value': [None]}, {'nothing': []}])
def test_a_page_without_a_value_list_of_objects_is_malformed(page):
    client = make_client(FakeSession([FakeResponse(200, page)]))
    with pytest.raises(GraphError, match='malformed answer to GET /users: expected a page'):
        client.get_paged('/users')


@pytest.mark.parametrize('answer', [{}, {'responses': None}, {'responses': [{'id': '0'}]}, {'responses': [{'id': '9', 'status': 200}]}],
                         ids=['no responses', 'null responses', 'no status', 'wrong id'])
def test_a_malformed_batch_envelope_is_retried_then_fails_its_items(answer):
    session = FakeSession([FakeResponse(200, answer)] * 3)
    client = make_client(session, max_retries=2)
    result = client.batch(reads(1))[0]
    assert not result.ok and 'malformed answer to POST /$batch' in str(result.error())
    assert len(session.calls) == 3


@pytest.mark.parametrize('body', [None, 'ok', [1]], ids=['null', 'string', 'list'])
def test_a_batch_read_answered_200_without_an_object_is_retried_never_absent(body):
    service = ItemScripts({'0': [(200, {}, body)] * 2})
    client = make_client(FakeSession(handler=service))
    result = client.batch(reads(1))[0]
    assert result.ok and result.body == {'id': 'user'}
    assert service.sent() == ['0', '0', '0']


# ----- class 7: options checked before anything is sent, naming the option -----

@pytest.mark.parametrize('options, words', [
    (dict(graph_url='https://graph.microsoft.com/v1.0'), "graph_url 'https://graph.microsoft.com/v1.0' ends in the API version /v1.0"),
    (dict(graph_url='https://graph.microsoft.com/beta/'), 'ends in the API version /beta'),
    (dict(graph_url='graph.microsoft.com'), "graph_url 'graph.microsoft.com' must start with https://"),
    (dict(graph_url='http://graph.microsoft.com'), 'must start with https://'),
    (dict(graph_url='https://graph.microsoft.com?x=1'), 'is not a URL of a host'),
    (dict(authority_url='https://login.microsoftonline.com/contoso.onmicrosoft.com'), 'authority_url'),
    (dict(authority_url='https://login.microsoftonline.com:99999'), 'has port 99999'),
    (dict(timeout=0), 'timeout must be a number of seconds from 1 to 600, got 0'),
    (dict(timeout=-5), 'got -5'),
    (dict(timeout=3600), 'got 3600'),
    (dict(max_retries=-1), 'max_retries must be a whole number from 0 to 20, got -1'),
    (dict(max_retries=1000), 'got 1000'),
    (dict(ca_path='/nonexistent/ca.pem'), 'ca_path /nonexistent/ca.pem is not a readable file'),
    (dict(tenant_id='contoso .onmicrosoft.com', access_token=None, client_id='c1', client_secret=SECRET), "tenant_id 'contoso .onmicrosoft.com'"),
    (dict(tenant_id='https://login.microsoftonline.com/contoso', access_token=None, client_id='c1', client_secret=SECRET), 'tenant_id'),
    (dict(client_id='11111111 2222', tenant_id='t.example', access_token=None, client_secret=SECRET), "client_id '11111111 2222'"),
    (dict(managed_identity='sys tem', access_token=None), "managed_identity 'sys tem'"),
])
def test_a_bad_connection_option_is_refused_before_any_request_naming_it(options, words):
    session = FakeSession([OK])
    with pytest.raises(ConfigurationError) as caught:
        make_client(session, **options)
    assert words in str(caught.value)
    assert session.calls == []
    assert_no_form(str(caught.value), SECRET)


def test_identifiers_are_trimmed_so_a_pasted_space_names_the_same_tenant(monkeypatch):
    from test_graph_client import FakeConfidentialApp
    from ansible_collections.m365.licensing.plugins.module_utils.graph import _auth
    FakeConfidentialApp.instances = []
    monkeypatch.setattr(_auth.msal, 'ConfidentialClientApplication', FakeConfidentialApp)
    client = make_client(FakeSession([OK]), tenant_id='  contoso.onmicrosoft.com \n', client_id=' 11111111-1111-1111-1111-111111111111 ',
                         client_secret=SECRET, access_token=None)
    client.get('/subscribedSkus')
    app = FakeConfidentialApp.instances[0]
    assert app.authority == 'https://login.microsoftonline.com/contoso.onmicrosoft.com'
    assert app.client_id == '11111111-1111-1111-1111-111111111111'


def test_managed_identity_system_in_any_case():
    from ansible_collections.m365.licensing.plugins.module_utils.graph._options import check_managed_identity
    assert check_managed_identity(' System ') == 'system'


# ----- class 8: the task's own credential wins -----

ENVIRONMENT = dict(AZURE_TENANT='env-tenant.example', AZURE_CLIENT_ID='env-client', AZURE_SECRET='env-secret-value-123',
                   AZURE_CLIENT_CERTIFICATE_PATH='/env/cert.pem', AZURE_CLIENT_CERTIFICATE_PASSWORD='env-password-456')


def chosen(params, environ):
    from ansible_collections.m365.licensing.plugins.module_utils.graph._module import credential_options
    full = dict.fromkeys(('tenant_id', 'client_id', 'client_secret', 'client_certificate_path', 'client_certificate_password',
                          'managed_identity', 'access_token'))
    full.update(params)
    return dict((name, value) for name, value in credential_options(full, environ).items() if value)


def test_a_managed_identity_named_in_the_task_is_not_replaced_by_a_secret_in_the_environment():
    assert chosen(dict(managed_identity='system'), ENVIRONMENT) == dict(managed_identity='system')


def test_the_tasks_secret_is_not_replaced_by_a_certificate_in_the_environment():
    assert chosen(dict(client_secret='task-secret-789'), ENVIRONMENT) == dict(
        client_secret='task-secret-789', tenant_id='env-tenant.example', client_id='env-client')


def test_the_tasks_own_companions_win_over_the_environments():
    assert chosen(dict(client_secret='task-secret-789', tenant_id='task-tenant.example', client_id='task-client'), ENVIRONMENT) == dict(
        client_secret='task-secret-789', tenant_id='task-tenant.example', client_id='task-client')


def test_a_task_access_token_uses_nothing_from_the_environment():
    assert chosen(dict(access_token='task-token-abc'), ENVIRONMENT) == dict(access_token='task-token-abc')


def test_without_a_method_in_the_task_the_environment_supplies_one_certificate_first():
    assert chosen(dict(tenant_id='task-tenant.example'), ENVIRONMENT) == dict(
        tenant_id='task-tenant.example', client_id='env-client', client_certificate_path='/env/cert.pem',
        client_certificate_password='env-password-456')
    only_secret = dict((name, value) for name, value in ENVIRONMENT.items() if 'CERTIFICATE' not in name)
    assert chosen({}, only_secret) == dict(tenant_id='env-tenant.example', client_id='env-client', client_secret='env-secret-value-123')


def test_a_task_certificate_gets_its_password_from_the_environment_and_no_secret():
    assert chosen(dict(client_certificate_path='/task/cert.pfx'), ENVIRONMENT) == dict(
        client_certificate_path='/task/cert.pfx', client_certificate_password='env-password-456', tenant_id='env-tenant.example',
        client_id='env-client')


# ----- class 2 and issue 10's item 4: a stop that stops -----

def refused(status=403, code='Authorization_RequestDenied'):
    return (status, {'request-id': 'denied-id'}, graph_error_body(code, 'Insufficient privileges to complete the operation.', 'denied-id'))


@pytest.mark.parametrize('answer', [refused(), refused(401, 'InvalidAuthenticationToken')], ids=['403', '401'])
def test_a_write_refused_for_want_of_permission_stops_every_further_write(answer):
    service = ItemScripts(default=answer)
    client = make_client(FakeSession(handler=service), max_concurrency=4)
    results = client.batch(writes(60))
    assert len(service.envelopes) == 1, 'at most one envelope of writes may be wasted'
    assert [result.status for result in results[:20]] == [answer[0]] * 20
    assert all(result.not_attempted for result in results[20:])
    assert 'an earlier write was refused' in str(results[20].error())
    assert client.stop.refused == 'POST /users/user0/assignLicense'
    again = client.batch(writes(5))
    assert all(result.not_attempted for result in again) and len(service.envelopes) == 1
    service.default = (200, {}, {'id': 'user'})
    assert all(result.ok for result in client.batch(reads(3)))  # reads still go
    assert len(service.envelopes) == 2


def test_a_refusal_of_one_user_that_is_not_about_permission_stops_nothing():
    service = ItemScripts(default=(400, {}, graph_error_body('Request_BadRequest', 'License assignment failed.')))
    client = make_client(FakeSession(handler=service))
    results = client.batch(writes(45))
    assert len(service.envelopes) == 3 and not any(result.not_attempted for result in results)


def test_write_envelopes_go_one_at_a_time_until_a_write_succeeded_then_in_parallel():
    first_answered = threading.Event()
    arrivals, overlapping = [], []
    lock = threading.Lock()

    def handler(method, url, kwargs):
        with lock:
            arrivals.append(first_answered.is_set())
            number = len(arrivals)
            overlapping.append(number)
        time.sleep(0.05)
        with lock:
            overlapping.remove(number)
            most.append(len(overlapping) + 1)
        if number == 1:
            first_answered.set()
        items = kwargs['json']['requests']
        return FakeResponse(200, {'responses': [{'id': item['id'], 'status': 204, 'headers': {}} for item in items]})

    most = []
    client = GraphClient(access_token=TOKEN, session=FakeSession(handler=handler), max_concurrency=4)
    assert all(result.ok for result in client.batch(writes(100)))
    assert arrivals[0] is False and all(arrivals[1:]), 'an envelope of writes went before the first one was answered'
    assert max(most) > 1, 'after the first success, writes go in parallel'


def test_a_stop_lets_the_envelopes_in_flight_finish_and_sends_nothing_more():
    clients = []

    def stop_after_the_second(count):
        if count == 2:
            clients[0].stop.stop_everything('the run was stopped by SIGTERM')

    service = ItemScripts(default=(204, {}, None), on_envelope=stop_after_the_second)
    client = make_client(FakeSession(handler=service), max_concurrency=1)
    clients.append(client)
    results = client.batch(writes(100))
    assert len(service.envelopes) == 2
    assert [result.ok for result in results[:40]] == [True] * 40
    assert all(result.not_attempted for result in results[40:])
    assert 'the run was stopped by SIGTERM' in str(results[40].error())
    with pytest.raises(GraphError, match='was not sent: the run was stopped by SIGTERM'):
        client.get('/subscribedSkus')
    assert len(service.envelopes) == 2


def test_a_stop_during_a_throttled_wait_sends_no_retry():
    clients = []
    service = ItemScripts({'0': [item_throttle('5')]}, default=(204, {}, None),
                          on_envelope=lambda count: clients[0].stop.stop_everything('the run was stopped by SIGINT'))
    client = make_client(FakeSession(handler=service))
    clients.append(client)
    results = client.batch(writes(3))
    assert len(service.envelopes) == 1
    assert results[0].not_attempted and results[1].ok and results[2].ok


def test_a_stop_cuts_a_real_wait_short():
    session = FakeSession([throttled('30'), OK])
    client = GraphClient(access_token=TOKEN, session=session)
    threading.Timer(0.2, lambda: client.stop.stop_everything('the run was stopped by SIGTERM')).start()
    started = time.monotonic()
    with pytest.raises(GraphError, match='not retried: the run was stopped by SIGTERM'):
        client.get('/subscribedSkus')
    assert time.monotonic() - started < 5 and len(session.calls) == 1


STOP_CHILD = r'''
import os, signal, sys, time
sys.path[:0] = %(path)r
from ansible_collections.m365.licensing.plugins.module_utils.graph import _interrupt
from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import Stop
stop = Stop()
_interrupt.install(stop)
sys.stderr.write('ready\n'); sys.stderr.flush()
deadline = time.monotonic() + 10
while stop.everything is None and time.monotonic() < deadline:
    time.sleep(0.05)
sys.stderr.write('STOPPED: %%s\n' %% stop.everything); sys.stderr.flush()
'''


def run_stop_child(trigger):
    import ansible_collections
    path = [os.path.dirname(os.path.dirname(ansible_collections.__path__[0]))] + sys.path
    child = subprocess.Popen([sys.executable, '-c', STOP_CHILD % {'path': path}], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
    first = child.stderr.readline()
    assert first == b'ready\n', first + child.stderr.read()
    trigger(child)
    _out, err = child.communicate(timeout=15)
    return err.decode()


@pytest.mark.parametrize('name', ['SIGINT', 'SIGTERM', 'SIGHUP'])
def test_each_stop_signal_sets_the_stop_instead_of_killing_or_interrupting(name):
    err = run_stop_child(lambda child: child.send_signal(getattr(signal, name)))
    assert 'STOPPED: the run was stopped by %s' % name in err


def test_the_controller_going_away_stops_the_run():
    """ansible-playbook's worker killed (AWX cancel): the module's stdout pipe has no reader left."""
    err = run_stop_child(lambda child: child.stdout.close())
    assert 'STOPPED: the run was stopped: the controller that started the module went away' in err


INTERMEDIATE = r'''
import subprocess, sys
child = subprocess.Popen([sys.executable, '-c', sys.argv[1]], stdin=subprocess.DEVNULL)
sys.stdout.write('%d\n' % child.pid); sys.stdout.flush()
child.wait()
'''


def test_the_module_losing_its_parent_stops_the_run(tmp_path):
    """The process between the module and the controller dies (a worker killed): the module is reparented."""
    import ansible_collections
    path = [os.path.dirname(os.path.dirname(ansible_collections.__path__[0]))] + sys.path
    log = tmp_path / 'child.log'
    child_code = STOP_CHILD % {'path': path}
    child_code = child_code.replace("sys.stderr.write('STOPPED", "open(%r, 'a').write('STOPPED" % str(log))
    middle = subprocess.Popen([sys.executable, '-c', INTERMEDIATE, child_code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    child_pid = int(middle.stdout.readline())
    time.sleep(0.5)  # the child has installed its watch
    middle.kill()
    middle.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (log.exists() and 'STOPPED' in log.read_text()):
        time.sleep(0.1)
    assert 'STOPPED: the run was stopped: the controller that started the module went away' in log.read_text()
    try:
        os.kill(child_pid, signal.SIGKILL)
    except OSError:
        pass


# ----- class 9: bounds mean what they say: the declared floor is the tested version -----

def test_the_declared_msal_floor_is_the_version_the_code_is_tested_with():
    # The exact pins of the venv that make demo and make test use (requirements-dev.txt includes them).
    with open(os.path.join(ROOT, 'requirements-demo.txt')) as handle:
        tested = re.search(r'^msal==([\d.]+)$', handle.read(), flags=re.MULTILINE).group(1)
    with open(os.path.join(ROOT, 'requirements.txt')) as handle:
        floor = re.search(r'^msal>=([\d.]+)$', handle.read(), flags=re.MULTILINE).group(1)
    with open(os.path.join(ROOT, 'plugins', 'doc_fragments', 'graph.py')) as handle:
        documented = re.search(r'- msal >= ([\d.]+)', handle.read()).group(1)
    assert floor == documented == tested


# ----- class 5 in the readers: a well-formed object that lacks what the modules rely on -----

@pytest.mark.parametrize('sku, words', [
    ({'skuPartNumber': 'MCOEV'}, 'a subscribedSku without a skuId'),
    ({'skuId': 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'consumedUnits': 'ten'}, 'without a whole number of consumedUnits'),
    ({'skuId': 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'servicePlans': 'MCOEV'}, 'without a servicePlans list'),
    ({'skuId': 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'prepaidUnits': None}, 'without a prepaidUnits object'),
])
def test_a_subscribed_sku_without_what_the_planner_needs_is_malformed_not_zero_seats(sku, words):
    client = make_client(FakeSession([FakeResponse(200, {'value': [sku]})]))
    with pytest.raises(GraphError) as caught:
        client.get_paged('/subscribedSkus')
    assert 'malformed answer to GET /subscribedSkus: %s' % words in str(caught.value) or words in str(caught.value)


@pytest.mark.parametrize('user, words', [
    ({'userPrincipalName': 'a@b.example'}, 'a user without an id'),
    ({'id': 'u1', 'assignedLicenses': 'ENTERPRISEPACK'}, 'without an assignedLicenses list of objects'),
    ({'id': 'u1', 'assignedLicenses': [{'disabledPlans': []}]}, 'without a skuId in every assignedLicenses entry'),
    ({'id': 'u1', 'licenseAssignmentStates': [None]}, 'without an licenseAssignmentStates list'),
])
def test_a_batched_user_read_without_its_licensing_shape_is_an_error_for_that_user(user, words):
    from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import read_users
    service = ItemScripts({'0': [(200, {'request-id': 'user-read'}, user)]})
    result = read_users(make_client(FakeSession(handler=service)), ['a@b.example'])
    assert result.current('a@b.example') is None
    error = result.error('a@b.example')
    assert error is not None and words in str(error) and 'request-id user-read' in str(error)


def test_a_listing_page_without_its_list_is_an_error_not_nobody_exists():
    from ansible_collections.m365.licensing.plugins.module_utils.directory import _user_reads
    references = ['user%d@b.example' % number for number in range(_user_reads.LISTING_THRESHOLD)]
    client = make_client(FakeSession([FakeResponse(200, {'@odata.context': 'x'})]))
    with pytest.raises(GraphError, match='malformed answer to GET /users: expected a page'):
        _user_reads.read_users(client, references)
