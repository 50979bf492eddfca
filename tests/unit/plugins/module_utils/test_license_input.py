# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license input: every bad list is refused before any write, with the user and licence named."""

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import (
    InputError, LicenseResolver, check_distinct_users, parse_user_requests, tenant_skus_for_planner, user_specs)

PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
DOMESTIC = '0dab259f-bf13-4952-b7f8-7db8f131b28d'
E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
SWAY_PLAN = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97'
EXCHANGE_PLAN = 'efb87545-963c-4e0d-99df-69c6916d9eb0'


def subscribed(sku_id, part_number, plans):
    return {'skuId': sku_id, 'skuPartNumber': part_number, 'appliesTo': 'User', 'capabilityStatus': 'Enabled',
            'consumedUnits': 1, 'prepaidUnits': {'enabled': 10, 'warning': 0, 'suspended': 0, 'lockedOut': 0},
            'servicePlans': [{'servicePlanId': plan_id, 'servicePlanName': name, 'provisioningStatus': 'Success',
                              'appliesTo': 'User'} for name, plan_id in plans]}


TENANT = [
    subscribed(PHONE, 'MCOEV', [('MCOEV', '4828c8ec-dc2e-4779-b502-87ac9ce28ab7')]),
    subscribed(DOMESTIC, 'MCOPSTN1', [('MCOPSTN1', '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8')]),
    subscribed(E3, 'ENTERPRISEPACK', [('SWAY', SWAY_PLAN), ('EXCHANGE_S_ENTERPRISE', EXCHANGE_PLAN)]),
]


def params(**overrides):
    values = dict(user=None, users=None, licenses=[], state='present', usage_location=None, pstn_connectivity=None)
    values.update(overrides)
    return values


def test_single_user_and_task_level_values():
    requests = parse_user_requests(params(user='adele.vance@contoso.com', licenses=['phone_system'], usage_location='us'))
    assert len(requests) == 1
    assert requests[0].user == 'adele.vance@contoso.com'
    assert requests[0].usage_location == 'US'
    assert requests[0].licenses[0].sku == 'phone_system'


def test_per_user_overrides_replace_task_values_for_that_user_only():
    override = {'user': 'b@contoso.com', 'licenses': ['MCOPSTN1'], 'pstn_connectivity': 'direct_routing'}
    requests = parse_user_requests(params(users=['a@contoso.com', override], licenses=['phone_system']))
    assert [license.sku for license in requests[0].licenses] == ['phone_system']
    assert [license.sku for license in requests[1].licenses] == ['MCOPSTN1']
    assert requests[0].pstn_connectivity is None and requests[1].pstn_connectivity == 'direct_routing'


def test_duplicate_users_with_the_same_spec_are_merged_case_insensitively():
    requests = parse_user_requests(params(users=['A@contoso.com', 'a@contoso.com', 'b@contoso.com'], licenses=['MCOEV']))
    assert [request.user for request in requests] == ['A@contoso.com', 'b@contoso.com']


def test_duplicate_users_with_conflicting_specs_fail_naming_them():
    with pytest.raises(InputError, match='(?i)a@contoso.com') as error:
        parse_user_requests(params(users=['a@contoso.com', {'user': 'A@contoso.com', 'state': 'absent'}], licenses=['MCOEV']))
    assert 'different settings' in str(error.value)


@pytest.mark.parametrize('bad_user', ['adele vance@contoso.com', 'adele.vance', '@contoso.com', 'a@b@contoso.com', 'a@contoso'])
def test_malformed_user_references_are_refused(bad_user):
    with pytest.raises(InputError, match="user '%s' is neither" % bad_user):
        parse_user_requests(params(users=[bad_user]))


def test_object_ids_and_guest_upns_are_accepted():
    requests = parse_user_requests(params(users=['87d349ed-44d7-43e1-9a83-5f2406dee5bd', "o'brien_contoso.com#EXT#@fabrikam.com"]))
    assert len(requests) == 2


def test_empty_user_list_is_refused():
    with pytest.raises(InputError, match='users is empty'):
        parse_user_requests(params(users=[]))


@pytest.mark.parametrize('code', ['USA', 'XX', 'u1', ''])
def test_invalid_usage_location_names_the_user(code):
    with pytest.raises(InputError, match="usage_location '%s' for user a@contoso.com" % code):
        parse_user_requests(params(users=[{'user': 'a@contoso.com', 'usage_location': code}]))


def test_unknown_user_item_key_is_refused():
    with pytest.raises(InputError, match='unknown key.*licences'):
        parse_user_requests(params(users=[{'user': 'a@contoso.com', 'licences': ['MCOEV']}]))


def test_disabled_and_enabled_plans_together_are_refused():
    with pytest.raises(InputError, match='both disabled_plans and enabled_plans'):
        parse_user_requests(params(user='a@contoso.com', licenses=[{'sku': 'E3', 'disabled_plans': ['SWAY'], 'enabled_plans': ['SWAY']}]))


def test_licence_resolution_and_plans():
    requests = parse_user_requests(params(user='a@contoso.com', licenses=[
        'phone_system', {'sku': 'ENTERPRISEPACK', 'enabled_plans': ['exchange_s_enterprise']}]))
    specs = user_specs(requests, LicenseResolver(TENANT), 'teams')
    phone, e3 = specs[0].licenses
    assert phone.sku_id == PHONE and phone.disabled_plans is None
    assert e3.sku_id == E3 and e3.disabled_plans == frozenset([SWAY_PLAN])


def test_unknown_licence_lists_the_tenant_licences():
    requests = parse_user_requests(params(user='a@contoso.com', licenses=['calling_plan_internatonal']))
    with pytest.raises(InputError) as error:
        user_specs(requests, LicenseResolver(TENANT), 'teams')
    assert 'calling_plan_internatonal' in str(error.value)
    assert 'MCOEV' in str(error.value) and 'MCOPSTN1' in str(error.value)


def test_disabled_plan_not_in_the_sku_names_the_sku_and_its_plans():
    requests = parse_user_requests(params(user='a@contoso.com', licenses=[{'sku': 'MCOEV', 'disabled_plans': ['SWAY']}]))
    with pytest.raises(InputError, match="'SWAY' is not a service plan of MCOEV"):
        user_specs(requests, LicenseResolver(TENANT), 'teams')


def test_tenant_skus_for_planner_carries_category_and_seats():
    skus = tenant_skus_for_planner(TENANT)
    assert skus[PHONE].category == 'phone_system'
    assert skus[DOMESTIC].category == 'calling_plan'
    assert skus[E3].category == 'suite'
    assert skus[PHONE].available == 9


def test_a_upn_and_an_object_id_of_the_same_user_are_refused():
    requests = parse_user_requests(params(users=['a@contoso.com', '87d349ed-44d7-43e1-9a83-5f2406dee5bd', 'b@contoso.com']))
    specs = user_specs(requests, LicenseResolver(TENANT), 'teams')
    users = {'a@contoso.com': {'id': '87d349ed-44d7-43e1-9a83-5f2406dee5bd'},
             '87d349ed-44d7-43e1-9a83-5f2406dee5bd': {'id': '87d349ed-44d7-43e1-9a83-5f2406dee5bd'},
             'b@contoso.com': {'id': 'another-id'}}
    with pytest.raises(InputError, match='a@contoso.com and 87d349ed-44d7-43e1-9a83-5f2406dee5bd .object id'):
        check_distinct_users(specs, users.get)


def test_distinct_and_missing_users_pass():
    requests = parse_user_requests(params(users=['a@contoso.com', 'ghost@contoso.com']))
    specs = user_specs(requests, LicenseResolver(TENANT), 'teams')
    check_distinct_users(specs, {'a@contoso.com': {'id': 'one'}}.get)


# ---------------------------------------------------------------- no silent wipe (issue 15 class 4, issue 10 item 6)

def test_a_per_user_licenses_null_takes_the_task_value_like_state_and_usage_location():
    item = {'user': 'b@contoso.com', 'licenses': None, 'state': None, 'usage_location': None}
    requests = parse_user_requests(params(users=[item], licenses=['phone_system'], state='exact', usage_location='GB'))
    assert [license.sku for license in requests[0].licenses] == ['phone_system']
    assert requests[0].state == 'exact' and requests[0].usage_location == 'GB'


def test_state_exact_without_licenses_is_refused_naming_the_option():
    with pytest.raises(InputError) as raised:
        parse_user_requests(params(users=['a@contoso.com'], licenses=None, state='exact'))
    assert 'state exact needs licenses (user a@contoso.com)' in str(raised.value)
    assert 'licenses: [] means none' in str(raised.value)


def test_state_exact_with_an_empty_list_stays_possible_and_means_none():
    requests = parse_user_requests(params(users=['a@contoso.com'], licenses=[], state='exact'))
    assert requests[0].licenses == ()


def test_state_exact_with_per_user_licenses_only_is_accepted():
    requests = parse_user_requests(params(users=[{'user': 'a@contoso.com', 'licenses': ['MCOEV']}], licenses=None,
                                          state='exact'))
    assert [license.sku for license in requests[0].licenses] == ['MCOEV']


def test_state_present_without_licenses_changes_nothing_and_is_accepted():
    assert parse_user_requests(params(users=['a@contoso.com'], licenses=None))[0].licenses == ()


def test_user_references_lists_each_distinct_user_even_from_input_that_is_refused():
    from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import user_references
    bad = params(users=['a@contoso.com', {'user': 'B@contoso.com', 'bogus': 1}, 'A@contoso.com', 42, {'x': 1}])
    assert user_references(bad) == ['a@contoso.com', 'B@contoso.com']
    assert user_references(params(user='one@contoso.com')) == ['one@contoso.com']


def test_the_users_of_a_large_task_are_listed_in_linear_time():
    # Issue 13: 100,000 users once cost minutes here (each reference compared with every earlier one).
    from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import user_references
    import time
    users = ['user%06d@contoso.com' % number for number in range(100000)] + ['USER000001@contoso.com']
    started = time.monotonic()
    references = user_references(dict(user=None, users=users))
    assert len(references) == 100000 and references[1] == 'user000001@contoso.com'
    assert time.monotonic() - started < 10
