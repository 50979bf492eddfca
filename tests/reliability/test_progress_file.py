# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A long run can be watched while it runs: teams_license's progress_file.

The test reads the progress file the way a person would with `watch cat`, while the playbook
runs, and checks what that person would see: the file is always whole JSON; the phases come in
order (reading users, then writes); the counts of the write phase rise while the run goes on;
the file ends as done with the task's own summary; the write counts agree with the writes the
emulator received; and it names no user and holds no secret.

Fast variant (make test): 300 users with max_concurrency 1, so the file moves every 40 requests.
Full variant (make soak): 5,000 users with the defaults against Graph's throttling: the first
3,000 writes go as fast as the emulator answers (the write quota's burst), then Graph answers 429
and the module paces the rest at about 19 a second, which is when a person wants to see progress.
"""

import collections
import json
import os
import threading
import time

import pytest

from reliability_support import CLIENT_SECRET, REPO_ROOT, Emulator, connection_vars, task_result

pytestmark = pytest.mark.integration

SCENARIO = dict(licenses=['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'], state='exact', exact_scope='all', usage_location='US')
Variant = collections.namedtuple('Variant', 'name users max_concurrency emulator_args timeout')
# 300 writes fit in the write quota's burst, so the module sends them as fast as Graph answers:
# 20 ms per batch item makes the run last long enough (about 6 s) to be watched.
FAST = Variant('fast', users=300, max_concurrency=1, emulator_args=('--throttle', 'off', '--batch-item-ms', 20), timeout=300)
# Graph's own write quota (3,000 per 150 s per app and tenant, graph-facts 5.2): once it is spent
# the module paces its writes, and the run lasts minutes.
FULL = Variant('full', users=5000, max_concurrency=None, emulator_args=('--throttle', 'on'), timeout=1500)
WRITE_PHASES = ('setting usage locations', 'assigning licences')
NUMBERS_DIR = os.path.join(REPO_ROOT, '.tmp', 'reliability')


class Watcher(threading.Thread):
    """Reads the progress file every 0.2 s, as `watch` would, and keeps every distinct content."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.snapshots = []
        self.torn = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.read()
            time.sleep(0.2)
        self.read()

    def read(self):
        try:
            with open(self.path, encoding='utf-8') as handle:
                text = handle.read()
        except FileNotFoundError:
            return
        try:
            snapshot = json.loads(text)
        except ValueError:
            self.torn.append(text)
            return
        if not self.snapshots or snapshot != self.snapshots[-1]:
            self.snapshots.append(snapshot)


def save_messages(variant, snapshots):
    """What a person watching the file saw, for the record: .tmp/reliability/progress-<variant>.txt."""
    os.makedirs(NUMBERS_DIR, exist_ok=True)
    with open(os.path.join(NUMBERS_DIR, 'progress-%s.txt' % variant.name), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join('%s  %s' % (snapshot['updated'], snapshot['message']) for snapshot in snapshots) + '\n')


def phase_order(snapshots):
    order = []
    for snapshot in snapshots:
        if not order or order[-1] != snapshot['phase']:
            order.append(snapshot['phase'])
    return order


@pytest.mark.parametrize('variant', [
    pytest.param(FAST, id='fast-300-users'),
    pytest.param(FULL, id='full-5000-users', marks=pytest.mark.soak),
])
def test_progress_file_shows_the_run_moving_and_ends_with_its_summary(variant, runner, tmp_path):
    progress_path = str(tmp_path / 'progress.json')
    with Emulator(args=('--generate-users', variant.users, '--seed', 6) + variant.emulator_args) as emulator:
        users = sorted(user['userPrincipalName'] for user in emulator.state()['users'])
        extra = connection_vars(emulator)
        extra.update(SCENARIO, users=users, progress_file=progress_path)
        if variant.max_concurrency:
            extra['max_concurrency'] = variant.max_concurrency
        watcher = Watcher(progress_path)
        watcher.start()
        try:
            run = runner.run(extra_vars=extra, timeout=variant.timeout)
        finally:
            watcher.stopped.set()
            watcher.join()
        stats = emulator.stats()

    snapshots = watcher.snapshots
    save_messages(variant, snapshots)
    assert run.rc == 0, run
    result = task_result(run)
    assert watcher.torn == [], 'a reader saw a half-written progress file'
    order = phase_order(snapshots)
    assert order[-1] == 'done', order
    # Many users are read by listing the directory, a few by $batch.
    reads = [order.index(phase) for phase in ('listing users', 'reading users') if phase in order]
    assert reads and min(reads) < order.index('assigning licences'), order

    assigning = [snapshot for snapshot in snapshots if snapshot['phase'] == 'assigning licences']
    done_counts = [snapshot['done'] for snapshot in assigning]
    assert done_counts == sorted(done_counts)
    in_between = [count for count in done_counts if 0 < count < assigning[0]['total']]
    assert len(in_between) >= 3, 'the write phase was seen moving only at %s' % done_counts
    assert all('assigning licences: ' in snapshot['message'] and 'left' in snapshot['message']
               for snapshot in assigning if 0 < snapshot['done'] < snapshot['total'])

    final = snapshots[-1]
    assert final['state'] == 'done'
    assert final['summary'] == result['summary']
    assert final['message'].startswith('done after ')
    written = sum(final['phases'][phase]['done'] for phase in WRITE_PHASES if phase in final['phases'])
    assert written == stats['writes_applied'], (final['phases'], stats)
    assert final['phases']['assigning licences']['failed'] == result['summary']['failed']
    assert result['summary']['changed'] > 0.9 * variant.users

    text = '\n'.join(json.dumps(snapshot) for snapshot in snapshots)
    assert CLIENT_SECRET not in text
    assert not any(user.lower() in text.lower() for user in users[:50])
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith('.progress-')] == []
