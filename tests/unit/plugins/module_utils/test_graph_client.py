# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphClient against a fake session: retries, batching, paging, errors, clouds, tokens."""

import json
import random
import threading
import time

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.m365.licensing.plugins.module_utils.graph import _auth as _graph_auth
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError, ConfigurationError, GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import (
    BACKOFF_CAP,
    CLOUDS,
    GraphClient,
    backoff_delay,
    parse_retry_after,
)

TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOi.caller-supplied.token-value'
SECRET = 'S3cr3t~value-that-must-never-leak'
GRAPH = 'https://graph.microsoft.com/v1.0'


class FakeResponse:
    def __init__(self, status, body=None, headers=None, text=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        self.text = text if text is not None else (json.dumps(body) if body is not None else '')


def graph_error_body(code, message, request_id='inner-id'):
    return {'error': {'code': code, 'message': message,
                      'innerError': {'request-id': request_id, 'date': '2026-01-01T00:00:00',
                                     'client-request-id': 'client-id'}}}


class FakeSession:
    """Answers from a script (responses or exceptions, in order) or from a handler; records every call."""

    def __init__(self, script=None, handler=None):
        self.script = list(script or [])
        self.handler = handler
        self.calls = []
        self.closed = False
        self._lock = threading.Lock()

    def request(self, method, url, **kwargs):
        with self._lock:
            self.calls.append({'method': method, 'url': url, **kwargs})
            if self.handler is None:
                answer = self.script.pop(0)
        if self.handler is not None:
            answer = self.handler(method, url, kwargs)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        self.closed = True


class FakeClock:
    """Monotonic clock that only moves when the client sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


class FixedRandom:
    def __init__(self, value):
        self.value = value

    def random(self):
        return self.value


def make_client(session, clock=None, **options):
    clock = clock or FakeClock()
    options.setdefault('access_token', TOKEN)
    return GraphClient(session=session, sleep=clock.sleep, clock=clock, **options)


OK = FakeResponse(200, {'ok': True})


# ----- retries of single requests -----

@pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
def test_retryable_status_is_retried_then_succeeds(status):
    session = FakeSession([FakeResponse(status, graph_error_body('Busy', 'try later')), OK])
    clock = FakeClock()
    client = make_client(session, clock)
    assert client.get('/subscribedSkus') == {'ok': True}
    assert len(session.calls) == 2
    assert len(clock.sleeps) == 1
    assert client.stats['retries'] == 1
    assert client.stats['throttled'] == (1 if status == 429 else 0)


@pytest.mark.parametrize('failure', [
    requests.exceptions.ConnectionError('connection reset by peer'),
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ConnectTimeout('connect timed out'),
    requests.exceptions.ChunkedEncodingError('connection broken while reading the body'),
])
def test_connection_errors_and_timeouts_are_retried(failure):
    session = FakeSession([failure, OK])
    client = make_client(session)
    assert client.get('/subscribedSkus') == {'ok': True}
    assert len(session.calls) == 2


def test_connection_error_that_persists_names_the_url_and_attempts():
    session = FakeSession([requests.exceptions.ConnectionError('connection refused')] * 3)
    client = make_client(session, max_retries=2)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert 'cannot reach %s/subscribedSkus' % GRAPH in str(caught.value)
    assert 'connection refused' in str(caught.value)
    assert 'gave up after 3 attempts' in str(caught.value)


def test_tls_failure_is_not_retried_and_suggests_ca_path():
    session = FakeSession([requests.exceptions.SSLError('certificate verify failed: self-signed certificate')])
    client = make_client(session)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert len(session.calls) == 1
    assert 'ca_path' in str(caught.value)
    assert 'self-signed certificate' in str(caught.value)


def test_request_errors_that_retrying_cannot_fix_are_not_retried():
    session = FakeSession([requests.exceptions.InvalidURL('Failed to parse: https://graph.microsoft.com:x')])
    client = make_client(session)
    with pytest.raises(GraphError, match='request to %s/users failed: Failed to parse' % GRAPH):
        client.get('/users')
    assert len(session.calls) == 1


def test_fractional_retry_after_is_honoured_exactly():
    session = FakeSession([
        FakeResponse(429, graph_error_body('TooManyRequests', 'Please retry again later.'), {'Retry-After': '2.128'}),
        FakeResponse(503, None, {'retry-after': '0.5'}),
        OK,
    ])
    clock = FakeClock()
    client = make_client(session, clock)
    assert client.get('/subscribedSkus') == {'ok': True}
    assert clock.sleeps == [2.128, 0.5]


def test_retry_after_as_http_date():
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:30 GMT', now=1445412480.0) == 30.0
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', now=1445412500.0) == 0.0
    assert parse_retry_after('7', now=0) == 7.0
    assert parse_retry_after('soon', now=0) is None
    assert parse_retry_after(None, now=0) is None


def test_backoff_grows_is_jittered_and_capped():
    for retry_number in range(12):
        ceiling = min(BACKOFF_CAP, 2 ** retry_number)
        assert backoff_delay(retry_number, 0.0) == ceiling / 2
        assert ceiling / 2 < backoff_delay(retry_number, 0.999) < ceiling
    assert backoff_delay(20, 0.999) < BACKOFF_CAP


def test_client_uses_jittered_backoff_without_retry_after():
    session = FakeSession([FakeResponse(503)] * 8 + [OK])
    clock = FakeClock()
    client = make_client(session, clock, max_retries=8)
    client._random = FixedRandom(0.5)
    client.get('/subscribedSkus')
    assert clock.sleeps == [0.75, 1.5, 3.0, 6.0, 12.0, 24.0, 24.0, 24.0]


def test_jitter_spreads_waits_between_clients():
    waits = set()
    for seed in range(5):
        session = FakeSession([FakeResponse(503), OK])
        clock = FakeClock()
        client = make_client(session, clock)
        client._random = random.Random(seed)
        client.get('/subscribedSkus')
        waits.add(clock.sleeps[0])
    assert len(waits) == 5
    assert all(0.5 <= wait < 1.0 for wait in waits)


def test_max_retries_bounds_the_attempts():
    session = FakeSession([FakeResponse(503, graph_error_body('serviceNotAvailable', 'down'))] * 3)
    clock = FakeClock()
    client = make_client(session, clock, max_retries=2)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert len(session.calls) == 3
    assert len(clock.sleeps) == 2
    assert caught.value.status == 503
    assert caught.value.attempts == 3
    assert 'gave up after 3 attempts' in str(caught.value)


def test_retry_budget_stops_before_a_wait_that_would_overrun_it():
    throttled = FakeResponse(429, graph_error_body('TooManyRequests', 'Please retry again later.'), {'Retry-After': '3'})
    session = FakeSession([throttled, throttled, throttled])
    clock = FakeClock()
    client = make_client(session, clock, retry_budget=5)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert clock.sleeps == [3.0]
    assert len(session.calls) == 2
    assert caught.value.attempts == 2
    assert caught.value.status == 429


@pytest.mark.parametrize('status, code', [(400, 'Request_BadRequest'), (403, 'Authorization_RequestDenied'),
                                          (404, 'Request_ResourceNotFound'), (409, 'Conflict')])
def test_client_errors_are_not_retried(status, code):
    session = FakeSession([FakeResponse(status, graph_error_body(code, 'nope'))])
    clock = FakeClock()
    client = make_client(session, clock)
    with pytest.raises(GraphError) as caught:
        client.post('/users/a/assignLicense', {'addLicenses': [], 'removeLicenses': []})
    assert len(session.calls) == 1
    assert clock.sleeps == []
    assert caught.value.status == status
    assert caught.value.code == code


# ----- error translation -----

def test_error_envelope_translation_prefers_the_request_id_header():
    message = 'License assignment cannot be done for user with invalid usage location.'
    session = FakeSession([FakeResponse(400, graph_error_body('Request_BadRequest', message, 'inner-id'),
                                        {'request-id': 'header-id'})])
    client = make_client(session)
    with pytest.raises(GraphError) as caught:
        client.post('/users/a/assignLicense', {'addLicenses': [], 'removeLicenses': []})
    error = caught.value
    assert (error.status, error.code, error.message, error.request_id) == (400, 'Request_BadRequest', message, 'header-id')
    assert str(error) == 'HTTP 400 Request_BadRequest: %s (request-id header-id)' % message
    assert error.to_dict() == {'message': message, 'status': 400, 'code': 'Request_BadRequest',
                               'request_id': 'header-id', 'attempts': None}


def test_error_envelope_request_id_from_inner_error():
    session = FakeSession([FakeResponse(404, graph_error_body('Request_ResourceNotFound', 'gone', 'inner-id'))])
    client = make_client(session)
    with pytest.raises(GraphError) as caught:
        client.get('/users/nobody')
    assert caught.value.request_id == 'inner-id'


def test_non_json_error_body_gives_status_and_trimmed_text():
    html = '<html>\n  <body>Service   Unavailable</body>\n</html>' + 'x' * 1000
    session = FakeSession([FakeResponse(400, text=html, headers={'request-id': 'rid'})])
    client = make_client(session)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    text = str(caught.value)
    assert text.startswith('HTTP 400: unexpected answer from Graph: <html> <body>Service Unavailable</body>')
    assert caught.value.request_id == 'rid'
    assert len(text) < 400


def test_success_bodies_and_no_content():
    session = FakeSession([FakeResponse(204), FakeResponse(200, {'id': 'u1'})])
    client = make_client(session)
    assert client.patch('/users/u1', {'usageLocation': 'US'}) is None
    assert client.get('/users/u1') == {'id': 'u1'}
    assert session.calls[0]['json'] == {'usageLocation': 'US'}
    assert client.stats['writes'] == 1 and client.stats['reads'] == 1


# ----- paging -----

def test_get_paged_follows_next_links():
    session = FakeSession([
        FakeResponse(200, {'value': [{'id': 'u1'}, {'id': 'u2'}], '@odata.nextLink': GRAPH + '/users?$skiptoken=a'}),
        FakeResponse(200, {'value': [{'id': 'u3'}], '@odata.nextLink': GRAPH + '/users?$skiptoken=b'}),
        FakeResponse(200, {'value': [{'id': 'u4'}]}),
    ])
    client = make_client(session)
    assert client.get_paged('/users', params={'$top': '2'}) == [{'id': 'u1'}, {'id': 'u2'}, {'id': 'u3'}, {'id': 'u4'}]
    expected_urls = [GRAPH + '/users', GRAPH + '/users?$skiptoken=a', GRAPH + '/users?$skiptoken=b']
    assert [call['url'] for call in session.calls] == expected_urls
    assert session.calls[0]['params'] == {'$top': '2'}
    assert session.calls[1]['params'] is None


def test_next_link_to_another_host_never_gets_the_token():
    session = FakeSession([FakeResponse(200, {'value': [{'id': 'u1'}], '@odata.nextLink': 'https://evil.example/users'})])
    client = make_client(session)
    with pytest.raises(GraphError, match='refusing to send the Graph token'):
        client.get_paged('/users')
    assert len(session.calls) == 1


# ----- $batch -----

class BatchService:
    """A $batch endpoint: answers items from per-id scripts, in shuffled order."""

    def __init__(self, scripts=None, seed=7, delay=0.0):
        self.scripts = scripts or {}
        self.random = random.Random(seed)
        self.envelopes = []
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def answer_item(self, item):
        script = self.scripts.get(item['id'])
        if script:
            status, headers = script.pop(0)
        else:
            status, headers = 200, {'Content-Type': 'application/json'}
        body = {'echo': item['url']} if status < 400 else graph_error_body('TooManyRequests', 'Please retry again later.')
        return {'id': item['id'], 'status': status, 'headers': headers, 'body': body}

    def __call__(self, method, url, kwargs):
        assert (method, url) == ('POST', GRAPH + '/$batch')
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            items = kwargs['json']['requests']
            self.envelopes.append(items)
            responses = [self.answer_item(item) for item in items]
        if self.delay:
            time.sleep(self.delay)
        self.random.shuffle(responses)
        with self.lock:
            self.in_flight -= 1
        return FakeResponse(200, {'responses': responses})


def user_reads(count):
    return [{'method': 'GET', 'url': '/users/user%d?$select=id' % index} for index in range(count)]


def test_batch_splits_into_envelopes_of_twenty_and_restores_order():
    service = BatchService()
    client = make_client(FakeSession(handler=service))
    results = client.batch(user_reads(45))
    assert sorted(len(envelope) for envelope in service.envelopes) == [5, 20, 20]
    assert [result.body['echo'] for result in results] == ['/users/user%d?$select=id' % index for index in range(45)]
    assert all(result.ok for result in results)
    assert client.stats['batches'] == 3
    assert client.stats['requests'] == 3
    assert client.stats['reads'] == 45
    assert client.stats['writes'] == 0


def test_batch_items_with_a_body_carry_content_type():
    service = BatchService()
    client = make_client(FakeSession(handler=service))
    client.batch([
        {'method': 'post', 'url': '/users/u1/assignLicense', 'body': {'addLicenses': [], 'removeLicenses': []}},
        {'method': 'GET', 'url': '/users/u1'},
        {'method': 'PATCH', 'url': '/users/u2', 'body': {'usageLocation': 'US'}, 'headers': {'content-type': 'application/json'}},
    ])
    sent = {item['id']: item for item in service.envelopes[0]}
    assert sent['0']['method'] == 'POST'
    assert sent['0']['headers'] == {'Content-Type': 'application/json'}
    assert 'headers' not in sent['1'] and 'body' not in sent['1']
    assert sent['2']['headers'] == {'content-type': 'application/json'}
    assert client.stats['writes'] == 2 and client.stats['reads'] == 1


def test_batch_retries_only_throttled_items_after_the_longest_retry_after():
    service = BatchService(scripts={
        '3': [(429, {'Retry-After': '1.5'})],
        '7': [(429, {'retry-after': '2.25'})],
        '9': [(503, {})],
    })
    clock = FakeClock()
    client = make_client(FakeSession(handler=service), clock)
    results = client.batch(user_reads(12))
    assert len(service.envelopes) == 2
    assert sorted(item['id'] for item in service.envelopes[1]) == ['3', '7', '9']
    assert clock.sleeps == [2.25]
    assert all(result.ok for result in results)
    assert results[7].body['echo'] == '/users/user7?$select=id'
    assert client.stats['throttled'] == 2
    assert client.stats['retries'] == 3
    assert client.stats['reads'] == 15


def test_batch_items_that_keep_failing_come_back_with_their_final_status():
    service = BatchService(scripts={'2': [(503, {})] * 3})
    clock = FakeClock()
    client = make_client(FakeSession(handler=service), clock, max_retries=2)
    client._random = FixedRandom(0.0)
    results = client.batch(user_reads(4))
    assert [result.status for result in results] == [200, 200, 503, 200]
    assert len(service.envelopes) == 3
    assert clock.sleeps == [0.5, 1.0]
    error = results[2].error()
    assert error.status == 503 and error.code == 'TooManyRequests'
    assert not results[2].ok


def test_batch_respects_the_retry_budget():
    service = BatchService(scripts={'0': [(429, {'Retry-After': '10'})] * 5})
    clock = FakeClock()
    client = make_client(FakeSession(handler=service), clock, retry_budget=15)
    results = client.batch(user_reads(1))
    assert clock.sleeps == [10.0]
    assert results[0].status == 429
    assert len(service.envelopes) == 2


def test_batch_envelope_failure_goes_through_the_request_retry_policy():
    calls = []

    def handler(method, url, kwargs):
        calls.append(url)
        if len(calls) == 1:
            return FakeResponse(504, text='Gateway Timeout', headers={'Retry-After': '1'})
        return BatchService()(method, url, kwargs)

    clock = FakeClock()
    client = make_client(FakeSession(handler=handler), clock)
    results = client.batch(user_reads(3))
    assert [result.status for result in results] == [200, 200, 200]
    assert clock.sleeps == [1.0]
    assert client.stats['requests'] == 2 and client.stats['batches'] == 2


def test_batch_envelope_client_error_fails_its_items_without_raising():
    session = FakeSession([FakeResponse(400, graph_error_body('BadRequest', 'Invalid batch payload format.'))])
    client = make_client(session)
    results = client.batch(user_reads(2))
    assert [result.ok for result in results] == [False, False]
    assert all('Invalid batch payload format' in str(result.error()) for result in results)
    assert results[0].error().status == 400
    assert len(session.calls) == 1  # a 400 envelope is not retried, and its items are not either


def test_a_lost_envelope_keeps_the_results_of_the_others():
    service = BatchService()
    failures = {'first': True}

    def handler(method, url, kwargs):
        if failures.pop('first', False):
            return FakeResponse(400, graph_error_body('BadRequest', 'Invalid batch payload format.'))
        return service(method, url, kwargs)

    client = make_client(FakeSession(handler=handler), max_concurrency=1)
    results = client.batch(user_reads(40))
    assert [result.ok for result in results] == [False] * 20 + [True] * 20


def test_batch_keeps_at_most_max_concurrency_envelopes_in_flight():
    service = BatchService(delay=0.05)
    client = make_client(FakeSession(handler=service), max_concurrency=2)
    results = client.batch(user_reads(100))
    assert len(service.envelopes) == 5
    assert service.most_in_flight == 2
    assert len(results) == 100


def test_real_session_pool_fits_the_concurrency():
    client = GraphClient(access_token=TOKEN, max_concurrency=16)
    adapter = client._session.get_adapter('https://graph.microsoft.com/v1.0/$batch')
    assert adapter._pool_maxsize >= 16
    assert client._session.trust_env is True
    client.close()


def test_close_closes_the_session():
    session = FakeSession([])
    make_client(session).close()
    assert session.closed


# ----- tokens -----

class FakeConfidentialApp:
    """Stands in for msal.ConfidentialClientApplication; counts token requests and cache drops."""

    instances = []

    def __init__(self, client_id, client_credential=None, authority=None, http_client=None, **options):
        self.client_id = client_id
        self.client_credential = client_credential
        self.authority = authority
        self.http_client = http_client
        self.options = options
        self.issued = 0
        self.cached = None
        self.removed = 0
        self.scopes = []
        FakeConfidentialApp.instances.append(self)

    def acquire_token_for_client(self, scopes):
        self.scopes.append(scopes)
        if self.cached:
            return {'access_token': self.cached, 'token_source': 'cache'}
        self.issued += 1
        self.cached = 'msal-token-%d' % self.issued
        return {'access_token': self.cached, 'token_type': 'Bearer', 'expires_in': 3599,
                'token_source': 'identity_provider'}

    def remove_tokens_for_client(self):
        self.removed += 1
        self.cached = None


@pytest.fixture
def fake_msal(monkeypatch):
    FakeConfidentialApp.instances = []
    monkeypatch.setattr(_graph_auth.msal, 'ConfidentialClientApplication', FakeConfidentialApp)
    return FakeConfidentialApp


def secret_client(session, **options):
    options.setdefault('tenant_id', 'contoso.onmicrosoft.com')
    options.setdefault('client_id', '11111111-1111-1111-1111-111111111111')
    options.setdefault('client_secret', SECRET)
    options['access_token'] = None
    return make_client(session, **options)


EXPIRED = FakeResponse(401, graph_error_body('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'))


def test_expired_token_is_refreshed_once_and_the_request_retried(fake_msal):
    session = FakeSession([EXPIRED, OK])
    client = secret_client(session)
    assert client.get('/subscribedSkus') == {'ok': True}
    app = fake_msal.instances[0]
    assert app.removed == 1
    assert app.issued == 2
    assert [call['headers']['Authorization'] for call in session.calls] == ['Bearer msal-token-1', 'Bearer msal-token-2']
    assert client.stats['token_requests'] == 2
    assert client.stats['retries'] == 1


def test_a_second_401_gets_one_more_token_and_a_third_surfaces(fake_msal):
    # The first refresh may return a token another thread fetched that has already expired too.
    session = FakeSession([EXPIRED, EXPIRED, OK])
    client = secret_client(session)
    assert client.get('/subscribedSkus') == {'ok': True}
    assert len(session.calls) == 3

    session = FakeSession([EXPIRED, EXPIRED, EXPIRED, OK])
    client = secret_client(session)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    assert caught.value.status == 401
    assert len(session.calls) == 3


def test_token_comes_from_the_cache_between_requests(fake_msal):
    session = FakeSession([OK, OK, OK])
    client = secret_client(session)
    for path in ('/subscribedSkus', '/users', '/groups'):
        client.get(path)
    assert len(fake_msal.instances) == 1
    assert fake_msal.instances[0].issued == 1
    assert client.stats['token_requests'] == 1


def test_access_token_is_used_as_is_and_a_401_cannot_be_fixed(monkeypatch):
    def no_msal(*args, **kwargs):
        raise AssertionError('msal must not be used with access_token')

    monkeypatch.setattr(_graph_auth.msal, 'ConfidentialClientApplication', no_msal)
    session = FakeSession([OK, FakeResponse(401, graph_error_body('InvalidAuthenticationToken', 'expired'),
                                            {'request-id': 'rid-401'})])
    client = make_client(session, tenant_id='contoso', client_id='cid', client_secret=SECRET)
    assert client.get('/subscribedSkus') == {'ok': True}
    assert session.calls[0]['headers']['Authorization'] == 'Bearer ' + TOKEN
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    assert len(session.calls) == 2
    assert 'supplied access_token' in str(caught.value)
    assert caught.value.request_id == 'rid-401'
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_other_401_codes_are_not_refreshed(fake_msal):
    session = FakeSession([FakeResponse(401, graph_error_body('Unauthorized', 'Access denied'))])
    client = secret_client(session)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert caught.value.code == 'Unauthorized'
    assert fake_msal.instances[0].removed == 0


# ----- clouds -----

@pytest.mark.parametrize('cloud', sorted(CLOUDS))
def test_cloud_table_sets_authority_scope_and_graph_root(cloud, fake_msal):
    session = FakeSession([OK])
    client = secret_client(session, cloud=cloud)
    client.get('/subscribedSkus')
    app = fake_msal.instances[0]
    assert app.authority == '%s/contoso.onmicrosoft.com' % CLOUDS[cloud]['authority_url']
    assert app.scopes[0] == ['%s/.default' % CLOUDS[cloud]['graph_url']]
    assert session.calls[0]['url'] == '%s/v1.0/subscribedSkus' % CLOUDS[cloud]['graph_url']
    # Microsoft hosts keep msal's own instance handling; regions are never requested.
    assert 'instance_discovery' not in app.options
    assert app.options['azure_region'] is False


def test_known_cloud_urls():
    assert CLOUDS['public'] == {'authority_url': 'https://login.microsoftonline.com', 'graph_url': 'https://graph.microsoft.com'}
    assert CLOUDS['usgov'] == {'authority_url': 'https://login.microsoftonline.us', 'graph_url': 'https://graph.microsoft.us'}
    assert CLOUDS['usgov_dod'] == {'authority_url': 'https://login.microsoftonline.us', 'graph_url': 'https://dod-graph.microsoft.us'}
    assert CLOUDS['china'] == {'authority_url': 'https://login.partner.microsoftonline.cn',
                               'graph_url': 'https://microsoftgraph.chinacloudapi.cn'}


def test_overrides_tolerate_trailing_slashes_and_skip_instance_discovery(fake_msal):
    session = FakeSession([OK])
    client = secret_client(session, authority_url='https://127.0.0.1:8443/', graph_url='https://127.0.0.1:8443//',
                           tenant_id='contoso')
    client.get('subscribedSkus')
    app = fake_msal.instances[0]
    assert app.authority == 'https://127.0.0.1:8443/contoso'
    assert app.scopes[0] == ['https://127.0.0.1:8443/.default']
    assert app.options['instance_discovery'] is False
    assert session.calls[0]['url'] == 'https://127.0.0.1:8443/v1.0/subscribedSkus'


@pytest.mark.parametrize('options', [
    {'cloud': 'usgov', 'graph_url': 'https://graph.microsoft.com'},
    {'cloud': 'public', 'graph_url': 'https://dod-graph.microsoft.us/'},
    {'authority_url': 'https://login.microsoftonline.com', 'graph_url': 'https://microsoftgraph.chinacloudapi.cn'},
    {'cloud': 'china', 'authority_url': 'https://login.microsoftonline.us'},
])
def test_mixing_clouds_is_refused_before_any_request(options, fake_msal):
    session = FakeSession([])
    with pytest.raises(ConfigurationError) as caught:
        secret_client(session, **options)
    assert 'cloud' in str(caught.value)
    assert session.calls == [] and fake_msal.instances == []


def test_gcc_high_and_dod_share_an_authority(fake_msal):
    session = FakeSession([OK])
    secret_client(session, cloud='usgov', graph_url='https://dod-graph.microsoft.us').get('/subscribedSkus')
    assert session.calls[0]['url'].startswith('https://dod-graph.microsoft.us/v1.0/')


def test_unknown_hosts_are_not_cloud_checked(fake_msal):
    session = FakeSession([OK])
    secret_client(session, cloud='usgov', authority_url='https://127.0.0.1:9000').get('/subscribedSkus')
    assert fake_msal.instances[0].authority == 'https://127.0.0.1:9000/contoso.onmicrosoft.com'
    assert session.calls[0]['url'].startswith('https://graph.microsoft.us/v1.0/')


def test_unknown_cloud_lists_the_choices():
    with pytest.raises(ConfigurationError, match='china, public, usgov, usgov_dod'):
        make_client(FakeSession([]), cloud='germany')


# ----- TLS settings on every call -----

def test_ca_path_is_passed_on_every_call_including_msal(monkeypatch, tmp_path):
    class DiscoveringApp(FakeConfidentialApp):
        """Like msal: discovery GET in the constructor, token POST on acquire."""

        def __init__(self, *args, **kwargs):
            super(DiscoveringApp, self).__init__(*args, **kwargs)
            self.http_client.get(self.authority + '/v2.0/.well-known/openid-configuration', headers={'x': '1'})

        def acquire_token_for_client(self, scopes):
            if not self.cached:
                self.http_client.post(self.authority + '/oauth2/v2.0/token', data={'grant_type': 'client_credentials'})
            return super(DiscoveringApp, self).acquire_token_for_client(scopes)

    monkeypatch.setattr(_graph_auth.msal, 'ConfidentialClientApplication', DiscoveringApp)
    batch_answer = FakeResponse(200, {'responses': [{'id': '0', 'status': 200, 'headers': {}, 'body': {}}]})
    session = FakeSession([FakeResponse(200, {}), FakeResponse(200, {}), OK, batch_answer])
    warnings = []
    ca_path = str(tmp_path / 'ca.pem')
    open(ca_path, 'w').close()
    client = secret_client(session, ca_path=ca_path, timeout=12, warn=warnings.append)
    client.get('/subscribedSkus')
    client.batch(user_reads(1))
    assert [call['method'] for call in session.calls] == ['GET', 'POST', 'GET', 'POST']
    assert all(call['verify'] == ca_path for call in session.calls)
    assert all(call['timeout'] == 12 for call in session.calls)
    assert warnings == []


def test_validate_certs_false_warns_once_and_disables_verification():
    warnings = []
    session = FakeSession([OK, OK])
    client = make_client(session, validate_certs=False, warn=warnings.append)
    client.get('/a')
    client.get('/b')
    assert len(warnings) == 1
    assert warnings[0].startswith('TLS certificate verification is disabled')
    assert [call['verify'] for call in session.calls] == [False, False]


# ----- secrets never leak -----

def test_no_error_carries_the_secret_or_token(fake_msal):
    failures = [
        FakeResponse(400, graph_error_body('Request_BadRequest', 'bad')),
        FakeResponse(400, text='plain text failure'),
        requests.exceptions.SSLError('certificate verify failed'),
        FakeResponse(401, graph_error_body('InvalidAuthenticationToken', 'expired')),
    ]
    errors = []
    for failure in failures:
        for client in (make_client(FakeSession([failure] * 3)), secret_client(FakeSession([failure] * 3))):
            with pytest.raises(GraphError) as caught:
                client.get('/subscribedSkus')
            errors.append(caught.value)
    for error in errors:
        for text in (str(error), repr(error), str(error.to_dict())):
            assert SECRET not in text and TOKEN not in text and 'msal-token' not in text
