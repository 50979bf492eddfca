# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""$batch against Graph's write bucket: nothing is lost to throttling, and writes keep Graph's pace."""

import threading

from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import (
    OWN_WRITES_BEFORE_USAGE, PACING_SLACK_SECONDS, SUSTAINED_WRITES_PER_SECOND, Pacer)
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient

TOKEN = 'token-for-batch-tests'
GRAPH = 'https://graph.microsoft.com/v1.0'


class Clock(object):
    """Time that only moves when the client sleeps (thread-safe: workers sleep concurrently)."""

    def __init__(self):
        self.start = self.now = 1000.0  # a monotonic clock is far from zero
        self.lock = threading.Lock()

    @property
    def elapsed(self):
        return self.now - self.start

    def __call__(self):
        with self.lock:
            return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += max(0.0, seconds)


class Response(object):
    def __init__(self, body):
        self.status_code = 200
        self.headers = {'Content-Type': 'application/json'}
        self.body = body

    @property
    def text(self):
        import json
        return json.dumps(self.body)

    def json(self):
        return self.body


class WriteBucket(object):
    """A $batch endpoint with Graph's write quota: `burst` writes, refilled at `rate` per second.

    With `usage_header`, an accepted write above 0.8 of the quota says so in
    x-ms-throttle-limit-percentage, with two decimals, as Graph does (graph-facts 5.2).
    """

    def __init__(self, clock, burst, rate, usage_header=False):
        self.clock = clock
        self.usage_header = usage_header
        self.tokens = float(burst)
        self.burst = burst
        self.rate = rate
        self.last = clock()
        self.accepted = 0
        self.rejected = 0
        self.envelopes = 0
        self.lock = threading.Lock()

    def request(self, method, url, **kwargs):
        assert (method, url) == ('POST', GRAPH + '/$batch')
        with self.lock:
            self.envelopes += 1
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            responses = [self.answer(item) for item in kwargs['json']['requests']]
        return Response({'responses': responses})

    def answer(self, item):
        if self.tokens >= 1:
            self.tokens -= 1
            self.accepted += 1
            usage = 1.0 - self.tokens / self.burst
            headers = {'x-ms-throttle-limit-percentage': '%.2f' % usage} if self.usage_header and usage > 0.8 else {}
            return {'id': item['id'], 'status': 200, 'headers': headers, 'body': {}}
        self.rejected += 1
        retry_after = (1 - self.tokens) / self.rate
        return {'id': item['id'], 'status': 429,
                'headers': {'Retry-After': '%.3f' % retry_after, 'x-ms-throttle-information': 'WriteLimitExceeded',
                            'x-ms-throttle-scope': 'Tenant_Application/Write/app/tenant'},
                'body': {'error': {'code': 'TooManyRequests', 'message': 'Please retry again later.'}}}

    def close(self):
        pass


def writes(count):
    return [{'method': 'POST', 'url': '/users/user%d/assignLicense' % number,
             'body': {'addLicenses': [], 'removeLicenses': []}} for number in range(count)]


def test_a_run_larger_than_the_burst_loses_no_item_and_keeps_close_to_the_quota():
    clock = Clock()
    bucket = WriteBucket(clock, burst=300, rate=SUSTAINED_WRITES_PER_SECOND)
    client = GraphClient(access_token=TOKEN, session=bucket, sleep=clock.sleep, clock=clock, max_retries=2)
    results = client.batch(writes(1000))
    assert all(result.ok for result in results)  # far more 429s per item than max_retries: none lost
    assert bucket.accepted == 1000
    floor = (1000 - 300) / SUSTAINED_WRITES_PER_SECOND  # the burst, then the refill rate
    assert clock.elapsed <= floor * 1.10
    # Pacing: after the first write-limit answers, few writes are sent only to be refused.
    assert bucket.rejected <= 150
    assert client.stats['throttled'] == bucket.rejected


def test_reads_are_not_paced_by_the_write_quota():
    pacer = Pacer(clock=lambda: 0.0, sleep=lambda seconds: None)
    pacer.throttled(0.5, on_writes=False)
    assert not pacer.pacing
    pacer.throttled(0.5, on_writes=True)
    assert pacer.pacing


def test_paced_envelopes_wait_until_their_writes_have_refilled():
    clock = Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, writes_per_second=20.0)
    pacer.throttled(0.05, on_writes=True)
    pacer.wait_turn(20)
    assert abs(clock.elapsed - (1.05 + PACING_SLACK_SECONDS)) < 1e-9  # the gate, then 20 writes at 20 per second
    pacer.wait_turn(10)
    assert abs(clock.elapsed - (1.55 + PACING_SLACK_SECONDS)) < 1e-9  # the slack is not added to the schedule
    pacer.wait_turn(0)  # an envelope of reads only waits for the gate
    assert abs(clock.elapsed - (1.55 + PACING_SLACK_SECONDS)) < 1e-9


def test_a_later_write_429_moves_the_schedule_to_its_retry_after():
    clock = Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, writes_per_second=20.0)
    pacer.throttled(0.05, on_writes=True)
    pacer.wait_turn(20)                      # slot ends at 1.05
    pacer.throttled(3.0, on_writes=True)     # another process spent the shared budget: wait 3 s from now
    pacer.wait_turn(20)
    assert abs(clock.elapsed - (1.05 + PACING_SLACK_SECONDS + 3.0 + 1.0 + PACING_SLACK_SECONDS)) < 1e-9


def test_ten_thousand_writes_within_two_percent_of_the_floor_and_one_round_of_429s():
    """Graph's floor for 10,000 writes of one app in one tenant: the 3,000 burst, then 20 per second.

    Without x-ms-throttle-limit-percentage the first 429 is the only sign of the limit.
    """
    clock = Clock()
    bucket = WriteBucket(clock, burst=3000, rate=SUSTAINED_WRITES_PER_SECOND)
    client = GraphClient(access_token=TOKEN, session=bucket, sleep=clock.sleep, clock=clock, max_retries=2)
    results = client.batch(writes(10000))
    assert all(result.ok for result in results) and bucket.accepted == 10000
    floor = (10000 - 3000) / SUSTAINED_WRITES_PER_SECOND
    assert clock.elapsed <= floor * 1.02, clock.elapsed / floor
    # Only the envelopes in flight when the burst ran out are refused: the pace itself draws no 429.
    assert bucket.rejected <= 20 * client.max_concurrency


def test_the_limit_percentage_header_starts_the_pace_before_any_429():
    """Graph reports usage above 0.8 of a limit: the burst's last writes and the pace draw no 429 at all."""
    clock = Clock()
    bucket = WriteBucket(clock, burst=3000, rate=SUSTAINED_WRITES_PER_SECOND, usage_header=True)
    client = GraphClient(access_token=TOKEN, session=bucket, sleep=clock.sleep, clock=clock, max_retries=2)
    results = client.batch(writes(10000))
    assert all(result.ok for result in results) and bucket.accepted == 10000
    assert bucket.rejected == 0
    floor = (10000 - 3000) / SUSTAINED_WRITES_PER_SECOND
    assert clock.elapsed <= floor * 1.01, clock.elapsed / floor


def test_the_writes_sent_after_the_measured_envelope_are_not_counted_as_left():
    clock = Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, writes_per_second=20.0)
    pacer.wait_turn(OWN_WRITES_BEFORE_USAGE - 20)  # the burst so far
    first = pacer.wait_turn(20)
    pacer.wait_turn(20)
    pacer.wait_turn(20)                       # two envelopes sent after the measured one
    pacer.write_usage(0.98, first)            # 60 - 15 (rounding) - 40 (in flight) = 5 writes left
    assert pacer.pacing
    pacer.wait_turn(20)                       # 15 writes short: 0.75 s
    assert abs(clock.elapsed - (0.75 + PACING_SLACK_SECONDS)) < 1e-9
    pacer.write_usage(0.80, first)            # once pacing, the schedule rules
    pacer.wait_turn(20)
    assert abs(clock.elapsed - (1.75 + PACING_SLACK_SECONDS)) < 1e-9


def test_a_high_usage_before_the_run_wrote_much_is_not_taken_for_its_write_quota():
    """Reads, other apps in the tenant or this app in other tenants can fill a limit: the first 429 decides then."""
    clock = Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, writes_per_second=20.0)
    ticket = pacer.wait_turn(20)
    pacer.write_usage(0.95, ticket)
    assert not pacer.pacing
    pacer.wait_turn(20)
    assert clock.elapsed == 0.0  # the burst goes on at full speed


def test_a_limit_percentage_that_is_not_graphs_shape_is_ignored():
    from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import limit_usage

    class Answer(object):
        def __init__(self, value):
            self.headers = {'X-MS-Throttle-Limit-Percentage': value}

    assert limit_usage(Answer('0.85')) == 0.85
    assert limit_usage(Answer('85%')) is None
    assert limit_usage(Answer('85')) is None
    assert limit_usage(Answer('')) is None
