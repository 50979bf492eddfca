# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_group_license and the direct-to-group move against the emulator, in the rhythm
check -> apply -> check (no change) -> apply (no change, no write).

Tenant: tests/graph_emulator/tenants/group-licensing.yml (and contoso for the move playbook),
group changes reach members 0.4 s after a write (the emulator's propagation delay). Every
outcome is read from the emulator's state, and the move is proven from its holdings history.
"""

import os

import pytest
import requests

from graph_emulator.launcher import Emulator
from playbook_harness import REPO_ROOT, connection_vars

pytestmark = pytest.mark.integration

APP = '77777777-7777-4777-8777-777777777777'
SECRET = 'emulator-secret-0007'
DOMAIN = 'grouplicensing.onmicrosoft.com'
PHONE_GROUP = '0a1b2c3d-0000-4000-8000-000000000001'
MOVERS_GROUP = '0a1b2c3d-0000-4000-8000-000000000002'
PHONE_MEMBERS = ['phone0%d' % number for number in range(1, 7)]
MOVERS = ['movers01', 'movers02', 'movers03']
MOVE_PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'move_to_group_licensing.yml')


@pytest.fixture(scope='module')
def emulator():
    with Emulator(args=('--tenant', 'group-licensing', '--group-propagation-delay', '0.4')) as running:
        yield running


def inspect(emulator, method, name, body=None):
    answer = requests.request(method, '%s/_emulator/%s' % (emulator.info['graph_url'], name), json=body,
                              verify=emulator.info['ca_path'], timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def group_copies(emulator, group_id):
    """{user name: (part number, state, error)} of every copy the group gives, from the emulator's state."""
    state = emulator.state()
    names = dict((sku['skuId'], sku['skuPartNumber']) for sku in state['skus'])
    copies = {}
    for user in state['users']:
        for item in user['licenseAssignmentStates']:
            if item['assignedByGroup'] == group_id:
                copies.setdefault(user['userPrincipalName'].split('@')[0], []).append(
                    (names[item['skuId']], item['state'], item['error']))
    return copies


def direct_parts(emulator, name):
    state = emulator.state()
    names = dict((sku['skuId'], sku['skuPartNumber']) for sku in state['skus'])
    user = next(user for user in state['users'] if user['userPrincipalName'] == '%s@%s' % (name, DOMAIN))
    return sorted(names[item['skuId']] for item in user['licenseAssignmentStates'] if not item['assignedByGroup'])


def group_vars(emulator, **options):
    extra = connection_vars(emulator, client_id=APP, client_secret=SECRET)
    extra.update(options)
    return extra


def test_seat_shortage_count_violation_then_seats_bought_and_reprocessed(run_playbook, emulator):
    emulator.reset()
    extra = group_vars(emulator, group='Teams Phone - US', licenses=['phone_system'])
    # strict: 6 members would take a seat, 4 are available: refused before any write.
    strict = run_playbook('teams_group_license.yml', extra)
    assert strict.rc != 0
    result = strict.task('Group licences')['result']
    assert 'MCOEV: 6 members of group Teams Phone - US would newly take a seat but 4 seats are available: buy 2 more' in result['msg']
    assert emulator.stats()['writes'] == 0

    partial = dict(extra, seat_check='partial', wait=True, wait_timeout=60)
    preview = run_playbook('teams_group_license.yml', partial, check=True, diff=True, emulator=emulator)
    assert preview.rc == 0, preview
    predicted = preview.task('Group licences')['result']
    assert preview.task('Group licences')['status'] == 'changed'
    count_violations = [item for item in predicted['predicted_errors'] if item['error'] == 'CountViolation']
    assert [item['user_principal_name'].split('@')[0] for item in count_violations] == ['phone05', 'phone06']

    applied = run_playbook('teams_group_license.yml', partial)
    assert applied.rc == 0, applied
    result = applied.task('Group licences')['result']
    assert applied.task('Group licences')['status'] == 'changed' and result['added'] == ['MCOEV']
    assert result['processing_state'] == 'ProcessingComplete'
    assert result['members'] == {'total': 6, 'licensed': 4, 'with_errors': 2, 'pending': 0}
    assert [(e['user_principal_name'].split('@')[0], e['error']) for e in result['errors']] == [
        ('phone05', 'CountViolation'), ('phone06', 'CountViolation')]
    assert 'buy more seats' in result['errors'][0]['advice']
    copies = group_copies(emulator, PHONE_GROUP)
    assert copies['phone05'] == [('MCOEV', 'Error', 'CountViolation')] and copies['phone01'] == [('MCOEV', 'Active', 'None')]
    assert emulator.stats()['requests'].get('POST /v1.0/groups/{id}/assignLicense') == 1

    for attempt in (run_playbook('teams_group_license.yml', partial, check=True, emulator=emulator),
                    run_playbook('teams_group_license.yml', partial)):
        assert attempt.rc == 0, attempt
        assert attempt.task('Group licences')['status'] == 'ok'
        assert attempt.task('Group licences')['result']['requests']['writes'] == 0

    inspect(emulator, 'POST', 'seats', {'sku': 'MCOEV', 'enabled': 10})
    fix = dict(partial, reprocess=True)
    preview = run_playbook('teams_group_license.yml', fix, check=True, emulator=emulator)
    assert [item['user_principal_name'].split('@')[0] for item in preview.task('Group licences')['result']['reprocessed']] == [
        'phone05', 'phone06']
    fixed = run_playbook('teams_group_license.yml', fix)
    assert fixed.rc == 0, fixed
    result = fixed.task('Group licences')['result']
    assert [item['status'] for item in result['reprocessed']] == ['reprocessed', 'reprocessed']
    assert result['errors'] == [] and result['members']['licensed'] == 6
    assert all(copy == [('MCOEV', 'Active', 'None')] for copy in group_copies(emulator, PHONE_GROUP).values())
    before = emulator.stats()['writes']
    again = run_playbook('teams_group_license.yml', fix)
    assert again.rc == 0 and again.task('Group licences')['status'] == 'ok', again
    assert again.task('Group licences')['result']['reprocessed'] == [] and emulator.stats()['writes'] == before


def test_swap_on_the_group_is_one_write_and_idempotent(run_playbook, emulator):
    emulator.reset()
    inspect(emulator, 'POST', 'seats', {'sku': 'MCOEV', 'enabled': 20})
    extra = group_vars(emulator, group=PHONE_GROUP, licenses=['phone_system', 'calling_plan_domestic'], wait=True, wait_timeout=60)
    assert run_playbook('teams_group_license.yml', extra).rc == 0
    swap = dict(extra, licenses=['phone_system', 'calling_plan_international'], state='exact', seat_check='partial')
    writes = emulator.stats()['writes']
    preview = run_playbook('teams_group_license.yml', swap, check=True, diff=True, emulator=emulator)
    assert preview.task('Group licences')['result']['diff'] == {'before': {'licenses': ['MCOEV', 'MCOPSTN1']},
                                                                'after': {'licenses': ['MCOEV', 'MCOPSTN2']}}
    applied = run_playbook('teams_group_license.yml', swap)
    assert applied.rc == 0, applied
    result = applied.task('Group licences')['result']
    assert (result['added'], result['removed']) == (['MCOPSTN2'], ['MCOPSTN1'])
    assert emulator.stats()['writes'] == writes + 1
    assert all(sorted(part for part, _s, _e in copy) == ['MCOEV', 'MCOPSTN2'] for copy in group_copies(emulator, PHONE_GROUP).values())
    again = run_playbook('teams_group_license.yml', swap)
    assert again.task('Group licences')['status'] == 'ok' and emulator.stats()['writes'] == writes + 1


@pytest.mark.parametrize('group, expected', [
    ('Twins', 'give the object id of one of them'),
    ('No Such Group', 'no group has the display name'),
    ('All Staff (M365)', 'without securityEnabled'),
])
def test_bad_group_fails_before_any_write(run_playbook, emulator, group, expected):
    emulator.reset()
    failed = run_playbook('teams_group_license.yml', group_vars(emulator, group=group, licenses=['phone_system']))
    assert failed.rc != 0
    assert expected in failed.task('Group licences')['result']['msg']
    assert emulator.stats()['writes'] == 0


def test_teams_rules_on_the_group_fail_before_any_write(run_playbook, emulator):
    emulator.reset()
    failed = run_playbook('teams_group_license.yml', group_vars(emulator, group=PHONE_GROUP, licenses=['calling_plan_domestic']))
    assert failed.rc != 0
    assert 'without Teams Phone' in failed.task('Group licences')['result']['msg']
    assert emulator.stats()['writes'] == 0


def test_move_from_direct_to_group_never_leaves_a_user_without_teams_phone(run_playbook, emulator):
    emulator.reset()
    extra = group_vars(emulator, move_group='Voice Movers', move_licenses=['phone_system'],
                       move_users=['%s@%s' % (name, DOMAIN) for name in MOVERS])
    preview = run_playbook(MOVE_PLAYBOOK, extra, check=True, emulator=emulator)
    assert preview.rc == 0, preview
    assert preview.task('The group assigns the licences and the users are its members')['status'] == 'changed'
    moved = run_playbook(MOVE_PLAYBOOK, extra)
    assert moved.rc == 0, moved
    direct = moved.task('Direct copies that the group already covers are removed')['result']
    assert [(user['user'].split('@')[0], user['status'], user['removed']) for user in direct['users']] == [
        (name, 'changed', ['MCOEV']) for name in MOVERS]
    for name in MOVERS:
        assert 'MCOEV' not in direct_parts(emulator, name)
        assert group_copies(emulator, MOVERS_GROUP)[name] == [('MCOEV', 'Active', 'None')]
    history = inspect(emulator, 'GET', 'holdings')['users']
    for name in MOVERS:
        entries = history['%s@%s' % (name, DOMAIN)]
        assert entries and all('MCOEV' in entry['skus'] for entry in entries), entries
        # The move did happen: direct, then direct and group, then group only.
        assert [entry['paths']['MCOEV'] for entry in entries] == [
            ['direct'], ['direct', 'group ' + MOVERS_GROUP], ['group ' + MOVERS_GROUP]], entries
    for attempt in (run_playbook(MOVE_PLAYBOOK, extra, check=True, emulator=emulator), run_playbook(MOVE_PLAYBOOK, extra)):
        assert attempt.rc == 0, attempt
        assert all(entry['status'] == 'ok' for entry in attempt.results), attempt.results
    writes = emulator.stats()['writes']
    assert run_playbook(MOVE_PLAYBOOK, extra).rc == 0 and emulator.stats()['writes'] == writes


def test_move_keeps_direct_copies_while_no_group_copy_is_active(run_playbook, emulator):
    emulator.reset()
    extra = group_vars(emulator, licenses=['phone_system'], state='absent', users=['movers01@%s' % DOMAIN],
                       remove_direct_if_inherited=True)
    result = run_playbook('teams_license.yml', extra)
    assert result.rc == 0, result
    entry = result.task('Licences')['result']['users'][0]
    assert entry['status'] == 'unchanged' and 'no group assigns it' in entry['warnings'][0]
    assert direct_parts(emulator, 'movers01') == ['ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'] and emulator.stats()['writes'] == 0


def test_predicted_member_rule_errors_match_what_graph_records(run_playbook, emulator):
    # intl01 holds a Domestic and International Calling Plan directly; a group giving the Domestic one
    # puts that copy in MutuallyExclusiveViolation (graph-facts 3.2). The preview says so before writing.
    emulator.reset()
    extra = group_vars(emulator, group='Voice Movers', licenses=['phone_system', 'calling_plan_domestic'],
                       members=['intl01@%s' % DOMAIN], wait=True, wait_timeout=60)
    preview = run_playbook('teams_group_license.yml', extra, check=True, emulator=emulator)
    assert preview.rc == 0, preview
    predicted = preview.task('Group licences')['result']['predicted_errors']
    assert [(item['user_principal_name'].split('@')[0], item['error']) for item in predicted] == [
        ('intl01', 'MutuallyExclusiveViolation')]
    assert preview.task('Group licences')['result']['members_added'] == ['intl01@%s' % DOMAIN]
    applied = run_playbook('teams_group_license.yml', extra)
    assert applied.rc == 0, applied
    result = applied.task('Group licences')['result']
    assert [(e['user_principal_name'].split('@')[0], e['sku_part_number'], e['error']) for e in result['errors']] == [
        ('intl01', 'MCOPSTN1', 'MutuallyExclusiveViolation')]
    assert group_copies(emulator, MOVERS_GROUP)['intl01'] == [('MCOEV', 'Active', 'None'),
                                                              ('MCOPSTN1', 'Error', 'MutuallyExclusiveViolation')]
    again = run_playbook('teams_group_license.yml', extra)
    assert again.task('Group licences')['status'] == 'ok' and again.task('Group licences')['result']['requests']['writes'] == 0
