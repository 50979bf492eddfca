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
