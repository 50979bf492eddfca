# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible itself spends on a users list of 100,000 entries, with no Graph and no planning (issue #13).

    .venv/bin/python bench/result_cost.py [--count 100000] [--runs 3] [--out bench]

A bench-only module (bench/result_cost/library/users_result.py, beside the play) returns `count` entries shaped like
teams_license's `users` (ten keys, as an unchanged user has them), or an empty list, and the play
runs it with and without `register`. The difference between the two shapes is what a full users
list costs on top of the licensing: the reason for teams_license's return_unchanged_users.
Writes bench/result-cost-results.{json,md}.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)

import measure  # noqa: E402  pylint: disable=wrong-import-position
import report  # noqa: E402  pylint: disable=wrong-import-position
from run import log  # noqa: E402  pylint: disable=wrong-import-position


def timed_play(count, shape, registered):
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               os.path.join(BENCH_DIR, 'result_cost', 'result.yml'), '-e', 'count=%d' % count, '-e', 'shape=%s' % shape,
               '-e', 'registered=%s' % registered, '-e', 'ansible_python_interpreter=%s' % sys.executable]
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false')
    started = time.monotonic()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=100000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--out', default=BENCH_DIR)
    options = parser.parse_args()
    rows = []
    for registered in (True, False):
        for shape in ('none', 'full'):
            measure.wait_for_quiet(30, log)
            walls = [timed_play(options.count, shape, registered) for _run in range(options.runs)]
            rows.append({'registered': registered, 'shape': shape, 'count': options.count, 'wall_s': [round(wall, 2) for wall in walls],
                         'median_s': round(statistics.median(walls), 2)})
            log('registered=%s shape=%s: median %.2f s' % (registered, shape, rows[-1]['median_s']))
    lines = ['# What a users list of %d entries costs Ansible' % options.count, '',
             'Produced by `bench/result_cost.py`: a module that only returns the list, no Graph, no planning; median of %d runs.'
             % options.runs, '', '| register | users list | wall s (median) |', '|---|---|---|']
    lines += ['| %s | %s | %.2f |' % ('yes' if row['registered'] else 'no', 'empty' if row['shape'] == 'none' else '%d entries' % row['count'],
                                      row['median_s']) for row in rows]
    report.write_results(options.out, {'result-cost-results.json': {'rows': rows}, 'result-cost-results.md': '\n'.join(lines) + '\n'})
    return 0


if __name__ == '__main__':
    sys.exit(main())
