# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: the identity-service throttle of graph-facts §5.2 (costs, buckets, headers, 429 body)."""

import concurrent.futures
import time

# Windows 100x longer: the write bucket refills 0.2 writes/s, so a spent quota stays spent
# while the test looks at it; /_emulator/config then shrinks the windows to recover at once.
EMULATOR_ARGS = ('--tenant', 'contoso', '--time-scale', '100')
WRITE_QUOTA = 3000  # Tenant_Application writes per 150 s (graph-facts §5.2)


def patch_items(count):
    return [{'id': str(number), 'method': 'PATCH', 'url': '/users/AdeleV@contoso.onmicrosoft.com',
             'headers': {'Content-Type': 'application/json'}, 'body': {'usageLocation': 'US'}} for number in range(count)]


def spend_write_quota(graph):
    """Send a little more than the write burst as batches of 20; returns every item response."""
    token = graph.token()
    batches = (WRITE_QUOTA // 20) + 5
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        envelopes = list(pool.map(lambda _n: graph.batch(patch_items(20), token=token), range(batches)))
    assert all(envelope.status_code == 200 for envelope in envelopes)
    return [item for envelope in envelopes for item in envelope.json()['responses']]


def test_resource_unit_costs_follow_the_documented_table_and_modifiers(graph):
    costs = {
        '/v1.0/users/AdeleV@contoso.onmicrosoft.com': '2',
        '/v1.0/users/AdeleV@contoso.onmicrosoft.com?$select=id': '1',
        '/v1.0/users?$top=50': '2',
        '/v1.0/users?$top=5': '1',
        '/v1.0/subscribedSkus': '3',
        '/v1.0/subscribedSkus?$select=skuId': '2',
        '/v1.0/users/AdeleV@contoso.onmicrosoft.com/licenseDetails': '2',
    }
    assert {path: graph.get(path).headers['x-ms-resource-unit'] for path in costs} == costs
    write = graph.patch('/v1.0/users/AdeleV@contoso.onmicrosoft.com', {'usageLocation': 'US'})
    assert write.headers['x-ms-resource-unit'] == '1'


def test_write_burst_then_item_429_with_fractional_retry_after_and_throttle_headers(graph, fresh_emulator):
    items = spend_write_quota(graph)
    statuses = [item['status'] for item in items]
    assert statuses.count(204) >= WRITE_QUOTA and 429 in statuses
    throttled = next(item for item in items if item['status'] == 429)
    retry_after = throttled['headers']['Retry-After']
    # One write refills in 150 s * 100 / 3000 = 5 s, minus what trickled in meanwhile: fractional seconds.
    assert '.' in retry_after and 4 < float(retry_after) <= 5
    error = throttled['body']['error']
    assert (error['code'], error['message']) == ('TooManyRequests', 'Please retry again later.')
    assert error['innerError']['code'] == '429' and error['innerError']['status'] == '429'
    assert any('x-ms-throttle-limit-percentage' in item['headers'] for item in items if item['status'] == 204)
    assert fresh_emulator.stats()['throttled'] == statuses.count(429)

    single = graph.patch('/v1.0/users/AdeleV@contoso.onmicrosoft.com', {'usageLocation': 'US'})
    assert single.status_code == 429
    assert single.headers['x-ms-throttle-scope'] == 'Tenant_Application/Write/%s/%s' % (
        '11111111-1111-4111-8111-111111111111', graph.info['tenant_id'])
    assert single.headers['x-ms-throttle-information'] == 'WriteLimitExceeded'
    assert single.json()['error']['code'] == 'TooManyRequests'
    assert graph.get('/v1.0/subscribedSkus').status_code == 200   # reads have their own resource-unit bucket

    fresh_emulator.configure(time_scale=0.01)   # windows 100x shorter: Retry-After shrinks with them
    retry = graph.patch('/v1.0/users/AdeleV@contoso.onmicrosoft.com', {'usageLocation': 'US'})
    if retry.status_code == 429:
        assert float(retry.headers['Retry-After']) < 0.01
        time.sleep(float(retry.headers['Retry-After']))
        retry = graph.patch('/v1.0/users/AdeleV@contoso.onmicrosoft.com', {'usageLocation': 'US'})
    assert retry.status_code == 204


def test_throttle_off_lets_the_burst_through(graph, fresh_emulator):
    fresh_emulator.configure(throttle=False)
    statuses = {item['status'] for item in spend_write_quota(graph)}
    assert statuses == {204}
    assert fresh_emulator.stats()['throttled'] == 0


def test_read_burst_spends_the_tenant_size_resource_unit_quota(graph, fresh_emulator):
    users = len(fresh_emulator.state()['users'])
    quota = 3500 if users < 50 else 5000 if users <= 500 else 8000   # S / M / L (graph-facts §5.2)
    token = graph.token()
    items = [{'id': str(number), 'method': 'GET', 'url': '/subscribedSkus'} for number in range(20)]   # 3 RU each
    admitted, throttled = 0, None
    while throttled is None:
        for item in graph.batch(items, token=token).json()['responses']:
            if item['status'] == 200:
                admitted += 1
            else:
                throttled = item
    assert quota <= admitted * 3 <= quota + 30
    assert throttled['status'] == 429 and float(throttled['headers']['Retry-After']) > 0
    single = graph.get('/v1.0/subscribedSkus', token=token)
    assert single.status_code == 429
    assert single.headers['x-ms-throttle-scope'].startswith('Tenant_Application/ReadWrite/')
    assert single.headers['x-ms-throttle-information'] == 'ResourceUnitLimitExceeded'
