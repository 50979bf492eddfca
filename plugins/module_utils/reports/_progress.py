# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A progress file that a long run keeps up to date, so that a person can watch it while it runs.

A run of thousands of users spends minutes in Graph $batch calls (writes are paced at about
19 a second to stay under the identity service's write limit, graph-facts 5.2) and Ansible prints
nothing until the task ends. With ``progress_file`` set, the module rewrites one small JSON object
after every slice of requests: the phase, how many of its requests are done, how many failed, the
rate and an estimate of the time left, plus a ``message`` line for people::

    watch -n 2 cat progress.json          # or: jq -r .message progress.json

The file is replaced atomically (written beside it, then renamed), so a reader never sees half of
it. It holds counts only: no user names, no tokens, no secrets.

``ProgressFile.watch(client)`` returns a stand-in for the Graph client whose ``batch`` sends the
same requests in slices and records each slice, and whose ``get`` counts the users of each page
when the module lists the directory; everything else goes to the client unchanged.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile
import time

# Requests per slice, per allowed concurrent envelope: a slice is several $batch envelopes (20
# items each) per worker, so slicing keeps the workers busy and still updates the file every few
# seconds at the paced write rate.
ENVELOPES_PER_WORKER_PER_SLICE = 2
BATCH_LIMIT = 20
# The rate (and so the time left) is measured over this many recent seconds: a run's first
# writes go as fast as Graph answers, later ones at the paced rate (graph-facts 5.2), and an
# average over the whole phase would promise too early an end.
RATE_WINDOW_SECONDS = 30


def phase_of(request, after_writes=False):
    """What a $batch item is doing, in words, from its method and URL (and whether writes came before)."""
    method = request.get('method', 'GET').upper()
    url = request.get('url', '')
    if method == 'PATCH':
        return 'setting usage locations'
    if method == 'POST' and url.endswith('/assignLicense'):
        return 'assigning licences'
    if '/licenseDetails' in url:
        return 'waiting for Teams to provision'
    if method == 'GET' and url.startswith('/users'):
        # After writes, the module reads users back only to settle writes whose answer failed.
        return 'checking failed writes' if after_writes else 'reading users'
    return 'calling Graph'


def is_user_listing(path):
    """A page of GET /users (the module lists the directory when it reads many users)."""
    location = path.split('?', 1)[0].rstrip('/')
    return location == '/users' or location.endswith('/v1.0/users') or location.endswith('/beta/users')


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return '%d s' % seconds
    return '%d min %02d s' % (seconds // 60, seconds % 60)


class ProgressFile(object):
    """The state of one run, written to ``path`` each time it changes."""

    def __init__(self, path, task='teams_license', clock=time.time):
        self.path = path
        self.clock = clock
        self.started = clock()
        # phases: every phase so far with its requests done, total and failed, added up when a phase
        # comes again (a retry round), so the finished file tells what the whole run sent.
        self.state = dict(task=task, state='running', phase='starting', done=0, total=0, failed=0,
                          phases={}, started=self._timestamp(self.started))
        self._samples = [(self.started, 0)]  # (time, done) in the current phase, for the rate
        self.error = None
        # The first write happens before anything is sent to Graph: a path that cannot be written
        # fails the task there, never halfway through the writes.
        self._write_file()

    @staticmethod
    def _timestamp(when):
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(when))

    def phase(self, name, total=0):
        """A new phase begins: ``total`` requests (0 when it has no count)."""
        self.state.update(phase=name, done=0, total=total, failed=0)
        tally = self.state['phases'].setdefault(name, dict(done=0, total=0, failed=0))
        tally['total'] += total
        self._samples = [(self.clock(), 0)]
        self.write()

    def advance(self, done, failed=0):
        self.state['done'] += done
        self.state['failed'] += failed
        tally = self.state['phases'][self.state['phase']]
        tally['done'] += done
        tally['failed'] += failed
        now = self.clock()
        self._samples.append((now, self.state['done']))
        # Keep the newest sample at or before the window's start, and everything after it.
        while len(self._samples) > 2 and self._samples[1][0] <= now - RATE_WINDOW_SECONDS:
            self._samples.pop(0)
        self.write()

    def finish(self, state='done', summary=None):
        self.state.update(state=state, phase=state)
        if summary is not None:
            self.state['summary'] = summary
        self.write()

    def message(self):
        state = self.state
        elapsed = self.clock() - self.started
        if state['state'] != 'running':
            summary = state.get('summary') or {}
            counts = ', '.join('%s %s' % (value, key) for key, value in sorted(summary.items()))
            return '%s after %s%s' % (state['state'], _duration(elapsed), (': ' + counts) if counts else '')
        text = state['phase']
        if state['total']:
            text += ': {0:,} of {1:,} ({2:.0%})'.format(state['done'], state['total'], float(state['done']) / state['total'])
            rate = self.rate()
            if state['done'] and rate:
                text += ', {0:.1f}/s, about {1} left'.format(rate, _duration((state['total'] - state['done']) / rate))
        elif state['done']:
            text += ': {0:,} so far'.format(state['done'])
        if state['failed']:
            text += ', {0:,} failed'.format(state['failed'])
        return '%s (running %s)' % (text, _duration(elapsed))

    def rate(self):
        """Requests a second over the last RATE_WINDOW_SECONDS of the phase (None before two samples)."""
        (first_time, first_done), (last_time, last_done) = self._samples[0], self._samples[-1]
        if last_time <= first_time:
            return None
        return (last_done - first_done) / float(last_time - first_time)

    def write(self):
        """Rewrite the file; after a failure (disk full, directory removed) stop trying and keep the error."""
        if self.error is not None:
            return
        try:
            self._write_file()
        except (IOError, OSError) as error:
            self.error = 'progress_file %s could not be updated, so it stopped: %s' % (self.path, error)

    def _write_file(self):
        now = self.clock()
        content = dict(self.state, updated=self._timestamp(now), elapsed_s=round(now - self.started, 1), message=self.message())
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(prefix='.progress-', dir=directory)
        try:
            with os.fdopen(handle, 'w') as stream:
                json.dump(content, stream, sort_keys=True)
                stream.write('\n')
            os.rename(temporary, self.path)  # atomic on POSIX: readers see the old or the new file
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)

    def watch(self, client):
        return ProgressClient(client, self)


class ProgressClient(object):
    """The Graph client, with batch() sent in slices and each slice recorded in the progress file."""

    def __init__(self, client, progress):
        self._client = client
        self._progress = progress
        self._wrote = False

    def __getattr__(self, name):
        return getattr(self._client, name)

    def get(self, path, params=None):
        answer = self._client.get(path, params=params)
        if is_user_listing(path) and isinstance(answer, dict):
            if self._progress.state['phase'] != 'listing users':
                self._progress.phase('listing users')
            self._progress.advance(len(answer.get('value') or []))
        return answer

    def batch(self, requests):  # pylint: disable=redefined-outer-name
        requests = list(requests)
        if not requests:
            return []
        slice_size = BATCH_LIMIT * ENVELOPES_PER_WORKER_PER_SLICE * max(1, getattr(self._client, 'max_concurrency', 1))
        phase = phase_of(requests[0], after_writes=self._wrote)
        self._wrote = self._wrote or phase in ('setting usage locations', 'assigning licences')
        self._progress.phase(phase, total=len(requests))
        responses = []
        for start in range(0, len(requests), slice_size):
            answers = self._client.batch(requests[start:start + slice_size])
            responses.extend(answers)
            self._progress.advance(len(answers), failed=sum(1 for answer in answers if not answer.ok))
        return responses


def watch_progress(module, client, option='progress_file'):
    """The client to use: ``client`` itself, or one that keeps ``module.params[option]`` up to date.

    The file is written once before any Graph request (a bad path fails the task there), then
    after every slice of each batch, and a last time when the module exits: ``done`` with the
    summary, or ``failed`` with the message.
    """
    path = module.params.get(option)
    if not path:
        return client
    try:
        progress = ProgressFile(path)
    except (IOError, OSError) as error:
        module.fail_json(msg='%s %s cannot be written: %s' % (option, path, error))
    _finish_on_exit(module, progress)
    return progress.watch(client)


def _finish_on_exit(module, progress):
    exit_json, fail_json = module.exit_json, module.fail_json

    def finish(state, result):
        progress.finish(state, summary=result.get('summary'))
        if progress.error is not None:
            module.warn(progress.error)

    def exit_with_progress(**result):
        finish('done', result)
        exit_json(**result)

    def fail_with_progress(msg, **result):
        finish('failed', result)
        fail_json(msg=msg, **result)

    module.exit_json, module.fail_json = exit_with_progress, fail_with_progress
