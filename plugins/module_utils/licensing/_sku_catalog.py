# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Licence names users write, resolved against what the tenant's subscribedSkus returns.

A licence reference is, case-insensitively and with surrounding whitespace ignored: an alias
from ALIASES (``phone_system``), a skuPartNumber (``MCOEV``), a product display name
(``Microsoft Teams Phone Standard``) or a skuId GUID. Resolution always ends on one of the
tenant's own SKUs: the catalogue (_sku_data.py, generated from Microsoft's licensing table by
tools/generate_sku_catalog.py) only supplies names, aliases and categories. A tenant SKU the
catalogue does not know is still found by its skuId, its part number, or the display name
derived from them.

Public interface
----------------
``resolve_sku(reference, tenant_skus)`` -> ResolvedSku
    ``tenant_skus`` is the ``value`` list of GET /subscribedSkus (Graph camelCase dicts).
    ResolvedSku is a copy of the tenant's subscribedSku dict (so it can be used as one) with
    ``.sku`` (the tenant's dict itself) and ``.warnings`` (list of str for the user).
    Raises SkuResolutionError when the reference matches no tenant SKU or more than one.
``SkuResolver(tenant_skus).resolve(reference)``: the same, indexing the tenant SKUs once for
    callers that resolve many references.
``resolve_service_plan(reference, subscribed_sku)`` -> servicePlanId (plan name or GUID).
``product_name(sku_id, part_number=None)`` -> display name, falling back to the part number.
``sku_aliases(sku_id, part_number=None)`` -> sorted list of the aliases naming that SKU.
``teams_category(subscribed_sku)`` -> one of CATEGORIES.
``SkuResolutionError``: ``.reference`` as given, ``.choices`` (list of dicts the user can pick
    from: ``sku_part_number``, ``sku_id``, ``product_name``, ``aliases``; for a service plan:
    ``service_plan_name``, ``service_plan_id``).
Service plan names by capability (frozensets of servicePlanName as Graph spells it):
    PHONE_SYSTEM_PLANS, RESOURCE_ACCOUNT_PLANS, CALLING_PLAN_PLANS (kinds in
    CALLING_PLAN_KINDS), AUDIO_CONFERENCING_PLANS, COMMUNICATIONS_CREDITS_PLANS.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.m365.licensing.plugins.module_utils.licensing._sku_data import (
    OTHER_PRODUCT_NAMES,
    SERVICE_PLAN_IDS,
    TEAMS_PRODUCTS,
)

# ---------------------------------------------------------------- capabilities (service plans)

# Phone System, whichever SKU carries it (graph-facts 8.3: detect the plan, not the SKU). GCC
# High and DoD Phone SKUs carry the commercial MCOEV plan (graph-facts 8.2). The resource-account
# plans count as Phone System: a resource account (auto attendant, call queue) may hold a Calling
# Plan for its phone number, so "a Calling Plan needs Phone System" must accept them.
RESOURCE_ACCOUNT_PLANS = frozenset(('MCOEV_VIRTUALUSER', 'MCOEV_VIRTUALUSER_GOV'))
PHONE_SYSTEM_PLANS = frozenset(('MCOEV', 'MCOEV_GOV', 'MCOEVSMB')) | RESOURCE_ACCOUNT_PLANS

# Calling Plan service plans and what kind of plan each is (for rules and messages). Names
# follow the table: MCOPSTN6 is the plan of SKU MCOPSTN_6, PSTN5_US the plan of MCOPSTN5_US, and
# the plan of MCOPSTN5 d43177b5 is named with its friendly name (graph-facts 8.2, 8.4).
CALLING_PLAN_KINDS = {
    'MCOPSTN1': 'domestic',
    'MCOPSTN1_GOV': 'domestic',
    # Telstra's Calling Plan for Australia (SKU MCOPSTNEAU2); the table says no more.
    'MCOPSTNEAU': 'domestic',
    'MCOPSTN2': 'international',
    'MCOPSTN5': 'minute_bundle',
    'Skype for Business PSTN Calling Domestic Small': 'minute_bundle',
    'PSTN5_US': 'minute_bundle',
    'MCOPSTN6': 'minute_bundle',
    # The 120 calling minutes inside SPE_E5_CALLINGMINUTES (graph-facts 8.3).
    'MCOPSTN8': 'minute_bundle',
    'MCOPSTN_PAYG_1': 'pay_as_you_go',
}
CALLING_PLAN_PLANS = frozenset(CALLING_PLAN_KINDS)

AUDIO_CONFERENCING_PLANS = frozenset((
    'MCOMEETADV', 'MCOMEETADV_GOV', 'MCOMEETADV_AR_GCCHigh', 'MCOACBYOT_GCCHigh',
    'MCOMEETACPEA', 'MCOMEETBASIC', 'MCOMEETBASIC_GOV',
))

# MCOPSTN3 is the plan of MCOPSTNPP, which the Teams admin docs call Communications Credits
# (graph-facts 8.4): a pay-per-use plan, not a minute plan, so it is no Calling Plan here.
COMMUNICATIONS_CREDITS_PLANS = frozenset(('MCOPSTNC', 'MCOPSTN3'))

# Plans that ride along with government voice add-ons (MCOEV_GOV also carries
# EXCHANGE_S_FOUNDATION_GOV, graph-facts 8.2); ignored when a SKU is classified by its plans.
FOUNDATION_PLAN_PATTERN = re.compile(r'^EXCHANGE_(S_)?FOUNDATION', re.IGNORECASE)

# ---------------------------------------------------------------- categories

CATEGORIES = (
    'phone_system', 'calling_plan', 'audio_conferencing', 'communications_credits', 'resource_account',
    'teams_voice_bundle', 'teams_addon', 'suite', 'other',
)

# Category by skuPartNumber, first match wins (case-insensitive, whitespace collapsed).
CATEGORY_PART_NUMBER_RULES = tuple((category, re.compile(pattern, re.IGNORECASE)) for category, pattern in (
    ('resource_account', r'^PHONESYSTEM_VIRTUALUSER'),
    # Before the Calling Plans: MCOPSTNPP is what the Teams admin docs call Communications Credits (graph-facts 8.4).
    ('communications_credits', r'^MCOPSTN(C|PP)$'),
    ('calling_plan', r'^MCOPSTN|^Microsoft_Teams_Calling_Plan_pay_as_you_go'),
    ('phone_system', r'^MCOEV'),
    ('audio_conferencing', r'^MCOMEET|^MCOACBYOT|^Microsoft_Teams_Audio_Conferencing'),
    ('teams_voice_bundle', r'^MCOTEAMS_ESSENTIALS$|^BUSINESS_VOICE'),
    ('teams_addon', r'^MCOCAP|^MEETING_ROOM|^Microsoft_Teams_Rooms_|^Microsoft_Teams_(EEA|Enterprise)_New$|^Teams_Ess$'
                    r'|^TEAMS_ESSENTIALS_AAD$|^Operator_Connect_Mobile$'),
    # The E1/E3/E5 family: Office 365 (STANDARDPACK, ENTERPRISEPACK, ENTERPRISEPREMIUM), Microsoft 365
    # (SPE_E3, SPE_E5) with their cloud, education and unattended editions, and the no-Teams / EEA
    # editions (graph-facts 8.3). Add-ons such as Microsoft_365_E3_Extra_Features are not suites.
    ('suite', r'^(STANDARDPACK|ENTERPRISEPACK|ENTERPRISEPREMIUM|SPE_E3|SPE_E5)(_|$)'
              r'|^(Office|Microsoft)_365_E[135](_|$)(?!Extra_Features)'
              r'|^O(ffice_)?365_w/o[ _]Teams[ _]Bundle_[EM][135](_|$)'),
))

# ---------------------------------------------------------------- aliases

_TEAMS_PHONE = ('MCOEV', 'MCOEV_GOV', 'MCOEV_GCCHIGH', 'MCOEV_USGOV_GCCHIGH', 'MCOEV_DOD', 'MCOEV_USGOV_DOD',
                'MCOEV_FACULTY', 'MCOEV_STUDENT', 'MCOEV_TELSTRA', 'MCOEVSMB_1')

# Alias -> the part numbers it may mean. A tenant normally holds one of them (one cloud, one
# edition); when it holds two, the reference is ambiguous and the user names one by part number
# or skuId. Every part number here is in the catalogue (a unit test checks it).
ALIASES = {
    # Teams Phone Standard (formerly Phone System) in every cloud and edition.
    'phone_system': _TEAMS_PHONE,
    'teams_phone': _TEAMS_PHONE,
    'phone_resource_account': ('PHONESYSTEM_VIRTUALUSER', 'PHONESYSTEM_VIRTUALUSER_FACULTY', 'PHONESYSTEM_VIRTUALUSER_GOV',
                               'PHONESYSTEM_VIRTUALUSER_USGOV_GCCHIGH'),
    'teams_phone_mobile': ('Operator_Connect_Mobile',),
    # Calling Plans (graph-facts 8.4 for MCOPSTN5 / MCOPSTN_5 and MCOPSTN_6).
    'calling_plan_domestic': ('MCOPSTN1', 'MCOPSTN_1_GOV'),
    'calling_plan_international': ('MCOPSTN2',),
    'calling_plan_domestic_120': ('MCOPSTN5', 'MCOPSTN_5', 'MCOPSTN5_US'),
    'calling_plan_domestic_240': ('MCOPSTN_6',),
    'calling_plan_pay_as_you_go': ('Microsoft_Teams_Calling_Plan_pay_as_you_go_(country_zone_1_US)',),
    'communications_credits': ('MCOPSTNC',),
    # Audio Conferencing.
    'audio_conferencing': ('MCOMEETADV', 'MCOMEETADV_FACULTY', 'MCOMEETADV_GOV', 'MCOMEETADV_USGOV_GCCHIGH'),
    'audio_conferencing_pay_per_minute': ('MCOMEETACPEA',),
    'audio_conferencing_select_dial_out': ('Microsoft_Teams_Audio_Conferencing_select_dial_out',),
    # Bundles of Teams Phone with a Calling Plan and/or Audio Conferencing.
    'teams_phone_with_calling_plan': ('MCOTEAMS_ESSENTIALS',),
    'microsoft_365_business_voice': ('BUSINESS_VOICE', 'BUSINESS_VOICE_MED2', 'BUSINESS_VOICE_MED2_TELCO'),
    'microsoft_365_business_voice_no_calling_plan': ('BUSINESS_VOICE_DIRECTROUTING', 'BUSINESS_VOICE_DIRECTROUTING_MED'),
    # Rooms, shared devices and standalone Teams.
    'teams_rooms_basic': ('Microsoft_Teams_Rooms_Basic', 'Microsoft_Teams_Rooms_Basic_FAC'),
    'teams_rooms_standard': ('MEETING_ROOM', 'MEETING_ROOM_GOV'),
    'teams_rooms_pro': ('Microsoft_Teams_Rooms_Pro', 'Microsoft_Teams_Rooms_Pro_FAC', 'Microsoft_Teams_Rooms_Pro_GCC'),
    'teams_shared_devices': ('MCOCAP', 'MCOCAP_FACULTY', 'MCOCAP_GOV'),
    'teams_enterprise': ('Microsoft_Teams_Enterprise_New',),
    'teams_eea': ('Microsoft_Teams_EEA_New',),
    'teams_essentials': ('Teams_Ess', 'TEAMS_ESSENTIALS_AAD'),
    # Suites (graph-facts 8.3), with their GCC / GCC High / DoD editions.
    'office_365_e1': ('STANDARDPACK', 'STANDARDPACK_GOV', 'STANDARDPACK_USGOV_GCCHIGH'),
    'office_365_e3': ('ENTERPRISEPACK', 'ENTERPRISEPACK_GOV', 'ENTERPRISEPACK_USGOV_GCCHIGH', 'ENTERPRISEPACK_USGOV_DOD'),
    'office_365_e5': ('ENTERPRISEPREMIUM', 'ENTERPRISEPREMIUM_GOV'),
    'office_365_e5_no_audio_conferencing': ('ENTERPRISEPREMIUM_NOPSTNCONF',),
    'microsoft_365_e3': ('SPE_E3', 'SPE_E3_USGOV_GCCHIGH', 'SPE_E3_USGOV_DOD'),
    'microsoft_365_e5': ('SPE_E5', 'SPE_E5_USGOV_GCCHIGH'),
    'microsoft_365_e5_no_audio_conferencing': ('SPE_E5_NOPSTNCONF', 'Microsoft_365_E5_without_Audio_Conferencing'),
    'microsoft_365_e5_calling_minutes': ('SPE_E5_CALLINGMINUTES',),
    # No-Teams suites: the worldwide and the EEA edition share an alias (a tenant buys one).
    'office_365_e1_no_teams': ('Office_365_w/o_Teams_Bundle_E1',),
    'office_365_e3_no_teams': ('Office_365_E3_(no_Teams)', 'O365_w/o_Teams_Bundle_E3'),
    'office_365_e5_no_teams': ('Office_365_w/o_Teams_Bundle_E5',),
    'office_365_e5_no_teams_no_audio_conferencing': ('Office_365_E5_EEA_(no_Teams)_without_Audio_Conferencing',),
    'microsoft_365_e3_no_teams': ('Microsoft_365_E3_(no_Teams)', 'O365_w/o Teams Bundle_M3'),
    'microsoft_365_e5_no_teams': ('Microsoft_365_E5_(no_Teams)', 'O365_w/o_Teams_Bundle_M5'),
    'microsoft_365_e5_no_teams_no_audio_conferencing': ('Microsoft_365_E5_EEA_(no_Teams)_without_Audio_Conferencing',),
    'microsoft_365_e5_no_teams_calling_minutes': ('Microsoft_365_E5_EEA_(no_Teams)_with_Calling_Minutes',),
}

# Names from the Teams admin docs that differ from what Graph reports (graph-facts 8.4): they
# resolve like an alias of the part numbers given, and always with the warning text given.
LEGACY_REFERENCES = {
    'MCOPSTNPP': (('MCOPSTNC',), 'the Teams admin docs use MCOPSTNPP for Communications Credits, but Graph reports Communications '
                                 'Credits as MCOPSTNC and MCOPSTNPP as the Skype for Business PSTN Usage Calling Plan; '
                                 "write 'communications_credits' or a skuId to be explicit"),
    'MCOPSTN6': (('MCOPSTN_6',), 'the Teams admin docs write MCOPSTN6 for the 240-minute Domestic Calling Plan, but Graph '
                                 "reports it as MCOPSTN_6 (MCOPSTN6 is its service plan); write 'MCOPSTN_6' or "
                                 "'calling_plan_domestic_240'"),
}


# ---------------------------------------------------------------- errors and results

class SkuResolutionError(Exception):
    """A licence or service-plan reference that names nothing, or more than one thing, in the tenant."""

    def __init__(self, message, reference, choices):
        super().__init__(message)
        self.reference = reference
        self.choices = choices


class ResolvedSku(dict):
    """The tenant's subscribedSku that a reference resolved to, with the warnings for the user.

    A copy of that subscribedSku dict, so code that treats the result as the dict itself keeps
    working; ``.sku`` is the tenant's own dict object and ``.warnings`` a list of str.
    """

    def __init__(self, sku, warnings=()):
        super().__init__(sku)
        self.sku = sku
        self.warnings = list(warnings)


# ---------------------------------------------------------------- the catalogue, indexed once

CatalogueProduct = namedtuple('CatalogueProduct', ('sku_id', 'part_number', 'name', 'service_plans', 'category'))


def normalise(reference):
    """The lookup key of a reference: case-folded, surrounding whitespace dropped, inner runs of
    whitespace (no-break spaces included, graph-facts 8.1) collapsed to one space."""
    if reference is None:
        return ''
    return ' '.join(str(reference).split()).casefold()


def category_by_part_number(part_number):
    """The category a skuPartNumber implies, or 'other'."""
    key = ' '.join((part_number or '').split())
    for category, pattern in CATEGORY_PART_NUMBER_RULES:
        if pattern.search(key):
            return category
    return 'other'


def _catalogue_product(entry):
    sku_id, part_number, name, plan_names = entry
    service_plans = tuple((plan_name, SERVICE_PLAN_IDS[plan_name]) for plan_name in plan_names)
    return CatalogueProduct(sku_id, part_number, name, service_plans, category_by_part_number(part_number))


def _grouped(pairs):
    """{key: [value, ...]} from (key, value) pairs, values in the order given."""
    groups = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


PRODUCTS = tuple(_catalogue_product(entry) for entry in TEAMS_PRODUCTS)
_PRODUCT_BY_SKU_ID = dict((product.sku_id, product) for product in PRODUCTS if product.sku_id)
_PRODUCTS_BY_PART_NUMBER = _grouped((normalise(product.part_number), product) for product in PRODUCTS)
_ALIASES_BY_PART_NUMBER = _grouped((normalise(part_number), alias) for alias, part_numbers in ALIASES.items() for part_number in part_numbers)
_LEGACY_BY_PART_NUMBER = _grouped((normalise(part_number), legacy)
                                  for legacy, (part_numbers, _note) in LEGACY_REFERENCES.items() for part_number in part_numbers)
_LEGACY_NOTES = dict((normalise(legacy), note) for legacy, (_part_numbers, note) in LEGACY_REFERENCES.items())


def _describe_product(product):
    return '%s (%s)' % (product.part_number, product.name)


def _known_references():
    """Every reference the catalogue knows -> what it means, for "known but not subscribed" errors."""
    known = {}

    def add(key, meaning):
        meanings = known.setdefault(normalise(key), [])
        if meaning not in meanings:
            meanings.append(meaning)

    for product in PRODUCTS:
        for key in (product.sku_id, product.part_number, product.name):
            if key:
                add(key, _describe_product(product))
    for sku_id, name in OTHER_PRODUCT_NAMES.items():
        add(sku_id, '%s (skuId %s)' % (name, sku_id))
        add(name, '%s (skuId %s)' % (name, sku_id))
    for reference, part_numbers in list(ALIASES.items()) + [(legacy, parts) for legacy, (parts, _note) in LEGACY_REFERENCES.items()]:
        for part_number in part_numbers:
            for product in _PRODUCTS_BY_PART_NUMBER.get(normalise(part_number), ()):
                add(reference, _describe_product(product))
    return dict((key, ' or '.join(meanings)) for key, meanings in known.items())


_KNOWN_REFERENCES = _known_references()


# ---------------------------------------------------------------- names, aliases, categories

def product_name(sku_id, part_number=None):
    """Display name of a SKU: from the catalogue by skuId, then by part number when that names one
    product, else the part number itself (or the skuId when there is no part number)."""
    key = normalise(sku_id)
    product = _PRODUCT_BY_SKU_ID.get(key)
    if product:
        return product.name
    if key in OTHER_PRODUCT_NAMES:
        return OTHER_PRODUCT_NAMES[key]
    names = set(product.name for product in _PRODUCTS_BY_PART_NUMBER.get(normalise(part_number), ()))
    if len(names) == 1:
        return names.pop()
    return part_number or sku_id


def _part_number_of(sku_id, part_number):
    """The tenant's part number if given, else the catalogue's for that skuId."""
    if part_number:
        return part_number
    product = _PRODUCT_BY_SKU_ID.get(normalise(sku_id))
    return product.part_number if product else None


def sku_aliases(sku_id, part_number=None):
    """Sorted aliases that name this SKU (matched by the tenant's part number, or the catalogue's
    part number for that skuId). Legacy names (LEGACY_REFERENCES) are not aliases."""
    return sorted(_ALIASES_BY_PART_NUMBER.get(normalise(_part_number_of(sku_id, part_number)), ()))


def category_by_service_plans(service_plans):
    """Category of a SKU the part-number rules do not place: a SKU that carries only plans of one
    capability is that add-on; only Phone System / Calling Plan / Audio Conferencing plans make a
    voice bundle; anything mixed with other plans stays 'other' (out of exact_scope: teams)."""
    names = set(plan.get('servicePlanName') or '' for plan in service_plans)
    names = set(name for name in names if not FOUNDATION_PLAN_PATTERN.match(name))
    if not names:
        return 'other'
    for category, plans in (('resource_account', RESOURCE_ACCOUNT_PLANS), ('communications_credits', COMMUNICATIONS_CREDITS_PLANS),
                            ('calling_plan', CALLING_PLAN_PLANS), ('phone_system', PHONE_SYSTEM_PLANS),
                            ('audio_conferencing', AUDIO_CONFERENCING_PLANS)):
        if names <= plans:
            return category
    if names <= (PHONE_SYSTEM_PLANS | CALLING_PLAN_PLANS | AUDIO_CONFERENCING_PLANS):
        return 'teams_voice_bundle'
    return 'other'


def teams_category(subscribed_sku):
    """Category of a tenant SKU: the catalogue's for a known skuId, else by part number, else by
    its service plans."""
    product = _PRODUCT_BY_SKU_ID.get(normalise(subscribed_sku.get('skuId')))
    if product:
        return product.category
    category = category_by_part_number(subscribed_sku.get('skuPartNumber'))
    if category != 'other':
        return category
    return category_by_service_plans(subscribed_sku.get('servicePlans') or [])


# ---------------------------------------------------------------- resolution

def _sku_choice(sku):
    return dict(
        sku_part_number=sku.get('skuPartNumber'),
        sku_id=sku.get('skuId'),
        product_name=product_name(sku.get('skuId'), sku.get('skuPartNumber')),
        aliases=sku_aliases(sku.get('skuId'), sku.get('skuPartNumber')),
    )


def _describe_choice(choice, with_sku_id):
    details = []
    if choice['product_name'] and choice['product_name'] != choice['sku_part_number']:
        details.append(choice['product_name'])
    if choice['aliases']:
        details.append('%s %s' % ('alias' if len(choice['aliases']) == 1 else 'aliases', ', '.join(choice['aliases'])))
    if with_sku_id:
        details.append('skuId %s' % choice['sku_id'])
    label = choice['sku_part_number'] or choice['sku_id']
    return '%s (%s)' % (label, ', '.join(details)) if details else label


def _describe_choices(choices, always_with_sku_id=False):
    part_numbers = [normalise(choice['sku_part_number']) for choice in choices]
    return ', '.join(_describe_choice(choice, always_with_sku_id or part_numbers.count(normalise(choice['sku_part_number'])) > 1)
                     for choice in choices)


class SkuResolver:
    """Resolves licence references against one tenant's subscribedSkus, indexed once."""

    def __init__(self, tenant_skus):
        self.tenant_skus = list(tenant_skus)
        self._skus_by_reference = {}
        for position, sku in enumerate(self.tenant_skus):
            for key in self._reference_keys(sku):
                self._skus_by_reference.setdefault(key, {})[position] = sku
        self.choices = sorted((_sku_choice(sku) for sku in self.tenant_skus),
                              key=lambda choice: (normalise(choice['sku_part_number']), choice['sku_id'] or ''))

    @staticmethod
    def _reference_keys(sku):
        sku_id, part_number = sku.get('skuId'), sku.get('skuPartNumber')
        keys = set([normalise(sku_id), normalise(part_number), normalise(product_name(sku_id, part_number))])
        keys.update(normalise(alias) for alias in sku_aliases(sku_id, part_number))
        keys.update(normalise(legacy) for legacy in _LEGACY_BY_PART_NUMBER.get(normalise(part_number), ()))
        keys.discard('')
        return keys

    def _tenant_summary(self):
        if not self.choices:
            return 'the tenant has no subscriptions'
        return 'the tenant has: %s' % _describe_choices(self.choices)

    def resolve(self, reference):
        """The one tenant SKU that ``reference`` names, as a ResolvedSku; else SkuResolutionError."""
        key = normalise(reference)
        if not key:
            raise SkuResolutionError('licence reference is empty; %s' % self._tenant_summary(), reference, self.choices)
        matches = [sku for _position, sku in sorted(self._skus_by_reference.get(key, {}).items())]
        if len(matches) == 1:
            return ResolvedSku(matches[0], self._warnings(reference, key, matches[0]))
        if matches:
            raise self._ambiguous(reference, matches)
        if key in _KNOWN_REFERENCES:
            raise SkuResolutionError('licence %r is %s, which this tenant has no subscription for; %s'
                                     % (reference, _KNOWN_REFERENCES[key], self._tenant_summary()), reference, self.choices)
        raise SkuResolutionError('licence %r does not match any licence in this tenant; %s'
                                 % (reference, self._tenant_summary()), reference, self.choices)

    @staticmethod
    def _warnings(reference, key, sku):
        if key not in _LEGACY_NOTES:
            return []
        return ['licence %r resolved to %s (%s): %s' % (
            reference, sku.get('skuPartNumber'), product_name(sku.get('skuId'), sku.get('skuPartNumber')), _LEGACY_NOTES[key])]

    @staticmethod
    def _ambiguous(reference, matches):
        choices = [_sku_choice(sku) for sku in matches]
        part_numbers = set(normalise(choice['sku_part_number']) for choice in choices)
        how = 'its part number or skuId' if len(part_numbers) == len(choices) else 'its skuId'
        return SkuResolutionError('licence %r matches %d licences in this tenant: %s; name the one you mean by %s'
                                  % (reference, len(matches), _describe_choices(choices, always_with_sku_id=True), how),
                                  reference, choices)


def resolve_sku(reference, tenant_skus):
    """The tenant SKU that ``reference`` names (see SkuResolver.resolve)."""
    return SkuResolver(tenant_skus).resolve(reference)


def resolve_service_plan(reference, subscribed_sku):
    """servicePlanId of the plan of ``subscribed_sku`` named by ``reference`` (plan name or GUID)."""
    key = normalise(reference)
    plans = subscribed_sku.get('servicePlans') or []
    matches = [plan for plan in plans if key and key in (normalise(plan.get('servicePlanId')), normalise(plan.get('servicePlanName')))]
    choices = sorted((dict(service_plan_name=plan.get('servicePlanName'), service_plan_id=plan.get('servicePlanId')) for plan in plans),
                     key=lambda choice: (normalise(choice['service_plan_name']), choice['service_plan_id'] or ''))
    if len(matches) == 1:
        return matches[0]['servicePlanId']
    sku_label = '%s (%s)' % (subscribed_sku.get('skuPartNumber'), product_name(subscribed_sku.get('skuId'), subscribed_sku.get('skuPartNumber')))
    plan_list = ', '.join('%s (%s)' % (choice['service_plan_name'], choice['service_plan_id']) for choice in choices) or 'none'
    if matches:
        problem = 'matches %d service plans of %s; use the GUID' % (len(matches), sku_label)
    else:
        problem = 'is not a service plan of %s' % sku_label
    raise SkuResolutionError('service plan %r %s; its plans are: %s' % (reference, problem, plan_list), reference, choices)
