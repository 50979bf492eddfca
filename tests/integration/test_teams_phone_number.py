# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_phone_number and teams_license's number guard against the emulator, in the rhythm
check -> apply -> check (no change) -> apply (no change, no write), asserting the emulator's numbers."""

import os

import pytest

from playbook_harness import REPO_ROOT, connection_vars
from playbook_harness import converge as harness_converge
from playbook_harness import emulator_writes as writes

pytestmark = pytest.mark.integration

DOMAIN = 'contoso.onmicrosoft.com'
TELEPHONY_APP = ('7e1e7e1e-7e1e-4e1e-8e1e-7e1e7e1e7e1e', 'emulator-secret-0007')
REDMOND = '9b1d4c2e-0a7f-4e55-8c61-3f2a1b0c9d01'
TASK = 'Numbers'


def upn(name):
    return '%s@%s' % (name, DOMAIN)


def user_id(emulator, name):
    return next(user['id'] for user in emulator.state()['users'] if user['userPrincipalName'].lower() == upn(name).lower())


def holder(emulator, number):
    """The object id holding the number in the emulator; None when free; 'deleted' when not in the inventory."""
    found = [item for item in emulator.state()['phone_numbers'] if item['telephoneNumber'] == number]
    return found[0]['assignmentTargetId'] if found else 'deleted'


def telephony(emulator, **options):
    extra = connection_vars(emulator, *TELEPHONY_APP)
    extra.update(options)
    return extra


def results_by_user(run):
    return [(item['user'], item['number'], item['status'], item['error']) for item in run.task(TASK)['result']['users']]


def converge(run_playbook, emulator, extra, playbook='teams_phone_number.yml', task=TASK):
    applied, preview = harness_converge(run_playbook, emulator, extra, playbook, task)
    # The preview names the user and the number (the one picked for auto) that the real run took.
    assert (preview['users'][0]['user'], preview['users'][0]['number']) == (applied['users'][0]['user'], applied['users'][0]['number'])
    return applied, preview


def test_calling_plan_direct_routing_and_auto_numbers_converge(run_playbook, fresh_emulator):
    assignments = [
        {'user': upn('NoraF'), 'number': 'auto', 'number_type': 'calling_plan', 'location_id': REDMOND},
        {'user': upn('OmarH'), 'number': 'auto', 'number_type': 'calling_plan', 'location_id': REDMOND},
        {'user': upn('NestorW'), 'number': '+1 425 555 7001', 'number_type': 'direct_routing'},
        {'user': upn('ChristieC'), 'number': '+12065550300', 'number_type': 'operator_connect', 'category': 'private'},
    ]
    result, preview = converge(run_playbook, fresh_emulator, telephony(fresh_emulator, assignments=assignments))
    # auto: the lowest free numbers, one each, predicted identically in check mode.
    assert [item['number'] for item in result['users']] == ['+14255550102', '+14255550103', '+14255557001', '+12065550300']
    assert [item['number'] for item in preview['users']] == [item['number'] for item in result['users']]
    assert preview['diff']['after'][upn('NoraF')] == ['+14255550102']
    for name, number in (('NoraF', '+14255550102'), ('OmarH', '+14255550103'), ('NestorW', '+14255557001'), ('ChristieC', '+12065550300')):
        assert holder(fresh_emulator, number) == user_id(fresh_emulator, name)
    nora = result['users'][0]
    assert nora['voice']['is_enterprise_voice_enabled'] is True
    assert {'number': '+14255550102', 'category': 'primary'} in nora['voice']['telephone_numbers']
    assert result['summary'] == {'total': 4, 'changed': 4, 'unchanged': 0, 'failed': 0, 'not_attempted': 0}


def test_refusals_are_predicted_identically_and_nothing_is_written_for_them(run_playbook, fresh_emulator):
    assignments = [
        {'user': upn('AdeleV'), 'number': '+14255550102', 'number_type': 'calling_plan', 'location_id': REDMOND},  # no licence
        {'user': upn('NoraF'), 'number': '+442071234567', 'number_type': 'calling_plan'},                           # country
        {'user': upn('OmarH'), 'number': '+14255550105', 'number_type': 'calling_plan'},                            # no location
        {'user': upn('SofiaM'), 'number': '+14255550190', 'number_type': 'calling_plan', 'location_id': REDMOND},   # capability
        {'user': upn('LenaO'), 'number': '+14255550199', 'number_type': 'calling_plan'},                            # not in tenant
        {'user': upn('KenjiW'), 'number': '+14255550100', 'number_type': 'calling_plan'},                           # held by BrianJ
        {'user': upn('PattiF'), 'number': '+14255557003', 'number_type': 'direct_routing'},                         # fine
    ]
    extra = telephony(fresh_emulator, assignments=assignments)
    preview = run_playbook('teams_phone_number.yml', extra, check=True)
    applied = run_playbook('teams_phone_number.yml', extra)
    assert preview.rc != 0 and applied.rc != 0
    assert results_by_user(preview) == results_by_user(applied)
    statuses = [item[2] for item in results_by_user(applied)]
    assert statuses == ['failed'] * 6 + ['changed']
    errors = [item[3] for item in results_by_user(applied)]
    for error, expected in zip(errors, ('needs a Calling Plan licence', 'usage location is US', 'needs an emergency location',
                                        'lacks the userAssignment capability', 'is not in the tenant', 'move_numbers: true')):
        assert expected in error
    assert fresh_emulator.stats()['requests'].get('POST /v1.0/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber') == 1
    assert holder(fresh_emulator, '+14255550100') == user_id(fresh_emulator, 'BrianJ')
    assert holder(fresh_emulator, '+14255557003') == user_id(fresh_emulator, 'PattiF')


def test_moving_a_number_needs_move_numbers_then_unassigns_and_assigns(run_playbook, fresh_emulator):
    assignments = [{'user': upn('NoraF'), 'number': '+14255550101', 'number_type': 'calling_plan'}]
    refused = run_playbook('teams_phone_number.yml', telephony(fresh_emulator, assignments=assignments))
    assert refused.rc != 0 and holder(fresh_emulator, '+14255550101') == user_id(fresh_emulator, 'RaulR')
    assert writes(fresh_emulator) == 0
    result, _preview = converge(run_playbook, fresh_emulator, telephony(fresh_emulator, assignments=assignments, move_numbers=True))
    assert result['users'][0]['operations'] == ['unassign', 'assign']
    assert result['users'][0]['released_from'] == user_id(fresh_emulator, 'RaulR')
    assert holder(fresh_emulator, '+14255550101') == user_id(fresh_emulator, 'NoraF')


def test_absent_unassigns_every_number_of_a_user(run_playbook, fresh_emulator):
    assignments = [{'user': upn('BrianJ'), 'number': 'all'}, {'user': upn('MeganB'), 'number': '+14255557000'}]
    result, _preview = converge(run_playbook, fresh_emulator, telephony(fresh_emulator, assignments=assignments, state='absent'))
    assert [item['operations'] for item in result['users']] == [['unassign'], ['unassign']]
    assert holder(fresh_emulator, '+14255550100') is None
    # Unassigning keeps a Direct Routing number in the inventory (only a licence removal deletes it).
    assert holder(fresh_emulator, '+14255557000') is None


def test_wait_for_teams_waits_until_a_new_licence_is_processed(run_playbook, fresh_emulator):
    fresh_emulator.configure(teams_processing_delay=15)
    licence = run_playbook('teams_license.yml', dict(connection_vars(fresh_emulator), users=[upn('AdeleV')],
                                                     licenses=['phone_system', 'calling_plan_domestic']))
    assert licence.rc == 0, licence
    assignments = [{'user': upn('AdeleV'), 'number': 'auto', 'number_type': 'calling_plan', 'location_id': REDMOND}]
    too_early = run_playbook('teams_phone_number.yml', telephony(fresh_emulator, assignments=assignments), check=True)
    assert too_early.rc != 0 and 'Teams has not processed the licence yet' in too_early.task(TASK)['result']['users'][0]['error']
    waited = run_playbook('teams_phone_number.yml', telephony(fresh_emulator, assignments=assignments, wait_for_teams=60))
    assert waited.rc == 0, waited
    result = waited.task(TASK)['result']
    assert result['teams_wait']['not_ready'] == [] and result['teams_wait']['polls'] >= 2
    assert holder(fresh_emulator, '+14255550102') == user_id(fresh_emulator, 'AdeleV')


def test_missing_number_permission_fails_before_any_write(run_playbook, fresh_emulator):
    assignments = [{'user': upn('NoraF'), 'number': 'auto', 'number_type': 'calling_plan', 'location_id': REDMOND}]
    run = run_playbook('teams_phone_number.yml', dict(connection_vars(fresh_emulator), assignments=assignments))
    assert run.rc != 0
    assert 'TeamsTelephoneNumber.Read.All' in run.task(TASK)['result']['msg']
    assert writes(fresh_emulator) == 0


# --- teams_license's number guard (graph-facts 12.3) ---------------------------------------------------

def remove_calling_plan(emulator, name, app=TELEPHONY_APP, **options):
    extra = dict(connection_vars(emulator, *app), users=[upn(name)], licenses=['calling_plan_domestic'], state='absent')
    extra.update(options)
    return extra


def test_teams_license_refuses_a_removal_that_would_release_a_number(run_playbook, fresh_emulator):
    extra = remove_calling_plan(fresh_emulator, 'BrianJ')
    preview = run_playbook('teams_license_numbers.yml', extra, check=True)
    refused = run_playbook('teams_license_numbers.yml', extra)
    for run in (preview, refused):
        assert run.rc != 0
        user = run.task('Licences')['result']['users'][0]
        assert user['status'] == 'failed' and '+14255550100 (calling_plan)' in user['error']
    assert writes(fresh_emulator) == 0
    assert holder(fresh_emulator, '+14255550100') == user_id(fresh_emulator, 'BrianJ')
    accepted = run_playbook('teams_license_numbers.yml', dict(extra, release_numbers=True))
    assert accepted.rc == 0, accepted
    assert holder(fresh_emulator, '+14255550100') is None     # Teams released it, as the docs say


def test_teams_license_without_the_number_permission_warns_once(run_playbook, fresh_emulator):
    extra = dict(connection_vars(fresh_emulator), users=[upn('BrianJ'), upn('RaulR')], licenses=['calling_plan_domestic'], state='absent')
    run = run_playbook('teams_license.yml', extra, check=True)
    assert run.rc == 0, run
    assert run.output.count('TeamsTelephoneNumber.Read.All') == 1


def test_teams_license_reads_no_numbers_when_no_voice_licence_is_lost(run_playbook, fresh_emulator):
    extra = dict(connection_vars(fresh_emulator, *TELEPHONY_APP), users=[upn('MarcoR')], licenses=['audio_conferencing'], state='absent')
    run = run_playbook('teams_license.yml', extra)
    assert run.rc == 0, run
    assert not any('telephoneNumberManagement' in route for route in fresh_emulator.stats()['requests'])


# --- the end-to-end playbook on the sample tenant ---------------------------------------------------------

def test_enable_teams_calling_end_to_end(run_playbook, fresh_emulator, tmp_path):
    fresh_emulator.configure(teams_processing_delay=2)
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'enable_teams_calling.yml')
    extra = telephony(fresh_emulator, report_path=str(tmp_path / 'report.csv'))
    first = run_playbook(playbook, extra)
    assert first.rc == 0, first
    licensing = first.task('Licence them (Teams Phone, Calling Plan where the number needs one)')['result']
    numbers = first.task('Give each one a phone number, once Teams has processed the licences')['result']
    assert licensing['summary']['changed'] == 5
    assert numbers['summary']['changed'] == 5
    expected = {'AdeleV': '+14255550102', 'AlexW': '+14255550103', 'DiegoS': '+14255550107', 'TomasN': '+14255550104',
                'LidiaH': '+14255557002'}
    for name, number in expected.items():
        assert holder(fresh_emulator, number) == user_id(fresh_emulator, name)
    report = (tmp_path / 'report.csv').read_text()
    assert 'TomasN@contoso.onmicrosoft.com,+14255550104,calling_plan,changed,True,' in report
    after_first = writes(fresh_emulator)
    again = run_playbook(playbook, extra)
    assert again.rc == 0, again
    assert writes(fresh_emulator) == after_first, 'the re-run wrote to the tenant'
    # Removing the Calling Plan would release Adele's new number: refused.
    removal = run_playbook('teams_license.yml', remove_calling_plan(fresh_emulator, 'AdeleV'))
    assert removal.rc != 0
    assert 'would release phone number(s) +14255550102' in removal.task('Licences')['result']['users'][0]['error']
    assert holder(fresh_emulator, '+14255550102') == user_id(fresh_emulator, 'AdeleV')
