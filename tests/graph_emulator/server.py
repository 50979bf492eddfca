# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS transport, request dispatch, counters, request log and /_emulator/*.

The handlers (entra, graph_api, batch) turn a Request into a Reply; this module
owns everything about sockets. Three details matter for speed and realism:
- TCP_NODELAY on every accepted socket and each response sent in one write:
  without them, Nagle's algorithm and delayed ACKs stall every small TLS
  response by ~40 ms (graph-facts Addenda: ~90 requests/s instead of ~1,000).
- The TLS handshake runs in the connection's thread, not in the accept loop, so
  one slow or distrusting client cannot block the others.
- Latency and "slow" faults sleep after the handler returned, never while the
  tenant lock is held, and wake up at once on shutdown.
"""

import collections
import email.utils
import json
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from .config import KnobError

MAX_BODY_BYTES = 16 * 1024 * 1024
LOG_BODY_BYTES = 64 * 1024
REDACTED = '[REDACTED]'
# Form fields, JSON keys and headers whose values never reach the log.
SECRET_KEYS = frozenset(('client_secret', 'client_assertion', 'access_token', 'refresh_token', 'secrets', 'private_key', 'password',
                         'identity_header'))
SECRET_HEADERS = frozenset(('authorization', 'x-identity-header'))

COUNTERS = ('requests_total', 'writes', 'writes_applied', 'throttled', 'faults', 'tokens_issued', 'batch_items')


def encode_json(document):
    return json.dumps(document, separators=(',', ':'), ensure_ascii=False).encode('utf-8')


class Request:
    """One parsed HTTP request. Header names are lower case; query keeps the first value of each key."""

    __slots__ = ('method', 'target', 'path', 'query_string', 'query', 'headers', 'body', 'request_id', 'client_request_id')

    def __init__(self, method, target, headers, body=b''):
        self.method = method.upper()
        self.target = target
        raw_path, _sep, self.query_string = target.partition('?')
        self.path = unquote(raw_path)
        self.query = {}
        for key, value in parse_qsl(self.query_string, keep_blank_values=True):
            self.query.setdefault(key, value)
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body
        self.request_id = str(uuid.uuid4())
        self.client_request_id = self.headers.get('client-request-id') or self.request_id

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class Reply:
    """What goes back on the wire; delay seconds pass before it is sent; abort resets the connection instead."""

    __slots__ = ('status', 'headers', 'body', 'delay', 'abort')

    def __init__(self, status, headers=None, body=b''):
        self.status = status
        self.headers = list(headers or ())
        self.body = body
        self.delay = 0.0
        self.abort = False

    @classmethod
    def json(cls, status, document, headers=None, content_type='application/json; charset=utf-8'):
        return cls(status, [('Content-Type', content_type)] + list(headers or ()), encode_json(document))

    @classmethod
    def connection_reset(cls):
        reply = cls(0)
        reply.abort = True
        return reply


class Stats:
    """Thread-safe counters behind GET /_emulator/stats."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._routes = collections.Counter()

    def reset(self):
        with self._lock:
            self._counters = dict.fromkeys(COUNTERS, 0)
            self._routes = collections.Counter()

    def add(self, name, amount=1):
        with self._lock:
            self._counters[name] += amount

    def count_route(self, key):
        with self._lock:
            self._routes[key] += 1

    def snapshot(self):
        with self._lock:
            result = dict(self._counters)
            result['requests'] = dict(sorted(self._routes.items()))
        return result


def _redact_json(document):
    if isinstance(document, dict):
        return {key: (REDACTED if key in SECRET_KEYS and value else _redact_json(value)) for key, value in document.items()}
    if isinstance(document, list):
        return [_redact_json(item) for item in document]
    return document


def _decode_body(raw, content_type):
    """Bytes -> JSON value, dict of form fields, or text; secrets replaced by [REDACTED]."""
    if not raw:
        return None
    text = raw.decode('utf-8', errors='replace')
    if 'x-www-form-urlencoded' in (content_type or ''):
        return {key: (REDACTED if key in SECRET_KEYS else value) for key, value in parse_qsl(text, keep_blank_values=True)}
    try:
        return _redact_json(json.loads(text))
    except ValueError:
        return text


class RequestLog:
    """The last N client requests (never /_emulator/*), bodies kept raw and redacted only when read.

    Redacting on read keeps the hot path cheap; --log-file pays the cost per request.
    """

    def __init__(self, size=2000, path=None):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=max(size, 1))
        self._file = open(path, 'a', encoding='utf-8') if path else None

    def record(self, request, reply, seconds):
        raw = (time.time(), request, reply.status, _reply_content_type(reply), reply.body[:LOG_BODY_BYTES], seconds, reply.abort)
        with self._lock:
            self._entries.append(raw)
            if self._file:
                self._file.write(json.dumps(self._render(raw)) + '\n')
                self._file.flush()

    def entries(self):
        with self._lock:
            raws = list(self._entries)
        return [self._render(raw) for raw in raws]

    def clear(self):
        with self._lock:
            self._entries.clear()

    def close(self):
        if self._file:
            self._file.close()

    @staticmethod
    def _render(raw):
        when, request, status, content_type, body, seconds, aborted = raw
        return {
            'time': email.utils.formatdate(when, usegmt=True),
            'answered_at': when,  # epoch seconds: tests check that a client waited out a Retry-After
            'method': request.method,
            'path': request.target,
            'status': None if aborted else status,
            'connection_reset': aborted,
            'request_id': request.request_id,
            'client_request_id': request.client_request_id,
            'request_headers': {name: (REDACTED if name in SECRET_HEADERS else value) for name, value in request.headers.items()},
            'request_body': _decode_body(request.body[:LOG_BODY_BYTES], request.header('content-type')),
            'response_body': _decode_body(body, content_type),
            'duration_ms': round(seconds * 1000, 3),
        }


def _reply_content_type(reply):
    for name, value in reply.headers:
        if name.lower() == 'content-type':
            return value
    return None


class EmulatorApp:
    """Routes a Request to Entra, Graph, $batch or the inspection endpoints.

    handlers: entra, graph and batch objects with handle_http(request) -> Reply
    (entra returns None for a path that is not its own).
    """

    def __init__(self, tenant, knob_store, handlers, stats, request_log, resettables, info, state_file=None):
        self.tenant = tenant
        self.knob_store = knob_store
        self.entra, self.graph, self.batch = handlers
        self.stats = stats
        self.request_log = request_log
        self.resettables = resettables
        self.info = info
        self.state_file = state_file
        self.stopping = threading.Event()
        self._inspection = {
            ('GET', 'info'): self._get_info,
            ('GET', 'state'): self._get_state,
            ('GET', 'stats'): self._get_stats,
            ('POST', 'reset'): self._post_reset,
            ('GET', 'config'): self._get_config,
            ('POST', 'config'): self._post_config,
            ('GET', 'log'): self._get_log,
            ('POST', 'apps'): self._post_apps,
            ('POST', 'save'): self._post_save,
            ('GET', 'holdings'): self._get_holdings,
            ('POST', 'seats'): self._post_seats,
            ('POST', 'group-licensing'): self._post_group_licensing,
        }

    # -- client traffic -------------------------------------------------

    def handle(self, request):
        if request.path.startswith('/_emulator/'):
            return self._inspect(request)
        self.stats.add('requests_total')
        reply = self._dispatch(request)
        reply.delay += self.knob_store.current.latency_ms / 1000.0
        return reply

    def _dispatch(self, request):
        lowered = request.path.lower()
        if lowered.rstrip('/') == '/v1.0/$batch':
            return self.batch.handle_http(request)
        if lowered == '/v1.0' or lowered.startswith('/v1.0/'):
            return self.graph.handle_http(request)
        reply = self.entra.handle_http(request)
        if reply is None:
            reply = self.graph.handle_unknown_version(request)
        return reply

    def record(self, request, reply, seconds):
        if not request.path.startswith('/_emulator/'):
            self.request_log.record(request, reply, seconds)

    def pause(self, seconds):
        """Sleep for latency or a slow fault; returns early when the server stops."""
        self.stopping.wait(seconds)

    def internal_error(self, request):
        traceback.print_exc(file=sys.stderr)
        return self.graph.error_reply(request, 500, 'InternalServerError', 'The Graph emulator failed; see its standard error.')

    # -- /_emulator/* ---------------------------------------------------

    def _inspect(self, request):
        name = request.path[len('/_emulator/'):].strip('/')
        handler = self._inspection.get((request.method, name))
        if handler is None:
            known = ', '.join('%s /_emulator/%s' % key for key in sorted(self._inspection))
            return Reply.json(404, {'error': 'no such inspection endpoint; known: %s' % known})
        try:
            body = json.loads(request.body.decode('utf-8')) if request.body.strip() else {}
        except ValueError as error:
            return Reply.json(400, {'error': 'body is not JSON: %s' % error})
        return handler(request, body)

    def _get_info(self, request, body):
        return Reply.json(200, self.info)

    def _get_state(self, request, body):
        return Reply.json(200, self.tenant.snapshot())

    def _get_stats(self, request, body):
        return Reply.json(200, self.stats.snapshot())

    def _post_reset(self, request, body):
        """Tenant back to its start state; counters, buckets, fault sequence and log cleared.

        Knobs keep their current values unless the body says {"config": true}.
        Issued tokens stay valid (Entra does not revoke tokens when an app changes).
        """
        for reset in self.resettables:
            reset()
        if isinstance(body, dict) and body.get('config'):
            self.knob_store.restore_initial()
        return Reply.json(200, {'reset': True, 'config': self.knob_store.as_dict()})

    def _get_config(self, request, body):
        return Reply.json(200, self.knob_store.as_dict())

    def _post_config(self, request, body):
        try:
            return Reply.json(200, self.knob_store.update(body))
        except KnobError as error:
            return Reply.json(400, {'error': str(error)})

    def _get_log(self, request, body):
        return Reply.json(200, {'entries': self.request_log.entries()})

    def _post_apps(self, request, body):
        try:
            app = self.tenant.register_app(body)
        except (KeyError, TypeError, ValueError) as error:  # FixtureError is a ValueError
            return Reply.json(400, {'error': 'cannot register app: %s' % error})
        return Reply.json(201, {'client_id': app.client_id, 'display_name': app.display_name, 'roles': sorted(app.roles),
                                'managed_identity': app.managed_identity})

    def _post_save(self, request, body):
        path = body.get('path') if isinstance(body, dict) else None
        path = path or self.state_file
        if not path:
            return Reply.json(400, {'error': 'no state file: start with --state-file PATH or POST {"path": ...}'})
        self.tenant.save_state(path)
        return Reply.json(200, {'saved': path})

    def _get_holdings(self, request, body):
        """Every user's licence holdings over time (group_licensing.py), to prove nobody lost a licence."""
        return Reply.json(200, {'users': self.tenant.holdings_history()})

    def _post_seats(self, request, body):
        """{"sku": part number or skuId, "enabled": N}: buy or cancel seats."""
        try:
            return Reply.json(200, self.tenant.set_seats(body.get('sku'), body.get('enabled')))
        except (AttributeError, ValueError) as error:
            return Reply.json(400, {'error': str(error)})

    def _post_group_licensing(self, request, body):
        """{"processing_state_shape": "object" | "string"} (graph-facts 11.1: both shapes exist)."""
        try:
            self.tenant.set_processing_state_shape(body.get('processing_state_shape'))
        except (AttributeError, ValueError) as error:
            return Reply.json(400, {'error': str(error)})
        return Reply.json(200, {'processing_state_shape': self.tenant.processing_state_shape})


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer over TLS; one thread per connection, HTTP/1.1 keep-alive."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app, ssl_context):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, EmulatorHandler)

    def get_request(self):
        connection, address = self.socket.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError, OSError)):
            return  # clients that distrust our CA, hang up or time out are normal here
        super().handle_error(request, client_address)


class BodyError(ValueError):
    """The request body cannot be read (size or framing)."""


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections give their thread back after 5 minutes

    def setup(self):
        super().setup()
        self.request.do_handshake()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: GET /_emulator/log and --log-file record requests."""

    def do_GET(self):
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _serve(self):
        started = time.perf_counter()
        app = self.server.app
        try:
            body = self._read_body()
        except BodyError as error:
            self.close_connection = True
            self._send(Reply.json(400, {'error': str(error)}))
            return
        request = Request(self.command, self.path, self.headers, body)
        try:
            reply = app.handle(request)
        except Exception:
            reply = app.internal_error(request)
        if reply.delay > 0:
            app.pause(reply.delay)
        # Record before answering: a client that reads /_emulator/log or the counters right after
        # its reply must find its own request there.
        app.record(request, reply, time.perf_counter() - started)
        if reply.abort:
            self._reset_connection()
        else:
            self._send(reply)

    def _read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            raise BodyError('Content-Length is not a number') from None
        if length > MAX_BODY_BYTES:
            raise BodyError('body larger than %d bytes' % MAX_BODY_BYTES)
        return self.rfile.read(length) if length > 0 else b''

    def _read_chunked(self):
        parts = []
        total = 0
        while True:
            size = int(self.rfile.readline(1024).split(b';')[0].strip() or b'0', 16)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b''.join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                raise BodyError('body larger than %d bytes' % MAX_BODY_BYTES)
            parts.append(self.rfile.read(size))
            self.rfile.readline(16)

    def _send(self, reply):
        """Status line, headers and body in a single write (see the module docstring)."""
        lines = ['HTTP/1.1 %d %s' % (reply.status, self.responses.get(reply.status, ('Unknown',))[0]), 'Date: ' + http_date()]
        lines += ['%s: %s' % header for header in reply.headers]
        lines.append('Content-Length: %d' % len(reply.body))
        if self.close_connection:
            lines.append('Connection: close')
        head = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', errors='replace')
        self.wfile.write(head + reply.body)

    def _reset_connection(self):
        """Close with RST and no response: the client sees 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.request.close()
        except OSError:
            pass


_DATE_CACHE = [0, '']


def http_date():
    """RFC 7231 date of now, formatted once per second (every response carries it)."""
    now = int(time.time())
    if _DATE_CACHE[0] != now:
        _DATE_CACHE[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return _DATE_CACHE[1]


def make_ssl_context(certificate_path, key_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate_path, key_path)
    return context
