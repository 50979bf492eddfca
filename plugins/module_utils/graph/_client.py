# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Microsoft Graph client every module uses.

``GraphClient`` owns one ``requests.Session`` (shared with msal through
``_graph_auth.MsalHttpClient``), retries throttled and failed calls, sends
``$batch`` envelopes with bounded concurrency, follows ``@odata.nextLink`` and
turns every failure into ``GraphError``. See docs/development.md for the contract.

Retry policy, for single requests, batch items and token requests alike:

* Retried: HTTP 429, 500, 502, 503, 504, connection errors and timeouts, and a malformed
  success answer (not a JSON object, or not the shape of the resource) to a read or an envelope.
* Wait: the ``Retry-After`` header when present (seconds, possibly fractional
  like ``2.128``, or an HTTP date; graph-facts section 4), but at least ``retry_floor(n)``
  (0.1 s doubling per retry: a "0" repeated is no busy loop), otherwise jittered
  exponential backoff: ``BACKOFF_BASE * 2**n`` seconds capped at ``BACKOFF_CAP``,
  of which a random upper half is kept (so waits never collapse to zero).
* Bounds: at most ``max_retries`` retries, and never a wait that would end after
  ``retry_budget`` seconds from the start of the call: a longer Retry-After fails the
  call at once, naming what was throttled. A stop (``self.stop``) ends every wait.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import email.utils
import json
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import (
    BATCH_LIMIT, RETRYABLE_STATUSES, BatchRun, Pacer, Stop, describe_request)
from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import header as _header
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import (
    AuthenticationError, ConfigurationError, GraphError, NotAttemptedError, check_credential, describe_body, redact)
from ansible_collections.m365.licensing.plugins.module_utils.graph import _options
from ansible_collections.m365.licensing.plugins.module_utils.graph._shapes import COLLECTION_ITEMS
from ansible_collections.m365.licensing.plugins.module_utils.graph._auth import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    HAS_MSAL,
    HAS_REQUESTS,
    MSAL_IMPORT_ERROR,
    REQUESTS_IMPORT_ERROR,
    ConfidentialClientTokenProvider,
    ManagedIdentityTokenProvider,
    MsalHttpClient,
    StaticTokenProvider,
    connection_error,
    select_auth_method,
)

try:
    import requests
    from requests.adapters import HTTPAdapter
    import urllib3
except ImportError:
    pass  # reported through HAS_REQUESTS / REQUESTS_IMPORT_ERROR

__all__ = [
    'AuthenticationError', 'BATCH_LIMIT', 'BatchResponse', 'CLOUDS', 'ConfigurationError', 'GraphClient', 'GraphError',
    'HAS_CRYPTOGRAPHY', 'HAS_MSAL', 'HAS_REQUESTS', 'CRYPTOGRAPHY_IMPORT_ERROR', 'MSAL_IMPORT_ERROR',
    'REQUESTS_IMPORT_ERROR', 'backoff_delay', 'parse_retry_after',
]

# National clouds (graph-facts section 6). The scope is '{graph_url}/.default'.
CLOUDS = {
    'public': {'authority_url': 'https://login.microsoftonline.com', 'graph_url': 'https://graph.microsoft.com'},
    'usgov': {'authority_url': 'https://login.microsoftonline.us', 'graph_url': 'https://graph.microsoft.us'},
    'usgov_dod': {'authority_url': 'https://login.microsoftonline.us', 'graph_url': 'https://dod-graph.microsoft.us'},
    'china': {'authority_url': 'https://login.partner.microsoftonline.cn', 'graph_url': 'https://microsoftgraph.chinacloudapi.cn'},
}

# Which sovereign cloud a known Microsoft host belongs to. Tokens cannot be used
# across clouds (graph-facts section 6), so a mixed pair can never work.
# GCC High and DoD share one authority, hence one 'US Government' family.
AUTHORITY_HOST_CLOUD = {
    'login.microsoftonline.com': 'global',
    'login.microsoft.com': 'global',
    'login.windows.net': 'global',
    'sts.windows.net': 'global',
    'login.microsoftonline.us': 'US Government',
    'login.usgovcloudapi.net': 'US Government',
    'login-us.microsoftonline.com': 'US Government',
    'login.partner.microsoftonline.cn': 'China (21Vianet)',
    'login.chinacloudapi.cn': 'China (21Vianet)',
}
GRAPH_HOST_CLOUD = {
    'graph.microsoft.com': 'global',
    'graph.microsoft.us': 'US Government',
    'dod-graph.microsoft.us': 'US Government',
    'microsoftgraph.chinacloudapi.cn': 'China (21Vianet)',
}

API_VERSION = 'v1.0'
BACKOFF_BASE = 1.0  # seconds before the first retry when no Retry-After is given
BACKOFF_CAP = 32.0  # longest backoff wait in seconds
# The shortest wait before a retry. A Retry-After of 0 (or a few milliseconds) repeated would be a busy
# loop, so the n-th retry of one request waits at least MIN_RETRY_WAIT * 2**n (capped at BACKOFF_CAP),
# however short the Retry-After: Graph's own are seconds (graph-facts section 4).
MIN_RETRY_WAIT = 0.1
MALFORMED_ITEM = 'MalformedBatchItem'  # code of a $batch item's malformed answer (retried on its own)
ERROR_TEXT_LIMIT = 300  # characters of a non-JSON error body kept in a message
TOKEN_REFRESHES_PER_REQUEST = 2


def _host(url):
    return re.sub(r'^[a-z]+://', '', url, flags=re.IGNORECASE).split('/')[0].split(':')[0].lower()


def _origin(url):
    match = re.match(r'^([a-z]+://[^/]+)', url, flags=re.IGNORECASE)
    return match.group(1).lower() if match else url.lower()


def parse_retry_after(value, now):
    """Seconds to wait from a Retry-After value, or None when it is absent or unreadable.

    Graph sends fractional seconds ("2.128", graph-facts section 4); HTTP also
    allows a date. ``now`` is the wall-clock time in epoch seconds.
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - now)


def retry_floor(retry_number):
    """The least wait before the retry_number-th retry (0-based) when Graph gives a Retry-After."""
    return min(BACKOFF_CAP, MIN_RETRY_WAIT * (2 ** retry_number))


def backoff_delay(retry_number, fraction):
    """Jittered exponential backoff for the retry_number-th retry (0-based).

    ``fraction`` is a random number in [0, 1): the wait is the upper half of
    min(BACKOFF_CAP, BACKOFF_BASE * 2**retry_number), so waits grow but spread out.
    """
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** retry_number))
    return ceiling / 2 + fraction * ceiling / 2


def _parse_body(text):
    if not text or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def malformed_answer(status, headers, text, what, expected='a JSON object'):
    """GraphError for a success status whose body is not what Graph sends: never read as "absent"."""
    shown = describe_body(text, limit=ERROR_TEXT_LIMIT)
    return GraphError('malformed answer to %s: expected %s, got %s' % (what, expected, shown), status=status,
                      code='MalformedResponse', request_id=_header(headers, 'request-id'))


def _trim(text):
    text = re.sub(r'\s+', ' ', text or '').strip()
    if len(text) > ERROR_TEXT_LIMIT:
        text = text[:ERROR_TEXT_LIMIT] + '...'
    return text


def graph_error(status, headers, body, raw_text=None):
    """GraphError from a Graph error envelope {"error": {"code", "message", "innerError"}} (graph-facts section 1.4)."""
    envelope = body.get('error') if isinstance(body, dict) else None
    if isinstance(envelope, dict):
        inner = envelope.get('innerError') or envelope.get('innererror') or {}
        request_id = _header(headers, 'request-id') or (inner.get('request-id') if isinstance(inner, dict) else None)
        return GraphError(envelope.get('message') or 'no message', status=status, code=envelope.get('code'),
                          request_id=request_id)
    text = raw_text if raw_text is not None else (json.dumps(body) if body is not None else '')
    message = 'unexpected answer from Graph: %s' % (_trim(text) or 'empty body')
    return GraphError(message, status=status, request_id=_header(headers, 'request-id'))


class GraphResponse(collections.namedtuple('GraphResponse', ['status', 'headers', 'body'])):
    """A successful answer with its status and headers (GraphClient.request_full)."""

    __slots__ = ()

    def header(self, name):
        return _header(self.headers, name)


def envelope_shape_problem(body, ids):
    """What a $batch answer lacks (graph-facts section 4: {"responses": [{"id", "status", ...}]}), or None."""
    responses = body.get('responses')
    if not isinstance(responses, list) or not all(isinstance(response, dict) for response in responses):
        return 'a "responses" list of objects'
    if not all(isinstance(response.get('status'), int) and not isinstance(response.get('status'), bool)
               and isinstance(response.get('headers') or {}, dict) for response in responses):
        return 'a numeric status and a headers object in every response'
    answered = set(str(response.get('id')) for response in responses)
    missing = [item_id for item_id in ids if item_id not in answered]
    if missing:
        return 'a response for request id(s) %s' % ', '.join(missing)
    return None


def item_answer(item, response):
    """BatchResponse of one $batch item; a read answered 2xx without a JSON object is malformed, never "absent"."""
    status, headers, body = response['status'], response.get('headers') or {}, response.get('body')
    if item['method'] == 'GET' and 200 <= status < 300 and status != 204 and not isinstance(body, dict):
        error = malformed_answer(status, headers, json.dumps(body), describe_request('GET', item['url']))
        error.code = MALFORMED_ITEM
        return BatchResponse(status, headers, body, envelope_error=error)
    return BatchResponse(status, headers, body)


def page_values(page, path):
    """The items of one page of a collection, each checked against the resource's shape (_shapes)."""
    values = page.get('value') if isinstance(page, dict) else None
    if not isinstance(values, list) or not all(isinstance(value, dict) for value in values):
        raise GraphError('malformed answer to %s: expected a page with a "value" list of objects, got %s'
                         % (describe_request('GET', path), _trim(json.dumps(page))), code='MalformedResponse')
    kind, problem_of = COLLECTION_ITEMS.get(describe_request('GET', path).split(' ', 1)[1], (None, None))
    for value in values if problem_of else ():
        problem = problem_of(value)
        if problem:
            what = describe_request('GET', path)
            raise GraphError('malformed answer to %s: a %s without %s: %s' % (what, kind, problem, _trim(json.dumps(value))),
                             code='MalformedResponse')
    return values


def iter_pages(client, path, params=None, page_limit=None):
    """Yield the pages of a collection in order, following @odata.nextLink, at most page_limit of them.

    While the caller works on one page, the next is already on its way: a listing is a chain of
    round trips that cannot run side by side, so the caller's work is what can hide behind them
    (about 10 ms for a page of 999 users, next to a round trip of 100 ms or more). At most two
    pages are held; a collection of one page is read without the extra thread.
    """
    page, fetched, seen = client.get(path, params=params), 1, set()
    with ThreadPoolExecutor(max_workers=1) as fetcher:  # its thread starts with the first submit
        while True:
            next_link = page.get('@odata.nextLink') if isinstance(page, dict) else None
            pending = None
            if next_link and (page_limit is None or fetched < page_limit):
                if not isinstance(next_link, str) or next_link in seen:
                    raise GraphError('Graph returned a bad or repeated @odata.nextLink for %s: %r'
                                     % (describe_request('GET', path), next_link), code='MalformedResponse')
                seen.add(next_link)
                pending, fetched = fetcher.submit(client.get, next_link), fetched + 1
            yield page
            if pending is None:
                return
            page = pending.result()


class BatchResponse(collections.namedtuple('BatchResponse', ['status', 'headers', 'body', 'envelope_error'])):
    """One $batch item's final answer.

    ``envelope_error`` is set when the whole envelope carrying the item failed after its own
    retries (connection lost, 5xx on the $batch call): the item's outcome is then unknown.
    """

    __slots__ = ()

    def __new__(cls, status, headers, body, envelope_error=None):
        return super(BatchResponse, cls).__new__(cls, status, headers, body, envelope_error)

    @property
    def ok(self):
        return self.envelope_error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_attempted(self):
        """Never sent: the run was stopped before this request (see Stop in _batch)."""
        return isinstance(self.envelope_error, NotAttemptedError)

    @property
    def malformed(self):
        """A read answered 2xx without a JSON object inside an envelope that was itself fine: worth a retry."""
        return self.envelope_error is not None and self.envelope_error.code == MALFORMED_ITEM

    def error(self):
        if self.envelope_error is not None:
            return self.envelope_error
        return graph_error(self.status, self.headers, self.body)


class GraphClient:
    """Microsoft Graph over one session: tokens, retries, $batch, paging, errors, stats."""

    def __init__(self, tenant_id=None, client_id=None, client_secret=None, client_certificate_path=None,
                 client_certificate_password=None, managed_identity=None, access_token=None, cloud='public',
                 authority_url=None, graph_url=None, ca_path=None, validate_certs=True, timeout=30, max_retries=5,
                 max_concurrency=4, retry_budget=300, session=None, sleep=time.sleep, clock=time.monotonic, warn=None):
        # Every option is checked before the first request, naming the option (issue 15, class 7).
        _options.check_limits(timeout, max_retries, max_concurrency, retry_budget)
        tenant_id = _options.check_tenant_id(tenant_id)
        client_id = _options.check_client_id(client_id)
        managed_identity = _options.check_managed_identity(managed_identity)
        client_secret = check_credential('client_secret', client_secret or None)
        access_token = check_credential('access_token', access_token or None)
        client_certificate_password = check_credential('client_certificate_password', client_certificate_password or None,
                                                       password=True)
        ca_path = _options.check_ca_path(ca_path)
        authority_url = _options.check_service_url('authority_url', authority_url, 'https://login.microsoftonline.us')
        graph_url = _options.check_service_url('graph_url', graph_url, 'https://graph.microsoft.us')
        self._secrets = tuple(value for value in (client_secret, access_token, client_certificate_password) if value)
        self.authority_url, self.graph_url = self._resolve_cloud(cloud, authority_url, graph_url)
        self._api_root = '%s/%s' % (self.graph_url, API_VERSION)
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_concurrency = max_concurrency
        self.retry_budget = retry_budget
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._warn = warn or (lambda message: None)
        self._verify = ca_path if ca_path else validate_certs
        if not validate_certs and not ca_path:
            self._warn('TLS certificate verification is disabled (validate_certs: false): use this only against'
                       ' a test server, and set ca_path instead where possible')
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._session = session if session is not None else self._new_session(max_concurrency)
        # One pace for the whole run, so what the reads learnt about throttling holds for the writes.
        self._pacer = Pacer(clock, self._pause)
        # Why the client sends nothing more (a signal) or no more writes (a refusal no retry can fix).
        self.stop = Stop()
        self._stats_lock = threading.Lock()
        self.stats = {'requests': 0, 'reads': 0, 'writes': 0, 'batches': 0, 'retries': 0, 'throttled': 0,
                      'token_requests': 0}
        self._tokens = self._token_provider(
            select_auth_method(tenant_id, client_id, client_secret, client_certificate_path, managed_identity, access_token),
            tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
            client_certificate_path=client_certificate_path, client_certificate_password=client_certificate_password,
            managed_identity=managed_identity, access_token=access_token)

    # ----- set-up -----

    @staticmethod
    def _resolve_cloud(cloud, authority_url, graph_url):
        """(authority_url, graph_url) from the cloud table and overrides; refuses a cross-cloud pair."""
        cloud = cloud or 'public'
        if cloud not in CLOUDS:
            raise ConfigurationError('unknown cloud %r: choose one of %s' % (cloud, ', '.join(sorted(CLOUDS))))
        authority = (authority_url or CLOUDS[cloud]['authority_url']).rstrip('/')
        graph = (graph_url or CLOUDS[cloud]['graph_url']).rstrip('/')
        authority_cloud = AUTHORITY_HOST_CLOUD.get(_host(authority))
        graph_cloud = GRAPH_HOST_CLOUD.get(_host(graph))
        if authority_cloud and graph_cloud and authority_cloud != graph_cloud:
            raise ConfigurationError(
                'authority %s belongs to the %s cloud but Graph %s belongs to the %s cloud: a token from one cloud is'
                ' rejected by the other. Set cloud, or set authority_url and graph_url to the same cloud'
                % (authority, authority_cloud, graph, graph_cloud))
        return authority, graph

    @staticmethod
    def _new_session(max_concurrency):
        session = requests.Session()
        # One pooled connection per batch envelope in flight; retries are ours, not urllib3's.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, max_concurrency), max_retries=0)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        return session

    def _token_provider(self, method, tenant_id, client_id, client_secret, client_certificate_path,
                        client_certificate_password, managed_identity, access_token):
        # Token calls get the same retry policy as Graph calls (5xx, 429, connection errors).
        http_client = MsalHttpClient(self._session, self._verify, self.timeout, retry=self._token_retry_wait,
                                     pause=self._pause, secrets=self._secrets, clock=self._clock)
        if method == 'access_token':
            return StaticTokenProvider(access_token)
        if method == 'managed_identity':
            return ManagedIdentityTokenProvider(managed_identity, self.graph_url, http_client)
        return ConfidentialClientTokenProvider(
            tenant_id, client_id, self.authority_url, self.graph_url, http_client,
            client_secret=client_secret if method == 'client_secret' else None,
            client_certificate_path=client_certificate_path if method == 'client_certificate' else None,
            client_certificate_password=client_certificate_password)

    def close(self):
        self._session.close()

    def _pause(self, seconds):
        """Sleep, waking up at once when the run is stopped (the injected sleep is for tests that drive time)."""
        if self._sleep is time.sleep:
            self.stop.wait(seconds)
        else:
            self._sleep(seconds)

    def _token_retry_wait(self, attempt, retry_after, started):
        """Seconds before the attempt-th retry of a token call, or None to give up (same policy as Graph calls)."""
        if attempt > self.max_retries or self.stop.everything is not None:
            return None
        return self._retry_wait(retry_after, attempt - 1, started)

    # ----- stats -----

    def _count(self, **increments):
        with self._stats_lock:
            for name, amount in increments.items():
                self.stats[name] += amount

    def _count_operation(self, method):
        if method.upper() == 'GET':
            self._count(reads=1)
        else:
            self._count(writes=1)

    def _sync_token_stats(self):
        with self._stats_lock:
            self.stats['token_requests'] = self._tokens.token_requests

    # ----- single requests -----

    def _url(self, path):
        if re.match(r'^https?://', path, flags=re.IGNORECASE):
            # Absolute URLs come from @odata.nextLink; never send the token elsewhere.
            if _origin(path) != _origin(self.graph_url):
                raise GraphError('refusing to send the Graph token to %s: it is not under %s' % (path, self.graph_url))
            return path
        return '%s/%s' % (self._api_root, path.lstrip('/'))

    def _token(self):
        try:
            return self._tokens.token()
        finally:
            self._sync_token_stats()

    def _refresh_token(self, stale_token, rejection):
        try:
            return self._tokens.refresh(stale_token)
        except AuthenticationError as exc:
            exc.request_id = exc.request_id or rejection.request_id
            raise
        finally:
            self._sync_token_stats()

    def _send_once(self, method, url, params, body, headers, token):
        all_headers = {'Accept': 'application/json', 'Authorization': 'Bearer %s' % token}
        all_headers.update(headers or {})
        self._count(requests=1)
        return self._session.request(method, url, params=params, json=body, headers=all_headers,
                                     verify=self._verify, timeout=self.timeout)

    def _retry_wait(self, retry_after, retry_number, started):
        """Seconds to wait before a retry, or None when the wait would outlast the retry budget.

        Graph's Retry-After when it is one (at least MIN_RETRY_WAIT), else the jittered backoff; a wait
        longer than what is left of retry_budget is never started (Retry-After: 86400 fails now, clearly).
        """
        asked = parse_retry_after(retry_after, time.time())
        if asked is None:
            wait = backoff_delay(retry_number, self._random.random())
        else:
            wait = max(asked, retry_floor(retry_number))
        remaining = self.retry_budget - (self._clock() - started)
        return wait if wait <= remaining else None

    def _response_failure(self, response):
        """(GraphError, Retry-After value) for an unsuccessful response."""
        failure = graph_error(response.status_code, response.headers, _parse_body(response.text), response.text)
        if failure.status == 429:
            self._count(throttled=1)
        return failure, _header(response.headers, 'Retry-After')

    @staticmethod
    def _success_body(method, response, what, check=None):
        """(parsed body, None) for a well-formed success, or (None, GraphError) for a malformed one.

        204 and an empty non-GET answer carry nothing; anything else must be a JSON object
        (graph-facts section 1: every v1.0 answer with a body is one).
        """
        text = response.text
        if response.status_code == 204 or (method != 'GET' and not (text or '').strip()):
            return None, None
        try:
            body = json.loads(text) if text and text.strip() else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return None, malformed_answer(response.status_code, response.headers, text, what)
        expected = check(body) if check else None
        if expected:
            return None, malformed_answer(response.status_code, response.headers, text, what, expected)
        return body, None

    def _gave_up(self, failure, what, retry_after, attempts):
        failure.attempts = attempts
        if self.stop.everything is not None:
            failure.message = '%s; not retried: %s' % (failure.message, self.stop.everything)
        elif failure.status == 429:
            asked = parse_retry_after(retry_after, time.time())
            detail = ('asked to wait %.0f s (Retry-After), more than the retry budget has left' % asked
                      if asked is not None and asked > retry_floor(attempts - 1) else 'the retry budget ran out')
            failure.message = 'Graph throttled %s and %s (retry_budget %ss): %s' % (what, detail, self.retry_budget,
                                                                                    failure.message)
        return failure

    def _execute(self, method, path, params=None, body=None, headers=None, started=None, on_send=None, check=None, full=False):
        """One logical request with the retry policy; returns the parsed body or raises GraphError.

        ``on_send`` counts what each attempt carries (a $batch envelope counts its items, not itself).
        A malformed success answer is retried like a 5xx where that is safe (reads, $batch envelopes,
        whose items are checked again); a malformed answer to another write is raised.
        """
        url = self._url(path)
        what = describe_request(method, path)
        if self.stop.everything is not None:
            raise NotAttemptedError('%s was not sent: %s' % (what, self.stop.everything))
        started = self._clock() if started is None else started
        on_send = on_send or (lambda: self._count_operation(method))
        retry_malformed = method == 'GET' or path == '/$batch'
        token = self._token()
        refreshes = 0
        attempts = 0
        while True:
            attempts += 1
            on_send()
            # The token and the credentials are masked in every form in any text an exception gives us.
            secrets = self._secrets + (token,)
            try:
                response = self._send_once(method, url, params, body, headers, token)
            except requests.exceptions.SSLError as exc:
                # A certificate problem does not heal by waiting.
                raise connection_error(url, exc, secrets) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                failure, retry_after = connection_error(url, exc, secrets), None
            except requests.exceptions.RequestException as exc:
                # e.g. an invalid URL or header: nothing that retrying could fix
                raise GraphError('request to %s failed: %s' % (url, redact(str(exc), secrets))) from None
            else:
                if 200 <= response.status_code < 300:
                    parsed, failure = self._success_body(method, response, what, check)
                    if failure is None:
                        return GraphResponse(response.status_code, response.headers, parsed) if full else parsed
                    if not retry_malformed:
                        raise failure
                    retry_after = None
                else:
                    failure, retry_after = self._response_failure(response)
                    if failure.status == 401 and failure.code == 'InvalidAuthenticationToken':
                        if refreshes >= TOKEN_REFRESHES_PER_REQUEST:
                            raise AuthenticationError('Graph rejected a newly acquired token: %s' % failure.message,
                                                      status=401, code=failure.code, request_id=failure.request_id)
                        # An expired or revoked token: a new one and a retry. The first refresh may hand back
                        # the token another thread just fetched, which can be stale too by the time we use it
                        # (short-lived tokens, slow answers): a second refresh then asks Entra itself.
                        token = self._refresh_token(token, failure)
                        refreshes += 1
                        self._count(retries=1)
                        continue
                    if failure.status not in RETRYABLE_STATUSES:
                        raise failure
            wait = self._retry_wait(retry_after, attempts - 1, started)
            if attempts > self.max_retries or wait is None or self.stop.everything is not None:
                raise self._gave_up(failure, what, retry_after, attempts)
            self._count(retries=1)
            self._pause(wait)
            if self.stop.everything is not None:
                raise self._gave_up(failure, what, retry_after, attempts)  # stopped during the wait: no retry

    def request(self, method, path, params=None, body=None, headers=None):
        """Send one request; ``path`` is relative to {graph_url}/v1.0 or an absolute nextLink."""
        return self._execute(method.upper(), path, params=params, body=body, headers=headers)

    def request_full(self, method, path, params=None, body=None, headers=None):
        """Like request(), but returns a GraphResponse (status, headers, body): for answers whose
        headers matter, e.g. a 202 whose Location names the operation to poll (graph-facts 12.1)."""
        return self._execute(method.upper(), path, params=params, body=body, headers=headers, full=True)

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, body=None):
        return self.request('POST', path, body=body)

    def patch(self, path, body):
        return self.request('PATCH', path, body=body)

    def get_paged(self, path, params=None):
        """Every item of a collection, following @odata.nextLink; every page's shape is checked."""
        values = []
        for page in iter_pages(self, path, params):
            values.extend(self._page_values(page, path))
        return values

    @staticmethod
    def _page_values(page, path):
        return page_values(page, path)

    # ----- $batch -----

    @staticmethod
    def _batch_item(index, request):
        item = {'id': str(index), 'method': request['method'].upper(), 'url': request['url']}
        headers = dict(request.get('headers') or {})
        if request.get('body') is not None:
            item['body'] = request['body']
            # Graph rejects an item with a body but no Content-Type (graph-facts section 4).
            if _header(headers, 'Content-Type') is None:
                headers['Content-Type'] = 'application/json'
        if headers:
            item['headers'] = headers
        return item

    def _send_envelope(self, items, started):
        """POST one $batch envelope (envelope-level retries follow request()'s policy); answers by id."""
        def count_envelope():
            self._count(batches=1)
            for item in items:
                self._count_operation(item['method'])

        ids = [item['id'] for item in items]
        answer = self._execute('POST', '/$batch', body={'requests': items}, started=started, on_send=count_envelope,
                               check=lambda body: envelope_shape_problem(body, ids))
        by_id = {}
        for response in answer['responses']:
            item_id = str(response['id'])
            if item_id in ids:
                by_id[item_id] = item_answer(items[ids.index(item_id)], response)
        return by_id

    def envelope_failure(self, ids, error):
        """Answers for the items of an envelope that failed as a whole after request()'s retries."""
        return dict((item_id, BatchResponse(error.status, {}, None, envelope_error=error)) for item_id in ids)

    @staticmethod
    def retry_after_seconds(headers):
        return parse_retry_after(_header(headers, 'Retry-After'), time.time())

    @staticmethod
    def retry_floor(retry_number):
        return retry_floor(retry_number)

    def backoff(self, retry_number):
        return backoff_delay(retry_number, self._random.random())

    def batch(self, requests):  # pylint: disable=redefined-outer-name
        """Send any number of requests through $batch; BatchResponse list in request order.

        See _graph_batch for the pace and the retries. Items that still fail come back with
        their final status; an envelope that fails after request()'s retries fails only its
        own items (``BatchResponse.envelope_error``); authentication and configuration errors
        raise, since no envelope could succeed.
        """
        items = [self._batch_item(index, request) for index, request in enumerate(requests)]
        if not items:
            return []
        return BatchRun(self, items, self._pacer).run()
