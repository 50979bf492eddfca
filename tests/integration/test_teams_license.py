# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license against the emulator, scenario by scenario, in the rhythm
check -> apply -> check (no change) -> apply (no change, no write).

Every assertion on the outcome reads the emulator's state, not only what the module claims.
"""

import os
import re
import time

import pytest

from playbook_harness import REPO_ROOT, connection_vars
from playbook_harness import converge as harness_converge
from playbook_harness import emulator_writes as writes

pytestmark = pytest.mark.integration

DOMAIN = 'contoso.onmicrosoft.com'
OFFICE_STAFF = ['AdeleV', 'AlexW', 'DiegoS', 'GradyA', 'HenriettaM', 'IsaiahL', 'JohannaL', 'JoniS', 'LeeG', 'LidiaH',
                'LynneR', 'MiriamG']
TEAMS_PHONE_USERS_GROUP = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'


def upn(name):
    return '%s@%s' % (name, DOMAIN)


def tenant_user(emulator, name):
    wanted = upn(name).lower()
    return next(user for user in emulator.state()['users'] if user['userPrincipalName'].lower() == wanted)


def part_numbers(emulator):
    return dict((sku['skuId'], sku['skuPartNumber']) for sku in emulator.state()['skus'])


def held(emulator, name, direct_only=False):
    """Part numbers the user holds in the emulator (directly only, if asked)."""
    names = part_numbers(emulator)
    user = tenant_user(emulator, name)
    if direct_only:
        return set(names[state['skuId']] for state in user['licenseAssignmentStates'] if not state['assignedByGroup'])
    return set(names[licence['skuId']] for licence in user['assignedLicenses'])


def consumed(emulator, part_number):
    return next(sku['consumedUnits'] for sku in emulator.state()['skus'] if sku['skuPartNumber'] == part_number)


def converge(run_playbook, emulator, extra, playbook='teams_license.yml', task_name='Licences'):
    return harness_converge(run_playbook, emulator, extra, playbook, task_name)


def scenario(emulator, **options):
    extra = connection_vars(emulator)
    extra.update(options)
    return extra


def test_bulk_assignment_from_a_file_with_the_user_playbook(fresh_emulator, run_playbook):
    phone_before = consumed(fresh_emulator, 'MCOEV')
    extra = scenario(fresh_emulator, teams_users_file=os.path.join(REPO_ROOT, 'playbooks', 'files', 'users.txt'))
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'assign_teams_licenses.yml')
    result, preview = converge(run_playbook, fresh_emulator, extra, playbook=playbook, task_name='Assign the licences')
    for name in OFFICE_STAFF:
        assert {'ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'} <= held(fresh_emulator, name)
    assert consumed(fresh_emulator, 'MCOEV') == phone_before + len(OFFICE_STAFF)
    assert result['summary'] == {'total': 12, 'changed': 12, 'unchanged': 0, 'failed': 0, 'not_attempted': 0,
                                 'failed_after_writes': 0}
    assert result['seats']['MCOEV']['needed'] == 12
    assert result['seats']['MCOEV']['available_after'] == result['seats']['MCOEV']['available_before'] - 12
    # The preview's diff shows each user before and after.
    adele = upn('AdeleV')
    assert 'MCOEV' not in preview['diff']['before'][adele]['licenses']
    assert 'MCOEV' in preview['diff']['after'][adele]['licenses']


def test_without_unchanged_users_the_result_lists_what_changed_or_failed_and_counts_everyone(fresh_emulator, run_playbook):
    holders = [name for name in OFFICE_STAFF if 'MCOEV' in held(fresh_emulator, name)]
    newcomers = [name for name in OFFICE_STAFF if name not in holders][:3]
    assert newcomers, 'the sample tenant needs users without Teams Phone'
    users = [upn(name) for name in holders + newcomers] + [upn('NoSuchUser')]
    extra = scenario(fresh_emulator, users=users, licenses=['phone_system'], return_unchanged_users=False)
    listed = sorted([upn(name) for name in newcomers] + [upn('NoSuchUser')])
    start = writes(fresh_emulator)
    preview = run_playbook('teams_license.yml', extra, check=True).task('Licences')['result']
    assert sorted(entry['user'] for entry in preview['users']) == listed and writes(fresh_emulator) == start
    run = run_playbook('teams_license.yml', extra)
    result = run.task('Licences')['result']
    assert run.rc != 0 and 'NoSuchUser' in result['msg']  # the missing user fails the task, as with every user listed
    assert sorted(entry['user'] for entry in result['users']) == listed
    assert result['summary'] == {'total': len(users), 'changed': len(newcomers), 'unchanged': len(holders), 'failed': 1,
                                 'not_attempted': 0, 'failed_after_writes': 0}
    for name in newcomers:
        assert 'MCOEV' in held(fresh_emulator, name)
    assert writes(fresh_emulator) - start == len(newcomers)
    again = run_playbook('teams_license.yml', dict(extra, users=users[:-1]))
    assert again.rc == 0 and again.task('Licences')['status'] == 'ok'
    assert again.task('Licences')['result']['users'] == [] and again.task('Licences')['result']['summary']['unchanged'] == len(users) - 1
    assert writes(fresh_emulator) - start == len(newcomers), 'the second run wrote to the tenant'


def test_audio_conferencing_in_bulk(fresh_emulator, run_playbook):
    users = [upn(name) for name in OFFICE_STAFF[:5]]
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, users=users, licenses=['audio_conferencing']))
    for name in OFFICE_STAFF[:5]:
        assert 'MCOMEETADV' in held(fresh_emulator, name)


def test_communications_credits(fresh_emulator, run_playbook):
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, user=upn('BrianJ'), licenses=['communications_credits']))
    assert 'MCOPSTNC' in held(fresh_emulator, 'BrianJ')


def test_direct_routing_users_get_phone_system_only(fresh_emulator, run_playbook):
    users = [upn('GradyA'), upn('JoniS')]
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, users=users, licenses=['phone_system'],
                                                    pstn_connectivity='direct_routing'))
    for name in ('GradyA', 'JoniS'):
        assert held(fresh_emulator, name) == {'ENTERPRISEPACK', 'MCOEV'}


def test_calling_plan_for_direct_routing_users_stops_before_any_write(fresh_emulator, run_playbook):
    extra = scenario(fresh_emulator, users=[upn('GradyA'), upn('JoniS')], licenses=['phone_system', 'calling_plan_domestic'],
                     pstn_connectivity='direct_routing')
    run = run_playbook('teams_license.yml', extra)
    assert run.rc != 0
    message = run.task('Licences')['result']['msg']
    assert 'nothing was changed' in message and 'MCOPSTN1' in message and 'direct_routing' in message
    assert writes(fresh_emulator) == 0


def test_calling_plan_swap_is_one_atomic_call_per_user(fresh_emulator, run_playbook):
    users = [upn('BrianJ'), upn('RaulR')]
    result, _preview = converge(run_playbook, fresh_emulator, scenario(
        fresh_emulator, users=users, licenses=['phone_system', 'calling_plan_international'], state='exact'))
    for name in ('BrianJ', 'RaulR'):
        assert held(fresh_emulator, name) == {'ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'}
    assert result['requests']['writes'] == 2  # one assignLicense per user: adds and removes together
    brian = next(entry for entry in result['users'] if entry['user'] == upn('BrianJ'))
    assert brian['added'] == ['MCOPSTN2'] and brian['removed'] == ['MCOPSTN1']


def test_removal(fresh_emulator, run_playbook):
    audio_before = consumed(fresh_emulator, 'MCOMEETADV')
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, users=[upn('MarcoR'), upn('JuliaW')],
                                                    licenses=['audio_conferencing'], state='absent'))
    assert 'MCOMEETADV' not in held(fresh_emulator, 'MarcoR') | held(fresh_emulator, 'JuliaW')
    assert consumed(fresh_emulator, 'MCOMEETADV') == audio_before - 2


def test_exact_teams_scope_leaves_suites_alone(fresh_emulator, run_playbook):
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, user=upn('LenaO'),
                                                    licenses=['phone_system', 'calling_plan_international'], state='exact'))
    assert held(fresh_emulator, 'LenaO') == {'ENTERPRISEPACK', 'MCOEV', 'MCOPSTN2'}


def test_per_user_overrides_and_usage_location(fresh_emulator, run_playbook):
    users = [upn('TomasN'), {'user': upn('PriyaR'), 'usage_location': 'GB'},
             {'user': upn('AlexW'), 'licenses': ['phone_system']}]
    converge(run_playbook, fresh_emulator, scenario(fresh_emulator, users=users, usage_location='DE',
                                                    licenses=['ENTERPRISEPACK', 'phone_system', 'calling_plan_domestic']))
    assert tenant_user(fresh_emulator, 'TomasN')['usageLocation'] == 'DE'
    assert tenant_user(fresh_emulator, 'PriyaR')['usageLocation'] == 'GB'
    assert held(fresh_emulator, 'PriyaR') == {'ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'}
    assert held(fresh_emulator, 'AlexW') == {'ENTERPRISEPACK', 'MCOEV'}
    assert tenant_user(fresh_emulator, 'AlexW')['usageLocation'] == 'DE'  # different from the task's: set


def test_a_failed_user_does_not_stop_the_others_and_a_rerun_converges(fresh_emulator, run_playbook):
    users = [upn('AdeleV'), upn('YukiT'), 'ghost@%s' % DOMAIN, upn('AlexW')]
    extra = scenario(fresh_emulator, users=users, licenses=['ENTERPRISEPACK', 'phone_system'])
    run = run_playbook('teams_license.yml', extra)
    assert run.rc != 0
    result = run.task('Licences')['result']
    assert result['summary'] == {'total': 4, 'changed': 2, 'unchanged': 0, 'failed': 2, 'not_attempted': 0,
                                 'failed_after_writes': 0}
    assert 'YukiT' in result['msg'] and 'no usage location' in result['msg'] and 'ghost' in result['msg']
    assert 'MCOEV' in held(fresh_emulator, 'AdeleV') and 'MCOEV' in held(fresh_emulator, 'AlexW')
    assert held(fresh_emulator, 'YukiT') == set()
    # Fixed input: the failed user is licensed, the others are left alone.
    extra.update(users=[upn('AdeleV'), {'user': upn('YukiT'), 'usage_location': 'JP'}, upn('AlexW')])
    rerun = run_playbook('teams_license.yml', extra)
    assert rerun.rc == 0, rerun
    statuses = [entry['status'] for entry in rerun.task('Licences')['result']['users']]
    assert statuses == ['unchanged', 'changed', 'unchanged']
    assert held(fresh_emulator, 'YukiT') == {'ENTERPRISEPACK', 'MCOEV'}
    assert tenant_user(fresh_emulator, 'YukiT')['usageLocation'] == 'JP'


def test_a_plan_dependency_is_refused_before_writing_naming_plans_and_licences(fresh_emulator, run_playbook):
    # Teams Phone needs a Teams or Skype plan from a suite (Graph's DependencyViolation): a new hire
    # without E3 fails before any write, and the message names plans and licences, never GUIDs.
    writes_before = fresh_emulator.stats()['writes']
    run = run_playbook('teams_license.yml', scenario(fresh_emulator, user=upn('SamT'), licenses=['phone_system']))
    assert run.rc != 0
    message = run.task('Licences')['result']['users'][0]['error']
    assert 'service plan MCOEV needs one of MCOSTANDARD' in message and 'TEAMS1' in message
    assert 'ENTERPRISEPACK' in message and not re.search(r'[0-9a-f]{8}-[0-9a-f]{4}-', message)
    assert held(fresh_emulator, 'SamT') == set() and fresh_emulator.stats()['writes'] == writes_before


def test_group_inherited_licence_is_never_removed(fresh_emulator, run_playbook):
    extra = scenario(fresh_emulator, users=[upn('DebraB'), upn('MarcoR')], licenses=['phone_system', 'audio_conferencing'],
                     state='absent')
    run = run_playbook('teams_license.yml', extra)
    assert run.rc != 0
    result = run.task('Licences')['result']
    debra = next(entry for entry in result['users'] if entry['user'] == upn('DebraB'))
    assert debra['status'] == 'failed' and TEAMS_PHONE_USERS_GROUP in debra['error']
    assert 'MCOEV' in held(fresh_emulator, 'DebraB')
    assert 'MCOMEETADV' not in held(fresh_emulator, 'MarcoR')


def test_unknown_licence_stops_before_any_write_and_lists_the_tenant(fresh_emulator, run_playbook):
    run = run_playbook('teams_license.yml', scenario(fresh_emulator, users=[upn('AdeleV')], licenses=['phone_sytem']))
    assert run.rc != 0
    message = run.task('Licences')['result']['msg']
    assert 'phone_sytem' in message and 'MCOEV' in message and 'MCOPSTN1' in message
    assert writes(fresh_emulator) == 0


@pytest.fixture(scope='module')
def tight_emulator():
    from graph_emulator.launcher import Emulator
    with Emulator(args=('--tenant', 'tight-seats')) as running:
        yield running


def tight_users(emulator):
    return sorted(user['userPrincipalName'] for user in emulator.state()['users'])


def test_seat_shortage_in_strict_mode_stops_before_any_write(tight_emulator, run_playbook):
    tight_emulator.reset()
    extra = scenario(tight_emulator, users=tight_users(tight_emulator), licenses=['phone_system', 'calling_plan_domestic'])
    run = run_playbook('teams_license.yml', extra)
    assert run.rc != 0
    message = run.task('Licences')['result']['msg']
    assert 'MCOEV: 10 users need it but 9 seats are available: buy 1 more' in message
    assert tight_emulator.stats()['writes'] == 0


def test_seat_shortage_in_partial_mode_licenses_users_in_order(tight_emulator, run_playbook):
    tight_emulator.reset()
    users = tight_users(tight_emulator)
    extra = scenario(tight_emulator, users=users, licenses=['phone_system', 'calling_plan_domestic'], seat_check='partial')
    run = run_playbook('teams_license.yml', extra)
    assert run.rc != 0
    result = run.task('Licences')['result']
    assert result['summary'] == {'total': 10, 'changed': 9, 'unchanged': 0, 'failed': 1, 'not_attempted': 0,
                                 'failed_after_writes': 0}
    assert result['users'][-1]['status'] == 'failed' and 'no seat left' in result['users'][-1]['error']
    skus = dict((sku['skuPartNumber'], sku) for sku in tight_emulator.state()['skus'])
    assert skus['MCOEV']['consumedUnits'] == skus['MCOEV']['prepaidUnits']['enabled']


@pytest.fixture
def slow_provisioning(fresh_emulator):
    fresh_emulator.configure(provisioning_delay=3)
    yield fresh_emulator
    fresh_emulator.configure(provisioning_delay=0)


def test_wait_returns_once_teams_has_provisioned_the_licences(slow_provisioning, run_playbook):
    started_writes = writes(slow_provisioning)
    started = time.monotonic()
    run = run_playbook('teams_license.yml', scenario(slow_provisioning, user=upn('AdeleV'), licenses=['phone_system'],
                                                     wait=True, wait_timeout=60))
    assert run.rc == 0, run
    assert time.monotonic() - started >= 3  # it waited for the 3 s provisioning delay
    assert run.task('Licences')['status'] == 'changed'
    assert writes(slow_provisioning) == started_writes + 1
    assert 'MCOEV' in held(slow_provisioning, 'AdeleV')


def test_wait_timeout_fails_the_user_and_says_what_is_pending(slow_provisioning, run_playbook):
    slow_provisioning.configure(provisioning_delay=120)
    run = run_playbook('teams_license.yml', scenario(slow_provisioning, user=upn('AlexW'), licenses=['phone_system'],
                                                     wait=True, wait_timeout=1))
    assert run.rc != 0
    error = run.task('Licences')['result']['users'][0]['error']
    assert 'not provisioned within wait_timeout (1s)' in error and 'MCOEV' in error
    assert 'MCOEV' in held(slow_provisioning, 'AlexW')  # written; only Teams provisioning is pending


def test_the_same_user_by_upn_and_object_id_stops_before_any_write(fresh_emulator, run_playbook):
    adele_id = tenant_user(fresh_emulator, 'AdeleV')['id']
    run = run_playbook('teams_license.yml', scenario(fresh_emulator, users=[upn('AdeleV'), adele_id], licenses=['phone_system']))
    assert run.rc != 0
    message = run.task('Licences')['result']['msg']
    assert 'name the same user' in message and adele_id in message
    assert writes(fresh_emulator) == 0
