# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A $batch run that lasts longer than retry_budget still retries an envelope whose answer was lost.

retry_budget (300 s) bounds how long one request keeps retrying. BatchRun hands the start of the
whole batch run to every envelope as the start of its retries (_graph_batch.BatchRun._work ->
GraphClient._send_envelope(items, self.started) -> _execute(started=...)), so once a batch run is
older than retry_budget, an envelope that times out or loses its connection is given up at once
("gave up after 1 attempts") and its 20 users fail without a single retry. 5,000 licence writes at
Graph's sustained write rate take about 260 s; with throttling, or more users, a run passes 300 s
and meets this (the full fault soak did, with the write quota spent beforehand).

Here the same with a 3 s budget: 100 reads in envelopes answered 1 s late, one at a time, and the
envelope sent after 3 s is answered after the client's timeout once.
"""

import threading

import pytest

from reliability_support import RecordingEmulator, connection_vars, emulator_args, wait_until

pytestmark = pytest.mark.integration

BUDGET = 3


def test_an_envelope_lost_late_in_a_long_batch_run_is_retried(tmp_path):
    from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient
    with RecordingEmulator(args=emulator_args('contoso', '--latency-ms', 1000, '--batch-item-ms', 0, '--slow-seconds', 3),
                           token_file=str(tmp_path / 'tokens.txt')) as emulator:
        info, options = emulator.info, connection_vars(emulator)
        client = GraphClient(tenant_id=info['tenant_id'], client_id=options['m365_client_id'], client_secret=options['m365_client_secret'],
                             authority_url=info['authority_url'], graph_url=info['graph_url'], ca_path=info['ca_path'],
                             timeout=2, max_retries=3, max_concurrency=1, retry_budget=BUDGET)
        client.get('/subscribedSkus')  # the token, before the clock of the batch run starts
        requests = [{'method': 'GET', 'url': '/users?$top=1'} for _number in range(100)]
        answers = {}
        worker = threading.Thread(target=lambda: answers.setdefault('responses', client.batch(requests)))
        worker.start()

        def envelopes():
            return emulator.stats()['requests'].get('POST /v1.0/$batch', 0)

        wait_until(lambda: envelopes() >= 3, timeout=60, what='three envelopes, past the retry budget')
        emulator.configure(fault_rate=1.0, fault_kinds=['slow'])
        wait_until(lambda: emulator.stats()['faults'] >= 1, timeout=60, what='one slow answer')
        emulator.configure(fault_rate=0.0)
        worker.join(timeout=120)
        failed = [response for response in answers['responses'] if not response.ok]
        assert not failed, '%d of 100 requests failed: %s' % (len(failed), failed[0].error())
