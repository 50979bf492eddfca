# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10's cases as written, and teams_license's own hardening (issue 15 classes 4, 7, 9), through real playbooks.

Every case asserts what a user would notice (the message, each user's entry) and, from the
emulator, the exact number of write requests; every run is searched for the client secret and
for every token the emulator issued.
"""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reliability'))

# pylint: disable=wrong-import-position
from reliability_support import (CLIENT_SECRET, PlaybookRunner, RecordingEmulator, connection_vars, emulator_args,  # noqa: E402
                                 find_leaks, licences_by_user, run_texts, task_result, usage_locations)

pytestmark = pytest.mark.integration

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'teams_license_all_options.yml')
CONTOSO = 'contoso.onmicrosoft.com'
TEAMS_PHONE_USERS = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'
GROUP_READER_ID, GROUP_READER_SECRET = '12121212-1212-4121-8121-121212121212', 'emulator-secret-group-reader'
GUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


def upn(name):
    return '%s@%s' % (name, CONTOSO)


@pytest.fixture(scope='module')
def emulator():
    running = RecordingEmulator(args=emulator_args('contoso')).start()
    # An app that may also read group names (GroupMember.Read.All), as the docs recommend.
    running.register_app({'client_id': GROUP_READER_ID, 'display_name': 'Licensing with group names',
                          'secrets': [GROUP_READER_SECRET],
                          'roles': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'GroupMember.Read.All']})
    yield running
    running.stop()


@pytest.fixture
def fresh(emulator):
    emulator.reset(config=True)
    return emulator


@pytest.fixture
def play(collection_tree, tmp_path, fresh):
    """play(check=False, diff=False, app=(id, secret), **options) -> (task result, run); no secret may leak."""
    runner = PlaybookRunner(collection_tree, tmp_path)

    def run(check=False, diff=False, app=None, **options):
        extra = connection_vars(fresh)
        if app is not None:
            extra.update(m365_client_id=app[0], m365_client_secret=app[1])
        extra.update(options)
        played = runner.run(PLAYBOOK, extra_vars=extra, check=check, diff=diff, verbosity=3, emulator=fresh)
        secrets = dict(client_secret=CLIENT_SECRET, group_reader_secret=GROUP_READER_SECRET)
        secrets.update(('issued token %d' % number, token) for number, token in enumerate(sorted(fresh.issued_tokens())))
        texts = run_texts(played)
        texts['emulator log'] = json.dumps(fresh.log())
        assert not find_leaks(texts, secrets)
        result = dict(task_result(played))
        result['failed'] = played.task('Licences')['status'] == 'failed'
        return result, played

    return run


def writes(emulator):
    return emulator.stats()['writes']


def held(emulator, name):
    return set(licences_by_user(emulator.state())[upn(name).lower()])


def by_user(result):
    return dict((entry['user'], entry) for entry in result['users'])


# ---------------------------------------------------------------- issue 10, the cases at the top

def test_a_preview_never_promises_success_for_a_run_graph_would_refuse(fresh, play):
    """Three users with no licence get Teams Phone and a Calling Plan: Graph refuses MCOEV without a suite."""
    task = dict(users=[upn('TomasN'), upn('PriyaR'), upn('YukiT')], licenses=['phone_system', 'calling_plan_domestic'],
                usage_location='US')
    preview, _run = play(check=True, **task)
    real, _run = play(**task)
    for result in (preview, real):
        assert result['failed'] and not result['changed']
        assert result['summary'] == {'total': 3, 'changed': 0, 'unchanged': 0, 'failed': 3, 'not_attempted': 0,
                                     'failed_after_writes': 0}
        for entry in result['users']:
            assert entry['status'] == 'failed' and entry['usage_location_set'] is None and entry['added'] == []
            assert 'service plan MCOEV needs one of MCOSTANDARD' in entry['error'] and 'ENTERPRISEPACK' in entry['error']
    assert [entry['error'] for entry in preview['users']] == [entry['error'] for entry in real['users']]
    # Refused before any write: not even the usage locations were set.
    assert writes(fresh) == 0 and usage_locations(fresh.state())[upn('TomasN').lower()] is None


def test_a_usage_location_written_before_graph_refused_the_licence_is_reported(fresh, play):
    """The PATCH lands but Graph keeps seeing no usage location (replication lag past every retry)."""
    fresh.configure(usage_location_lag=600)
    real, _run = play(users=[upn('TomasN')], licenses=['ENTERPRISEPACK'], usage_location='US')
    entry = real['users'][0]
    assert real['failed'] and real['changed']
    assert entry['status'] == 'failed' and entry['usage_location_set'] == 'US' and entry['added'] == []
    assert real['summary']['failed'] == 1 and real['summary']['failed_after_writes'] == 1
    assert '1 of the failed users had some writes accepted' in real['msg']
    assert fresh.stats()['writes_applied'] == 1 and usage_locations(fresh.state())[upn('TomasN').lower()] == 'US'


def test_licences_written_before_wait_ran_out_are_still_reported(fresh, play):
    fresh.configure(provisioning_delay=120)
    real, _run = play(users=[upn('AdeleV')], licenses=['phone_system'], wait=True, wait_timeout=2)
    entry = real['users'][0]
    assert real['failed'] and real['changed'] and entry['status'] == 'failed'
    assert entry['added'] == ['MCOEV'] and 'not provisioned within wait_timeout (2s)' in entry['error']
    assert real['summary']['failed_after_writes'] == 1 and writes(fresh) == 1
    assert 'MCOEV' in held(fresh, 'AdeleV')


def test_advice_for_a_group_copy_in_error_names_the_group_and_never_contradicts_the_task(fresh, play):
    task = dict(users=[upn('CameronW')], licenses=['phone_system', 'calling_plan_domestic'],
                app=(GROUP_READER_ID, GROUP_READER_SECRET))
    preview, _run = play(check=True, **task)
    real, _run = play(**task)
    for result in (preview, real):
        entry = result['users'][0]
        assert entry['status'] == 'failed' and 'add Phone System' not in entry['error']
        assert 'only through group Teams Phone Users (%s)' % TEAMS_PHONE_USERS in entry['error']
        assert 'Error (CountViolation)' in entry['error']
        assert entry['inherited'] == [{'sku': 'MCOEV', 'group': TEAMS_PHONE_USERS, 'group_name': 'Teams Phone Users'}]
    assert writes(fresh) == 0


def test_moving_a_calling_plan_user_to_another_country_needs_the_option(fresh, play):
    task = dict(users=[upn('BrianJ'), upn('OliverS')], licenses=['audio_conferencing'], usage_location='GB')
    real, _run = play(**task)
    users = by_user(real)
    assert users[upn('BrianJ')]['status'] == 'failed' and 'holds a Calling Plan (MCOPSTN1) for US' in users[upn('BrianJ')]['error']
    assert 'move_calling_plan_users: true' in users[upn('BrianJ')]['error']
    assert users[upn('OliverS')]['status'] == 'changed'  # GB already, no Calling Plan: just the licence
    assert writes(fresh) == 1 and usage_locations(fresh.state())[upn('BrianJ').lower()] == 'US'
    moved, _run = play(move_calling_plan_users=True, **task)
    assert by_user(moved)[upn('BrianJ')]['usage_location_set'] == 'GB' and writes(fresh) == 3
    again, _run = play(move_calling_plan_users=True, **task)
    assert not again['changed'] and writes(fresh) == 3


def test_users_without_a_calling_plan_may_change_country(fresh, play):
    real, _run = play(users=[upn('OliverS'), upn('EmmaD')], licenses=[], usage_location='US')
    assert [entry['usage_location_set'] for entry in real['users']] == ['US', 'US'] and writes(fresh) == 2
    # Allowed, but never silent.
    warnings = [entry['warnings'] for entry in real['users']]
    assert warnings == [['usage location changes from GB to US'], ['usage location changes from FR to US']]


def test_state_exact_without_licenses_fails_before_any_request(fresh, play):
    real, _run = play(users=[upn('BrianJ')], state='exact')
    assert real['failed'] and 'state exact needs licenses (user %s)' % upn('BrianJ') in real['msg']
    assert 'licenses: [] means none' in real['msg']
    assert real['users'][0]['status'] == 'not_attempted'
    assert fresh.stats()['requests_total'] == 0 and fresh.stats()['tokens_issued'] == 0


def test_state_exact_with_an_empty_list_removes_the_teams_add_ons(fresh, play):
    task = dict(users=[upn('BrianJ')], state='exact', licenses=[])
    preview, _run = play(check=True, **task)
    assert preview['users'][0]['removed'] == ['MCOEV', 'MCOPSTN1']
    real, _run = play(**task)
    assert real['users'][0]['removed'] == ['MCOEV', 'MCOPSTN1'] and held(fresh, 'BrianJ') == {'ENTERPRISEPACK'}
    assert writes(fresh) == 1


def test_a_task_level_refusal_lists_every_user_as_not_attempted(fresh, play):
    task = dict(users=[upn('MeganB'), upn('NestorW'), {'user': upn('MeganB')}], licenses=['calling_plan_domestic'],
                pstn_connectivity='direct_routing')
    for check in (True, False):
        result, _run = play(check=check, **task)
        assert result['failed'] and 'pstn_connectivity is direct_routing' in result['msg']
        assert [entry['user'] for entry in result['users']] == [upn('MeganB'), upn('NestorW')]
        assert all(entry['status'] == 'not_attempted' and 'not attempted' in entry['error'] for entry in result['users'])
        assert result['summary']['total'] == 2 and result['summary']['not_attempted'] == 2
    assert writes(fresh) == 0


# ---------------------------------------------------------------- issue 15 class 4: no silent wipe

def test_a_per_user_licenses_null_takes_the_task_value_under_state_exact(fresh, play):
    real, _run = play(users=[{'user': upn('BrianJ'), 'licenses': None}], state='exact',
                      licenses=['phone_system', 'calling_plan_domestic'])
    assert not real['changed'] and real['users'][0]['status'] == 'unchanged' and real['users'][0]['removed'] == []
    assert writes(fresh) == 0 and held(fresh, 'BrianJ') == {'ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'}


def test_exact_all_with_an_empty_list_is_refused_with_what_it_would_remove(fresh, play):
    task = dict(users=[upn('BrianJ'), upn('AdeleV')], state='exact', exact_scope='all', licenses=[])
    for check in (True, False):
        result, _run = play(check=check, **task)
        assert result['failed'] and '2 users would lose 4 licences (ENTERPRISEPACK x2, MCOEV x1, MCOPSTN1 x1)' in result['msg']
        assert 'allow_removing_all_licenses: true' in result['msg']
        assert [entry['status'] for entry in result['users']] == ['not_attempted', 'not_attempted']
    assert writes(fresh) == 0 and held(fresh, 'AdeleV') == {'ENTERPRISEPACK'}
    allowed, _run = play(check=True, allow_removing_all_licenses=True, **task)
    assert allowed['changed'] and by_user(allowed)[upn('AdeleV')]['removed'] == ['ENTERPRISEPACK'] and writes(fresh) == 0


def test_enabled_plans_empty_on_a_held_licence_is_refused_with_the_holders(fresh, play):
    task = dict(users=[upn('AdeleV'), upn('AlexW')], licenses=[{'sku': 'ENTERPRISEPACK', 'enabled_plans': []}])
    result, _run = play(**task)
    assert result['failed'] and 'ENTERPRISEPACK with enabled_plans: []' in result['msg']
    assert 'switches off all' in result['msg'] and '2 users holding it would lose them' in result['msg']
    assert 'allow_disabling_all_plans: true' in result['msg']
    assert writes(fresh) == 0


# ---------------------------------------------------------------- issue 15 class 7: options checked up front

@pytest.mark.parametrize('option, value, message', [
    ('wait_timeout', -5, 'wait_timeout must be a number of seconds from 1 to 86400, got -5'),
    ('wait_timeout', 0, 'wait_timeout must be a number of seconds from 1 to 86400, got 0'),
    ('max_concurrency', 0, 'max_concurrency must be between 1 and 16, got 0'),
    ('max_concurrency', 99, 'max_concurrency must be between 1 and 16, got 99'),
])
def test_own_options_out_of_bounds_are_refused_before_any_request(fresh, play, option, value, message):
    result, _run = play(users=[upn('AdeleV')], licenses=['phone_system'], wait=True, **{option: value})
    assert result['failed'] and message in result['msg']
    assert result['users'][0]['status'] == 'not_attempted'
    assert fresh.stats()['requests_total'] == 0 and writes(fresh) == 0


# ---------------------------------------------------------------- issue 15 class 9: wait polls up to its deadline

def test_wait_sees_a_provisioning_that_ends_at_its_timeout(fresh, play):
    fresh.configure(provisioning_delay=3)
    real, _run = play(users=[upn('AdeleV')], licenses=['phone_system'], wait=True, wait_timeout=3)
    assert not real.get('failed') and real['users'][0]['status'] == 'changed' and writes(fresh) == 1
