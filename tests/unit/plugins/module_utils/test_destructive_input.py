# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wipes are refused unless the task names them, with counts of what would go (issue 15, class 4)."""

from ansible_collections.m365.licensing.plugins.module_utils.licensing._destructive import destructive_refusals
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import DesiredLicense, TenantSku, UserSpec, plan_run

E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
E3_PLANS = {'57ff2da0-773e-42df-b2af-ffb7a2317929': 'TEAMS1', '0feaeb32-d00e-4d66-bd5a-43b5b83db82c': 'MCOSTANDARD',
            'efb87545-963c-4e0d-99df-69c6916d9eb0': 'EXCHANGE_S_ENTERPRISE'}
SKUS = {
    E3: TenantSku(E3, 'ENTERPRISEPACK', 'Office 365 E3', 'suite', E3_PLANS, 'User', 'Enabled', 10, 40),
    PHONE: TenantSku(PHONE, 'MCOEV', 'Teams Phone', 'phone_system', {'4828c8ec-dc2e-4779-b502-87ac9ce28ab7': 'MCOEV'},
                     'User', 'Enabled', 10, 20),
}


def user(upn, *sku_ids):
    states = [{'skuId': sku_id, 'assignedByGroup': None, 'disabledPlans': [], 'state': 'Active', 'error': None}
              for sku_id in sku_ids]
    return {'id': 'id-' + upn, 'userPrincipalName': upn, 'usageLocation': 'US',
            'assignedLicenses': [{'skuId': sku_id, 'disabledPlans': []} for sku_id in sku_ids], 'licenseAssignmentStates': states}


def refusals(specs_and_users, **allow):
    run = plan_run(specs_and_users, SKUS)
    return destructive_refusals([spec for spec, _user in specs_and_users], run, SKUS, **allow)


def test_exact_all_with_an_empty_list_is_refused_with_counts_of_what_would_go():
    items = [(UserSpec('a@contoso.com', 'exact', (), exact_scope='all'), user('a@contoso.com', E3, PHONE)),
             (UserSpec('b@contoso.com', 'exact', (), exact_scope='all'), user('b@contoso.com', E3))]
    found = refusals(items)
    assert len(found) == 1
    assert '2 users would lose 3 licences (ENTERPRISEPACK x2, MCOEV x1)' in found[0]
    assert 'allow_removing_all_licenses: true' in found[0] and 'a@contoso.com, b@contoso.com' in found[0]


def test_exact_all_with_an_empty_list_is_accepted_when_the_task_allows_it():
    items = [(UserSpec('a@contoso.com', 'exact', (), exact_scope='all'), user('a@contoso.com', E3))]
    assert refusals(items, allow_removing_all_licenses=True) == []


def test_exact_teams_with_an_empty_list_is_not_a_wipe():
    items = [(UserSpec('a@contoso.com', 'exact', (), exact_scope='teams'), user('a@contoso.com', E3, PHONE))]
    assert refusals(items) == []


def test_every_plan_of_a_held_licence_switched_off_is_refused_with_the_holders():
    every_plan = DesiredLicense(E3, frozenset(E3_PLANS))
    items = [(UserSpec('a@contoso.com', 'present', (every_plan,)), user('a@contoso.com', E3))]
    found = refusals(items)
    assert len(found) == 1 and 'ENTERPRISEPACK with enabled_plans: []' in found[0]
    assert 'all 3 of its service plans: 1 users holding it would lose them (a@contoso.com)' in found[0]
    assert 'allow_disabling_all_plans: true' in found[0]
    assert refusals(items, allow_disabling_all_plans=True) == []


def test_some_plans_switched_off_is_not_a_wipe():
    some = DesiredLicense(E3, frozenset(list(E3_PLANS)[:1]))
    assert refusals([(UserSpec('a@contoso.com', 'present', (some,)), user('a@contoso.com', E3))]) == []
