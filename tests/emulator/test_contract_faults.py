# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: injected faults (--fault-rate, --fault-kinds, --seed) are reproducible and land where documented."""

import pytest
import requests

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off', '--fault-rate', '0.4', '--fault-kinds', '429,503,504', '--seed', '5')
SKUS = '/v1.0/subscribedSkus?$select=skuId'
FAULT_CODES = {429: 'TooManyRequests', 503: 'ServiceUnavailable', 504: 'GatewayTimeout'}


def statuses_of(graph, count, token):
    return [graph.get(SKUS, token=token) for _number in range(count)]


def test_the_same_seed_gives_the_same_faults_after_a_reset(graph, fresh_emulator):
    token = graph.token()   # token endpoints are spared unless fault_token is on
    first = statuses_of(graph, 30, token)
    codes = [response.status_code for response in first]
    assert set(codes) == {200, 429, 503, 504}
    for response in first:
        if response.status_code != 200:
            assert response.json()['error']['code'] == FAULT_CODES[response.status_code]
        if response.status_code == 429:
            assert float(response.headers['Retry-After']) > 0 and '.' in response.headers['Retry-After']
    assert fresh_emulator.stats()['faults'] == len(codes) - codes.count(200)
    fresh_emulator.reset()
    assert [response.status_code for response in statuses_of(graph, 30, token)] == codes


def test_inspection_and_token_endpoints_are_spared_unless_fault_token(graph, fresh_emulator, creds):
    fresh_emulator.configure(fault_rate=1.0)
    assert fresh_emulator.stats()['faults'] == 0
    form = {'grant_type': 'client_credentials', 'client_id': creds.read_write, 'client_secret': creds.read_write_secret, 'scope': graph.scope}
    assert graph.token_response(form).status_code == 200
    fresh_emulator.configure(fault_token=True)
    faulty = graph.token_response(form)
    assert faulty.status_code in (429, 503, 504)
    assert faulty.json()['error'] == 'temporarily_unavailable'


def test_reset_fault_closes_the_connection_without_an_answer(graph, fresh_emulator):
    token = graph.token()
    fresh_emulator.configure(fault_rate=1.0, fault_kinds='reset')
    with pytest.raises(requests.exceptions.ConnectionError):
        graph.get(SKUS, token=token)
    with pytest.raises(requests.exceptions.ConnectionError):
        graph.batch([{'id': '1', 'method': 'GET', 'url': '/subscribedSkus'}], token=token)


def test_slow_fault_outlasts_a_client_timeout_but_the_write_is_applied(graph, fresh_emulator):
    token = graph.token()
    fresh_emulator.configure(fault_rate=1.0, fault_kinds='slow', slow_seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'GB'}, token=token, timeout=0.3)
    fresh_emulator.configure(fault_rate=0.0)
    assert graph.get('/v1.0/users/TomasN@contoso.onmicrosoft.com?$select=usageLocation', token=token).json()['usageLocation'] == 'GB'


def test_in_a_batch_429_503_504_hit_items_and_the_envelope_stays_200(graph, fresh_emulator):
    token = graph.token()
    fresh_emulator.configure(fault_rate=1.0, fault_kinds='429')
    response = graph.batch([{'id': str(number), 'method': 'GET', 'url': '/subscribedSkus'} for number in range(5)], token=token)
    assert response.status_code == 200
    items = response.json()['responses']
    assert {item['status'] for item in items} == {429}
    assert all(float(item['headers']['Retry-After']) > 0 for item in items)
    assert fresh_emulator.stats()['faults'] == 5
