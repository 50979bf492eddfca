# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST /v1.0/$batch, following graph-facts §4.

- At most 20 requests; ids unique case-insensitively; an item with a body must
  carry a Content-Type header. Any of these wrong -> 400 for the whole batch.
- Item URLs are relative and without the version ("/users/x" or "users/x");
  an absolute URL or a "/v1.0/..." prefix fails that item with 400.
- Every item goes through the same pipeline as a plain request (app role,
  throttling, faults); a throttled item is status 429 with Retry-After in its
  own headers and the envelope stays 200 (graph-facts §4 "Conflict between revisions").
- dependsOn runs items in chain order; an item whose dependency did not succeed gets 424.
- Responses come back in a shuffled order (seeded): clients must match by id.
- Time: the envelope pays latency_ms once (server.py) plus batch_item_ms per item.
"""

import json
import uuid
from urllib.parse import parse_qsl

from .faults import CONNECTION_KINDS, HTML_PAGE, ITEM_KINDS, malformed_item_body
from .graph_api import ERROR_JSON, ODATA_JSON, TEXT_BAD_JSON, TEXT_METHOD_NOT_ALLOWED, GraphCall, GraphResult, error_body, scripted_reply
from .seeded import SeededRandom
from .server import Reply

MAX_BATCH_REQUESTS = 20
ITEM_METHODS = frozenset(('GET', 'POST', 'PATCH', 'PUT', 'DELETE'))
BATCH_ROUTE = 'POST /v1.0/$batch'
# Share of latency_ms each item adds when batch_item_ms is not set.
DEFAULT_ITEM_SHARE_OF_LATENCY = 0.05


class BatchError(ValueError):
    """The batch as a whole is malformed: 400 for the envelope."""


class BatchItem:
    __slots__ = ('id', 'method', 'url', 'headers', 'body', 'depends_on')

    def __init__(self, raw):
        if not isinstance(raw, dict):
            raise BatchError('Invalid batch payload format: every request must be a JSON object.')
        self.id = raw.get('id')
        self.method = raw.get('method')
        self.url = raw.get('url')
        # graph-facts §4: id is a required string; a number is refused (UNVERIFIED how Graph treats one).
        for name, value in (('id', self.id), ('method', self.method), ('url', self.url)):
            if not isinstance(value, str) or not value:
                raise BatchError("Invalid batch payload format: property '%s' is required and must be a non-empty string." % name)
        self.headers = raw.get('headers') or {}
        if not isinstance(self.headers, dict):
            raise BatchError("Invalid batch payload format: 'headers' of request id %s must be an object." % self.id)
        self.body = raw.get('body')
        depends_on = raw.get('dependsOn') or []
        if not isinstance(depends_on, list) or not all(isinstance(item, str) for item in depends_on):
            raise BatchError("Invalid batch payload format: 'dependsOn' of request id %s must be a list of ids." % self.id)
        self.depends_on = [item.lower() for item in depends_on]

    @property
    def key(self):
        return self.id.lower()

    def has_content_type(self):
        return any(name.lower() == 'content-type' and value for name, value in self.headers.items())


def parse_items(body):
    """BatchItems from the request body, or BatchError. Texts marked UNVERIFIED in the README."""
    try:
        document = json.loads(body.decode('utf-8'))
    except ValueError:
        raise BatchError(TEXT_BAD_JSON) from None
    if not isinstance(document, dict) or not isinstance(document.get('requests'), list):
        raise BatchError("Invalid batch payload format: the body must be an object with a 'requests' array.")
    raw_items = document['requests']
    if not raw_items:
        raise BatchError('Invalid batch payload format: the requests array is empty.')
    if len(raw_items) > MAX_BATCH_REQUESTS:
        # graph-facts §4: more than 20 -> 400; the message is not documented (UNVERIFIED).
        raise BatchError('The number of requests in a batch (%d) exceeds the limit of %d.' % (len(raw_items), MAX_BATCH_REQUESTS))
    items = [BatchItem(raw) for raw in raw_items]
    _check_ids(items)
    _check_bodies(items)
    _check_dependencies(items)
    return items


def _check_ids(items):
    seen = set()
    for item in items:
        if item.key in seen:
            raise BatchError('Batch request contains duplicate request id: %s.' % item.id)
        seen.add(item.key)


def _check_bodies(items):
    for item in items:
        if item.body is not None and not item.has_content_type():
            # graph-facts §4: headers with Content-Type are required when there is a body.
            raise BatchError('Write request id : %s does not contain Content-Type header or body.' % item.id)


def _check_dependencies(items):
    known = {item.key for item in items}
    for item in items:
        missing = [key for key in item.depends_on if key not in known or key == item.key]
        if missing:
            raise BatchError("Request id %s depends on '%s', which is not another request of this batch." % (item.id, missing[0]))
    if len(execution_order(items, list(items))) != len(items):
        raise BatchError('The dependsOn references of this batch form a cycle.')


def execution_order(items, shuffled):
    """Items in an order that respects dependsOn; among ready items, the shuffled order decides."""
    done, order, remaining = set(), [], list(shuffled)
    while remaining:
        ready = next((item for item in remaining if all(key in done for key in item.depends_on)), None)
        if ready is None:
            break
        order.append(ready)
        done.add(ready.key)
        remaining.remove(ready)
    return order


class BatchProcessor:
    def __init__(self, graph, knobs, faults, stats, seed=0):
        self.graph = graph
        self.knobs = knobs
        self.faults = faults
        self.stats = stats
        self._random = SeededRandom(seed)

    def reseed(self):
        self._random.reseed()

    def _shuffled(self, sequence):
        copy = list(sequence)
        with self._random as rng:
            rng.shuffle(copy)
        return copy

    def handle_http(self, request):
        self.stats.count_route('%s /v1.0/$batch' % request.method)
        if request.method != 'POST':
            return self.graph.error_reply(request, 405, 'Request_BadRequest', TEXT_METHOD_NOT_ALLOWED)
        scripted = self.faults.scripted.take('POST /v1.0/$batch')
        if scripted is not None and not scripted.kind.startswith('malformed:'):
            self.stats.add('faults')
            envelope = GraphCall.from_request(request, '/$batch')
            return scripted_reply(self.graph.render(request, self.graph._scripted_result(envelope, scripted)), scripted.kind)
        # Connection faults hit the envelope; 429/503/504 are drawn per item below.
        fault = self.faults.draw(CONNECTION_KINDS)
        if fault is not None:
            self.stats.add('faults')
            if fault.kind == 'reset':
                return Reply.connection_reset()
        reply = self._answer(request)
        if fault is not None:
            reply.delay += self.knobs.slow_seconds
        if scripted is not None and reply.status == 200:
            self.stats.add('faults')
            scripted_reply(reply, scripted.kind)  # every item ran; the envelope's answer is spoilt
        return reply

    def _answer(self, request):
        envelope = GraphCall.from_request(request, '/$batch')
        _grant, auth_error = self.graph.authenticate(envelope)
        if auth_error:
            return self.graph.render(request, auth_error)
        try:
            items = parse_items(request.body)
        except BatchError as error:
            return self.graph.render(request, GraphResult(400, error_body('BadRequest', str(error), request.request_id, request.client_request_id)))
        self.stats.add('batch_items', len(items))
        results = self._execute(items, request)
        responses = [self._item_response(item.id, results[item.key]) for item in self._shuffled(items)]
        cost = sum(result.cost for result in results.values())
        reply = self.graph.render(request, GraphResult(200, {'responses': responses}, [('OData-Version', '4.0'), ('x-ms-resource-unit', str(cost))]))
        reply.delay += len(items) * self._item_seconds()
        return reply

    def _item_seconds(self):
        item_ms = self.knobs.batch_item_ms
        if item_ms is None:
            item_ms = self.knobs.latency_ms * DEFAULT_ITEM_SHARE_OF_LATENCY
        return item_ms / 1000.0

    def _execute(self, items, request):
        results = {}
        for item in execution_order(items, self._shuffled(items)):
            failed = [key for key in item.depends_on if not results[key].ok]
            if failed:
                results[item.key] = self._failed_dependency(item, request)
            else:
                results[item.key] = self._execute_item(item, request)
        return results

    def _call(self, item, request, path='/', query=None):
        return GraphCall(item.method, path, query or {}, item.headers, item.body, False, request.header('authorization'),
                         str(uuid.uuid4()), request.client_request_id)

    def _execute_item(self, item, request):
        if '://' in item.url or item.method.upper() not in ITEM_METHODS:
            call = self._call(item, request)
            self.graph.count(call, None)
            reason = 'is not relative' if '://' in item.url else 'uses an unsupported method'
            # graph-facts §4: URLs are relative to the version; the wording of this 400 is UNVERIFIED.
            return GraphResult(400, error_body('BadRequest', 'The URL %s of request id %s %s.' % (item.url, item.id, reason),
                                               call.request_id, call.client_request_id))
        path, _sep, query_string = item.url.partition('?')
        query = {}
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            query.setdefault(name, value)
        return self.graph.execute(self._call(item, request, '/' + path.lstrip('/'), query), ITEM_KINDS)

    def _failed_dependency(self, item, request):
        """424 without running the item (graph-facts §4); the body text is UNVERIFIED."""
        path = '/' + item.url.partition('?')[0].lstrip('/')
        call = self._call(item, request, path)
        route, _ids, _error = self.graph.match(call)
        self.graph.count(call, route)
        return GraphResult(424, error_body('FailedDependency', 'The request failed because a request it depends on failed.',
                                           call.request_id, call.client_request_id))

    @staticmethod
    def _item_response(item_id, result):
        headers = {'Cache-Control': 'no-cache', 'x-ms-resource-unit': str(result.cost)}
        if result.body is not None:
            headers['Content-Type'] = ODATA_JSON if result.ok else ERROR_JSON
        headers.update(result.headers)
        response = {'id': item_id, 'status': result.status, 'headers': headers}
        if result.body is not None:
            response['body'] = result.body
        if result.fault == 'html_503':
            response['headers']['Content-Type'] = 'text/html'
            response['body'] = HTML_PAGE
        elif result.fault and result.fault.startswith('malformed:'):
            # A scripted fault (faults.py): the item was processed, its answer's body is spoilt.
            body = malformed_item_body(result.fault.split(':', 1)[1])
            if body is None and result.fault != 'malformed:null':
                response.pop('body', None)
            else:
                response['body'] = body
        return response
