# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reproducible injected faults: 429, 503, 504, connection reset, slow reply.

One random.Random(seed) draws for every eligible request in arrival order, so
the same sequence of requests meets the same faults (with concurrent clients
the arrival order, and therefore the assignment, can differ between runs).
/_emulator/reset re-seeds it.
"""

import collections
import threading

from .seeded import SeededRandom

# Kinds that can happen to one Graph call. Inside a $batch these apply per item;
# RESET and SLOW concern the connection, so they apply to the envelope only.
ITEM_KINDS = frozenset(('429', '503', '504'))
CONNECTION_KINDS = frozenset(('reset', 'slow'))
ALL_KINDS = ITEM_KINDS | CONNECTION_KINDS

# Retry-After of an injected 429, before --time-scale: seconds, fractional like
# Graph's sample "2.128" (graph-facts §4, §5.1).
RETRY_AFTER_RANGE = (0.5, 3.0)

Fault = collections.namedtuple('Fault', 'kind retry_after')

# (status, error.code, error.message) for Graph. 429 is the §5.1 sample; the 503
# and 504 texts are not in graph-facts (UNVERIFIED, Graph-like).
GRAPH_FAULTS = {
    '429': (429, 'TooManyRequests', 'Please retry again later.'),
    '503': (503, 'ServiceUnavailable', 'The service is currently unavailable. Please retry later.'),
    '504': (504, 'GatewayTimeout', 'The gateway did not receive a timely response from the upstream service.'),
}

# (status, error, AADSTS code, text) for the token endpoints (only with --fault-token).
# Entra's wording for these is not in graph-facts (UNVERIFIED).
ENTRA_FAULTS = {
    '429': (429, 'temporarily_unavailable', 90055, 'TenantThrottlingError - There are too many incoming requests. Retry after the Retry-After period.'),
    '503': (503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
    '504': (504, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
}


class FaultInjector:
    """Draws faults with probability knobs.fault_rate among knobs.fault_kinds."""

    def __init__(self, knobs, seed=0):
        self._knobs = knobs
        self._random = SeededRandom(seed)
        self.scripted = ScriptedFaults(knobs)

    def reseed(self):
        self._random.reseed()

    def draw(self, allowed_kinds):
        """A Fault for this request or None. Only kinds in allowed_kinds and in the knobs can come out.

        The generator advances only when a fault is possible, so turning faults
        off and on again does not shift the sequence of a test that never had them.
        """
        rate = self._knobs.fault_rate
        kinds = [kind for kind in self._knobs.fault_kinds if kind in allowed_kinds]
        if rate <= 0 or not kinds:
            return None
        with self._random as rng:
            if rng.random() >= rate:
                return None
            kind = rng.choice(kinds)
            retry_after = rng.uniform(*RETRY_AFTER_RANGE) if kind == '429' else None
        if retry_after is not None:
            retry_after *= self._knobs.time_scale
        return Fault(kind, retry_after)


def format_retry_after(seconds):
    """Fractional seconds with millisecond precision, never 0 (a 0 would invite a busy loop)."""
    return '%.3f' % max(seconds, 0.001)


# ---- scripted faults: exactly these answers, to exactly the requests they name ----------------
#
# The fault_script knob is a list of {"match", "kind", "count", "retry_after"}: the next `count`
# requests whose "METHOD /path" (no query; $batch items as "GET /v1.0/users/...") contains
# `match` get `kind`. Unlike fault_rate these are deterministic, so a test can say "the first two
# answers to /subscribedSkus are HTML" and count the retries. Kinds:
#
# - "429": throttled, with exactly `retry_after` (any value, "0" and "86400" included, unscaled):
#   the client must bound its wait whatever Graph or Entra says (graph-facts §5.1: Retry-After is
#   the service's word; nothing stops a proxy or a bug from sending 0 or a day).
# - "503": Graph's 503 JSON, or Entra's AADSTS90033 "transient error" on the token endpoint.
# - "html_503": a 503 whose body is an HTML page (a gateway answering for Entra or Graph).
# - "malformed:empty|truncated|html|string|null": the request is processed as usual, then its
#   200 answer's body is replaced: no body, JSON cut in the middle, an HTML page, a JSON string, or
#   JSON null (what a proxy, a captive portal or a broken middlebox can hand back; UNVERIFIED for
#   Graph itself, which is why these are knobs and not defaults).

MALFORMED_FORMS = ('empty', 'truncated', 'html', 'string', 'null')
SCRIPT_KINDS = ('429', '503', 'html_503') + tuple('malformed:%s' % form for form in MALFORMED_FORMS)
HTML_PAGE = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to continue.</body></html>'

ScriptedFault = collections.namedtuple('ScriptedFault', 'kind retry_after')


def parse_script(value):
    """Validate a fault_script knob value: a list of entries; returns a tuple of normalised dicts."""
    if not isinstance(value, (list, tuple)):
        raise ValueError('fault_script is a list of {"match", "kind", "count", "retry_after"}')
    entries = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) - set(('match', 'kind', 'count', 'retry_after')):
            raise ValueError('each fault_script entry is a dict of match, kind, count, retry_after: %r' % (entry,))
        kind = str(entry.get('kind', ''))
        if kind not in SCRIPT_KINDS:
            raise ValueError('unknown fault_script kind %r; choose from %s' % (kind, ', '.join(SCRIPT_KINDS)))
        count = int(entry.get('count', 1))
        if count < 1:
            raise ValueError('fault_script count is at least 1: %r' % (entry,))
        retry_after = entry.get('retry_after')
        if retry_after is not None and float(retry_after) < 0:
            raise ValueError('fault_script retry_after must not be negative: %r' % (entry,))
        entries.append({'match': str(entry.get('match', '')), 'kind': kind, 'count': count,
                        'retry_after': None if retry_after is None else float(retry_after)})
    return tuple(entries)


class ScriptedFaults:
    """Hands out the fault_script's faults in order; re-armed whenever the knob is set again."""

    def __init__(self, knobs):
        self._knobs = knobs
        self._lock = threading.Lock()
        self._source = None
        self._remaining = []

    def take(self, key):
        """The ScriptedFault for the request "METHOD /path", or None."""
        with self._lock:
            script = self._knobs.fault_script
            if script is not self._source:
                self._source = script
                self._remaining = [dict(entry) for entry in script]
            for entry in self._remaining:
                if entry['count'] > 0 and entry['match'] in key:
                    entry['count'] -= 1
                    return ScriptedFault(entry['kind'], entry['retry_after'])
        return None


def exact_retry_after(seconds):
    """A scripted Retry-After as given: '0' stays 0, a day stays a day (the client must cope)."""
    return ('%.3f' % seconds).rstrip('0').rstrip('.') if seconds is not None else '1'


def malformed_body(form):
    """The bytes of a malformed 200 answer's body, by form."""
    return {
        'empty': b'',
        'truncated': b'{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": [{"skuId": "',
        'html': HTML_PAGE.encode('utf-8'),
        'string': b'"ok"',
        'null': b'null',
    }[form]


def malformed_item_body(form):
    """What stands for a malformed body inside a $batch item (a JSON value; "empty" drops the body)."""
    return {'empty': None, 'truncated': '{"value": [{"skuId": "', 'html': HTML_PAGE, 'string': 'ok', 'null': None}[form]
