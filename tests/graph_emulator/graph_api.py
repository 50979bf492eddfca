# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0: routing, bearer tokens, app roles, query options, throttling, replies.

One call (a plain request or one $batch item) goes through `GraphApi.execute`:
count -> fault draw -> token (401) -> route (400/405) -> app role (403)
-> throttle (429) -> query options (400) -> tenant operation -> result.
The tenant (tenant.py) owns licensing semantics and raises GraphApiError with
Graph's status, code and message; this module owns the HTTP shape around it.
"""

import base64
import binascii
import datetime
import hashlib
import json
import re
from urllib.parse import quote, unquote

from .directory_queries import DirectoryQueries
from . import phone_numbers as phone
from .faults import ALL_KINDS, GRAPH_FAULTS, HTML_PAGE, Fault, exact_retry_after, format_retry_after, malformed_body
from .group_licensing_api import ROLES_WRITE_MEMBERS, GroupLicensingApi
from .server import Reply, encode_json
from .tenant import GraphApiError
from .throttle import request_cost

# Graph's OData JSON content type and the error content type.
ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8'
ERROR_JSON = 'application/json'
AGS_DIAGNOSTIC = ('{"ServerInfo":{"DataCenter":"Graph Emulator","Slice":"E","Ring":"0","ScaleUnit":"000",'
                  '"RoleInstance":"EMULATOR","ADSiteName":"EMU"}}')
GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'
WWW_AUTHENTICATE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                    'client_id="%s"' % GRAPH_APP_ID)
# innerError members of Graph's sample 429 (graph-facts §5.1).
TOO_MANY_REQUESTS_INNER = {'code': '429', 'message': 'Please retry after', 'status': '429'}
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999

# App roles per operation (graph-facts §1.3, §1.5, §2, §3.3, §3.4; group reads from the Graph group-get
# page, which graph-facts does not cover).
ROLES_READ_LICENSING = frozenset(('LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All',
                                  'Directory.Read.All', 'Directory.ReadWrite.All'))
ROLES_READ_SKUS = ROLES_READ_LICENSING | frozenset(('Organization.Read.All', 'Organization.ReadWrite.All'))
ROLES_ASSIGN_USER = frozenset(('LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'))
ROLES_UPDATE_USER = frozenset(('User.ReadWrite.All', 'Directory.ReadWrite.All'))
ROLES_REPROCESS = frozenset(('User.ReadWrite.All', 'Directory.ReadWrite.All'))
ROLES_ASSIGN_GROUP = frozenset(('LicenseAssignment.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'))
ROLES_READ_GROUP = frozenset(('GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All',
                              'Directory.Read.All', 'Directory.ReadWrite.All'))

# Texts that graph-facts does not record (UNVERIFIED; worded like Graph's own).
TEXT_TOKEN_EMPTY = 'Access token is empty.'
TEXT_TOKEN_INVALID = 'Access token validation failure.'
TEXT_TOKEN_EXPIRED = 'Lifetime validation failed, the token is expired.'
TEXT_BAD_JSON = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'
TEXT_METHOD_NOT_ALLOWED = 'Specified HTTP method is not allowed for the request uri.'
TEXT_ME_APP_ONLY = '/me request is only valid with delegated authentication flow.'


class Route:
    """One Graph operation: method, template, tenant handler name, app roles, accepted query options."""

    __slots__ = ('method', 'template', 'pattern', 'handler', 'roles', 'query_options')

    def __init__(self, method, template, handler, roles, query_options=()):
        self.method = method
        self.template = template
        self.pattern = tuple(None if part.startswith('{') else part.lower() for part in template.strip('/').split('/'))
        self.handler = handler
        self.roles = roles
        self.query_options = frozenset(query_options)

    def matches(self, segments):
        if len(segments) != len(self.pattern):
            return None
        ids = []
        for literal, segment in zip(self.pattern, segments):
            if literal is None:
                if not segment:
                    return None
                ids.append(segment)
            elif literal != segment.lower():
                return None
        return ids


ROUTES = (
    # graph-facts §2: subscribedSkus supports only $select ($filter is explicitly unsupported).
    Route('GET', '/subscribedSkus', '_list_skus', ROLES_READ_SKUS, ('$select',)),
    Route('GET', '/subscribedSkus/{id}', '_get_sku', ROLES_READ_SKUS, ('$select',)),
    Route('GET', '/users', '_list_users', ROLES_READ_LICENSING, ('$select', '$filter', '$top', '$skiptoken', '$count')),
    Route('GET', '/users/{id}', '_get_user', ROLES_READ_LICENSING, ('$select',)),
    Route('PATCH', '/users/{id}', '_update_user', ROLES_UPDATE_USER),
    Route('POST', '/users/{id}/assignLicense', '_assign_license', ROLES_ASSIGN_USER),
    Route('GET', '/users/{id}/licenseDetails', '_license_details', ROLES_READ_LICENSING, ('$select',)),
    Route('POST', '/users/{id}/reprocessLicenseAssignment', '_reprocess', ROLES_REPROCESS),
    Route('GET', '/groups/{id}', '_get_group', ROLES_READ_GROUP, ('$select',)),
    Route('GET', '/groups', '_list_groups', ROLES_READ_GROUP, ('$select', '$filter', '$top', '$skiptoken', '$count')),
    Route('GET', '/groups/{id}/members', '_list_members', ROLES_READ_GROUP, ('$select', '$top', '$skiptoken', '$count')),
    Route('GET', '/groups/{id}/transitiveMembers', '_list_transitive_members', ROLES_READ_GROUP, ('$select', '$top', '$skiptoken', '$count')),
    Route('POST', '/groups/{id}/assignLicense', '_assign_group_license', ROLES_ASSIGN_GROUP),
    Route('POST', '/groups/{id}/members/$ref', '_add_group_member', ROLES_WRITE_MEMBERS),
    Route('DELETE', '/groups/{id}/members/{id}/$ref', '_remove_group_member', ROLES_WRITE_MEMBERS),
    Route('GET', '/groups/{id}/membersWithLicenseErrors', '_members_with_license_errors', ROLES_READ_GROUP, ('$select', '$top', '$skiptoken')),
    # Teams phone numbers and user configurations (graph-facts §12.1); handlers in phone_numbers.py.
    Route('GET', '/admin/teams/telephoneNumberManagement/numberAssignments', phone.list_number_assignments, phone.ROLES_READ_NUMBERS, phone.LIST_OPTIONS),
    Route('POST', '/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber', phone.assign_number, phone.ROLES_WRITE_NUMBERS),
    Route('POST', '/admin/teams/telephoneNumberManagement/numberAssignments/unassignNumber', phone.unassign_number, phone.ROLES_WRITE_NUMBERS),
    Route('POST', '/admin/teams/telephoneNumberManagement/numberAssignments/updateNumber', phone.update_number, phone.ROLES_WRITE_NUMBERS),
    Route('GET', '/admin/teams/telephoneNumberManagement/numberAssignments/{id}', phone.get_number_assignment, phone.ROLES_READ_NUMBERS),
    Route('GET', '/admin/teams/telephoneNumberManagement/operations/{id}', phone.get_operation, phone.ROLES_READ_NUMBERS),
    Route('GET', '/admin/teams/userConfigurations', phone.list_user_configurations, phone.ROLES_READ_USER_CONFIGURATIONS, ('$top', '$skip')),
    Route('GET', '/admin/teams/userConfigurations/{id}', phone.get_user_configuration, phone.ROLES_READ_USER_CONFIGURATIONS),
)


class GraphCall:
    """One Graph operation to execute: a plain request or a $batch item."""

    __slots__ = ('method', 'path', 'segments', 'query', 'headers', 'body', 'body_error', 'authorization', 'request_id', 'client_request_id')

    def __init__(self, method, path, query, headers, body, body_error, authorization, request_id, client_request_id):
        self.method = method.upper()
        self.path = path
        self.segments = key_segments([unquote(part) for part in path.strip('/').split('/')] if path.strip('/') else [])
        self.query = query
        self.headers = {name.lower(): value for name, value in (headers or {}).items()}
        self.body = body
        self.body_error = body_error
        self.authorization = authorization
        self.request_id = request_id
        self.client_request_id = client_request_id

    @classmethod
    def from_request(cls, request, path):
        """path: the raw (still percent-encoded) part after /v1.0."""
        body, body_error = None, False
        if request.body.strip():
            if 'json' not in request.header('content-type', '').lower():
                body_error = True
            else:
                try:
                    body = json.loads(request.body.decode('utf-8'))
                except ValueError:
                    body_error = True
        return cls(request.method, path, request.query, request.headers, body, body_error, request.header('authorization'),
                   request.request_id, request.client_request_id)


# OData key syntax: `operations('id')` addresses the same entity as `operations/id` (the number
# operations' Location uses it, graph-facts §12.1).
KEY_SEGMENT = re.compile(r"^([A-Za-z]+)\('([^']*)'\)$")


def key_segments(segments):
    split = []
    for segment in segments:
        key = KEY_SEGMENT.match(segment)
        split.extend(key.groups() if key else (segment,))
    return split


def scripted_reply(reply, fault):
    """Spoil a rendered reply as a scripted fault says (faults.py): an HTML 503, or a malformed 200 body."""
    if fault == 'html_503':
        reply.headers = [(name, value) for name, value in reply.headers if name.lower() != 'content-type']
        reply.headers.append(('Content-Type', 'text/html'))
        reply.body = HTML_PAGE.encode('utf-8')
    elif fault and fault.startswith('malformed:'):
        form = fault.split(':', 1)[1]
        if form == 'html':
            reply.headers = [(name, value) for name, value in reply.headers if name.lower() != 'content-type']
            reply.headers.append(('Content-Type', 'text/html'))
        reply.body = malformed_body(form)
    return reply


class GraphResult:
    """Status, extra headers, JSON body (None for no body), resource-unit cost, and a connection fault if any."""

    __slots__ = ('status', 'headers', 'body', 'cost', 'fault')

    def __init__(self, status, body=None, headers=(), cost=1):
        self.status = status
        self.body = body
        self.headers = list(headers)
        self.cost = cost
        self.fault = None

    @property
    def ok(self):
        return 200 <= self.status < 300


def graph_date():
    """innerError.date as Graph writes it: UTC, seconds, no offset."""
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')


def error_body(code, message, request_id, client_request_id, inner=None):
    """The Graph error envelope (graph-facts §1.4); inner adds members to innerError (the §5.1 429 sample)."""
    inner_error = {'date': graph_date(), 'request-id': request_id, 'client-request-id': client_request_id}
    inner_error.update(inner or {})
    return {'error': {'code': code, 'message': message, 'innerError': inner_error}}


def parse_select(query):
    value = query.get('$select')
    if value is None:
        return None
    return [name.strip() for name in value.split(',') if name.strip()]


def _context_suffix(select):
    return '(%s)' % ','.join(select) if select else ''


class GraphApi(DirectoryQueries, GroupLicensingApi):
    """Executes Graph calls against the tenant and renders them as HTTP replies."""

    def __init__(self, tenant, knobs, tokens, throttle, faults, stats, graph_url):
        self.tenant = tenant
        self.knobs = knobs
        self.tokens = tokens
        self.throttle = throttle
        self.faults = faults
        self.stats = stats
        self.graph_url = graph_url

    # -- HTTP entry points --------------------------------------------------

    def handle_http(self, request):
        """A plain /v1.0 request: every fault kind can happen to it."""
        raw_path = request.target.partition('?')[0]
        call = GraphCall.from_request(request, raw_path[len('/v1.0'):])
        result = self.execute(call, ALL_KINDS)
        if result.fault == 'reset':
            return Reply.connection_reset()
        reply = self.render(request, result)
        scripted_reply(reply, result.fault)
        if result.fault == 'slow':
            reply.delay += self.knobs.slow_seconds
        return reply

    def handle_unknown_version(self, request):
        """Neither Entra, Graph v1.0 nor the inspection API (Graph answers an unknown version this way)."""
        self.stats.count_route('%s (unknown)' % request.method)
        version = request.path.strip('/').split('/')[0]
        body = error_body('BadRequest', 'Invalid version: %s' % version, request.request_id, request.client_request_id)
        return self.render(request, GraphResult(400, body))

    def error_reply(self, request, status, code, message):
        return self.render(request, GraphResult(status, error_body(code, message, request.request_id, request.client_request_id)))

    def render(self, request, result):
        """Headers every Graph response carries (graph-facts §1.2), then the result's own."""
        headers = [
            ('Cache-Control', 'no-cache'),
            ('Strict-Transport-Security', 'max-age=31536000'),
            ('request-id', request.request_id),
            ('client-request-id', request.client_request_id),
            ('x-ms-ags-diagnostic', AGS_DIAGNOSTIC),
        ]
        if not any(name == 'x-ms-resource-unit' for name, _value in result.headers):
            headers.append(('x-ms-resource-unit', str(result.cost)))
        headers += result.headers
        if result.body is None:
            return Reply(result.status, headers)
        content_type = ERROR_JSON if 'error' in result.body and not result.ok else ODATA_JSON
        return Reply(result.status, [('Content-Type', content_type)] + headers, encode_json(result.body))

    # -- the pipeline ---------------------------------------------------------

    def match(self, call):
        """(route, ids, error result); route is None when the path or method is not served."""
        candidates = []
        for route in ROUTES:
            ids = route.matches(call.segments)
            if ids is not None:
                if route.method == call.method:
                    return route, ids, None
                candidates.append(route)
        if candidates:
            return None, None, self._error(call, 405, 'Request_BadRequest', TEXT_METHOD_NOT_ALLOWED)
        if call.segments and call.segments[0].lower() == 'me':
            # graph-facts §1.1: /me needs delegated auth; every token here is app-only.
            return None, None, self._error(call, 400, 'BadRequest', TEXT_ME_APP_ONLY)
        return None, None, self._error(call, 400, 'BadRequest', "Resource not found for the segment '%s'." % self._unknown_segment(call.segments))

    @staticmethod
    def _unknown_segment(segments):
        """The first segment no route continues with (Graph names it in its 400)."""
        for index, segment in enumerate(segments):
            prefix_ok = any(len(route.pattern) > index and route.matches(segments[:index + 1] + ['x'] * (len(route.pattern) - index - 1))
                            is not None for route in ROUTES)
            if not prefix_ok:
                return segment
        return segments[-1] if segments else ''

    def count(self, call, route):
        """Per-route and write counters (writes = write operations sent, whatever became of them)."""
        self.stats.count_route('%s /v1.0%s' % (call.method, route.template if route else '/(unknown)'))
        if call.method != 'GET':
            self.stats.add('writes')

    def execute(self, call, fault_kinds):
        route, ids, route_error = self.match(call)
        self.count(call, route)
        result = self._evaluate(call, route, ids, route_error, fault_kinds)
        if call.method != 'GET' and result.ok:
            self.stats.add('writes_applied')
        return result

    def _evaluate(self, call, route, ids, route_error, fault_kinds):
        scripted = self.faults.scripted.take('%s /v1.0%s' % (call.method, call.path))
        if scripted is not None:
            self.stats.add('faults')
            if not scripted.kind.startswith('malformed:'):
                return self._scripted_result(call, scripted)
        result = self._evaluate_drawn(call, route, ids, route_error, fault_kinds)
        if scripted is not None and result.ok:
            result.fault = scripted.kind  # processed as usual; the answer's body is spoilt on the way out
        return result

    def _scripted_result(self, call, scripted):
        if scripted.kind == '429':
            headers = [('Retry-After', exact_retry_after(scripted.retry_after))]
            return self._error(call, 429, 'TooManyRequests', 'Please retry again later.', headers, inner=TOO_MANY_REQUESTS_INNER)
        result = self._fault_result(call, Fault('503', None))
        if scripted.kind == 'html_503':
            result.fault = 'html_503'
        return result

    def _evaluate_drawn(self, call, route, ids, route_error, fault_kinds):
        fault = self.faults.draw(fault_kinds)
        if fault is not None:
            self.stats.add('faults')
            if fault.kind == 'reset':
                result = GraphResult(0)
                result.fault = 'reset'
                return result
            if fault.kind in GRAPH_FAULTS:
                return self._fault_result(call, fault)
        grant, auth_error = self.authenticate(call)
        result = auth_error or route_error or self._authorized(call, route, ids, grant)
        if fault is not None:
            result.fault = fault.kind  # "slow": processed normally, answered late
        return result

    def _authorized(self, call, route, ids, grant):
        resource_units, writes = request_cost(call.method, '/v1.0' + route.template, call.query)
        if not grant.roles & route.roles:
            return self._error(call, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', cost=resource_units)
        decision = self.throttle.admit(grant.client_id, grant.tenant_id, self.tenant.user_count(), resource_units, writes)
        if not decision.allowed:
            self.stats.add('throttled')
            return self._throttled(call, decision, resource_units)
        result = self._check_query(call, route) or self._run(call, route, ids)
        result.cost = resource_units
        if decision.limit_percentage is not None:
            result.headers.append(('x-ms-throttle-limit-percentage', '%.2f' % decision.limit_percentage))
        return result

    def _run(self, call, route, ids):
        try:
            if callable(route.handler):
                return route.handler(self, call, ids)
            return getattr(self, route.handler)(call, ids)
        except GraphApiError as error:
            return self._error(call, error.status, error.code, error.message)

    # -- authentication -------------------------------------------------------

    def authenticate(self, call):
        """(grant, None) or (None, 401 result). Token texts are Graph-like, not in graph-facts (UNVERIFIED)."""
        scheme, _sep, token = (call.authorization or '').strip().partition(' ')
        token = token.strip()
        if scheme.lower() != 'bearer' or not token:
            return None, self._unauthenticated(call, TEXT_TOKEN_EMPTY)
        grant = self.tokens.lookup(token)
        if grant is None or grant.tenant_id != self.tenant.tenant_id:
            return None, self._unauthenticated(call, TEXT_TOKEN_INVALID)
        if grant.expired():
            return None, self._unauthenticated(call, TEXT_TOKEN_EXPIRED)
        return grant, None

    def _unauthenticated(self, call, message):
        return self._error(call, 401, 'InvalidAuthenticationToken', message, headers=[('WWW-Authenticate', WWW_AUTHENTICATE)])

    # -- results --------------------------------------------------------------

    def _error(self, call, status, code, message, headers=(), cost=1, inner=None):
        return GraphResult(status, error_body(code, message, call.request_id, call.client_request_id, inner), headers, cost)

    def _throttled(self, call, decision, cost):
        """429 with the §5.1 body and the §5.2 headers; Retry-After is fractional seconds."""
        headers = [
            ('Retry-After', format_retry_after(decision.retry_after)),
            ('x-ms-throttle-scope', decision.scope),
            ('x-ms-throttle-information', decision.information),
        ]
        return self._error(call, 429, 'TooManyRequests', 'Please retry again later.', headers, cost, TOO_MANY_REQUESTS_INNER)

    def _fault_result(self, call, fault):
        status, code, message = GRAPH_FAULTS[fault.kind]
        if fault.kind == '429':
            headers = [('Retry-After', format_retry_after(fault.retry_after))]
            return self._error(call, status, code, message, headers, inner=TOO_MANY_REQUESTS_INNER)
        return self._error(call, status, code, message)

    def _ok(self, body, status=200, headers=()):
        return GraphResult(status, body, [('OData-Version', '4.0')] + list(headers))

    def _context(self, suffix):
        return '%s/v1.0/$metadata#%s' % (self.graph_url, suffix)

    def _entity(self, entity_set, entity, select):
        body = {'@odata.context': self._context('%s%s/$entity' % (entity_set, _context_suffix(select)))}
        body.update(entity)
        return body

    # -- query options --------------------------------------------------------

    def _check_query(self, call, route):
        """400 for system query options the operation does not take."""
        options = [name for name in call.query if name.startswith('$')]
        for name in options:
            if name in route.query_options:
                continue
            if route.template.startswith('/subscribedSkus') and name in ('$filter', '$search'):
                # graph-facts §2: only $select is supported; the exact 400 body is UNVERIFIED.
                return self._error(call, 400, 'Request_UnsupportedQuery', 'Unsupported Query.')
            return self._error(call, 400, 'Request_UnsupportedQuery', "Query option '%s' is not supported by the Graph emulator on %s %s."
                               % (name, call.method, route.template))
        return None

    def _body_object(self, call):
        if call.body_error or (call.body is not None and not isinstance(call.body, dict)):
            raise GraphApiError(400, 'BadRequest', TEXT_BAD_JSON)
        return call.body or {}

    # -- operations -----------------------------------------------------------

    def _list_skus(self, call, ids):
        select = parse_select(call.query)
        value = self.tenant.list_subscribed_skus(select=select)
        return self._ok({'@odata.context': self._context('subscribedSkus' + _context_suffix(select)), 'value': value})

    def _get_sku(self, call, ids):
        select = parse_select(call.query)
        return self._ok(self._entity('subscribedSkus', self.tenant.get_subscribed_sku(ids[0], select=select), select))

    def _get_user(self, call, ids):
        select = parse_select(call.query)
        return self._ok(self._entity('users', self.tenant.get_user(ids[0], select=select), select))

    def _list_users(self, call, ids):
        select = parse_select(call.query)
        search = call.query.get('$filter')
        page_size = self._page_size(call.query.get('$top'))
        with_count = self._wants_count(call)
        offset = self._page_offset(call.query)
        # One user more than the page tells whether a next page exists.
        users = self.tenant.list_users(select=select, filter=search, skip=offset, top=page_size + 1, advanced=with_count)
        body = {'@odata.context': self._context('users' + _context_suffix(select))}
        if with_count:
            body['@odata.count'] = len(self.tenant.list_users(select=['id'], filter=search, advanced=True))
        if len(users) > page_size:
            body['@odata.nextLink'] = self._next_link(call.query, offset + page_size)
        body['value'] = users[:page_size]
        return self._ok(body)

    def _update_user(self, call, ids):
        self.tenant.update_user(ids[0], self._body_object(call))
        return GraphResult(204)

    def _assign_license(self, call, ids):
        user = self.tenant.assign_license(ids[0], self._body_object(call))
        return self._ok(self._entity('users', user, None))

    def _license_details(self, call, ids):
        select = parse_select(call.query)
        details = self.tenant.license_details(ids[0], select=select)
        context = "users('%s')/licenseDetails%s" % (ids[0], _context_suffix(select))
        return self._ok({'@odata.context': self._context(context), 'value': details})

    def _reprocess(self, call, ids):
        return self._ok(self._entity('users', self.tenant.reprocess_license_assignment(ids[0]), None))

    def _get_group(self, call, ids):
        select = parse_select(call.query)
        group = self.tenant.get_group(ids[0], select=select)
        return self._ok(self._entity('groups', group, select))

    def _assign_group_license(self, call, ids):
        """graph-facts §1.5: 202 Accepted, the group as body, a Location header; members follow asynchronously."""
        group = self.tenant.group_assign_license(ids[0], self._body_object(call))
        location = '%s/v2/%s/directoryObjects/%s/Microsoft.DirectoryServices.Group' % (self.graph_url, self.tenant.tenant_id, group.get('id', ids[0]))
        return self._ok(self._entity('groups', group, None), status=202, headers=[('Location', location)])

    # -- paging -----------------------------------------------------------------

    @staticmethod
    def _page_size(value):
        if value is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(value)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            # Wording Graph uses for directory objects; not in graph-facts (UNVERIFIED).
            raise GraphApiError(400, 'Request_UnsupportedQuery', "Invalid page size specified: '%s'. Must be between 1 and %d inclusive."
                                % (value, MAX_PAGE_SIZE))
        return size

    @staticmethod
    def _wants_count(call):
        value = call.query.get('$count')
        if value is None or value.lower() == 'false':
            return False
        if value.lower() != 'true':
            raise GraphApiError(400, 'BadRequest', "Invalid value '%s' for $count; use true or false." % value)
        # graph-facts §3.1: $count on directory objects needs ConsistencyLevel: eventual.
        if call.headers.get('consistencylevel', '').lower() != 'eventual':
            raise GraphApiError(400, 'Request_BadRequest', '$count is not currently supported.')
        return True

    @staticmethod
    def _query_fingerprint(query):
        """Ties a $skiptoken to the query that produced it."""
        kept = sorted((name, value) for name, value in query.items() if name != '$skiptoken')
        return hashlib.sha256(repr(kept).encode('utf-8')).hexdigest()[:16]

    def _page_offset(self, query):
        token = query.get('$skiptoken')
        if token is None:
            return 0
        try:
            state = json.loads(base64.urlsafe_b64decode(token + '=' * (-len(token) % 4)))
            if state['q'] == self._query_fingerprint(query) and int(state['o']) >= 0:
                return int(state['o'])
        except (ValueError, KeyError, TypeError, binascii.Error):
            pass
        raise GraphApiError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.')

    def _next_link(self, query, offset, path='users'):
        state = json.dumps({'o': offset, 'q': self._query_fingerprint(query)}, separators=(',', ':'))
        token = base64.urlsafe_b64encode(state.encode('utf-8')).decode('ascii').rstrip('=')
        parts = ['%s=%s' % (name, quote(value, safe=",'()*:@/$")) for name, value in query.items() if name != '$skiptoken']
        parts.append('$skiptoken=' + token)
        return '%s/v1.0/%s?%s' % (self.graph_url, path, '&'.join(parts))
