# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: the ready line, the launcher, latency and the /_emulator/* endpoints tests rely on."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from graph_emulator.launcher import Emulator, EmulatorError

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off')
EMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'graph_emulator')
STATS_KEYS = {'requests_total', 'requests', 'writes', 'writes_applied', 'throttled', 'faults', 'tokens_issued', 'batch_items'}


def test_ready_line_values_are_what_the_module_options_mean(fresh_emulator):
    info = fresh_emulator.info
    assert list(info) == ['authority_url', 'tenant_id', 'graph_url', 'ca_path']
    assert info['authority_url'].startswith('https://127.0.0.1:') and info['authority_url'] == info['graph_url']
    assert info['tenant_id'] == '8f2c6c3e-7d5a-4c1b-9e0f-2a6b3c4d5e6f'
    assert os.path.isabs(info['ca_path']) and open(info['ca_path'], encoding='ascii').read().startswith('-----BEGIN CERTIFICATE-----')


def test_cli_help_and_a_failed_start_reports_stderr():
    assert subprocess.run([sys.executable, EMULATOR_DIR, '--help'], capture_output=True, check=False).returncode == 0
    with pytest.raises(EmulatorError, match='no-such-tenant'):
        Emulator(args=('--tenant', 'no-such-tenant')).start()


def test_stats_count_requests_by_route_writes_and_tokens(graph, fresh_emulator):
    graph.get('/v1.0/subscribedSkus')
    graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'US'})
    graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'not a country'})
    stats = fresh_emulator.stats()
    assert set(stats) == STATS_KEYS
    assert stats['requests'] == {'POST /{tenant}/oauth2/v2.0/token': 1, 'GET /v1.0/subscribedSkus': 1, 'PATCH /v1.0/users/{id}': 2}
    assert (stats['requests_total'], stats['writes'], stats['writes_applied'], stats['tokens_issued']) == (4, 2, 1, 1)


def test_log_keeps_bodies_and_redacts_every_credential(graph, fresh_emulator, creds):
    token = graph.token()
    graph.post('/v1.0/users/AdeleV@contoso.onmicrosoft.com/assignLicense', {'addLicenses': [], 'removeLicenses': []})
    entries = fresh_emulator.log()
    text = json.dumps(entries)
    assert creds.read_write_secret not in text and token not in text
    token_entry, assign_entry = entries
    assert token_entry['request_body']['client_secret'] == '[REDACTED]'
    assert token_entry['response_body']['access_token'] == '[REDACTED]'
    assert assign_entry['request_headers']['authorization'] == '[REDACTED]'
    assert (assign_entry['method'], assign_entry['status']) == ('POST', 200)
    assert assign_entry['request_body'] == {'addLicenses': [], 'removeLicenses': []}


def test_config_reads_and_changes_knobs_and_refuses_unknown_ones(fresh_emulator):
    config = fresh_emulator.config()
    assert {'latency_ms', 'throttle', 'time_scale', 'fault_rate', 'fault_kinds', 'token_lifetime', 'provisioning_delay',
            'usage_location_lag', 'group_propagation_delay'} <= set(config)
    assert fresh_emulator.configure(fault_kinds='429,slow')['fault_kinds'] == ['429', 'slow']
    with pytest.raises(EmulatorError, match='unknown knobs'):
        fresh_emulator.configure(latency=5)
    with pytest.raises(EmulatorError, match='fault_rate'):
        fresh_emulator.configure(fault_rate=2)


def test_latency_is_paid_per_round_trip_and_once_per_batch(graph, fresh_emulator):
    token = graph.token()
    fresh_emulator.configure(latency_ms=100)
    started = time.monotonic()
    graph.get('/v1.0/subscribedSkus', token=token)
    single = time.monotonic() - started
    started = time.monotonic()
    graph.batch([{'id': str(number), 'method': 'GET', 'url': '/subscribedSkus'} for number in range(20)], token=token)
    batch = time.monotonic() - started
    assert 0.1 <= single < 0.5
    assert 0.2 <= batch < 1.0   # 100 ms once + 20 items x 5 ms, not 20 x 100 ms


def test_reset_restores_the_tenant_and_clears_counters(graph, fresh_emulator):
    before = fresh_emulator.state()
    graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'GB'})
    assert fresh_emulator.state() != before
    fresh_emulator.reset()
    assert fresh_emulator.state() == before
    assert fresh_emulator.stats()['requests_total'] == 0 and fresh_emulator.log() == []


def test_registered_app_gets_tokens_with_its_roles(graph, fresh_emulator):
    client_id = str(uuid.uuid4())
    registered = fresh_emulator.register_app({'client_id': client_id, 'secrets': ['registered-secret'], 'roles': ['Directory.Read.All']})
    assert registered['roles'] == ['Directory.Read.All']
    token = graph.token(client_id, 'registered-secret')
    assert graph.get('/v1.0/subscribedSkus', token=token).status_code == 200
    assert graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'US'}, token=token).status_code == 403
    with pytest.raises(EmulatorError):
        fresh_emulator.register_app({'display_name': 'no client id'})


def test_state_file_is_saved_on_request_and_on_shutdown_and_restored_at_start(tmp_path, graph_session):
    state_file = str(tmp_path / 'state.json')
    tomas = '/v1.0/users/TomasN@contoso.onmicrosoft.com'
    with Emulator(args=('--tenant', 'contoso', '--state-file', state_file)) as first:
        session = graph_session(first)
        session.patch(tomas, {'usageLocation': 'JP'})
        assert first.save()['saved'] == state_file and os.path.exists(state_file)
        session.patch(tomas, {'usageLocation': 'KR'})   # saved by SIGTERM only
    with Emulator(args=('--tenant', 'contoso', '--state-file', state_file)) as second:
        assert graph_session(second).get(tomas + '?$select=usageLocation').json()['usageLocation'] == 'KR'
