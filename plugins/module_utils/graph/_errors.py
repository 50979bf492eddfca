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


def redact(text, secrets):
    """Replace every secret value in ``text``; defence in depth for texts we did not write.

    Values shorter than four characters are left alone: masking them would shred
    the message, and Ansible's no_log masking covers module output anyway.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
