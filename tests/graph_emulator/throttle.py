# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The identity and access service throttle of graph-facts §5.2.

Token buckets: each has a capacity equal to its quota and refills continuously
at quota / window, so the write bucket allows a burst of 3,000 writes and then
20 writes per second. A request is admitted only when every bucket it touches
holds enough tokens; then all of them are charged. --time-scale multiplies
every window (quotas stay the same) so tests can wait out a 429 in milliseconds.
"""

import collections
import threading
import time

# Quotas and windows (seconds) of graph-facts §5.2. The Tenant_Application
# resource-unit quota depends on the tenant size: see ru_quota_for_users.
TENANT_APPLICATION_WRITES = 3000
TENANT_APPLICATION_WRITE_WINDOW = 150.0
TENANT_WRITES = 18000
TENANT_WRITE_WINDOW = 300.0
APPLICATION_RESOURCE_UNITS = 150000
APPLICATION_RESOURCE_UNIT_WINDOW = 20.0
APPLICATION_WRITES = 70000
APPLICATION_WRITE_WINDOW = 300.0
TENANT_APPLICATION_RU_WINDOW = 10.0

# x-ms-throttle-limit-percentage is sent only above 0.8 of a limit (graph-facts §5.2).
LIMIT_PERCENTAGE_THRESHOLD = 0.8

BASE_COSTS = {
    # (method, route template) -> resource units; graph-facts §5.2 "Base costs".
    ('GET', '/v1.0/users'): 2,
    ('GET', '/v1.0/users/{id}'): 2,
    ('GET', '/v1.0/subscribedSkus'): 3,
    ('GET', '/v1.0/subscribedSkus/{id}'): 3,
    ('GET', '/v1.0/users/{id}/licenseDetails'): 2,
}

Decision = collections.namedtuple('Decision', 'allowed retry_after scope information limit_percentage')
ADMITTED = Decision(True, None, None, None, None)


def ru_quota_for_users(user_count):
    """Resource units per 10 s for one app in one tenant, by tenant size (§5.2: S < 50, M 50-500, L > 500)."""
    if user_count < 50:
        return 3500
    if user_count <= 500:
        return 5000
    return 8000


def request_cost(method, template, query):
    """(resource units, writes) of one request, with the §5.2 modifiers.

    Any POST/PATCH/PUT/DELETE costs 1 RU and 1 write; a GET costs its base cost
    (1 when not listed), -1 with $select, +1 with $expand, -1 with $top below 20,
    never less than 1.
    """
    if method != 'GET':
        return 1, 1
    cost = BASE_COSTS.get((method, template), 1)
    if '$select' in query:
        cost -= 1
    if '$expand' in query:
        cost += 1
    if _small_top(query.get('$top')):
        cost -= 1
    return max(cost, 1), 0


def _small_top(value):
    try:
        return value is not None and int(value) < 20
    except ValueError:
        return False


class TokenBucket:
    """Capacity = quota; refills at quota / (window * time_scale) tokens per second."""

    def __init__(self, quota, window):
        self.quota = quota
        self.window = window
        self.tokens = float(quota)
        self.updated = None

    def refill(self, now, time_scale):
        if self.updated is not None:
            rate = self.quota / (self.window * time_scale)
            self.tokens = min(float(self.quota), self.tokens + (now - self.updated) * rate)
        self.updated = now

    def seconds_until(self, amount, time_scale):
        missing = amount - self.tokens
        if missing <= 0:
            return 0.0
        return missing * self.window * time_scale / self.quota

    def usage(self):
        return 1.0 - self.tokens / self.quota


class Throttle:
    """Thread-safe set of buckets keyed by (scope, limit, app, tenant)."""

    def __init__(self, knobs, clock=time.monotonic):
        self._knobs = knobs
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = {}

    def reset(self):
        with self._lock:
            self._buckets.clear()

    def admit(self, app_id, tenant_id, user_count, resource_units, writes):
        """Charge a request against every bucket it touches, or refuse it.

        Returns a Decision; on refusal retry_after is the fractional number of
        seconds until every bucket holds enough tokens again.
        """
        if not self._knobs.throttle:
            return ADMITTED
        time_scale = self._knobs.time_scale
        with self._lock:
            now = self._clock()
            charges = self._charges(app_id, tenant_id, user_count, resource_units, writes)
            for bucket, _scope, _limit, _info, amount in charges:
                bucket.refill(now, time_scale)
            waits = [(bucket.seconds_until(amount, time_scale), scope, limit, info)
                     for bucket, scope, limit, info, amount in charges]
            longest = max(waits, key=lambda wait: wait[0])
            if longest[0] > 0:
                if self._knobs.throttle_charge_rejected:
                    self._charge(charges)
                _wait, scope, limit, info = longest
                return Decision(False, longest[0], '%s/%s/%s/%s' % (scope, limit, app_id, tenant_id), info, None)
            self._charge(charges)
            percentage = max(bucket.usage() for bucket, _s, _l, _i, _a in charges)
        return Decision(True, None, None, None, percentage if percentage > LIMIT_PERCENTAGE_THRESHOLD else None)

    @staticmethod
    def _charge(charges):
        for bucket, _scope, _limit, _info, amount in charges:
            bucket.tokens -= amount

    def _bucket(self, key, quota, window):
        bucket = self._buckets.get(key)
        if bucket is None or bucket.quota != quota:
            bucket = self._buckets[key] = TokenBucket(quota, window)
        return bucket

    def _charges(self, app_id, tenant_id, user_count, resource_units, writes):
        """[(bucket, scope, limit, x-ms-throttle-information, amount)] for one request."""
        charges = [
            (self._bucket(('Tenant_Application', 'ReadWrite', app_id, tenant_id), ru_quota_for_users(user_count), TENANT_APPLICATION_RU_WINDOW),
             'Tenant_Application', 'ReadWrite', 'ResourceUnitLimitExceeded', resource_units),
            (self._bucket(('Application', 'ReadWrite', app_id), APPLICATION_RESOURCE_UNITS, APPLICATION_RESOURCE_UNIT_WINDOW),
             'Application', 'ReadWrite', 'ResourceUnitLimitExceeded', resource_units),
        ]
        if writes:
            # Three write scopes (graph-facts §5.2, §11.6): one app in one tenant, one tenant across
            # apps, one app across tenants. The Write bucket that runs out names itself in the 429.
            quotas = self._knobs.write_quotas or {}
            charges += [
                (self._bucket(('Tenant_Application', 'Write', app_id, tenant_id), quotas.get('Tenant_Application', TENANT_APPLICATION_WRITES),
                              TENANT_APPLICATION_WRITE_WINDOW),
                 'Tenant_Application', 'Write', 'WriteLimitExceeded', writes),
                (self._bucket(('Tenant', 'Write', tenant_id), quotas.get('Tenant', TENANT_WRITES), TENANT_WRITE_WINDOW),
                 'Tenant', 'Write', 'WriteLimitExceeded', writes),
                (self._bucket(('Application', 'Write', app_id), quotas.get('Application', APPLICATION_WRITES), APPLICATION_WRITE_WINDOW),
                 'Application', 'Write', 'WriteLimitExceeded', writes),
            ]
        return charges
