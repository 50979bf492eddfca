# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two playbooks licensing overlapping users at the same time, against a tenant with exactly enough seats.

Tenant tight-seats: 10 agents, 9 seats each of Teams Phone (MCOEV) and the Domestic Calling Plan
(MCOPSTN1). Both runs read the seats, plan, and write at once (the emulator answers 300 ms late,
so their requests are in flight together and Graph applies them interleaved).

- Exactly enough: agents 1-6 and agents 4-9 (9 distinct users, 9 seats). Both runs succeed and
  all 9 agents hold each licence exactly once: an add of a licence the user already holds (the
  other run got there first) takes no second seat.
- One short: agents 1-6 and agents 4-10 (10 users, 9 seats). Nine agents get the licences, the
  tenth does not, and a run says so: either a seat check before writing, or Graph's "no
  available licenses" for that user. Never a user reported done without the licences.

Everywhere: no user holds a licence twice, each user holds both licences or neither (one
assignLicense per user), consumedUnits equals the number of holders and never exceeds the seats.
"""

import pytest

from reliability_support import (RecordingEmulator, connection_vars, duplicate_assignments, emulator_args, holders, licences_by_user,
                                 seats_consumed, task_result)

pytestmark = pytest.mark.integration

LICENCES = frozenset(('MCOEV', 'MCOPSTN1'))
SEATS = 9
ROUNDS_IN_SOAK = 10


@pytest.fixture(scope='module')
def tight_tenant(tmp_path_factory):
    token_file = str(tmp_path_factory.mktemp('tight') / 'tokens.txt')
    with RecordingEmulator(args=emulator_args('tight-seats', '--latency-ms', 300), token_file=token_file) as running:
        yield running


def agents(first, last):
    return ['agent%02d@tightseats.onmicrosoft.com' % number for number in range(first, last + 1)]


def run_together(runner, emulator, user_lists):
    """Start one playbook per user list at once; returns their results in the same order."""
    started = []
    for users in user_lists:
        extra = connection_vars(emulator)
        extra.update(users=users, licenses=['phone_system', 'calling_plan_domestic'])
        started.append(runner.start(extra_vars=extra))
    return [running.wait(timeout=300) for running in started]


def check_tenant_invariants(state):
    assert not duplicate_assignments(state), duplicate_assignments(state)
    held = licences_by_user(state)
    partial = sorted(upn for upn, licences in held.items() if len(licences & LICENCES) == 1)
    assert not partial, 'users with one licence of the two: %s' % partial
    consumed, counted = seats_consumed(state), holders(state)
    for part_number in LICENCES:
        assert consumed[part_number] == counted.get(part_number, 0) <= SEATS, (part_number, consumed, counted)
    return held


def check_reports(runs, held):
    for run in runs:
        for entry in task_result(run).get('users', []):
            if entry['status'] in ('changed', 'unchanged'):
                assert LICENCES <= held[entry['user'].lower()], 'reported %s but not licensed: %s' % (entry['status'], entry)


def exactly_enough(runner, emulator):
    emulator.reset()
    runs = run_together(runner, emulator, [agents(1, 6), agents(4, 9)])
    for run in runs:
        assert run.rc == 0, run
    held = check_tenant_invariants(emulator.state())
    check_reports(runs, held)
    licensed = sorted(upn for upn, licences in held.items() if LICENCES <= licences)
    assert licensed == agents(1, 9)
    assert seats_consumed(emulator.state())['MCOEV'] == SEATS


def one_short(runner, emulator):
    emulator.reset()
    runs = run_together(runner, emulator, [agents(1, 6), agents(4, 10)])
    held = check_tenant_invariants(emulator.state())
    check_reports(runs, held)
    wanted = agents(1, 10)
    unlicensed = [upn for upn in wanted if not LICENCES <= held[upn.lower()]]
    assert unlicensed, 'ten users licensed with nine seats'
    assert any(run.rc != 0 for run in runs), 'the shortage was not reported'
    for upn in unlicensed:
        # Each user left without licences was named by a run that wanted it, with the seat shortage as the reason.
        reasons = []
        for run, users in zip(runs, [agents(1, 6), agents(4, 10)]):
            if upn not in users:
                continue
            result = task_result(run)
            for entry in result['users']:
                if entry['user'] == upn and entry['status'] == 'failed':
                    # A run that stopped before any write says why once, in msg.
                    reasons.append(result['msg'] if '(see msg)' in entry['error'] else entry['error'])
        assert any('seat' in reason or 'available licenses' in reason for reason in reasons), (upn, reasons)


@pytest.mark.parametrize('rounds', [pytest.param(1, id='fast'), pytest.param(ROUNDS_IN_SOAK, id='soak', marks=pytest.mark.soak)])
def test_two_runs_share_exactly_enough_seats(rounds, tight_tenant, runner):
    for _round in range(rounds):
        exactly_enough(runner, tight_tenant)


@pytest.mark.parametrize('rounds', [pytest.param(1, id='fast'), pytest.param(ROUNDS_IN_SOAK, id='soak', marks=pytest.mark.soak)])
def test_two_runs_one_seat_short_report_the_shortage(rounds, tight_tenant, runner):
    for _round in range(rounds):
        one_short(runner, tight_tenant)
