# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a user holds, one entry per licence: from where, in which state, and which Teams plans work.

Pure: no I/O. Input is a Graph user read with ``assignedLicenses``, ``licenseAssignmentStates``,
``assignedPlans`` and ``provisionedPlans`` selected (graph-facts 3.1), the tenant's subscribed SKUs,
and the display names of the groups licences are inherited from. teams_license_info reports users in
this shape, and group reports their members in error.

- A licence is listed when the user holds it (``assignedLicenses``) or when an assignment of it is in
  error (it then appears only in ``licenseAssignmentStates``, graph-facts 3.2).
- Each assignment path (direct, or one per group) has its own state; the licence reports the worst
  one and the first error, so a failed group copy is not hidden by a healthy direct one.
- A Teams plan's provisioning status comes from ``provisionedPlans``, which Graph keeps per service
  (graph-facts 3.1): the plan's service is found through ``assignedPlans``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _sku_catalog as catalog
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import HEALTHY_ASSIGNMENT_ERRORS

HOLDINGS_USER_SELECT = ('id,userPrincipalName,displayName,accountEnabled,usageLocation,assignedLicenses,'
                        'licenseAssignmentStates,assignedPlans,provisionedPlans')
STATE_SEVERITY = {'Active': 0, 'Disabled': 1, 'ActiveWithError': 2, 'Error': 3}
TEAMS_PLAN_NAMES = (catalog.PHONE_SYSTEM_PLANS | catalog.CALLING_PLAN_PLANS | catalog.AUDIO_CONFERENCING_PLANS
                    | catalog.COMMUNICATIONS_CREDITS_PLANS)
# Plans of the Teams service (TEAMS1, TEAMS_GOV, ...) and of Skype/Teams communications (MCO*).
TEAMS_PLAN_PREFIXES = ('TEAMS', 'MCO')

# What each licenseAssignmentState error means (graph-facts 3.2) and what an admin does about it.
ERROR_ADVICE = {
    'CountViolation': 'No seat left for this licence: buy more seats or free seats, then reprocess the user.',
    'MutuallyExclusiveViolation': 'A plan of this licence cannot be held with one the user already has (for example two'
                                  ' Calling Plans): remove one of them, then reprocess the user.',
    'DependencyViolation': 'A prerequisite plan is missing (for example a Calling Plan without Teams Phone): assign'
                           ' the prerequisite licence, then reprocess the user.',
    'ProhibitedInUsageLocationViolation': 'The licence is not sold in the user\'s usage location: set a usage location'
                                          ' where it is offered, or remove the licence.',
    'UniquenessViolation': 'The user\'s proxy address is already taken by another object: fix the duplicate address,'
                           ' then reprocess the user.',
    'Other': 'Graph gives no reason: reprocess the user (reprocessLicenseAssignment) to see the underlying error.',
}


def is_teams_plan(plan_name):
    name = (plan_name or '').upper()
    return name in TEAMS_PLAN_NAMES or name.startswith(TEAMS_PLAN_PREFIXES)


def error_advice(error):
    """What to do about a licence assignment error, or None when there is none."""
    if error in HEALTHY_ASSIGNMENT_ERRORS:
        return None
    return ERROR_ADVICE.get(error, ERROR_ADVICE['Other'])


class SkuIndex(object):
    """The tenant's subscribed SKUs by skuId (lower case), with the names a report shows."""

    def __init__(self, tenant_skus):
        self.skus = dict((sku['skuId'].lower(), sku) for sku in tenant_skus)
        self._plan_names = {}
        for sku in tenant_skus:
            for plan in sku.get('servicePlans') or []:
                self._plan_names[plan['servicePlanId'].lower()] = plan.get('servicePlanName')

    def describe(self, sku_id):
        """sku_id, sku_part_number, product_name and aliases of a SKU (the catalogue's names if the tenant lacks it)."""
        sku = self.skus.get(sku_id.lower()) or {}
        part_number = sku.get('skuPartNumber')
        return dict(sku_id=sku_id, sku_part_number=part_number, product_name=catalog.product_name(sku_id, part_number),
                    aliases=catalog.sku_aliases(sku_id, part_number))

    def is_teams_related(self, sku_id):
        sku = self.skus.get(sku_id.lower())
        return sku is not None and catalog.teams_category(sku) != 'other'

    def plan_name(self, plan_id):
        return self._plan_names.get(plan_id.lower(), plan_id)

    def teams_plans(self, sku_id):
        sku = self.skus.get(sku_id.lower()) or {}
        return [plan for plan in sku.get('servicePlans') or [] if is_teams_plan(plan.get('servicePlanName'))]

    def teams_skus(self):
        """The tenant's Teams-related SKUs, by part number."""
        skus = [sku for sku in self.skus.values() if catalog.teams_category(sku) != 'other']
        return sorted(skus, key=lambda sku: ((sku.get('skuPartNumber') or '').lower(), sku['skuId']))


def licence_ids(user):
    """skuIds (as Graph spells them) the user holds or has an assignment of, in Graph's order."""
    ids = []
    for entry in list(user.get('assignedLicenses') or []) + list(user.get('licenseAssignmentStates') or []):
        sku_id = entry.get('skuId')
        if sku_id and sku_id.lower() not in [known.lower() for known in ids]:
            ids.append(sku_id)
    return ids


def group_ids(user):
    """Ids of the groups the user's licences are inherited from."""
    return [state['assignedByGroup'] for state in user.get('licenseAssignmentStates') or [] if state.get('assignedByGroup')]


def describe_licenses(user, sku_index, group_names, teams_only=False):
    """The user's licences in the reported shape (see the module's RETURN), sorted by part number."""
    held = dict((entry['skuId'].lower(), entry) for entry in user.get('assignedLicenses') or [] if entry.get('skuId'))
    provisioning = _provisioning_by_plan(user)
    licenses = []
    for sku_id in licence_ids(user):
        if teams_only and not sku_index.is_teams_related(sku_id):
            continue
        states = [state for state in user.get('licenseAssignmentStates') or [] if (state.get('skuId') or '').lower() == sku_id.lower()]
        licenses.append(describe_license(sku_id, held.get(sku_id.lower()), states, sku_index, group_names, provisioning))
    return sorted(licenses, key=lambda item: ((item['sku_part_number'] or '').lower(), item['sku_id']))


def describe_license(sku_id, held, states, sku_index, group_names, provisioning):
    """One licence: identity, assignment paths, worst state and first error, disabled plans, Teams plans."""
    description = sku_index.describe(sku_id)
    state, error = _worst_state(states, held)
    disabled_ids = _disabled_plan_ids(held, states)
    description.update(
        assigned_directly=any(not item.get('assignedByGroup') for item in states) if states else held is not None,
        groups=[{'id': item['assignedByGroup'], 'display_name': group_names.get(item['assignedByGroup'])}
                for item in states if item.get('assignedByGroup')],
        state=state,
        error=error,
        disabled_plans=sorted(sku_index.plan_name(plan_id) for plan_id in disabled_ids),
        teams_plans=[_teams_plan(plan, held, disabled_ids, provisioning) for plan in sku_index.teams_plans(sku_id)],
    )
    return description


def _worst_state(states, held):
    if not states:
        return ('Active' if held is not None else 'Error'), None
    worst = max(states, key=lambda item: STATE_SEVERITY.get(item.get('state'), STATE_SEVERITY['Error']))
    errors = [item.get('error') for item in states if item.get('error') not in HEALTHY_ASSIGNMENT_ERRORS]
    return worst.get('state') or 'Error', (errors[0] if errors else None)


def _disabled_plan_ids(held, states):
    if held is not None:
        return set(plan_id.lower() for plan_id in held.get('disabledPlans') or [])
    return set(plan_id.lower() for item in states[:1] for plan_id in item.get('disabledPlans') or [])


def _provisioning_by_plan(user):
    """{servicePlanId (lower case): provisioningStatus}, through each assigned plan's service."""
    by_service = dict((item.get('service'), item.get('provisioningStatus')) for item in user.get('provisionedPlans') or [])
    return dict(((item.get('servicePlanId') or '').lower(), by_service.get(item.get('service')))
                for item in user.get('assignedPlans') or [])


def _teams_plan(plan, held, disabled_ids, provisioning):
    plan_id = plan['servicePlanId']
    if held is None:
        status = None  # the licence is not held (its assignment failed): nothing is provisioned
    elif plan_id.lower() in disabled_ids:
        status = 'Disabled'
    else:
        status = provisioning.get(plan_id.lower())
    return dict(service_plan_id=plan_id, service_plan_name=plan.get('servicePlanName'), provisioning_status=status)


def describe_user(user, licenses):
    """The reported user: identity, account and usage location, and the licences already described."""
    return dict(
        id=user.get('id'),
        user_principal_name=user.get('userPrincipalName'),
        display_name=user.get('displayName'),
        account_enabled=user.get('accountEnabled'),
        usage_location=user.get('usageLocation'),
        licenses=licenses,
    )


def has_errors(described_user):
    return any(item['error'] is not None or item['state'] == 'Error' for item in described_user['licenses'])
