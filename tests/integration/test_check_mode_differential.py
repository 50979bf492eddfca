# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A preview is a promise: for generated tasks, check mode predicts exactly what the real run does (issue 10).

Each generated task runs against the emulator's `differential` tenant (suites, add-ons, group
licences with one copy in Error, users without a usage location or abroad, Calling Plan holders,
an active E1 next to E3 holders, seats one or two from exhausted), first in check mode with diff,
then for real, from the same starting state. For every user the predicted status, added,
removed, plans_changed, usage_location_set and error class must equal the real run's, check mode
must write nothing, and every user's direct licences and usage location in the emulator after
the real run must equal the predicted after-state (the diff for users predicted to change, the
state before for everyone else).

The module's real code runs in this process over real HTTP (module_runner.py): hundreds of
ansible-playbook start-ups would take many minutes. The examples are derandomized, so `make test`
always checks the same tasks; set DIFFERENTIAL_SEED to explore others.
"""

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from ansible_collections.m365.licensing.plugins.modules import teams_license
from graph_emulator.launcher import Emulator
from module_runner import connection_args, run_module

DOMAIN = 'differential.onmicrosoft.com'
TASKS = int(os.environ.get('DIFFERENTIAL_TASKS', '220'))
# DIFFERENTIAL_COLLECT=1: list every mismatch at the end instead of stopping at the first (for exploring).
COLLECT = [] if os.environ.get('DIFFERENTIAL_COLLECT') else None
USERS = ('Ada', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gina', 'Hana', 'Ivo', 'Jo', 'Lu', 'Mo', 'Nia', 'Oz', 'Pia', 'Ghost')
LICENCES = (
    'ENTERPRISEPACK', 'SPE_E5', 'STANDARDPACK', 'phone_system', 'calling_plan_domestic', 'calling_plan_international',
    'audio_conferencing', 'communications_credits', 'PHONESYSTEM_VIRTUALUSER', 'MCOTEAMS_ESSENTIALS',
    {'sku': 'ENTERPRISEPACK', 'disabled_plans': ['TEAMS1', 'MCOSTANDARD']},
    {'sku': 'ENTERPRISEPACK', 'disabled_plans': ['SWAY']},
    {'sku': 'SPE_E5', 'disabled_plans': ['MCOEV']},
)
# What a user's error is about, from its wording; an unpredicted Graph refusal is 'graph_refused'.
ERROR_CLASSES = (
    ('not attempted', 'not_attempted'), ('not found', 'not_found'), ('no usage location', 'usage_location'),
    ('holds a Calling Plan', 'country_move'), ('Graph would refuse', 'plan_rule'), ('no seat left', 'seats'),
    ('inherited from group', 'inherited'), ('assignLicense failed', 'graph_refused'),
    ('setting usage location', 'graph_refused'), ('Calling Plan', 'teams_rule'), ('Phone System', 'teams_rule'),
)
COMPARED = ('status', 'added', 'removed', 'plans_changed', 'usage_location_set')


def error_class(message):
    if message is None:
        return None
    for fragment, name in ERROR_CLASSES:
        if fragment in message:
            return name
    return 'other'


licence_lists = st.lists(st.sampled_from(LICENCES), max_size=3)
task_licence_lists = st.one_of(st.none(), st.lists(st.sampled_from(LICENCES), min_size=1, max_size=3),
                               st.lists(st.sampled_from(LICENCES), min_size=1, max_size=3))
user_overrides = st.fixed_dictionaries({}, optional={
    'licenses': st.one_of(st.none(), licence_lists),
    'state': st.sampled_from((None, 'present', 'absent', 'exact')),
    'usage_location': st.sampled_from((None, 'US', 'GB')),
})


@st.composite
def tasks(draw):
    names = draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=5, unique=True))
    users = []
    for name in names:
        upn = '%s@%s' % (name, DOMAIN)
        overrides = draw(st.one_of(st.none(), user_overrides))
        users.append(dict(overrides, user=upn) if overrides else upn)
    task = dict(
        users=users,
        state=draw(st.sampled_from(('present', 'present', 'absent', 'exact'))),
        exact_scope=draw(st.sampled_from(('teams', 'all'))),
        usage_location=draw(st.sampled_from((None, None, 'US', 'GB'))),
        pstn_connectivity=draw(st.sampled_from((None, 'calling_plan', 'direct_routing'))),
        seat_check=draw(st.sampled_from(('strict', 'partial'))),
        move_calling_plan_users=draw(st.booleans()),
        allow_removing_all_licenses=draw(st.booleans()),
    )
    task['licenses'] = draw(task_licence_lists)
    # A key left out, as a playbook leaves it out (None for a choices option is not "unset" to AnsibleModule).
    return dict((key, value) for key, value in task.items() if value is not None)


def direct_view(state):
    """{upn: (sorted 'PART (disabled: PLAN, ...)' labels of direct licences, usage location)} from /_emulator/state."""
    parts = dict((sku['skuId'], sku['skuPartNumber']) for sku in state['skus'])
    plans = dict((plan['servicePlanId'], plan['servicePlanName']) for sku in state['skus'] for plan in sku['servicePlans'])
    view = {}
    for user in state['users']:
        labels = []
        for item in user.get('licenseAssignmentStates') or []:
            if item.get('assignedByGroup'):
                continue
            label = parts[item['skuId']]
            if item.get('disabledPlans'):
                label += ' (disabled: %s)' % ', '.join(sorted(plans.get(plan_id, plan_id) for plan_id in item['disabledPlans']))
            labels.append(label)
        view[user['userPrincipalName']] = (sorted(labels), user.get('usageLocation'))
    return view


def predicted_view(before, preview):
    """The after-state check mode promises: its diff for users it predicts to change, the state before for the rest."""
    view = dict(before)
    diff_after = (preview.get('diff') or {}).get('after') or {}
    for upn, after in diff_after.items():
        view[upn] = (sorted(after['licenses']), after['usage_location'])
    return view


def user_outcome(entry):
    outcome = dict((key, entry[key]) for key in COMPARED)
    outcome['error_class'] = error_class(entry['error'])
    return outcome


def compare(task, preview, real, before, after):
    """Every difference between the promise and the run, as readable lines."""
    problems = []
    if bool(preview.get('failed')) != bool(real.get('failed')):
        problems.append('task failed: check %s, real %s (%s / %s)'
                        % (preview.get('failed'), real.get('failed'), preview.get('msg'), real.get('msg')))
    predicted_users = [entry['user'] for entry in preview['users']]
    if predicted_users != [entry['user'] for entry in real['users']]:
        problems.append('users differ: %r / %r' % (predicted_users, [entry['user'] for entry in real['users']]))
    for promised, done in zip(preview['users'], real['users']):
        if user_outcome(promised) != user_outcome(done):
            problems.append('%s: check %r (%s) / real %r (%s)'
                            % (promised['user'], user_outcome(promised), promised['error'], user_outcome(done), done['error']))
    expected = predicted_view(before, preview)
    for upn in sorted(after):
        if expected.get(upn) != after[upn]:
            problems.append('state of %s: predicted %r, emulator %r' % (upn, expected.get(upn), after[upn]))
    return problems


@pytest.fixture(scope='module')
def differential_emulator():
    args = ('--tenant', 'differential', '--throttle', 'off', '--usage-location-lag', '0', '--provisioning-delay', '0')
    with Emulator(args=args) as running:
        yield running


def test_check_mode_predicts_the_real_run_for_generated_tasks(differential_emulator):
    emulator = differential_emulator
    connection = connection_args(emulator)
    counts = {'tasks': 0, 'users': 0, 'refused': 0, 'changed_users': 0, 'failed_users': 0}

    @seed(int(os.environ.get('DIFFERENTIAL_SEED', '20261201')))
    @settings(max_examples=TASKS, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(tasks())
    def check_then_run(task):
        emulator.reset()
        before = direct_view(emulator.state())
        writes_before = emulator.stats()['writes']
        args = dict(connection, **task)
        preview = run_module(teams_license.main, args, check=True, diff=True)
        assert emulator.stats()['writes'] == writes_before, 'check mode wrote: %r' % task
        real = run_module(teams_license.main, args)
        problems = compare(task, preview, real, before, direct_view(emulator.state()))
        if COLLECT is not None:
            COLLECT.extend(problems)
        else:
            assert not problems, 'task %r\n%s' % (task, '\n'.join(problems))
        counts['tasks'] += 1
        counts['users'] += len(real['users'])
        counts['refused'] += 1 if real.get('failed') and real.get('errors') else 0
        counts['changed_users'] += sum(1 for entry in real['users'] if entry['status'] == 'changed')
        counts['failed_users'] += sum(1 for entry in real['users'] if entry['status'] == 'failed')

    check_then_run()
    print('differential: %(tasks)d tasks, %(users)d users compared (%(changed_users)d changed, %(failed_users)d failed, '
          '%(refused)d tasks refused before any write)' % counts)
    if COLLECT:
        print('\n'.join(COLLECT))
    assert not COLLECT
    assert counts['tasks'] >= min(TASKS, 200)
    # The generator must reach the interesting paths, or the comparison proves little.
    assert counts['changed_users'] > 40 and counts['failed_users'] > 20 and counts['refused'] > 5
