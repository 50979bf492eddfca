# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph goes away in the middle of the writes and comes back with its state kept.

The emulator dies while teams_license is writing: it stops answering, saves the tenant to
--state-file (every write it acknowledged is kept, as Graph keeps what it applied; writes that
reached it afterwards may be kept or lost, and were never answered) and is killed with SIGKILL,
which resets every open connection. After an outage it starts again on the same port from that
file, with a new certificate authority in the same ca_path and no memory of the tokens it had
issued. Either the task finishes, or it fails with a message that says Graph could not be
reached and to re-run. Either way no user is reported changed without holding the change, and
a re-run converges and a third run writes nothing.

- short outage: the module's own retries (backoff 0.5-1, 1-2, 2-4 s ...) outlast it;
- long outage with max_retries 1: the writes in flight are given up and the task must fail clearly;
- full (make soak): 5,000 users with Graph's real throttling windows, stopped in the paced
  stretch after the write burst (the emulator has throttled writes by then).
"""

import collections
import os
import time
from urllib.parse import urlsplit

import pytest

from reliability_support import RecordingEmulator, connection_vars, licences_by_user, task_result, usage_locations, wait_until

pytestmark = pytest.mark.integration

DESIRED = frozenset(('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'))
SCENARIO = dict(licenses=['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'], state='exact', exact_scope='all', usage_location='US')

# finishes: True (the retries must outlast the outage), False (the task must fail), None (either).
Outage = collections.namedtuple('Outage', 'name users emulator_args stop_after_writes outage_seconds max_retries finishes')
SHORT = Outage('short', 300, ('--latency-ms', 150, '--time-scale', 0.01), 60, 1.0, 5, True)
LONG = Outage('long', 300, ('--latency-ms', 150, '--time-scale', 0.01), 60, 6.0, 1, False)
FULL = Outage('full', 5000, (), 3500, 3.0, 5, None)


def start_emulator(tmp_path, outage, port=0):
    args = ('--generate-users', outage.users, '--seed', 6, '--state-dir', tmp_path / 'emulator', '--state-file',
            tmp_path / 'tenant.json', '--port', port) + outage.emulator_args
    return RecordingEmulator(args=args, token_file=str(tmp_path / 'tokens.txt')).start()


def claimed_without_change(result, state):
    """Users the report calls changed or unchanged who do not hold the desired state."""
    held, locations = licences_by_user(state), usage_locations(state)
    return [entry['user'] for entry in result['users']
            if entry['status'] != 'failed' and (held[entry['user'].lower()] != DESIRED or locations[entry['user'].lower()] != 'US')]


@pytest.mark.parametrize('outage', [
    pytest.param(SHORT, id='short-outage-300-users'),
    pytest.param(LONG, id='long-outage-300-users'),
    pytest.param(FULL, id='full-5000-users', marks=pytest.mark.soak),
])
def test_graph_restarted_mid_run_loses_nothing_and_a_rerun_converges(outage, runner, tmp_path):
    emulator = start_emulator(tmp_path, outage)
    try:
        port = urlsplit(emulator.info['graph_url']).port
        users = sorted(user['userPrincipalName'] for user in emulator.state()['users'])
        extra = connection_vars(emulator)
        extra.update(SCENARIO, users=users, m365_max_retries=outage.max_retries)
        running = runner.start(extra_vars=extra)
        wait_until(lambda: emulator.stats()['writes_applied'] >= outage.stop_after_writes or running.process.poll() is not None,
                   timeout=600, what='%d writes' % outage.stop_after_writes)
        assert running.process.poll() is None, 'the run ended before the emulator could be stopped'
        stats_before_stop = emulator.stats()
        applied_before_stop = stats_before_stop['writes_applied']
        if outage is FULL:
            # Stopped in the paced stretch: the write quota was spent and Graph was throttling.
            assert stats_before_stop['throttled'] > 0
        emulator.crash_keeping_state()
        assert os.path.exists(str(tmp_path / 'tenant.json'))
        time.sleep(outage.outage_seconds)
        emulator = start_emulator(tmp_path, outage, port=port)
        # What Graph applied before it went away is still there.
        changed = sum(1 for licences in licences_by_user(emulator.state()).values() if 'MCOPSTN2' in licences)
        assert changed >= applied_before_stop - outage.users // 20 - 20  # minus PATCHes and one envelope in flight

        first = running.wait(timeout=1200)
        result = task_result(first)
        state = emulator.state()
        assert not claimed_without_change(result, state), 'users reported done who are not'
        print('\n%s outage: rc %d, summary %s, requests %s' % (outage.name, first.rc, result['summary'], result['requests']))
        assert outage.finishes is None or (first.rc == 0) == outage.finishes, first
        if first.rc == 0:
            assert result['summary']['failed'] == 0
        else:
            assert result['summary']['failed'] > 0
            message = result['msg']
            assert 'cannot reach %s' % emulator.info['graph_url'] in message
            assert 're-run' in message
            failed = [entry for entry in result['users'] if entry['status'] == 'failed']
            assert all('re-run' in entry['error'] for entry in failed), failed[:3]

        rerun = runner.run(extra_vars=extra, timeout=1200)
        assert rerun.rc == 0, rerun
        held = licences_by_user(emulator.state())
        assert all(held[upn.lower()] == DESIRED for upn in users)
        assert set(usage_locations(emulator.state()).values()) == {'US'}
        writes = emulator.stats()['writes']
        third = runner.run(extra_vars=extra, timeout=1200)
        assert third.rc == 0, third
        assert task_result(third)['changed'] is False and task_result(third)['requests']['writes'] == 0
        assert emulator.stats()['writes'] == writes
    finally:
        emulator.stop()
