# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault soak: every user of a large tenant licensed through throttling, faults and short-lived tokens.

The emulator throttles as Graph does and injects a fault into 10 % of the requests, among 429,
503, 504, connection reset and "slow" (the operation is applied but the answer comes after
slow_seconds, longer than the module's timeout, so the module sees a timeout for a write that
did happen). Tokens live token_lifetime seconds, far less than the run.

The task: every user gets exactly Office 365 E3 + Teams Phone + Domestic and International
Calling Plan (state exact, exact_scope all) with usage location US. In the generated tenant that
means usage-location PATCHes, plain adds, Calling Plan swaps (MCOPSTN1 -> MCOPSTN2), suite swaps
(E5 -> E3) and users whose Teams Phone comes from a group.

Afterwards, read from the emulator, never from the module's claim: every user holds exactly the
desired licences; the module's per-user report agrees with what changed in the emulator for every
user; the seats it reports match the emulator's; a second run reports changed false, every user
unchanged, and sends no write.

Fast variant (make test): 300 users, throttle windows 100 times shorter (Graph's quotas are never
reached by 300 users: the injected 429s exercise the Retry-After handling), 5 s tokens.
Full variant (make soak): 5,000 users, 20 s tokens, Graph's own quotas and windows (3,000 writes
per app and tenant, refilled at 20 per second). The Retry-After waits of the injected 429s slow
the run below that rate, so the quota is not reached here; test_emulator_restart.py's full
variant (no faults) meets real throttling. The numbers go to .tmp/reliability/fault-soak-*.json.
"""

import collections
import json
import os
import time

import pytest

from reliability_support import (REPO_ROOT, RecordingEmulator, connection_vars, direct_licences_by_user, expired_token_rejections,
                                 fault_counts, licences_by_user, read_log_file, seats_consumed, task_result, usage_locations)

pytestmark = pytest.mark.integration

DESIRED = frozenset(('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'))
SCENARIO = dict(licenses=['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'], state='exact', exact_scope='all',
                usage_location='US')
FAULT_RATE = 0.1
NUMBERS_DIR = os.path.join(REPO_ROOT, '.tmp', 'reliability')

Variant = collections.namedtuple('Variant', 'name users time_scale token_lifetime slow_seconds timeout playbook_timeout')
FAST = Variant('fast', users=300, time_scale=0.01, token_lifetime=5, slow_seconds=3, timeout=2, playbook_timeout=300)
SOAK = Variant('soak', users=5000, time_scale=1.0, token_lifetime=20, slow_seconds=8, timeout=5, playbook_timeout=1500)


def emulator_for(variant, tmp_path):
    return RecordingEmulator(args=(
        '--generate-users', variant.users, '--seed', 6, '--throttle', 'on', '--time-scale', variant.time_scale,
        '--fault-rate', FAULT_RATE, '--fault-kinds', '429,503,504,reset,slow', '--slow-seconds', variant.slow_seconds,
        '--token-lifetime', variant.token_lifetime, '--log-file', tmp_path / 'emulator-log.jsonl', '--log-size', 100,
    ), token_file=str(tmp_path / 'tokens.txt'))


def report_mismatches(report, before, after):
    """Users whose report entry disagrees with what changed in the emulator, with why."""
    direct_before, direct_after = direct_licences_by_user(before), direct_licences_by_user(after)
    location_before, location_after = usage_locations(before), usage_locations(after)
    mismatches = []
    for entry in report:
        key = entry['user'].lower()
        added = sorted(direct_after[key] - direct_before[key])
        removed = sorted(direct_before[key] - direct_after[key])
        location_set = location_after[key] if location_after[key] != location_before[key] else None
        expected = dict(status='changed' if added or removed or location_set else 'unchanged', added=added, removed=removed,
                        usage_location_set=location_set)
        reported = dict(status=entry['status'], added=sorted(entry['added']), removed=sorted(entry['removed']),
                        usage_location_set=entry['usage_location_set'])
        if reported != expected:
            mismatches.append('%s: report %s, emulator %s, error %s' % (entry['user'], reported, expected, entry['error']))
    return mismatches


def seat_mismatches(reported_seats, after):
    consumed = seats_consumed(after)
    enabled = dict((sku['skuPartNumber'], sku['prepaidUnits']['enabled']) for sku in after['skus'])
    return ['%s: reported %d available after, emulator %d' % (part, seats['available_after'], enabled[part] - consumed[part])
            for part, seats in sorted(reported_seats.items()) if seats['available_after'] != enabled[part] - consumed[part]]


def save_numbers(variant, numbers):
    os.makedirs(NUMBERS_DIR, exist_ok=True)
    path = os.path.join(NUMBERS_DIR, 'fault-soak-%s.json' % variant.name)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(numbers, handle, indent=2, sort_keys=True)
    print('\nfault soak (%s): %s' % (variant.name, json.dumps(numbers, sort_keys=True)))


@pytest.mark.parametrize('variant', [
    pytest.param(FAST, id='fast-300-users'),
    pytest.param(SOAK, id='full-5000-users', marks=pytest.mark.soak),
])
def test_every_user_converges_through_faults_and_a_second_run_writes_nothing(variant, runner, tmp_path):
    assert variant.slow_seconds > variant.timeout, 'a slow answer must be slower than the client timeout'
    with emulator_for(variant, tmp_path) as emulator:
        before = emulator.state()
        users = sorted(user['userPrincipalName'] for user in before['users'])
        assert len(users) == variant.users
        extra = connection_vars(emulator)
        extra.update(SCENARIO, users=users, m365_timeout=variant.timeout)

        started = time.monotonic()
        first = runner.run(extra_vars=extra, timeout=variant.playbook_timeout)
        first_seconds = time.monotonic() - started
        after = emulator.state()
        stats = emulator.stats()
        result = task_result(first)

        assert first.rc == 0, first
        assert result['changed'] is True
        assert result['summary'] == dict(total=variant.users, changed=variant.users, unchanged=0, failed=0, not_attempted=0,
                                         failed_after_writes=0)
        held = licences_by_user(after)
        wrong = sorted(upn for upn in held if held[upn] != DESIRED)
        assert not wrong, '%d users do not hold %s, e.g. %s' % (len(wrong), sorted(DESIRED), [(upn, sorted(held[upn])) for upn in wrong[:5]])
        no_location = sorted(upn for upn, location in usage_locations(after).items() if location != 'US')
        assert not no_location, no_location[:5]
        assert len(result['users']) == variant.users
        mismatches = report_mismatches(result['users'], before, after)
        assert not mismatches, '%d users reported differently from the emulator:\n%s' % (len(mismatches), '\n'.join(mismatches[:20]))
        assert not seat_mismatches(result['seats'], after)

        writes_after_first = stats['writes']
        started = time.monotonic()
        second = runner.run(extra_vars=extra, timeout=variant.playbook_timeout)
        second_seconds = time.monotonic() - started
        again = task_result(second)
        assert second.rc == 0, second
        assert again['changed'] is False
        assert again['summary'] == dict(total=variant.users, changed=0, unchanged=variant.users, failed=0, not_attempted=0,
                                        failed_after_writes=0)
        assert again['requests']['writes'] == 0
        assert emulator.stats()['writes'] == writes_after_first, 'the second run wrote to the tenant'
        assert licences_by_user(emulator.state()) == held

        # Answers still held back by a slow fault (the client gave up on them) reach the log.
        time.sleep(variant.slow_seconds + 1)
        final_stats = emulator.stats()
    entries = read_log_file(str(tmp_path / 'emulator-log.jsonl'))
    faults = fault_counts(entries, final_stats, variant.slow_seconds)
    numbers = dict(
        users=variant.users, fault_rate=FAULT_RATE, timeout_s=variant.timeout, slow_s=variant.slow_seconds,
        token_lifetime_s=variant.token_lifetime, time_scale=variant.time_scale,
        faults_injected=final_stats['faults'], faults_by_kind=faults, throttled_by_emulator=final_stats['throttled'],
        first_run=dict(wall_s=round(first_seconds, 1), requests=result['requests'], emulator_writes=stats['writes'],
                       emulator_writes_applied=stats['writes_applied']),
        second_run=dict(wall_s=round(second_seconds, 1), requests=again['requests']),
        tokens_issued=final_stats['tokens_issued'], expired_token_rejections=expired_token_rejections(entries),
        mismatches=len(mismatches) + len(wrong),
    )
    save_numbers(variant, numbers)
    # The faults really happened: the log accounts for every one the emulator counted.
    assert faults['unreadable_batch_answers'] == 0, faults
    assert final_stats['faults'] > 0
    assert 0 <= faults['slow'] <= faults['slow_answers_seen'], faults
    assert faults['reset'] + faults['slow'] > 0, faults
    if variant is SOAK:
        assert all(faults[kind] > 0 for kind in ('429', '503', '504', 'reset', 'slow')), faults
    # Tokens outlived: the run lasted many lifetimes and the module kept getting new ones.
    assert first_seconds > variant.token_lifetime
    assert final_stats['tokens_issued'] > first_seconds / variant.token_lifetime
