# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SKU catalogue: generated data against Microsoft's table, licence and plan resolution, categories, aliases."""

import csv
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _sku_catalog as catalog
from ansible_collections.m365.licensing.plugins.module_utils.licensing._sku_catalog import (
    ResolvedSku,
    SkuResolutionError,
    SkuResolver,
    product_name,
    resolve_service_plan,
    resolve_sku,
    sku_aliases,
    teams_category,
)

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
CSV_PATH = os.path.join(REPO_ROOT, 'tools', 'data', 'licensing-service-plans.csv')
GENERATOR = os.path.join(REPO_ROOT, 'tools', 'generate_sku_catalog.py')
DATA_MODULE = os.path.join(REPO_ROOT, 'plugins', 'module_utils', 'licensing', '_sku_data.py')

# What issue #2 and graph-facts 8.2 / 8.3 call Teams products and Teams-carrying suites.
TEAMS_PART_NUMBERS = re.compile(
    r'^(MCOEV|MCOPSTN|MCOMEET|PHONESYSTEM_VIRTUALUSER|BUSINESS_VOICE|MCOCAP|MEETING_ROOM|Microsoft_Teams_Rooms_'
    r'|Microsoft_Teams_Calling_Plan_pay_as_you_go)'
    r'|^(MCOTEAMS_ESSENTIALS|Microsoft_Teams_EEA_New|Teams_Ess|TEAMS_ESSENTIALS_AAD|Operator_Connect_Mobile'
    r'|Microsoft_Teams_Audio_Conferencing_select_dial_out|MCOACBYOT_AR_GCCHIGH_USGOV_GCCHIGH)$')
SUITE_PART_NUMBERS = (
    'STANDARDPACK', 'ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'ENTERPRISEPREMIUM_NOPSTNCONF', 'SPE_E3', 'SPE_E5',
    'SPE_E5_NOPSTNCONF', 'SPE_E5_CALLINGMINUTES', 'Microsoft_365_E5_without_Audio_Conferencing', 'Office_365_E3_(no_Teams)',
    'Microsoft_365_E3_(no_Teams)', 'O365_w/o_Teams_Bundle_E3', 'O365_w/o Teams Bundle_M3', 'O365_w/o_Teams_Bundle_M5',
    'Office_365_w/o_Teams_Bundle_E5', 'Office_365_E5_EEA_(no_Teams)_without_Audio_Conferencing',
    'Microsoft_365_E5_EEA_(no_Teams)_without_Audio_Conferencing', 'Microsoft_365_E5_EEA_(no_Teams)_with_Calling_Minutes',
    'Office_365_w/o_Teams_Bundle_E1', 'STANDARDPACK_GOV', 'ENTERPRISEPACK_GOV', 'ENTERPRISEPREMIUM_GOV',
    'SPE_E5_USGOV_GCCHIGH', 'SPE_E3_USGOV_DOD',
)

MCOEV_ID = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
MCOPSTNC_ID = '47794cd0-f0e5-45c5-9033-2eb6b5fc84e0'
MCOPSTNPP_ID = '06b48c5f-01d9-4b18-9015-03b52040f51a'
SPB_ID = 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46'
MCOPSTN5_IDS = ('d43177b5-475b-4880-92d4-d54c27b5efbd', '54a152dc-90de-4996-93d2-bc47e670fc06')
TEAMS_ENTERPRISE_ID = '5a0b2cfd-0000-4000-8000-00000000e001'
CUSTOM_ID = '0badc0de-0000-4000-8000-000000000042'


def clean(cell):
    return ' '.join(cell.split())


def read_table():
    """{skuId: (part number, display name, {(plan name, plan id)})} straight from the CSV."""
    table = {}
    with open(CSV_PATH, encoding='utf-8-sig', newline='') as handle:
        for row in csv.DictReader(handle):
            sku_id = clean(row['GUID']).lower()
            part_number, name, plans = table.setdefault(sku_id, (clean(row['String_Id']), clean(row['Product_Display_Name']), set()))
            plans.add((clean(row['Service_Plan_Name']), clean(row['Service_Plan_Id']).lower()))
    return table


TABLE = read_table()
PRODUCTS_BY_ID = dict((product.sku_id, product) for product in catalog.PRODUCTS if product.sku_id)


def catalogue_id(part_number):
    ids = [product.sku_id for product in catalog.PRODUCTS if product.part_number == part_number and product.sku_id]
    assert len(ids) == 1, part_number
    return ids[0]


def tenant_sku(part_number, sku_id=None, plans=None):
    """A subscribedSku as Graph returns it; the plans default to the catalogue's."""
    sku_id = sku_id or catalogue_id(part_number)
    if plans is None:
        plans = PRODUCTS_BY_ID[sku_id].service_plans
    return {
        'skuId': sku_id, 'skuPartNumber': part_number, 'appliesTo': 'User', 'capabilityStatus': 'Enabled',
        'consumedUnits': 3, 'prepaidUnits': {'enabled': 10, 'suspended': 0, 'warning': 0, 'lockedOut': 0},
        'servicePlans': [{'servicePlanId': plan_id, 'servicePlanName': name, 'provisioningStatus': 'Success', 'appliesTo': 'User'}
                         for name, plan_id in plans],
    }


TENANT = [
    tenant_sku('MCOEV'), tenant_sku('MCOPSTN1'), tenant_sku('MCOPSTNC'), tenant_sku('MCOMEETADV'),
    tenant_sku('SPE_E5'), tenant_sku('PHONESYSTEM_VIRTUALUSER'), tenant_sku('SPB', SPB_ID, plans=()),
    tenant_sku('Microsoft_Teams_Enterprise_New', TEAMS_ENTERPRISE_ID, plans=(('TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929'),)),
    tenant_sku('CONTOSO_CUSTOM_VOICE', CUSTOM_ID, plans=(('MCOEV', '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'),)),
]


def part_of(resolved):
    return resolved.sku['skuPartNumber']


# ---------------------------------------------------------------- catalogue against the table

def test_every_teams_product_and_suite_of_the_table_is_catalogued_as_the_table_says():
    expected = [sku_id for sku_id, (part_number, _name, _plans) in TABLE.items()
                if TEAMS_PART_NUMBERS.match(part_number) or part_number in SUITE_PART_NUMBERS]
    assert len(expected) > 70
    for sku_id in expected:
        part_number, name, plans = TABLE[sku_id]
        product = PRODUCTS_BY_ID.get(sku_id)
        assert product is not None, '%s (%s) is missing' % (part_number, sku_id)
        assert (product.part_number, product.name) == (part_number, name)
        assert set(product.service_plans) == plans, part_number


def test_every_suite_named_in_graph_facts_is_in_the_table():
    table_part_numbers = set(part_number for part_number, _name, _plans in TABLE.values())
    assert set(SUITE_PART_NUMBERS) <= table_part_numbers


def test_every_product_of_the_table_has_its_display_name():
    wrong = [(sku_id, name, product_name(sku_id)) for sku_id, (_part, name, _plans) in TABLE.items() if product_name(sku_id) != name]
    assert wrong == []


def test_cells_with_stray_whitespace_are_cleaned():
    # MCOCAP_FACULTY ends with a no-break space in the table, PHONESYSTEM_VIRTUALUSER_USGOV_GCCHIGH with a space,
    # and O365_w/o Teams Bundle_M3 has no-break spaces inside (graph-facts 8.1).
    assert PRODUCTS_BY_ID['420c7602-7f70-4895-9394-d3d679ea36fb'].part_number == 'MCOCAP_FACULTY'
    assert PRODUCTS_BY_ID['e3f0522e-ebb7-4561-9f90-b44516d65b77'].part_number == 'PHONESYSTEM_VIRTUALUSER_USGOV_GCCHIGH'
    assert PRODUCTS_BY_ID['c2fe850d-fbbb-4858-b67d-bd0c6e746da3'].part_number == 'O365_w/o Teams Bundle_M3'
    assert all(product.part_number == clean(product.part_number) for product in catalog.PRODUCTS)


def test_both_mcopstn5_guids_and_the_legacy_guids_are_known():
    assert sorted(product.sku_id for product in catalog.PRODUCTS if product.part_number == 'MCOPSTN5') == sorted(MCOPSTN5_IDS)
    legacy_5 = PRODUCTS_BY_ID['11dee6af-eca8-419f-8061-6864517c1875']
    assert (legacy_5.part_number, legacy_5.service_plans) == ('MCOPSTN_5', (('MCOPSTN5', '54a152dc-90de-4996-93d2-bc47e670fc06'),))
    legacy_gov = PRODUCTS_BY_ID['923f58ab-fca1-46a1-92f9-89fda21238a8']
    assert legacy_gov.part_number == 'MCOPSTN_1_GOV'
    assert ('MCOPSTN1_GOV', '3c8a8792-7866-409b-bb61-1b20ace0368b') in legacy_gov.service_plans


def test_generated_file_is_up_to_date():
    result = subprocess.run([sys.executable, GENERATOR, '--check'], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_check_mode_fails_on_a_stale_file_and_writes_nothing(tmp_path):
    stale = tmp_path / '_sku_data.py'
    with open(DATA_MODULE, encoding='utf-8') as handle:
        stale.write_text(handle.read().replace("'Communications Credits'", "'Communication Credits'"), encoding='utf-8')
    before = stale.read_text(encoding='utf-8')
    result = subprocess.run([sys.executable, GENERATOR, '--check', '--output', str(stale)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert 'out of date' in result.stderr and 'generate_sku_catalog.py' in result.stderr
    assert stale.read_text(encoding='utf-8') == before


def test_generated_file_stays_under_100_kb_and_is_sorted():
    assert os.path.getsize(DATA_MODULE) < 100000
    part_numbers = [product.part_number.lower() for product in catalog.PRODUCTS]
    assert part_numbers == sorted(part_numbers)
    with open(DATA_MODULE, encoding='utf-8') as handle:
        head = handle.read(1000)
    assert 'GENERATED' in head and 'python tools/generate_sku_catalog.py' in head


# ---------------------------------------------------------------- resolving licences

@pytest.mark.parametrize('reference, part_number', [
    ('phone_system', 'MCOEV'),
    ('teams_phone', 'MCOEV'),
    ('PHONE_SYSTEM', 'MCOEV'),
    ('  phone_system\t', 'MCOEV'),
    ('MCOEV', 'MCOEV'),
    ('mcoev', 'MCOEV'),
    ('Microsoft Teams Phone Standard', 'MCOEV'),
    ('microsoft  teams phone\u00a0standard ', 'MCOEV'),
    (MCOEV_ID, 'MCOEV'),
    (MCOEV_ID.upper(), 'MCOEV'),
    ('calling_plan_domestic', 'MCOPSTN1'),
    ('communications_credits', 'MCOPSTNC'),
    ('Communications Credits', 'MCOPSTNC'),
    ('audio_conferencing', 'MCOMEETADV'),
    ('phone_resource_account', 'PHONESYSTEM_VIRTUALUSER'),
    ('microsoft_365_e5', 'SPE_E5'),
    ('Microsoft 365 E5', 'SPE_E5'),
    # A product the catalogue knows only by name (not a Teams product).
    ('Microsoft 365 Business Premium', 'SPB'),
    (SPB_ID, 'SPB'),
    # Known by part number only: its skuId comes from the tenant (graph-facts 8.3).
    ('teams_enterprise', 'Microsoft_Teams_Enterprise_New'),
    ('Microsoft_Teams_Enterprise_New', 'Microsoft_Teams_Enterprise_New'),
    ('Microsoft Teams Enterprise', 'Microsoft_Teams_Enterprise_New'),
    (TEAMS_ENTERPRISE_ID, 'Microsoft_Teams_Enterprise_New'),
    # Unknown to the catalogue altogether: the tenant's skuId and part number still work.
    (CUSTOM_ID, 'CONTOSO_CUSTOM_VOICE'),
    ('contoso_custom_voice', 'CONTOSO_CUSTOM_VOICE'),
])
def test_every_reference_form_resolves_to_the_tenant_sku(reference, part_number):
    resolved = resolve_sku(reference, TENANT)
    assert part_of(resolved) == part_number
    assert resolved.warnings == []


def test_the_result_is_the_tenants_own_subscribed_sku():
    resolved = resolve_sku('phone_system', TENANT)
    assert isinstance(resolved, ResolvedSku)
    assert resolved.sku is TENANT[0]
    assert resolved == TENANT[0] and resolved['skuId'] == MCOEV_ID


def test_a_resolver_answers_many_references_from_one_index():
    resolver = SkuResolver(TENANT)
    assert [part_of(resolver.resolve(reference)) for reference in ('phone_system', 'MCOPSTN1', 'microsoft_365_e5')] == [
        'MCOEV', 'MCOPSTN1', 'SPE_E5']


def test_unknown_reference_lists_what_the_tenant_has():
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku('foo', TENANT)
    message = str(raised.value)
    assert message.startswith("licence 'foo' does not match any licence in this tenant; the tenant has: ")
    assert 'MCOEV (Microsoft Teams Phone Standard, aliases phone_system, teams_phone)' in message
    assert 'MCOPSTNC (Communications Credits, alias communications_credits)' in message
    assert 'SPB (Microsoft 365 Business Premium)' in message
    assert raised.value.reference == 'foo'
    assert sorted(choice['sku_part_number'] for choice in raised.value.choices) == sorted(sku['skuPartNumber'] for sku in TENANT)
    phone = [choice for choice in raised.value.choices if choice['sku_id'] == MCOEV_ID][0]
    assert phone == dict(sku_part_number='MCOEV', sku_id=MCOEV_ID, product_name='Microsoft Teams Phone Standard',
                         aliases=['phone_system', 'teams_phone'])


@pytest.mark.parametrize('reference, meaning', [
    ('calling_plan_international', 'MCOPSTN2 (Skype for Business PSTN Domestic and International Calling)'),
    ('MCOPSTN2', 'MCOPSTN2 (Skype for Business PSTN Domestic and International Calling)'),
    ('d3b4fe1f-9992-4930-8acb-ca6ec609365e', 'MCOPSTN2 (Skype for Business PSTN Domestic and International Calling)'),
    ('calling_plan_domestic_240', 'MCOPSTN_6 (Microsoft Teams Domestic Calling Plan (240 min))'),
    ('Microsoft 365 F3', 'Microsoft 365 F3 (skuId'),
])
def test_known_product_without_subscription_says_so(reference, meaning):
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku(reference, TENANT)
    message = str(raised.value)
    assert ('licence %r is %s' % (reference, meaning)) in message
    assert 'which this tenant has no subscription for; the tenant has: ' in message
    assert 'MCOPSTN1 (Skype for Business PSTN Domestic Calling, alias calling_plan_domestic)' in message


def test_an_empty_tenant_says_it_has_nothing():
    with pytest.raises(SkuResolutionError, match='the tenant has no subscriptions'):
        resolve_sku('phone_system', [])


@pytest.mark.parametrize('reference', ['', '   ', None])
def test_an_empty_reference_is_refused(reference):
    with pytest.raises(SkuResolutionError, match='licence reference is empty'):
        resolve_sku(reference, TENANT)


def test_an_alias_matching_two_tenant_skus_is_ambiguous():
    tenant = [tenant_sku('MCOEV_FACULTY'), tenant_sku('MCOEV_STUDENT'), tenant_sku('MCOPSTN1')]
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku('Phone_System', tenant)
    message = str(raised.value)
    assert message.startswith("licence 'Phone_System' matches 2 licences in this tenant: MCOEV_FACULTY (")
    assert 'skuId d979703c-028d-4de5-acbf-7955566b69b9' in message and 'MCOEV_STUDENT' in message
    assert message.endswith('name the one you mean by its part number or skuId')
    assert [choice['sku_part_number'] for choice in raised.value.choices] == ['MCOEV_FACULTY', 'MCOEV_STUDENT']
    assert part_of(resolve_sku('mcoev_student', tenant)) == 'MCOEV_STUDENT'


def test_two_skus_with_one_part_number_need_the_skuid():
    tenant = [tenant_sku('MCOPSTN5', sku_id) for sku_id in MCOPSTN5_IDS]
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku('MCOPSTN5', tenant)
    assert str(raised.value).endswith('name the one you mean by its skuId')
    for sku_id in MCOPSTN5_IDS:
        assert resolve_sku(sku_id, tenant).sku['skuId'] == sku_id


def test_the_tenant_list_shows_skuids_where_part_numbers_repeat():
    tenant = [tenant_sku('MCOPSTN5', sku_id) for sku_id in MCOPSTN5_IDS] + [tenant_sku('MCOEV')]
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku('foo', tenant)
    message = str(raised.value)
    assert all('skuId %s' % sku_id in message for sku_id in MCOPSTN5_IDS)
    assert 'skuId %s' % MCOEV_ID not in message


@pytest.mark.parametrize('tenant_part_numbers, part_number', [
    (('MCOPSTN_5',), 'MCOPSTN_5'),
    (('MCOPSTN5_US', 'MCOEV'), 'MCOPSTN5_US'),
])
def test_an_alias_picks_the_product_the_tenant_has(tenant_part_numbers, part_number):
    tenant = [tenant_sku(name) for name in tenant_part_numbers]
    assert part_of(resolve_sku('calling_plan_domestic_120', tenant)) == part_number


def test_government_cloud_tenants_resolve_the_same_aliases():
    tenant = [tenant_sku('MCOEV_GOV'), tenant_sku('MCOMEETADV_GOV'), tenant_sku('MCOPSTN_1_GOV'), tenant_sku('ENTERPRISEPREMIUM_GOV')]
    resolved = [part_of(resolve_sku(alias, tenant)) for alias in ('phone_system', 'audio_conferencing', 'calling_plan_domestic', 'office_365_e5')]
    assert resolved == ['MCOEV_GOV', 'MCOMEETADV_GOV', 'MCOPSTN_1_GOV', 'ENTERPRISEPREMIUM_GOV']


def test_a_tenant_part_number_with_no_break_spaces_still_resolves():
    tenant = [tenant_sku('O365_w/o\u00a0Teams\u00a0Bundle_M3', 'c2fe850d-fbbb-4858-b67d-bd0c6e746da3')]
    for reference in ('microsoft_365_e3_no_teams', 'O365_w/o Teams Bundle_M3', 'Microsoft 365 E3 EEA (no Teams)'):
        assert resolve_sku(reference, tenant).sku is tenant[0]


def test_mcopstnpp_means_communications_credits_with_a_warning():
    resolved = resolve_sku('MCOPSTNPP', TENANT)
    assert part_of(resolved) == 'MCOPSTNC'
    assert len(resolved.warnings) == 1
    assert resolved.warnings[0].startswith("licence 'MCOPSTNPP' resolved to MCOPSTNC (Communications Credits): ")
    assert "'communications_credits'" in resolved.warnings[0]


def test_mcopstnpp_still_finds_a_real_mcopstnpp_subscription_and_warns():
    tenant = [tenant_sku('MCOPSTNPP'), tenant_sku('MCOEV')]
    resolved = resolve_sku('mcopstnpp', tenant)
    assert resolved.sku['skuId'] == MCOPSTNPP_ID
    assert 'Skype for Business PSTN Usage Calling Plan' in resolved.warnings[0]


def test_mcopstnpp_with_both_subscriptions_is_ambiguous():
    tenant = [tenant_sku('MCOPSTNPP'), tenant_sku('MCOPSTNC')]
    with pytest.raises(SkuResolutionError) as raised:
        resolve_sku('MCOPSTNPP', tenant)
    assert sorted(choice['sku_id'] for choice in raised.value.choices) == sorted([MCOPSTNPP_ID, MCOPSTNC_ID])
    assert resolve_sku('communications_credits', tenant).warnings == []


def test_mcopstnpp_without_either_subscription_is_known_but_not_subscribed():
    with pytest.raises(SkuResolutionError, match="licence 'MCOPSTNPP' is .*MCOPSTNPP .*which this tenant has no subscription for"):
        resolve_sku('MCOPSTNPP', [tenant_sku('MCOEV')])


def test_the_teams_docs_name_mcopstn6_resolves_to_mcopstn_6_with_a_warning():
    resolved = resolve_sku('MCOPSTN6', [tenant_sku('MCOPSTN_6')])
    assert part_of(resolved) == 'MCOPSTN_6'
    assert 'MCOPSTN_6' in resolved.warnings[0]


# ---------------------------------------------------------------- service plans

E5 = tenant_sku('SPE_E5')


@pytest.mark.parametrize('reference', ['MCOEV', 'mcoev', ' MCOEV ', '4828c8ec-dc2e-4779-b502-87ac9ce28ab7', '4828C8EC-DC2E-4779-B502-87AC9CE28AB7'])
def test_service_plan_by_name_or_guid(reference):
    assert resolve_service_plan(reference, E5) == '4828c8ec-dc2e-4779-b502-87ac9ce28ab7'


def test_unknown_service_plan_lists_the_plans_of_that_sku():
    with pytest.raises(SkuResolutionError) as raised:
        resolve_service_plan('MCOMEETADV', tenant_sku('MCOTEAMS_ESSENTIALS'))
    assert str(raised.value) == ("service plan 'MCOMEETADV' is not a service plan of MCOTEAMS_ESSENTIALS (Teams Phone with Calling Plan)"
                                 "; its plans are: MCOEV (4828c8ec-dc2e-4779-b502-87ac9ce28ab7)"
                                 ", MCOPSTN1 (4ed3ff63-69d7-4fb7-b984-5aec7f605ca8)")
    assert [choice['service_plan_name'] for choice in raised.value.choices] == ['MCOEV', 'MCOPSTN1']


def test_a_plan_name_held_twice_needs_the_guid():
    sku = tenant_sku('CONTOSO_TWIN', CUSTOM_ID, plans=(('TWIN', '00000000-0000-4000-8000-000000000001'),
                                                       ('TWIN', '00000000-0000-4000-8000-000000000002')))
    with pytest.raises(SkuResolutionError, match='matches 2 service plans of CONTOSO_TWIN .*use the GUID'):
        resolve_service_plan('twin', sku)
    assert resolve_service_plan('00000000-0000-4000-8000-000000000002', sku) == '00000000-0000-4000-8000-000000000002'


# ---------------------------------------------------------------- categories

@pytest.mark.parametrize('part_number, category', [
    ('MCOEV', 'phone_system'), ('MCOEV_GOV', 'phone_system'), ('MCOEVSMB_1', 'phone_system'),
    ('MCOPSTN1', 'calling_plan'), ('MCOPSTN2', 'calling_plan'), ('MCOPSTN_6', 'calling_plan'), ('MCOPSTN5_US', 'calling_plan'),
    ('MCOPSTN_5', 'calling_plan'), ('Microsoft_Teams_Calling_Plan_pay_as_you_go_(country_zone_1_US)', 'calling_plan'),
    ('MCOMEETADV', 'audio_conferencing'), ('MCOMEETACPEA', 'audio_conferencing'),
    ('Microsoft_Teams_Audio_Conferencing_select_dial_out', 'audio_conferencing'),
    ('MCOPSTNC', 'communications_credits'), ('MCOPSTNPP', 'communications_credits'),
    ('PHONESYSTEM_VIRTUALUSER', 'resource_account'), ('PHONESYSTEM_VIRTUALUSER_GOV', 'resource_account'),
    ('MCOTEAMS_ESSENTIALS', 'teams_voice_bundle'), ('BUSINESS_VOICE_MED2', 'teams_voice_bundle'),
    ('BUSINESS_VOICE_DIRECTROUTING', 'teams_voice_bundle'),
    ('MEETING_ROOM', 'teams_addon'), ('Microsoft_Teams_Rooms_Pro', 'teams_addon'), ('MCOCAP', 'teams_addon'),
    ('Microsoft_Teams_EEA_New', 'teams_addon'), ('Teams_Ess', 'teams_addon'), ('TEAMS_ESSENTIALS_AAD', 'teams_addon'),
    ('Operator_Connect_Mobile', 'teams_addon'),
    ('STANDARDPACK', 'suite'), ('ENTERPRISEPACK', 'suite'), ('ENTERPRISEPREMIUM_NOPSTNCONF', 'suite'), ('SPE_E5', 'suite'),
    ('SPE_E5_CALLINGMINUTES', 'suite'), ('Office_365_E3_(no_Teams)', 'suite'), ('O365_w/o Teams Bundle_M3', 'suite'),
    ('SPE_E3_USGOV_DOD', 'suite'),
])
def test_category_of_catalogued_skus(part_number, category):
    assert teams_category(tenant_sku(part_number)) == category


@pytest.mark.parametrize('part_number, category', [
    # Absent from the catalogue, placed by part number.
    ('Microsoft_Teams_Enterprise_New', 'teams_addon'),
    ('MCOEV_NEWCLOUD', 'phone_system'),
    ('MCOPSTN9', 'calling_plan'),
    ('ENTERPRISEPREMIUM_FACULTY', 'suite'),
    ('Microsoft_365_E5', 'suite'),
    ('Microsoft_365_E5_(no_Teams)', 'suite'),
    ('O365_w/o_Teams_Bundle_M5_(500_seats_min)_HUB', 'suite'),
    ('Microsoft_365_E3_Extra_Features', 'other'),
    ('Office_365_w/o_Teams_Bundle_Business_Premium', 'other'),
    ('SPB', 'other'),
])
def test_category_of_tenant_skus_by_part_number(part_number, category):
    assert teams_category(tenant_sku(part_number, CUSTOM_ID, plans=())) == category


@pytest.mark.parametrize('plan_names, category', [
    (('MCOEV',), 'phone_system'),
    (('MCOEV_GOV', 'EXCHANGE_S_FOUNDATION_GOV'), 'phone_system'),
    (('MCOPSTN1',), 'calling_plan'),
    (('MCOPSTN_PAYG_1',), 'calling_plan'),
    (('MCOMEETADV',), 'audio_conferencing'),
    (('MCOPSTNC',), 'communications_credits'),
    (('MCOEV_VIRTUALUSER',), 'resource_account'),
    (('MCOEV', 'MCOPSTN1', 'MCOMEETADV'), 'teams_voice_bundle'),
    (('MCOEV', 'TEAMS1', 'EXCHANGE_S_ENTERPRISE'), 'other'),
    (('EXCHANGE_S_FOUNDATION',), 'other'),
    ((), 'other'),
])
def test_category_of_unknown_skus_by_service_plans(plan_names, category):
    plans = tuple((name, '00000000-0000-4000-8000-%012d' % index) for index, name in enumerate(plan_names))
    assert teams_category(tenant_sku('CONTOSO_SOMETHING', CUSTOM_ID, plans=plans)) == category


def test_the_catalogue_knows_a_sku_under_another_part_number():
    # The category follows the skuId when the tenant's part number is spelled differently.
    assert teams_category(tenant_sku('Microsoft 365 E5 renamed', catalogue_id('SPE_E5'), plans=())) == 'suite'


def test_every_catalogued_product_is_in_a_teams_category():
    assert [product.part_number for product in catalog.PRODUCTS if product.category == 'other'] == []


def test_only_teams_products_of_the_table_get_a_teams_category():
    """The part-number rules do not reach products that are not Teams add-ons."""
    stray = [part_number for sku_id, (part_number, _name, _plans) in TABLE.items()
             if sku_id not in PRODUCTS_BY_ID and catalog.category_by_part_number(part_number) not in ('other', 'suite')]
    assert stray == []


def test_voice_add_ons_carry_exactly_the_plans_of_their_capability():
    """The plan sets come from the data: classifying each voice add-on by its plans alone gives its category."""
    voice = ('phone_system', 'calling_plan', 'audio_conferencing', 'communications_credits', 'resource_account', 'teams_voice_bundle')
    mismatched = [(product.part_number, product.category) for product in catalog.PRODUCTS if product.category in voice and product.service_plans
                  and catalog.category_by_service_plans([{'servicePlanName': name} for name, _id in product.service_plans]) != product.category]
    assert mismatched == []


def test_capability_plan_names_are_spelled_as_in_the_table():
    table_plan_names = set(name for _part, _name, plans in TABLE.values() for name, _id in plans) | set(catalog.SERVICE_PLAN_IDS)
    for plans in (catalog.PHONE_SYSTEM_PLANS, catalog.CALLING_PLAN_PLANS, catalog.AUDIO_CONFERENCING_PLANS,
                  catalog.COMMUNICATIONS_CREDITS_PLANS, catalog.RESOURCE_ACCOUNT_PLANS):
        assert plans - table_plan_names == set()
    assert catalog.RESOURCE_ACCOUNT_PLANS <= catalog.PHONE_SYSTEM_PLANS
    assert set(catalog.CALLING_PLAN_KINDS.values()) == {'domestic', 'international', 'minute_bundle', 'pay_as_you_go'}


# ---------------------------------------------------------------- aliases and names

def test_every_alias_names_catalogued_products():
    part_numbers = set(product.part_number for product in catalog.PRODUCTS)
    targets = [part_number for part_numbers_of_alias in catalog.ALIASES.values() for part_number in part_numbers_of_alias]
    targets += [part_number for part_numbers_of_legacy, _note in catalog.LEGACY_REFERENCES.values() for part_number in part_numbers_of_legacy]
    assert set(targets) - part_numbers == set()


def test_aliases_never_collide_with_part_numbers_or_product_names():
    other_forms = set(catalog.normalise(product.part_number) for product in catalog.PRODUCTS)
    other_forms |= set(catalog.normalise(product.name) for product in catalog.PRODUCTS)
    other_forms |= set(catalog.normalise(name) for name in catalog.OTHER_PRODUCT_NAMES.values())
    assert set(catalog.normalise(alias) for alias in catalog.ALIASES) & other_forms == set()
    assert all(alias == alias.lower() and ' ' not in alias for alias in catalog.ALIASES)


@pytest.mark.parametrize('alias', [
    'phone_system', 'calling_plan_domestic', 'calling_plan_international', 'calling_plan_domestic_120', 'calling_plan_domestic_240',
    'calling_plan_pay_as_you_go', 'audio_conferencing', 'communications_credits', 'phone_resource_account',
    'teams_phone_with_calling_plan', 'office_365_e1', 'office_365_e3', 'office_365_e5', 'microsoft_365_e3', 'microsoft_365_e5',
    'teams_rooms_standard', 'teams_rooms_pro', 'teams_shared_devices', 'teams_enterprise', 'teams_eea',
])
def test_documented_aliases_exist(alias):
    assert alias in catalog.ALIASES


@pytest.mark.parametrize('sku_id, part_number, aliases', [
    (MCOEV_ID, None, ['phone_system', 'teams_phone']),
    (MCOPSTNC_ID, None, ['communications_credits']),
    (MCOPSTNPP_ID, None, []),
    ('11dee6af-eca8-419f-8061-6864517c1875', None, ['calling_plan_domestic_120']),
    (catalogue_id('SPE_E5'), 'SPE_E5', ['microsoft_365_e5']),
    (TEAMS_ENTERPRISE_ID, 'Microsoft_Teams_Enterprise_New', ['teams_enterprise']),
    (CUSTOM_ID, 'CONTOSO_CUSTOM_VOICE', []),
])
def test_sku_aliases(sku_id, part_number, aliases):
    assert sku_aliases(sku_id, part_number) == aliases


@pytest.mark.parametrize('sku_id, part_number, name', [
    (MCOEV_ID.upper(), None, 'Microsoft Teams Phone Standard'),
    (SPB_ID, 'SPB', 'Microsoft 365 Business Premium'),
    (TEAMS_ENTERPRISE_ID, 'Microsoft_Teams_Enterprise_New', 'Microsoft Teams Enterprise'),
    # A skuId the catalogue lacks for a part number it knows once.
    (CUSTOM_ID, 'MCOEV', 'Microsoft Teams Phone Standard'),
    # MCOPSTN5 names two products: no guessing.
    (CUSTOM_ID, 'MCOPSTN5', 'MCOPSTN5'),
    (CUSTOM_ID, 'CONTOSO_CUSTOM_VOICE', 'CONTOSO_CUSTOM_VOICE'),
    (CUSTOM_ID, None, CUSTOM_ID),
])
def test_product_name(sku_id, part_number, name):
    assert product_name(sku_id, part_number) == name
