# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared connection and identity options, checked before any request is sent.

Each check names the option and says what is wrong with its value, so that a typo never turns
into an Entra or Graph error that names something else ("resource principal not found" for a
graph_url ending in /v1.0, "tenant not found" for a tenant_id with a trailing space).
Credentials (secret, token, certificate password) are checked in ``_errors.check_credential``,
which never echoes them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import ConfigurationError

# Tenant IDs are GUIDs or domain names, client IDs GUIDs (graph-facts section 7.3): letters, digits, dots, dashes.
IDENTIFIER = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
SERVICE_URL = re.compile(r'^https://(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(?P<port>\d{1,5}))?(?P<path>/[^?#]*)?$')
API_VERSION_PATH = re.compile(r'/(v1\.0|beta)(/|$)', re.IGNORECASE)
MAX_TIMEOUT = 600          # seconds per HTTP request; Graph itself gives up long before
MAX_RETRIES = 20           # more would only stretch a failing run, every wait is bounded by the retry budget anyway


def _trimmed(value):
    """Identifiers are trimmed: a pasted value with a trailing space names the same tenant or app."""
    return value.strip() if isinstance(value, str) else value


def _check_identifier(option, value, what):
    """Trimmed identifier, refused when it holds whitespace, a slash or other URL syntax inside."""
    value = _trimmed(value)
    if not value:
        return None
    if not IDENTIFIER.match(value):
        raise ConfigurationError('%s %r is not %s: it holds a space, a slash or another character no such ID has'
                                 % (option, value, what))
    return value


def check_tenant_id(value):
    return _check_identifier('tenant_id', value, 'a tenant ID (a GUID) or a domain name such as contoso.onmicrosoft.com')


def check_client_id(value):
    return _check_identifier('client_id', value, 'an application (client) ID, a GUID shown on the app registration\'s overview')


def check_managed_identity(value):
    value = _trimmed(value)
    if value and value.lower() == 'system':
        return 'system'
    return _check_identifier('managed_identity', value, '"system" or the client ID (a GUID) of a user-assigned identity')


def check_service_url(option, value, example):
    """An https URL of a host, without a path: the client adds the tenant or the API version itself."""
    value = _trimmed(value)
    if not value:
        return None
    match = SERVICE_URL.match(value)
    if not match:
        if not value.lower().startswith('https://'):
            raise ConfigurationError('%s %r must start with https:// (Entra and Graph are served over TLS only), for'
                                     ' example %s' % (option, value, example))
        raise ConfigurationError('%s %r is not a URL of a host (no query, fragment or user name), for example %s'
                                 % (option, value, example))
    if match.group('port') and not 0 < int(match.group('port')) < 65536:
        raise ConfigurationError('%s %r has port %s, which does not exist' % (option, value, match.group('port')))
    path = (match.group('path') or '').rstrip('/')
    if path and option == 'graph_url' and API_VERSION_PATH.search(path):
        raise ConfigurationError('graph_url %r ends in the API version %s: give the Graph root without it, for example %s'
                                 ' (the modules add /v1.0 themselves)' % (value, path, example))
    if path:
        what = 'the tenant is appended from tenant_id' if option == 'authority_url' else 'the API version is added by the modules'
        raise ConfigurationError('%s %r has a path (%s): give the host only, for example %s (%s)' % (option, value, path, example, what))
    return value.rstrip('/')


def check_limits(timeout, max_retries, max_concurrency, retry_budget):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
        raise ConfigurationError('timeout must be a number of seconds from 1 to %d, got %r' % (MAX_TIMEOUT, timeout))
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= MAX_RETRIES:
        raise ConfigurationError('max_retries must be a whole number from 0 to %d, got %r' % (MAX_RETRIES, max_retries))
    if not max_concurrency or max_concurrency < 1:
        raise ConfigurationError('max_concurrency must be 1 or more, got %r' % (max_concurrency,))
    if retry_budget is None or retry_budget < 0:
        raise ConfigurationError('retry_budget must be 0 or more seconds, got %r' % (retry_budget,))


def check_ca_path(value):
    if value and not os.path.isfile(value):
        raise ConfigurationError('ca_path %s is not a readable file: give the PEM bundle of the certificate authorities'
                                 ' to trust' % value)
    return value
