#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: teams_sku_info
short_description: List the tenant's licences, their seats and service plans
version_added: 1.0.0
description:
  - Reads the licences (SKUs) the tenant subscribes to from Microsoft Graph (C(GET /subscribedSkus)) and returns,
    for each, its names, Teams aliases, seat counts and service plans.
  - Use it to see how many Teams Phone, Calling Plan or Audio Conferencing seats are left before a bulk assignment,
    or to find the name to give M(m365.licensing.teams_license).
  - Each licence's seats come with a one-line RV(skus[].seats_summary) that names what the counts mean, so that
    Communications Credits (which Graph reports with a 10,000,000-unit sentinel) read as unlimited, and a
    subscription in its grace period, suspended or cancelled (C(capabilityStatus) V(Warning), V(Suspended),
    V(LockedOut)) reads as such instead of as C(0 of 0 seats left).
  - Needs the Graph application permission C(LicenseAssignment.Read.All) (or a higher one such as C(Directory.Read.All)).
author:
  - m365.licensing contributors (@m365-licensing)
options:
  skus:
    description:
      - Return only these licences. Each item is a Teams alias (for example V(phone_system)), a C(skuPartNumber)
        (V(MCOEV)), a product display name (V(Microsoft Teams Phone Standard)) or a skuId GUID; case does not matter.
      - A reference that matches no licence of the tenant fails the task and lists what the tenant has.
    type: list
    elements: str
  teams_only:
    description:
      - Return only licences related to Teams - Teams Phone, Calling Plans, Audio Conferencing, Communications Credits,
        resource accounts, Teams add-ons and the suites that carry Teams plans.
    type: bool
    default: false
extends_documentation_fragment:
  - m365.licensing.graph
  - m365.licensing.attributes
  - m365.licensing.attributes.CHECK_MODE_READ_ONLY
'''

EXAMPLES = r'''
- name: Show the seats left for the Teams voice licences
  m365.licensing.teams_sku_info:
    tenant_id: "{{ m365_tenant_id }}"
    client_id: "{{ m365_client_id }}"
    client_secret: "{{ m365_client_secret }}"
    teams_only: true
  register: teams_skus

- name: Check that enough Phone System seats remain
  ansible.builtin.assert:
    that:
      - (teams_skus.skus | selectattr('sku_part_number', 'equalto', 'MCOEV') | first).available >= 25
    fail_msg: Buy more Teams Phone Standard licences before onboarding the new team

- name: Fail early when a licence cannot take new assignments
  ansible.builtin.assert:
    that: item.assignable
    fail_msg: "{{ item.sku_part_number }}: {{ item.seats_summary }}"
    quiet: true
  loop: "{{ teams_skus.skus | selectattr('sku_part_number', 'in', ['MCOEV', 'MCOPSTN1']) }}"
  loop_control:
    label: "{{ item.sku_part_number }}"

- name: Read two licences by alias, with credentials from AZURE_* environment variables
  m365.licensing.teams_sku_info:
    skus:
      - phone_system
      - calling_plan_domestic
  register: voice

- name: Set the credentials once for every module of the collection
  module_defaults:
    group/m365.licensing.graph:
      tenant_id: "{{ m365_tenant_id }}"
      client_id: "{{ m365_client_id }}"
      client_certificate_path: /etc/ansible/m365-licensing.pem
  block:
    - name: List all licences of the tenant
      m365.licensing.teams_sku_info:
      register: all_skus
'''

RETURN = r'''
skus:
  description: The tenant's licences, sorted by part number.
  returned: always
  type: list
  elements: dict
  contains:
    sku_id:
      description: The licence's GUID (C(skuId)), the identifier Graph uses to assign it.
      type: str
      sample: e43b5b99-8dfb-405f-9987-dc307f34bcbd
    sku_part_number:
      description: The licence's part number (C(skuPartNumber)).
      type: str
      sample: MCOEV
    product_name:
      description: Microsoft's product display name, or the part number when the product is not known to the collection.
      type: str
      sample: Microsoft Teams Phone Standard
    aliases:
      description: The Teams aliases that M(m365.licensing.teams_license) accepts for this licence.
      type: list
      elements: str
      sample: [phone_system]
    category:
      description:
        - What the licence is for Teams; V(phone_system), V(calling_plan), V(audio_conferencing),
          V(communications_credits), V(resource_account), V(teams_voice_bundle), V(teams_addon), V(suite) or V(other).
      type: str
      sample: phone_system
    capability_status:
      description:
        - The subscription's state (C(capabilityStatus)) - C(Enabled); C(Warning) (expired, in its grace period, assigned
          seats still work); C(Suspended) (no seat can be assigned, can be reactivated); C(LockedOut) (cancelled) or C(Deleted).
      type: str
      sample: Enabled
    unlimited:
      description:
        - Whether Graph reports the licence with its no-limit sentinel (10,000,000 or more enabled units, as for
          Communications Credits) rather than a number of seats bought. RV(skus[].available) is then not a seat count.
      type: bool
      sample: false
    assignable:
      description:
        - Whether a new assignment can take a seat now - the subscription is C(Enabled) or C(Warning) and a seat is
          left (or the licence is RV(skus[].unlimited)).
      type: bool
      sample: true
    seats_summary:
      description:
        - One line for people - seats left of enabled and assigned (or unlimited), units in the grace period, suspended
          or locked out, and, for any state other than C(Enabled), the state named first with what it means.
      type: str
      sample: 8 of 10 seats left, 2 assigned
    applies_to:
      description: C(User) for licences assigned to users, C(Company) for tenant-wide ones.
      type: str
      sample: User
    enabled:
      description: Seats bought and active (C(prepaidUnits.enabled)).
      type: int
      sample: 50
    consumed:
      description: Seats assigned (C(consumedUnits)).
      type: int
      sample: 42
    available:
      description: Seats left to assign; RV(skus[].enabled) minus RV(skus[].consumed), never negative.
      type: int
      sample: 8
    warning:
      description: Seats in their grace period after the subscription expired.
      type: int
      sample: 0
    suspended:
      description: Seats that cannot be assigned but can still be reactivated.
      type: int
      sample: 0
    locked_out:
      description: Seats of a cancelled subscription.
      type: int
      sample: 0
    subscription_ids:
      description: The commerce subscriptions behind the licence.
      type: list
      elements: str
      sample: [43d26afe-cb98-48b9-acc4-ae3ef2ac6c51]
    service_plans:
      description: The service plans the licence carries.
      type: list
      elements: dict
      contains:
        service_plan_id:
          description: The plan's GUID, usable in C(disabled_plans) of M(m365.licensing.teams_license).
          type: str
          sample: 4828c8ec-dc2e-4779-b502-87ac9ce28ab7
        service_plan_name:
          description: The plan's name.
          type: str
          sample: MCOEV
        provisioning_status:
          description: C(Success), C(Disabled), C(Error), C(PendingInput), C(PendingActivation) or C(PendingProvisioning).
          type: str
          sample: Success
        applies_to:
          description: C(User) or C(Company).
          type: str
          sample: User
'''

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._module import GraphModule
from ansible_collections.m365.licensing.plugins.module_utils.licensing import _sku_catalog as catalog
from ansible_collections.m365.licensing.plugins.module_utils.licensing._seats import seat_state


def describe_sku(sku):
    """One subscribedSku from Graph, in the snake_case shape this module returns."""
    described = dict(
        sku_id=sku['skuId'],
        sku_part_number=sku.get('skuPartNumber'),
        product_name=catalog.product_name(sku['skuId'], sku.get('skuPartNumber')),
        aliases=catalog.sku_aliases(sku['skuId'], sku.get('skuPartNumber')),
        category=catalog.teams_category(sku),
        applies_to=sku.get('appliesTo'),
        subscription_ids=list(sku.get('subscriptionIds') or []),
        service_plans=[describe_service_plan(plan) for plan in sku.get('servicePlans') or []],
    )
    # capability_status, enabled, consumed, available, warning, suspended, locked_out, unlimited,
    # assignable, seats_summary.
    described.update(seat_state(sku))
    return described


def describe_service_plan(plan):
    return dict(
        service_plan_id=plan.get('servicePlanId'),
        service_plan_name=plan.get('servicePlanName'),
        provisioning_status=plan.get('provisioningStatus'),
        applies_to=plan.get('appliesTo'),
    )


def select_skus(module, tenant_skus):
    """The tenant SKUs the user asked for, each once; warnings from resolution are passed on."""
    references = module.params['skus']
    if not references:
        selected = list(tenant_skus)
    else:
        selected_ids = set()
        for reference in references:
            try:
                resolved = catalog.resolve_sku(reference, tenant_skus)
            except catalog.SkuResolutionError as error:
                module.fail_json(msg=str(error), choices=list(error.choices))
            for warning in resolved.warnings:
                module.warn(warning)
            selected_ids.add(resolved.sku['skuId'])
        selected = [sku for sku in tenant_skus if sku['skuId'] in selected_ids]
    if module.params['teams_only']:
        selected = [sku for sku in selected if catalog.teams_category(sku) != 'other']
    return selected


def main():
    module = GraphModule(
        argument_spec=dict(
            skus=dict(type='list', elements='str'),
            teams_only=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    client = module.client()
    try:
        tenant_skus = client.get_paged('/subscribedSkus')
    except GraphError as error:
        module.fail_graph(error, prefix='cannot read the tenant\'s subscribed SKUs')
    skus = sorted((describe_sku(sku) for sku in select_skus(module, tenant_skus)),
                  key=lambda sku: ((sku['sku_part_number'] or '').lower(), sku['sku_id']))
    module.exit_json(changed=False, skus=skus)


if __name__ == '__main__':
    main()
