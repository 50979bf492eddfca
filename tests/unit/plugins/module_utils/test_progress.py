# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress file of long runs: content, slicing of batches, failures of the file itself."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.reports._progress import ProgressFile, phase_of, watch_progress


class Answer(object):
    def __init__(self, ok=True):
        self.ok = ok


class FakeClient(object):
    max_concurrency = 1

    def __init__(self, failing=()):
        self.calls = []
        self.failing = set(failing)
        self.other = 'passed through'

    def batch(self, requests):
        self.calls.append(len(requests))
        return [Answer(request['url'] not in self.failing) for request in requests]


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def read(path):
    with open(path) as handle:
        return json.load(handle)


def assign_requests(count):
    return [{'method': 'POST', 'url': '/users/u%d/assignLicense' % index} for index in range(count)]


def test_batches_go_in_slices_and_each_slice_moves_the_file(tmp_path):
    path = str(tmp_path / 'progress.json')
    progress = ProgressFile(path, clock=Clock())
    seen = []
    client = FakeClient(failing=['/users/u3/assignLicense'])
    original_advance = progress.advance

    def advance(done, failed=0):
        original_advance(done, failed)
        seen.append((read(path)['done'], read(path)['failed']))
    progress.advance = advance
    answers = progress.watch(client).batch(assign_requests(100))
    assert len(answers) == 100 and not answers[3].ok
    assert client.calls == [40, 40, 20]
    assert seen == [(40, 1), (80, 1), (100, 1)]
    assert read(path)['phase'] == 'assigning licences'
    progress.watch(client).batch(assign_requests(10))  # a retry round adds to the phase's tally
    assert read(path)['phases'] == {'assigning licences': dict(done=110, total=110, failed=2)}


def test_message_gives_counts_rate_and_time_left(tmp_path):
    clock = Clock()
    progress = ProgressFile(str(tmp_path / 'p.json'), clock=clock)
    progress.phase('assigning licences', total=5000)
    clock.now += 100
    progress.advance(2000, failed=3)
    assert progress.message() == 'assigning licences: 2,000 of 5,000 (40%), 20.0/s, about 2 min 30 s left, 3 failed (running 1 min 40 s)'
    progress.finish('done', summary=dict(changed=4990, failed=3, total=5000, unchanged=7))
    content = read(str(tmp_path / 'p.json'))
    assert content['state'] == 'done' and content['summary']['changed'] == 4990
    assert content['phases'] == {'assigning licences': dict(done=2000, total=5000, failed=3)}
    assert content['message'] == 'done after 1 min 40 s: 4990 changed, 3 failed, 5000 total, 7 unchanged'


@pytest.mark.parametrize('request_, after_writes, phase', [
    ({'method': 'GET', 'url': '/users/x?$select=id'}, False, 'reading users'),
    ({'method': 'GET', 'url': '/users/x?$select=id'}, True, 'checking failed writes'),
    ({'method': 'PATCH', 'url': '/users/x'}, False, 'setting usage locations'),
    ({'method': 'POST', 'url': '/users/x/assignLicense'}, False, 'assigning licences'),
    ({'method': 'GET', 'url': '/users/x/licenseDetails'}, True, 'waiting for Teams to provision'),
])
def test_phase_named_from_the_request(request_, after_writes, phase):
    assert phase_of(request_, after_writes) == phase


def test_listing_pages_of_users_are_counted(tmp_path):
    path = str(tmp_path / 'p.json')

    class Lister(FakeClient):
        def get(self, path, params=None):
            return {'value': [{}] * 999, '@odata.nextLink': 'https://graph/v1.0/users?$skiptoken=x'}

    client = ProgressFile(path, clock=Clock()).watch(Lister())
    client.get('/users', params={'$top': '999'})
    client.get('https://graph/v1.0/users?$skiptoken=x')
    client.get('/subscribedSkus')
    content = read(path)
    assert (content['phase'], content['done']) == ('listing users', 1998)
    assert content['message'].startswith('listing users: 1,998 so far')


def test_time_left_follows_the_recent_rate_not_the_burst(tmp_path):
    clock = Clock()
    progress = ProgressFile(str(tmp_path / 'p.json'), clock=clock)
    progress.phase('assigning licences', total=5000)
    clock.now += 1
    progress.advance(3000)            # the write quota's burst
    for _second in range(60):         # then 20 a second, paced
        clock.now += 1
        progress.advance(20)
    assert progress.rate() == 20.0
    assert 'about 40 s left' in progress.message()  # 800 left at 20 a second


class FakeModule(object):
    def __init__(self, params):
        self.params = params
        self.warnings = []
        self.exited = None

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        self.exited = ('exit', result)

    def fail_json(self, msg, **result):
        self.exited = ('fail', msg, result)
        raise SystemExit(1)


def test_no_option_returns_the_client_itself():
    client = FakeClient()
    assert watch_progress(FakeModule({'progress_file': None}), client) is client


def test_a_path_that_cannot_be_written_fails_before_any_request(tmp_path):
    module = FakeModule({'progress_file': str(tmp_path / 'missing-dir' / 'p.json')})
    client = FakeClient()
    with pytest.raises(SystemExit):
        watch_progress(module, client)
    assert module.exited[0] == 'fail' and 'progress_file' in module.exited[1]
    assert client.calls == []


def test_exit_and_failure_are_written_and_a_lost_file_only_warns(tmp_path):
    path = str(tmp_path / 'p.json')
    module = FakeModule({'progress_file': path})
    client = watch_progress(module, FakeClient())
    assert client.other == 'passed through'
    module.exit_json(changed=True, summary=dict(total=1, changed=1, unchanged=0, failed=0))
    assert read(path)['state'] == 'done'

    module = FakeModule({'progress_file': path})
    watch_progress(module, FakeClient())
    os.remove(path)
    os.rmdir(str(tmp_path))
    with pytest.raises(SystemExit):
        module.fail_json(msg='stopped')
    assert module.exited[:2] == ('fail', 'stopped')
    assert len(module.warnings) == 1 and 'could not be updated' in module.warnings[0]
