# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service-plan rules: one test per row, the change semantics, and agreement with the emulator's copy."""

import os

import pytest
import yaml

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _plan_rules as rules

TENANTS_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'graph_emulator', 'tenants')
EMULATOR_FIXTURES = ('contoso.yml', 'tight-seats.yml', 'differential.yml')

# Plan ids from Microsoft's table (graph-facts 8.2 / 8.3); the rest are made up for these tests.
MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'
TEAMS1 = '57ff2da0-773e-42df-b2af-ffb7a2317929'
MCOSTANDARD = '0feaeb32-d00e-4d66-bd5a-43b5b83db82c'
MCOPSTN1 = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8'
MCOPSTN2 = '5a10155d-f5c1-411a-a8ec-e99aae125390'
EXCHANGE_E1 = '9aaf7827-d63c-4b61-89c3-182f06f82e5c'
EXCHANGE_E3 = 'efb87545-963c-4e0d-99df-69c6916d9eb0'


def plan_ids(name):
    return '%s-id' % name.lower().replace(' ', '-')


def plans_of(*names):
    return dict((plan_ids(name), name) for name in names)


@pytest.mark.parametrize('row', rules.DEPENDENCIES, ids=lambda row: row.plan)
def test_each_dependency_row_refuses_the_plan_alone_and_accepts_each_prerequisite(row):
    assert [violation.plan for violation in rules.rule_violations(plans_of(row.plan))] == [row.plan]
    for prerequisite in row.requires_any:
        assert all(violation.plan != row.plan for violation in rules.rule_violations(plans_of(row.plan, prerequisite)))


@pytest.mark.parametrize('row', rules.EXCLUSIONS, ids=lambda row: row.plans[0])
def test_each_exclusion_row_refuses_two_of_its_plans_and_accepts_one(row):
    for name in row.plans:
        assert not [violation for violation in rules.rule_violations(plans_of(name)) if violation.kind == 'exclusion']
    first, second = row.plans[0], row.plans[1]
    found = [violation for violation in rules.rule_violations(plans_of(first, second)) if violation.kind == 'exclusion']
    assert len(found) == 1 and found[0].rule is row


@pytest.mark.parametrize('row', rules.DEPENDENCIES + rules.EXCLUSIONS)
def test_every_row_cites_evidence_and_says_how_strong_it_is(row):
    assert len(row.evidence) > 60
    assert row.strength in ('documented', 'reported', 'inferred')
    if row.strength == 'inferred':
        assert 'inferred' in row.evidence


def test_enabled_plans_leaves_out_disabled_plans_and_unknown_skus():
    sku_plans = {'e3': {TEAMS1: 'TEAMS1', MCOSTANDARD: 'MCOSTANDARD'}, 'phone': {MCOEV: 'MCOEV'}}
    assert rules.enabled_plans({'e3': frozenset([TEAMS1]), 'phone': (), 'gone': ()}, sku_plans) == {
        MCOSTANDARD: 'MCOSTANDARD', MCOEV: 'MCOEV'}


def test_teams_phone_alone_is_a_new_violation_naming_the_prerequisites_and_their_carriers():
    found = rules.new_violations({}, {MCOEV: 'MCOEV'})
    assert [(violation.kind, violation.plan) for violation in found] == [('dependency', 'MCOEV')]
    text = rules.describe(found[0], ['ENTERPRISEPACK', 'SPE_E5'])
    assert 'MCOEV needs one of MCOSTANDARD' in text and 'ENTERPRISEPACK, SPE_E5' in text


def test_teams_phone_with_a_suite_is_fine():
    assert rules.new_violations({}, {MCOEV: 'MCOEV', TEAMS1: 'TEAMS1', MCOSTANDARD: 'MCOSTANDARD'}) == []


def test_removing_the_prerequisite_of_a_held_plan_is_a_new_violation():
    before = {MCOEV: 'MCOEV', TEAMS1: 'TEAMS1', MCOSTANDARD: 'MCOSTANDARD'}
    found = rules.new_violations(before, {MCOEV: 'MCOEV'})
    assert [violation.plan for violation in found] == ['MCOEV']


def test_a_dependency_already_unmet_before_is_left_alone():
    before = {MCOPSTN1: 'MCOPSTN1'}
    assert rules.new_violations(before, dict(before, extra='MCOMEETADV')) == []


def test_an_exclusion_counts_only_when_one_of_its_plans_is_new():
    both = {MCOPSTN1: 'MCOPSTN1', MCOPSTN2: 'MCOPSTN2', MCOEV: 'MCOEV', TEAMS1: 'TEAMS1'}
    assert rules.new_violations(both, both) == []
    found = rules.new_violations({MCOPSTN1: 'MCOPSTN1', MCOEV: 'MCOEV', TEAMS1: 'TEAMS1'}, both)
    assert [(violation.kind, violation.plan, violation.others) for violation in found] == [
        ('exclusion', 'MCOPSTN2', ('MCOPSTN1',))]
    assert 'MCOPSTN2 cannot be held together with MCOPSTN1' in rules.describe(found[0])


def test_a_swap_in_one_call_is_not_an_exclusion():
    held = {MCOEV: 'MCOEV', TEAMS1: 'TEAMS1'}
    assert rules.new_violations(dict(held, **{MCOPSTN1: 'MCOPSTN1'}), dict(held, **{MCOPSTN2: 'MCOPSTN2'})) == []


def test_office_e1_and_e3_exchange_plans_exclude_each_other():
    found = rules.new_violations({EXCHANGE_E1: 'EXCHANGE_S_STANDARD'},
                                 {EXCHANGE_E1: 'EXCHANGE_S_STANDARD', EXCHANGE_E3: 'EXCHANGE_S_ENTERPRISE'})
    assert [violation.plan for violation in found] == ['EXCHANGE_S_ENTERPRISE']


def test_carriers_of_names_the_skus_that_carry_a_plan():
    sku_plans = {'e3': {TEAMS1: 'TEAMS1'}, 'phone': {MCOEV: 'MCOEV'}}
    assert rules.carriers_of(('TEAMS1', 'MCOSTANDARD'), sku_plans, {'e3': 'ENTERPRISEPACK'}) == ['ENTERPRISEPACK']


def _rows_as_data(dependencies, exclusions):
    return (sorted((row.plan.upper(), tuple(sorted(name.upper() for name in row.requires_any))) for row in dependencies),
            sorted(tuple(sorted(name.upper() for name in row.plans)) for row in exclusions))


@pytest.mark.parametrize('fixture', EMULATOR_FIXTURES)
def test_the_emulator_fixture_keeps_the_same_rules_as_the_collection(fixture):
    """The emulator never imports the collection: its copy can drift, and this test says where."""
    with open(os.path.join(TENANTS_DIR, fixture), encoding='utf-8') as handle:
        emulator_rules = yaml.safe_load(handle)['rules']
    emulator = (sorted((rule['plan'].upper(), tuple(sorted(name.upper() for name in rule['requires_any'])))
                       for rule in emulator_rules['dependencies']),
                sorted(tuple(sorted(name.upper() for name in names)) for names in emulator_rules['mutually_exclusive']))
    collection = _rows_as_data(rules.DEPENDENCIES, rules.EXCLUSIONS)
    only_emulator = [sorted(set(emulator[index]) - set(collection[index])) for index in (0, 1)]
    only_collection = [sorted(set(collection[index]) - set(emulator[index])) for index in (0, 1)]
    assert emulator == collection, 'rules differ; only in the emulator: %r; only in the collection: %r' % (
        only_emulator, only_collection)
