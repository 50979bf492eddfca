# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Microsoft Graph client every module uses.

``GraphClient`` owns one ``requests.Session`` (shared with msal through
``_graph_auth.MsalHttpClient``), retries throttled and failed calls, sends
``$batch`` envelopes with bounded concurrency, follows ``@odata.nextLink`` and
turns every failure into ``GraphError``. See docs/development.md for the contract.

Retry policy, for single requests and batch items alike:

* Retried: HTTP 429, 500, 502, 503, 504, connection errors and timeouts.
* Wait: the ``Retry-After`` header when present (seconds, possibly fractional
  like ``2.128``, or an HTTP date; graph-facts section 4), otherwise jittered
  exponential backoff: ``BACKOFF_BASE * 2**n`` seconds capped at ``BACKOFF_CAP``,
  of which a random upper half is kept (so waits never collapse to zero).
* Bounds: at most ``max_retries`` retries, and never a wait that would end
  after ``retry_budget`` seconds from the start of the call.
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

from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import BATCH_LIMIT, RETRYABLE_STATUSES, BatchRun, Pacer
from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import header as _header
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError, ConfigurationError, GraphError
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
        self._check_limits(timeout, max_retries, max_concurrency, retry_budget)
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
        self._pacer = Pacer(clock, sleep)
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
    def _check_limits(timeout, max_retries, max_concurrency, retry_budget):
        if not timeout or timeout <= 0:
            raise ConfigurationError('timeout must be a positive number of seconds, got %r' % (timeout,))
        if max_retries is None or max_retries < 0:
            raise ConfigurationError('max_retries must be 0 or more, got %r' % (max_retries,))
        if not max_concurrency or max_concurrency < 1:
            raise ConfigurationError('max_concurrency must be 1 or more, got %r' % (max_concurrency,))
        if retry_budget is None or retry_budget < 0:
            raise ConfigurationError('retry_budget must be 0 or more seconds, got %r' % (retry_budget,))

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
        http_client = MsalHttpClient(self._session, self._verify, self.timeout)
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

    def _wait_for(self, retry_after, retry_number):
        wait = parse_retry_after(retry_after, time.time())
        if wait is None:
            wait = backoff_delay(retry_number, self._random.random())
        return wait

    def _within_budget(self, started, wait):
        return (self._clock() - started) + wait <= self.retry_budget

    def _response_failure(self, response):
        """(GraphError, Retry-After value) for an unsuccessful response."""
        failure = graph_error(response.status_code, response.headers, _parse_body(response.text), response.text)
        if failure.status == 429:
            self._count(throttled=1)
        return failure, _header(response.headers, 'Retry-After')

    def _execute(self, method, path, params=None, body=None, headers=None, started=None, on_send=None, full=False):
        """One logical request with the retry policy; returns the parsed body or raises GraphError.

        ``on_send`` counts what each attempt carries (a $batch envelope counts its items, not itself).
        """
        url = self._url(path)
        started = self._clock() if started is None else started
        on_send = on_send or (lambda: self._count_operation(method))
        token = self._token()
        refreshes = 0
        attempts = 0
        while True:
            attempts += 1
            on_send()
            try:
                response = self._send_once(method, url, params, body, headers, token)
            except requests.exceptions.SSLError as exc:
                # A certificate problem does not heal by waiting.
                raise connection_error(url, exc) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                failure, retry_after = connection_error(url, exc), None
            except requests.exceptions.RequestException as exc:
                # e.g. an invalid URL: nothing that retrying could fix
                raise GraphError('request to %s failed: %s' % (url, exc)) from None
            else:
                if 200 <= response.status_code < 300:
                    parsed = _parse_body(response.text)
                    return GraphResponse(response.status_code, response.headers, parsed) if full else parsed
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
            wait = self._wait_for(retry_after, attempts - 1)
            if attempts > self.max_retries or not self._within_budget(started, wait):
                failure.attempts = attempts
                raise failure
            self._count(retries=1)
            self._sleep(wait)

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
        """Every item of a collection, following @odata.nextLink."""
        values = []
        page = self.get(path, params=params) or {}
        seen = set()
        while True:
            values.extend(page.get('value') or [])
            next_link = page.get('@odata.nextLink')
            if not next_link:
                return values
            if next_link in seen:
                raise GraphError('Graph returned the same @odata.nextLink twice: %s' % next_link)
            seen.add(next_link)
            page = self.get(next_link) or {}

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

        answer = self._execute('POST', '/$batch', body={'requests': items}, started=started, on_send=count_envelope) or {}
        by_id = {}
        for response in answer.get('responses') or []:
            by_id[str(response.get('id'))] = BatchResponse(response.get('status'), response.get('headers') or {},
                                                           response.get('body'))
        missing = [item['id'] for item in items if item['id'] not in by_id]
        if missing:
            raise GraphError('the $batch answer has no response for request id(s) %s' % ', '.join(missing))
        return by_id

    def envelope_failure(self, ids, error):
        """Answers for the items of an envelope that failed as a whole after request()'s retries."""
        return dict((item_id, BatchResponse(error.status, {}, None, envelope_error=error)) for item_id in ids)

    @staticmethod
    def retry_after_seconds(headers):
        return parse_retry_after(_header(headers, 'Retry-After'), time.time())

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
