#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: teams_group_license
short_description: Set the Teams licences a security group assigns to its members, and fix its member errors
version_added: 2.0.0
description:
  - Declares the licences of a group used for group-based licensing (for example a "Teams Phone - US" group carrying
    Teams Phone and a Domestic Calling Plan), with their disabled plans; every member inherits them.
  - Checks the same Teams rules as M(m365.licensing.teams_license) on the group's licence set, and counts the members
    who would newly take a seat, before any write. Adds and removes travel in one C(assignLicense) call, so a swap on
    the group is atomic.
  - Graph processes the members asynchronously; member errors (C(CountViolation) when seats run out,
    C(MutuallyExclusiveViolation), C(DependencyViolation), C(ProhibitedInUsageLocationViolation), ...) show up on the
    members later. The module reports them with what to do, can wait for processing, and can reprocess the members
    in error once the cause is fixed.
  - Needs the Graph application permissions C(LicenseAssignment.ReadWrite.All) and C(Group.Read.All); O(members) also
    needs C(GroupMember.ReadWrite.All), O(reprocess) C(User.ReadWrite.All).
author:
  - m365.licensing contributors (@m365-licensing)
options:
  group:
    description:
      - The group, by object id or exact display name. A name that matches no group or several fails before any write
        and lists the candidates.
      - It must be a security group or a Microsoft 365 group with C(securityEnabled); only its direct members are
        licensed (nested groups are not).
    type: str
    required: true
  licenses:
    description:
      - The licences, in every form M(m365.licensing.teams_license) accepts; a Teams alias (V(phone_system),
        V(calling_plan_domestic), ...), a C(skuPartNumber), a product name or a skuId GUID, or a dict with C(sku) and
        either C(disabled_plans) or C(enabled_plans).
    type: list
    elements: raw
    default: []
  state:
    description:
      - V(present) adds the licences the group lacks and brings disabled plans to what is asked, in place.
      - V(absent) removes the listed licences from the group (members lose them once Graph has processed the group).
      - V(exact) makes the group's licences within O(exact_scope) exactly O(licenses), removing the others.
      - An empty O(licenses) with V(exact) is refused, so that no empty input removes every licence by accident.
    type: str
    choices: [present, absent, exact]
    default: present
  exact_scope:
    description:
      - With O(state=exact), which of the group's licences the list governs. V(teams) leaves suites and other products
        alone; V(all) covers every licence of the group.
    type: str
    choices: [teams, all]
    default: teams
  members:
    description:
      - Users (user principal names or object ids) to make direct members of the group where they are not yet. Members
        not listed are left alone; this option never removes a member.
    type: list
    elements: str
    default: []
  seat_check:
    description:
      - V(strict) fails before any write when the members who would newly take a seat outnumber the seats available,
        saying how many to buy.
      - V(partial) writes anyway and returns in RV(predicted_errors) the members expected to end in C(CountViolation).
    type: str
    choices: [strict, partial]
    default: strict
  wait:
    description:
      - After writing, wait until the group's C(licenseProcessingState) is C(ProcessingComplete) and every member's
        copy of the group's licences is final. Hitting O(wait_timeout) fails the task (the write stays done).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 600
  reprocess:
    description:
      - Reprocess the members whose copy of one of the group's licences is in error (C(reprocessLicenseAssignment),
        batched), for example once seats were bought. Each member is reported in RV(reprocessed).
    type: bool
    default: false
extends_documentation_fragment:
  - m365.licensing.graph
  - m365.licensing.attributes
  - m365.licensing.attributes.CHECK_MODE_WRITES
notes:
  - A second run with the same input writes nothing. With O(reprocess=true), members still in error are reprocessed
    on every run, which is a write.
  - Member errors do not fail the task; they are returned in RV(errors) and repeated as a warning.
  - The rules of M(m365.licensing.teams_license) apply to the group's own licence set (a mutual exclusion inside it, or
    a Calling Plan without Teams Phone in the same group, fails the task before any write); the same rules on each
    member's other licences predict the members who will end in an error, in RV(predicted_errors).
  - To move users from direct licences to a group without a moment without the licence, see the move playbook and
    O(m365.licensing.teams_license#module:remove_direct_if_inherited).
seealso:
  - module: m365.licensing.teams_license
  - name: Group-based licensing in Microsoft Entra ID
    description: How group-based licensing works and its member errors.
    link: https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems
'''

EXAMPLES = r'''
- name: Teams Phone and a Domestic Calling Plan for everyone in "Teams Phone - US"
  m365.licensing.teams_group_license:
    group: Teams Phone - US
    licenses: [phone_system, calling_plan_domestic]
    wait: true

- name: Swap the group's Domestic Calling Plan for the International one, atomically
  m365.licensing.teams_group_license:
    group: 7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f
    licenses: [phone_system, calling_plan_international]
    state: exact

- name: After buying seats, reprocess the members left in CountViolation
  m365.licensing.teams_group_license:
    group: Teams Phone - US
    licenses: [phone_system]
    reprocess: true
    wait: true
  register: group_result

- name: Show the members still in error and what to do
  ansible.builtin.debug:
    msg: "{{ group_result.errors }}"
'''

RETURN = r'''
group:
  description: The group.
  returned: always
  type: dict
  sample: {id: 7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f, display_name: Teams Phone - US}
added:
  description: Part numbers of the licences added to the group.
  returned: always
  type: list
  elements: str
  sample: [MCOEV]
removed:
  description: Part numbers of the licences removed from the group.
  returned: always
  type: list
  elements: str
  sample: []
plans_changed:
  description: Part numbers of the group's licences whose disabled plans were changed in place.
  returned: always
  type: list
  elements: str
  sample: []
members_added:
  description: Users added as members of the group (in check mode, who would be).
  returned: always
  type: list
  elements: str
  sample: [brian.johnson@contoso.com]
members:
  description: The group's members and how they stand with its licences, read at the end of the run.
  returned: always
  type: dict
  sample: {total: 12, licensed: 10, with_errors: 1, pending: 1}
errors:
  description: One entry per member and licence in error.
  returned: always
  type: list
  elements: dict
  sample: [{user_principal_name: cameron.white@contoso.com, id: 2b7c9e1f-0a2b-4c3d-8e4f-5a6b7c8d9e0f,
            sku_id: e43b5b99-8dfb-405f-9987-dc307f34bcbd, sku_part_number: MCOEV, state: Error, error: CountViolation,
            last_updated: '2026-11-30T10:00:00Z',
            advice: 'No seat left for this licence: buy more seats or free seats, then reprocess the user.'}]
predicted_errors:
  description:
    - Members Graph is expected to put in an error state for the group's licences, predicted before the write, with
      C(error) (V(CountViolation) with O(seat_check=partial), V(DependencyViolation), V(MutuallyExclusiveViolation))
      and C(detail). They do not stop the task; each is also a warning.
  returned: always
  type: list
  elements: dict
  sample: [{user_principal_name: phone05@contoso.com, id: 9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f, error: CountViolation,
            detail: no seat left for MCOEV}]
reprocessed:
  description: Members reprocessed (in check mode, who would be), each with C(status) V(reprocessed) or V(failed).
  returned: always
  type: list
  elements: dict
  sample: [{user_principal_name: cameron.white@contoso.com, id: 2b7c9e1f-0a2b-4c3d-8e4f-5a6b7c8d9e0f,
            status: reprocessed, error: null}]
processing_state:
  description: The group's C(licenseProcessingState) at the end of the run.
  returned: always
  type: str
  sample: ProcessingComplete
seats:
  description: Per licence part number with a demand, seats available before, members needing one, available after.
  returned: always
  type: dict
  sample: {MCOEV: {available_before: 24, needed: 3, available_after: 21}}
requests:
  description: Graph traffic of the task.
  returned: always
  type: dict
  sample: {requests: 6, reads: 5, writes: 1, batches: 1, retries: 0, throttled: 0, token_requests: 1}
'''

from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import GroupResolutionError
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import read_users
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._module import GraphModule
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_members import member_status
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_plan import group_licences, plan_group
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_writes import (
    add_members, assign_group_licences, read_group, read_members, reprocess_members, wait_for_group)
from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import (
    PLANNER_CAPABILITIES, InputError, LicenseResolver, parse_license_requests, tenant_skus_for_planner)
from ansible_collections.m365.licensing.plugins.module_utils.reports._group_license_report import GroupRun


def argument_spec():
    return dict(
        group=dict(type='str', required=True),
        licenses=dict(type='list', elements='raw', default=[]),
        state=dict(type='str', choices=['present', 'absent', 'exact'], default='present'),
        exact_scope=dict(type='str', choices=['teams', 'all'], default='teams'),
        members=dict(type='list', elements='str', default=[]),
        seat_check=dict(type='str', choices=['strict', 'partial'], default='strict'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        reprocess=dict(type='bool', default=False),
    )


def desired_licences(module, resolver):
    try:
        return tuple(resolver.desired_license(request) for request in parse_license_requests(module.params['licenses'], 'licenses'))
    except InputError as error:
        module.fail_json(msg='nothing was changed: %s' % error)


def users_to_add(run, client, references, members):
    """The listed users who are not members yet (Graph users); unknown users fail the task before any write."""
    reads = read_users(client, references)
    unread = [reference for reference in references if reads.error(reference) is not None]
    if unread:
        raise reads.error(unread[0])
    missing = [reference for reference in references if reads.current(reference) is None]
    if missing:
        run.fail('nothing was changed: members %s not found: check the user principal names or object ids' % ', '.join(missing))
    member_ids = set(member['id'] for member in members)
    joining = dict((reads.current(ref)['id'], reads.current(ref)) for ref in references if reads.current(ref)['id'] not in member_ids)
    return list(joining.values())


def read_and_plan(run, client, params):
    resolver = LicenseResolver(client.get_paged('/subscribedSkus'))
    desired = desired_licences(run.module, resolver)
    if params['state'] == 'exact' and not desired:
        run.fail('nothing was changed: state exact with an empty licenses list would remove every licence of the group; '
                 'list the licences to keep, or use state absent with the licences to remove')
    run.part_numbers = dict((sku['skuId'].lower(), sku.get('skuPartNumber')) for sku in resolver.tenant_skus)
    try:
        run.group = read_group(client, params['group'])
    except GroupResolutionError as error:
        run.fail('nothing was changed: %s' % error, candidates=error.candidates)
    run.members = read_members(client, run.group['id'])
    run.joining = users_to_add(run, client, params['members'], run.members) if params['members'] else []
    run.plan = plan_group(run.group, run.members, desired, params['state'], params['exact_scope'],
                          tenant_skus_for_planner(resolver.tenant_skus), params['seat_check'], PLANNER_CAPABILITIES, run.joining)
    for warning in resolver.warnings + run.plan.warnings:
        run.module.warn(warning)
    if run.plan.errors:
        run.fail('nothing was changed: %s' % '; '.join(run.plan.errors), plan_errors=run.plan.errors)


def apply_and_wait(run, client, params):
    body = run.plan.assign_body()
    if body is not None:
        run.written = True
        assign_group_licences(client, run.group['id'], body)
    failed = dict((user_id, error) for user_id, error in add_members(client, run.group['id'], [u['id'] for u in run.joining]).items() if error)
    run.written = run.written or len(failed) < len(run.joining)
    if failed:
        run.fail('could not add members (everything else of the run was applied; re-run once fixed): %s'
                 % '; '.join('%s: %s' % pair for pair in failed.items()))
    if params['wait'] and run.written:
        wait(run, client, params)


def wait(run, client, params):
    expected = set(member['id'] for member in run.members + run.joining)

    def settled(group, members):
        return expected <= set(m['id'] for m in members) and member_status(
            group['id'], group_licences(group), members, run.part_numbers).pending == 0
    run.group, run.members, done = wait_for_group(client, run.group['id'], settled, params['wait_timeout'])
    if not done:
        run.fail('the group was written but Graph had not finished processing its members after %d s '
                 '(licenseProcessingState %s): re-run later to see the outcome' % (params['wait_timeout'], run.processing_state()))


def reprocess(run, client, params):
    in_error = run.status().members_in_error
    if not in_error:
        return
    if run.module.check_mode:
        run.reprocessed = [{'user_principal_name': m.get('userPrincipalName'), 'id': m['id'], 'status': 'reprocessed', 'error': None}
                           for m in in_error]
        return
    run.reprocessed = reprocess_members(client, in_error)
    run.written = run.written or any(item['status'] == 'reprocessed' for item in run.reprocessed)
    if params['wait']:
        wait(run, client, params)
    else:
        run.members = read_members(client, run.group['id'])


def main():
    module = GraphModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    run = GroupRun(module)
    client = module.client()
    try:
        read_and_plan(run, client, params)
        if not module.check_mode:
            apply_and_wait(run, client, params)
        if params['reprocess']:
            reprocess(run, client, params)
    except GraphError as error:
        module.fail_graph(error, prefix='group %s' % params['group'], **run.result())
    errors = run.status().errors
    if errors:
        module.warn('%d member licence error(s) in group %s: see errors (e.g. %s %s: %s)' % (
            len(errors), run.group.get('displayName'), errors[0]['user_principal_name'], errors[0]['sku_part_number'], errors[0]['error']))
    module.exit_json(**run.result())


if __name__ == '__main__':
    main()
