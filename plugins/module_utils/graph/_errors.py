# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's error types, and the redaction every error text goes through.

One exception family for everything that talks to Entra or Graph: ``GraphError``
(HTTP status, Graph error code, message, request-id), with ``AuthenticationError``
and ``ConfigurationError`` for the two failures a user fixes in their options.
``GraphModule.fail_graph`` is the one place that turns them into fail_json.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2 is not supported by the client
    from urllib import quote, quote_plus


REDACTED = '********'


class GraphError(Exception):
    """A failed Graph call: HTTP status, Graph error code, message and request-id.

    ``str()`` reads "HTTP 400 Request_BadRequest: <message> (request-id ...)".
    ``attempts`` is set when the client gave up after retrying.
    """

    def __init__(self, message, status=None, code=None, request_id=None, attempts=None):
        super(GraphError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.attempts = attempts

    def __str__(self):
        text = self.message
        if self.status is not None:
            # Errors without an HTTP status (token, connection) carry their code in the message.
            prefix = 'HTTP %s %s' % (self.status, self.code) if self.code else 'HTTP %s' % self.status
            text = '%s: %s' % (prefix, self.message)
        notes = []
        if self.request_id:
            notes.append('request-id %s' % self.request_id)
        if self.attempts:
            notes.append('gave up after %d attempts' % self.attempts)
        if notes:
            text = '%s (%s)' % (text, '; '.join(notes))
        return text

    def to_dict(self):
        """Snake_case fields for a module result."""
        return {
            'message': self.message,
            'status': self.status,
            'code': self.code,
            'request_id': self.request_id,
            'attempts': self.attempts,
        }


class AuthenticationError(GraphError):
    """No token could be obtained, or Graph rejected the token."""


class ConfigurationError(GraphError, ValueError):
    """Options that cannot work together, found before any request is sent."""


class NotAttemptedError(GraphError):
    """A request the client never sent: the run was stopped (a signal, or a refusal no retry can fix)."""


# A cut of a secret shorter than this is not searched for: it would match ordinary text by chance.
SHORTEST_CUT = 8
# The whole Authorization value of a request, whatever the token looks like.
BEARER_VALUE = re.compile(r'(?i)\bBearer\s+[^\s\'",}]+')
# Characters no credential can hold: whitespace and control characters (a YAML "|" block or a
# file lookup leaves a newline at the end, which the HTTP library then refuses, quoting the header).
FORBIDDEN_IN_CREDENTIAL = re.compile(r'[\s\x00-\x1f\x7f]')
FORBIDDEN_IN_PASSWORD = re.compile(r'[\x00-\x1f\x7f]')
# The names of the options a message points the user at are never masked: a password such as
# "pfx-password-3e1c" holds the piece "password", which would otherwise blank out the name of
# client_certificate_password in the very message that asks the user to fix it.
OPTION_NAME = re.compile(r'\b(?:client_certificate_password|client_certificate_path|client_secret|client_id|access_token'
                         r'|tenant_id|managed_identity|AZURE_[A-Z_]+)\b')


def secret_forms(secret):
    """Every way a secret can be spelt in a text: raw, trimmed, Python- and JSON-escaped, URL-encoded."""
    forms = set([secret, secret.strip()])
    forms.add(repr(secret)[1:-1])
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(quote(secret, safe=''))
    forms.add(quote_plus(secret, safe=''))
    return set(form for form in forms if form)


def _covered_spans(text, form):
    """(start, end) of every stretch of ``text`` that is a piece of ``form`` at least SHORTEST_CUT long."""
    size = min(len(form), SHORTEST_CUT)
    spans = []
    for offset in range(len(form) - size + 1):
        piece = form[offset:offset + size]
        start = text.find(piece)
        while start != -1:
            spans.append((start, start + size))
            start = text.find(piece, start + 1)
    return spans


def redact(text, secrets):
    """Text with every form of every secret masked: raw, escaped, JSON-escaped, URL-encoded and cut.

    Any stretch of the text that is a piece (SHORTEST_CUT characters or more) of a form of a secret is
    masked, so a message that quotes a header cut short still hides it; so is any ``Bearer ...`` value.
    Values shorter than four characters are left alone: masking them would shred the message.
    """
    text = BEARER_VALUE.sub('Bearer ' + REDACTED, text if isinstance(text, str) else str(text))
    spans = []
    for secret in secrets:
        if not secret or len(secret) < 4:
            continue
        for form in secret_forms(secret):
            spans.extend(_covered_spans(text, form))
    names = [match.span() for match in OPTION_NAME.finditer(text)]
    spans = [span for span in spans if not any(start <= span[0] and span[1] <= end for start, end in names)]
    if not spans:
        return text
    pieces, position = [], 0
    for start, end in _merge(spans):
        pieces.append(text[position:start])
        pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return ''.join(pieces)


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def describe_body(text, secrets=(), limit=200):
    """A short description of an answer's body for a message: 'an empty body', 'an HTML page', or its text, cut."""
    text = text or ''
    if not text.strip():
        return 'an empty body'
    if re.search(r'<\s*(!doctype|html|head|body)\b', text, flags=re.IGNORECASE):
        return 'an HTML page'
    shown = re.sub(r'\s+', ' ', text).strip()
    return redact(shown[:limit] + ('...' if len(shown) > limit else ''), secrets)


def check_credential(option, value, password=False):
    """Refuse a credential holding whitespace or control characters, before any request, without echoing it.

    A certificate password never leaves the host and may hold spaces; control characters (a newline
    from a file lookup) are refused there too.
    """
    if value is None:
        return value
    if not isinstance(value, str):
        raise ConfigurationError('%s must be a string' % option)
    pattern = FORBIDDEN_IN_PASSWORD if password else FORBIDDEN_IN_CREDENTIAL
    found = pattern.search(value)
    if found:
        where = 'at its end' if found.start() >= len(value.rstrip()) else (
            'at its start' if found.start() < len(value) - len(value.lstrip()) else 'inside it')
        kind = 'a control character' if found.group(0) not in ' \t' and not found.group(0).isspace() else (
            'a newline' if found.group(0) in '\r\n' else 'whitespace')
        raise ConfigurationError('%s holds %s %s (the value is not shown): a credential never does. A YAML "|" block or'
                                 ' a file lookup adds a newline at the end: use "{{ value | trim }}" or a ">-" block'
                                 % (option, kind, where))
    return value
