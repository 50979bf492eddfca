# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many requests through $batch, at the pace Microsoft Graph allows.

Workers (up to max_concurrency) each take up to 20 ready items, send them as one $batch
envelope, and put back the items Graph answered 429 or 5xx. Three rules keep a large run close
to Graph's limit without wasting requests or losing items:

- A 429 closes a gate shared by every worker until its Retry-After has passed: usage keeps
  being counted while a client is throttled, so retrying early makes it worse (graph-facts 5.1).
- Once Graph says the write limit is reached (x-ms-throttle-information WriteLimitExceeded or a
  Write scope, graph-facts 5.2), writes are paced at the documented sustained rate of one app in
  one tenant, 3,000 per 150 s, instead of probing the limit with envelopes that would mostly
  come back 429. The schedule is anchored on Graph's own Retry-After (when the bucket holds the
  refused writes again) and re-anchored by every later write 429, so it needs no margin on the
  rate: the bucket refills continuously, and each envelope goes when its writes have refilled.
  Until then the burst allowance is used at full speed, and the pace starts before the first 429:
  a write answered with x-ms-throttle-limit-percentage (sent once usage passes 0.8 of a limit,
  graph-facts 5.2) tells how many writes the bucket still holds, so the schedule spends exactly
  those, minus the writes already sent after the measured ones, and then keeps the sustained rate.
- Throttled items are retried for as long as the run makes progress; a 5xx, a lost or a malformed
  answer to a read counts against max_retries for that item, with its own backoff. Items still
  pending after retry_budget seconds without any item succeeding are given up with their last
  answer; a Retry-After longer than what is left of that budget gives the item up at once.

And one rule that stops a run (``Stop``, shared by every batch of a client):

- A stop (SIGINT, SIGTERM, the controller gone) lets the envelopes already sent finish and sends
  nothing more, not even a retry: every item not sent comes back ``not_attempted``.
- A write refused with 403 Authorization_RequestDenied (or 401: the token is fine, the app is not
  allowed) is refused for every other user too: no further write is sent, reads still are. Until a
  write has succeeded, write envelopes go one at a time, so such a refusal wastes one envelope.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import (
    AuthenticationError, ConfigurationError, GraphError, NotAttemptedError)

BATCH_LIMIT = 20  # requests per $batch envelope (graph-facts section 4)
RETRYABLE_STATUSES = frozenset([429, 500, 502, 503, 504])
WRITE_QUOTA = 3000  # writes per app per tenant per 150 s (graph-facts 5.2)
SUSTAINED_WRITES_PER_SECOND = WRITE_QUOTA / 150.0
# x-ms-throttle-limit-percentage comes with two decimals: the usage it names may be up to half a
# hundredth higher, so that much of the quota is not counted as left.
USAGE_ROUNDING = 0.005
# The header names no limit: it is the most used of those the request touched (graph-facts 5.2).
# Read as this app's write quota in this tenant only once this run has itself sent a fifth of that
# quota: before that, a high usage is more likely another limit (reads, the tenant's writes by
# other apps, the app's writes in other tenants), and pacing on it would waste the burst.
OWN_WRITES_BEFORE_USAGE = WRITE_QUOTA // 5
# Added to each paced send, never to the schedule: it absorbs the client's sleep and thread jitter
# without slowing the pace (a margin on the rate would cost its share of every paced second).
PACING_SLACK_SECONDS = 0.01
# Slots left unused while the workers were late (CPU, sleep overshoot) are used later, as the
# bucket kept them, up to this many seconds of writes: far below the 3,000-write bucket.
PACING_CATCH_UP_SECONDS = 30.0


def is_write(item):
    return item['method'] != 'GET'


def is_fatal_write_refusal(item, response):
    """A write answered 403 Authorization_RequestDenied or 401: the app may not write, for any user (graph-facts 1.4)."""
    return is_write(item) and (response.status == 401 or (
        response.status == 403 and graph_error_code(response.body) == 'Authorization_RequestDenied'))


def graph_error_code(body):
    envelope = body.get('error') if isinstance(body, dict) else None
    return envelope.get('code') if isinstance(envelope, dict) else None


class Stop(object):
    """Why a client sends nothing more (``everything``) or no more writes (``writes``); set once, never cleared."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.everything = None    # text: the signal or event that stopped the run
        self.writes = None        # GraphError: the refusal that no retry can fix
        self.refused = None       # 'POST /users/{id}/assignLicense': the write it answered
        self.write_proven = False  # a write has succeeded: the app may write, envelopes go in parallel

    def stop_everything(self, reason):
        with self._lock:
            if self.everything is None:
                self.everything = reason
        self._stopped.set()

    def stop_writes(self, error, item):
        with self._lock:
            if self.writes is None:
                self.writes = error
                self.refused = describe_request(item['method'], item['url'])

    def wait(self, seconds):
        """Sleep that a stop cuts short."""
        self._stopped.wait(max(0.0, seconds))

    def refusal(self, item):
        """NotAttemptedError for an item that must not be sent now, or None."""
        if self.everything is not None:
            return NotAttemptedError('not sent: %s' % self.everything)
        if self.writes is not None and is_write(item):
            return NotAttemptedError('not sent: an earlier write was refused (%s)' % self.writes)
        return None


def describe_request(method, path):
    """'GET /subscribedSkus': what a message names, without the query (it may be long) or the host."""
    path = re.sub(r'^https?://[^/]+(/v1\.0)?', '', path, flags=re.IGNORECASE)
    return '%s %s' % (method.upper(), path.split('?')[0] or '/')


def header(headers, name):
    """Case-insensitive header lookup on any mapping (batch item headers are plain dicts)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def limit_usage(response):
    """The fraction of a limit used, from x-ms-throttle-limit-percentage (0.8 to 1.8, graph-facts 5.2), or None."""
    try:
        usage = float(header(response.headers, 'x-ms-throttle-limit-percentage'))
    except (TypeError, ValueError):
        return None
    return usage if 0.0 < usage < 5.0 else None  # anything else is not the documented header


def write_limit_reached(response):
    """Whether a 429 says the write quota (not the read one) is spent."""
    information = header(response.headers, 'x-ms-throttle-information') or ''
    scope = header(response.headers, 'x-ms-throttle-scope') or ''
    return 'WriteLimitExceeded' in information or '/Write/' in scope


class Pacer(object):
    """The gate shared by all workers, and the write pace once the write limit was met.

    The pace is a schedule of write slots: the first starts at the gate a write 429's Retry-After
    set, each envelope's slot ends when its writes have refilled at the sustained rate, and a
    later write 429 (another app writing in the tenant, or the app's budget across tenants spent
    by other processes) pushes the schedule back to its own Retry-After.
    """

    def __init__(self, clock, sleep, writes_per_second=SUSTAINED_WRITES_PER_SECOND):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._gate = 0.0
        self._write_interval = 1.0 / writes_per_second
        self._next_write_slot = None  # None: the burst allowance is still being used
        self._writes_sent = 0  # every write handed to an envelope so far: wait_turn's ticket

    @property
    def pacing(self):
        return self._next_write_slot is not None

    @property
    def gate(self):
        """No request goes before this clock value."""
        with self._lock:
            return self._gate

    def throttled(self, retry_after, on_writes):
        with self._lock:
            self._gate = max(self._gate, self._clock() + retry_after)
            if on_writes:
                self._next_write_slot = max(self._next_write_slot or 0.0, self._gate)

    def write_usage(self, usage, ticket):
        """A write answer said the write limit is `usage` used: pace from here on, spending what is left.

        `ticket` is what wait_turn returned for the envelope that carried the answer: the writes
        sent after it are not in the usage yet. Once pacing, the schedule (and every later 429)
        rules, and the header is not needed: a bucket kept near empty reports about 1.00 anyway.
        Before this run has sent OWN_WRITES_BEFORE_USAGE writes the header is not taken as the
        write quota's, and the first write 429 starts the pace instead.
        """
        with self._lock:
            if self._next_write_slot is not None or ticket < OWN_WRITES_BEFORE_USAGE:
                return
            left = (1.0 - usage - USAGE_ROUNDING) * WRITE_QUOTA - (self._writes_sent - ticket)
            # The schedule starts `left` writes in the past: those go at once, the next ones at the pace.
            self._next_write_slot = self._clock() - left * self._write_interval

    def wait_turn(self, write_count):
        """Sleep until this envelope may go: after the gate, and once its writes have refilled.

        Returns the envelope's ticket for write_usage: the writes sent up to and with it.
        """
        with self._lock:
            self._writes_sent += write_count
            ticket = self._writes_sent
            now = self._clock()
            start = max(now, self._gate)
            if self._next_write_slot is not None and write_count:
                # Send at the end of the reserved stretch, when the bucket holds these writes. The
                # stretch follows the previous one, not the clock: a late send does not delay the next.
                slot = max(self._next_write_slot, self._gate, now - PACING_CATCH_UP_SECONDS) + write_count * self._write_interval
                self._next_write_slot = slot
                start = max(start, slot + PACING_SLACK_SECONDS)
        delay = start - self._clock()
        if delay > 0:
            self._sleep(delay)
        return ticket


class BatchRun(object):
    """One call of GraphClient.batch: the queue of items, the workers, the results."""

    def __init__(self, client, items, pacer):
        self.client = client
        self.items = items
        self.pacer = pacer
        self.stop = client.stop
        self.results = [None] * len(items)
        self.failures = [0] * len(items)  # 5xx, lost and malformed answers, counted against max_retries
        self.throttles = [0] * len(items)  # 429s, for the backoff when Retry-After is no instruction
        self.queue = [(0.0, index) for index in range(len(items))]  # (ready at, index) in input order
        self.in_flight = 0
        self.writes_in_flight = 0
        self.aborted = None
        self.started = client._clock()
        self.last_progress = self.started
        self.condition = threading.Condition()

    def run(self):
        workers = max(1, min(self.client.max_concurrency, -(-len(self.items) // BATCH_LIMIT)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self._work) for _worker in range(workers)]
            for future in futures:
                future.result()
        if self.aborted is not None:
            raise self.aborted
        return self.results

    def _work(self):
        while True:
            chunk = self._take()
            if not chunk:
                return
            writes = sum(1 for index in chunk if is_write(self.items[index]))
            ticket = self.pacer.wait_turn(writes)
            try:
                if any(self.stop.refusal(self.items[index]) for index in chunk):
                    raise NotAttemptedError('stopped while waiting for its turn')  # the stop came during the wait
                # Each envelope has its own retry_budget: a long run must not starve its late envelopes.
                answers = self.client._send_envelope([self.items[index] for index in chunk], None)
            except NotAttemptedError:
                answers = self._not_attempted(chunk)
            except (AuthenticationError, ConfigurationError) as error:
                # No envelope can succeed (bad credentials, refused token): stop the whole run.
                with self.condition:
                    self.aborted = error
                    self.in_flight -= len(chunk)
                    self.writes_in_flight -= writes
                    self.condition.notify_all()
                return
            except GraphError as error:
                # The envelope failed after its own retries: its items' outcome is unknown.
                answers = self.client.envelope_failure([self.items[index]['id'] for index in chunk], error)
            self._settle(chunk, answers, writes, ticket)

    def _not_attempted(self, indexes):
        answers = {}
        for index in indexes:
            item = self.items[index]
            reason = self.stop.refusal(item) or NotAttemptedError('not sent: the run was stopped')
            answers.update(self.client.envelope_failure([item['id']], reason))
        return answers

    def _drain_refused(self):
        """Settle every queued item that the stop forbids sending (under the condition)."""
        refused = [index for _ready_at, index in self.queue if self.stop.refusal(self.items[index]) is not None]
        if refused:
            answers = self._not_attempted(refused)
            for index in refused:
                self.results[index] = answers[self.items[index]['id']]
            self.queue = [entry for entry in self.queue if entry[1] not in set(refused)]

    def _take(self):
        """Up to BATCH_LIMIT ready items, or [] when everything is settled (or aborted)."""
        with self.condition:
            while True:
                self._drain_refused()
                if self.aborted is not None or (not self.queue and not self.in_flight):
                    return []
                now = self.client._clock()
                if self.queue and now - self.last_progress > self.client.retry_budget:
                    self.queue = []  # no progress for too long: keep the last answers
                    continue
                # Items that will be ready before the gate opens go in the same envelope.
                horizon = max(now, self.pacer.gate)
                ready = [entry for entry in self.queue if entry[0] <= horizon]
                if not self.stop.write_proven and self.writes_in_flight:
                    # Until a write succeeded, one envelope of writes at a time: a missing permission wastes one.
                    ready = [entry for entry in ready if not is_write(self.items[entry[1]])]
                ready = ready[:BATCH_LIMIT]
                if ready:
                    taken = set(index for _ready_at, index in ready)
                    self.queue = [entry for entry in self.queue if entry[1] not in taken]
                    self.in_flight += len(ready)
                    self.writes_in_flight += sum(1 for index in taken if is_write(self.items[index]))
                    return [index for _ready_at, index in ready]
                wait = min(ready_at for ready_at, _index in self.queue) - now if self.queue else None
                if self.in_flight or wait is None or wait <= 0:
                    # Another worker's answer may requeue items or finish the run: it wakes us.
                    self.condition.wait(timeout=wait if wait is None or wait > 0 else 0.05)
                    continue
                self.condition.release()
                try:
                    self.client._pause(wait)  # the injected sleep, so that tests drive time
                finally:
                    self.condition.acquire()

    def _settle(self, chunk, answers, writes, ticket):
        throttles = []
        usage = None  # the highest write-limit usage this envelope's writes were answered with
        with self.condition:
            now = self.client._clock()
            for index in chunk:
                item, response = self.items[index], answers[self.items[index]['id']]
                self.results[index] = response
                if response.ok and is_write(item):
                    self.stop.write_proven = True
                    answered_usage = limit_usage(response)
                    if answered_usage is not None:
                        usage = max(usage or 0.0, answered_usage)
                elif is_fatal_write_refusal(item, response):
                    self.stop.stop_writes(response.error(), item)
                delay = self._retry_delay(index, response)
                if delay is not None and now + delay - self.last_progress > self.client.retry_budget:
                    self.results[index] = self._given_up(index, response, delay)
                    delay = None  # the retry would come after retry_budget without progress: give up
                if delay is None:
                    if response.ok:
                        self.last_progress = now
                    continue
                if response.status == 429:
                    throttles.append((delay, is_write(item) and write_limit_reached(response)))
                self.client._count(retries=1)
                self.queue.append((now + delay, index))
            self.queue.sort()
            self.in_flight -= len(chunk)
            self.writes_in_flight -= writes
            self.condition.notify_all()
        for retry_after, on_writes in throttles:
            self.pacer.throttled(retry_after, on_writes)
        if usage is not None:
            self.pacer.write_usage(usage, ticket)

    def _given_up(self, index, response, delay):
        """The final answer of an item whose next wait would outlast the retry budget: says what was throttled."""
        if response.status != 429:
            return response
        item = self.items[index]
        what = describe_request(item['method'], item['url'])
        error = GraphError('Graph throttled %s and asked to wait %.0f s, more than the retry budget has left (retry_budget'
                           ' %ss without progress): not retried' % (what, delay, self.client.retry_budget),
                           status=429, code=graph_error_code(response.body) or 'TooManyRequests',
                           request_id=header(response.headers, 'request-id'))
        return self.client.envelope_failure([item['id']], error)[item['id']]

    def _retry_delay(self, index, response):
        """Seconds before the item is sent again, or None when its answer is final."""
        if response.malformed and not is_write(self.items[index]):
            return self._failure_delay(index, None)
        if response.envelope_error is not None or response.status not in RETRYABLE_STATUSES:
            return None
        retry_after = self.client.retry_after_seconds(response.headers)
        if response.status == 429:
            self.client._count(throttled=1)
            self.throttles[index] += 1
            if retry_after is None:
                return self.client.backoff(self.throttles[index] - 1)
            # However short the Retry-After ("0"), a growing floor: never a busy loop.
            return max(retry_after, self.client.retry_floor(self.throttles[index] - 1))
        return self._failure_delay(index, retry_after)

    def _failure_delay(self, index, retry_after):
        self.failures[index] += 1
        if self.failures[index] > self.client.max_retries:
            return None
        if retry_after is None:
            return self.client.backoff(self.failures[index] - 1)
        return max(retry_after, self.client.retry_floor(self.failures[index] - 1))
