#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: teams_license
short_description: Set the Microsoft Teams licences of one user or thousands, in one task
version_added: 1.0.0
description:
  - Declares which Teams licences users hold - Teams Phone (Phone System), Calling Plans, Audio Conferencing,
    Communications Credits, resource-account licences - and the E1/E3/E5 suites that carry them.
  - Resolves licence names, checks seats and the Teams voice rules for the whole list first, then writes only what
    differs, one C(assignLicense) call per user through Microsoft Graph C($batch), and reports every user.
  - Adds and removes of one user travel in one call, so a swap (Domestic to International Calling Plan, E3 to E5)
    never leaves the user without a licence. Licences inherited from a group are never removed.
  - Needs the Graph application permission C(LicenseAssignment.ReadWrite.All); setting O(usage_location) also needs
    C(User.ReadWrite.All).
author:
  - m365.licensing contributors (@m365-licensing)
options:
  user:
    description:
      - One user, by user principal name or object id. Use O(users) for several.
    type: str
  users:
    description:
      - The users, each a user principal name, an object id, or a dict with C(user) and any of C(licenses), C(state),
        C(usage_location) and C(pstn_connectivity) overriding the task-level value for that user.
      - A user listed twice with the same settings counts once; listed twice with different settings, the task fails
        before any write and names the user.
      - A per-user key set to null (C(licenses), C(state), C(usage_location) or C(pstn_connectivity)) takes the
        task-level value.
    type: list
    elements: raw
  licenses:
    description:
      - The licences, each a Teams alias (V(phone_system), V(calling_plan_domestic), V(calling_plan_international),
        V(audio_conferencing), V(communications_credits), V(phone_resource_account), ...), a C(skuPartNumber)
        (V(MCOEV)), a product display name (V(Microsoft Teams Phone Standard)) or a skuId GUID; case does not matter.
      - Or a dict with C(sku) and either C(disabled_plans) (service plans to turn off) or C(enabled_plans) (turn off
        every other plan of the licence); plans are given by name (V(MCOEV)) or GUID.
      - A reference that matches no licence of the tenant, or matches two, fails the task before any write and lists
        the tenant's licences.
      - Use M(m365.licensing.teams_sku_info) to see the tenant's licences, aliases and plans.
      - Leaving it out is not the same as an empty list. With O(state=exact) the list must be given (here or per
        user); V([]) then means "none", so every licence in O(exact_scope) held directly is removed. With
        O(exact_scope=all) an empty list is refused unless O(allow_removing_all_licenses=true).
      - A licence whose C(enabled_plans) is empty (or whose C(disabled_plans) names every plan) switches off all its
        service plans; that is refused unless O(allow_disabling_all_plans=true).
    type: list
    elements: raw
  state:
    description:
      - V(present) adds the licences users lack and brings disabled plans to what is asked, in place.
      - V(absent) removes the listed licences. A licence the user does not hold is no change; one held only through
        a group fails that user, with the group to change.
      - V(exact) makes the user's direct licences within O(exact_scope) exactly O(licenses), removing the others.
    type: str
    choices: [present, absent, exact]
    default: present
  exact_scope:
    description:
      - With O(state=exact), which licences the list governs.
      - V(teams) covers Teams Phone, Calling Plans, Audio Conferencing, Communications Credits, resource-account
        licences and the other Teams add-ons, and never touches the E1/E3/E5 suites or other products.
      - V(all) covers every licence assigned directly to the user.
    type: str
    choices: [teams, all]
    default: teams
  usage_location:
    description:
      - Two-letter ISO 3166-1 country code (V(US), V(GB), V(DE)) to set as the user's usage location before licences
        are assigned, where it is missing or different. Graph refuses licences to users without one.
      - Without it, a user with no usage location who needs a new licence fails with that reason, before any write
        to that user.
      - A user who already has a different usage location and holds a Calling Plan (directly or from a group) fails
        with the reason, before any write to that user, unless O(move_calling_plan_users=true), because a Calling Plan
        and the user's phone numbers are bound to a country.
    type: str
  move_calling_plan_users:
    description:
      - Allow O(usage_location) to move users who hold a Calling Plan from one country to another.
    type: bool
    default: false
    version_added: 2.0.0
  allow_removing_all_licenses:
    description:
      - Allow O(state=exact) with O(exact_scope=all) and an empty O(licenses) list, which removes every licence
        assigned directly to the users (mailbox and files included). Without it such a task is refused before any
        write, with the count of licences it would remove.
    type: bool
    default: false
    version_added: 2.0.0
  allow_disabling_all_plans:
    description:
      - Allow a licence whose C(enabled_plans) is empty (or whose C(disabled_plans) names every plan), which switches
        off every service plan of it. Without it such a task is refused before any write, with the count of users
        holding that licence.
    type: bool
    default: false
    version_added: 2.0.0
  pstn_connectivity:
    description:
      - How the users reach the phone network. Users on V(direct_routing) or V(operator_connect) need Teams Phone
        but must not get a Calling Plan (Microsoft's rule for on-premises PSTN users); asking for one fails.
    type: str
    choices: [calling_plan, direct_routing, operator_connect]
  seat_check:
    description:
      - V(strict) fails before any write when any licence lacks seats for the whole task, saying how many to buy.
      - V(partial) licenses users in list order while seats last and reports the rest as failed for lack of seats.
    type: str
    choices: [strict, partial]
    default: strict
  wait:
    description:
      - After writing, wait until each changed user's new licences are C(Active) and their Teams service plans report
        C(Success). A licence that ends in state C(Error) fails that user with its error code.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true), from 1 to 86400. The last poll happens at the deadline.
    type: int
    default: 600
  remove_direct_if_inherited:
    description:
      - With O(state=absent), remove a listed licence's direct copy only where the user already holds the same licence
        through a group, in state C(Active) without error, enabling at least the same plans; otherwise keep it and
        warn. Use it to move users from direct to group-based licensing without a moment without the licence (see
        M(m365.licensing.teams_group_license) and the guide C(docs/group_licensing.md)).
      - Licences held only through a group are left alone instead of failing the user.
    type: bool
    default: false
    version_added: 2.0.0
  release_numbers:
    description:
      - Accept licence changes that release Teams phone numbers. Removing a Calling Plan releases the user's Calling Plan
        numbers; removing Teams Phone releases Direct Routing and Operator Connect numbers, and Teams deletes a released
        Direct Routing number from the tenant.
      - With V(false), such a user fails before any write, naming the numbers; the other users go ahead. Checking needs
        C(TeamsTelephoneNumber.Read.All); without it the task warns once and does not check.
    type: bool
    default: false
    version_added: 2.0.0
  max_concurrency:
    description:
      - How many C($batch) requests of 20 users run at once. Graph allows about 20 licence writes per second per app
        and tenant, so more rarely helps.
    type: int
    default: 4
  progress_file:
    description:
      - A file on the controller that the module keeps up to date while it runs, so that a long run can be watched,
        for example with C(watch -n 2 cat progress.json) in another terminal. One JSON object with the phase
        (C(listing users) or C(reading users), C(setting usage locations), C(assigning licences), ...), how many of its requests are done and
        failed, the rate, the time left, and a C(message) line for people; at the end C(state) is C(done) with the
        summary, or C(failed).
      - The file is replaced atomically at each update, and holds counts only, never user names or secrets. It is
        written in check mode too. A path that cannot be written fails the task before anything is sent to Graph.
      - See the "Watching a long run" section of C(docs/teams_license.md) for AWX and other ways to use it.
    type: path
    version_added: 2.0.0
  return_unchanged_users:
    description:
      - Whether RV(users) lists the users that are already right. With V(false) it lists only the users that changed
        (or would, in check mode), failed, were not attempted, or have a warning; RV(summary) still counts everyone.
      - Set it to V(false) for tasks of tens of thousands of users. Ansible copies and checks every value of a
        result on the controller, and a registered result once more. A list of 100,000 users costs about 10 seconds,
        20 when registered, more than reading and planning them (see "Very large tasks" in C(docs/teams_license.md)).
    type: bool
    default: true
    version_added: 2.0.0
extends_documentation_fragment:
  - m365.licensing.graph
  - m365.licensing.attributes
  - m365.licensing.attributes.CHECK_MODE_WRITES
notes:
  - Only users whose licences or usage location differ get a write; a second run with the same input writes nothing.
  - A Calling Plan needs Teams Phone, from the add-on or from a suite such as E5. It can take up to 24 hours before
    Teams shows the dial pad; C(changed) reflects Graph's state, not Teams provisioning (see O(wait)).
  - Seats freed by removals in the same task are not counted as available, because writes run concurrently.
  - C(MCOPSTNPP) is accepted for Communications Credits with a warning; Graph reports that product as C(MCOPSTNC).
seealso:
  - module: m365.licensing.teams_sku_info
  - name: Assign Teams add-on licenses
    description: Microsoft's procedure this module automates.
    link: https://learn.microsoft.com/microsoftteams/teams-add-on-licensing/assign-teams-add-on-licenses
'''

EXAMPLES = r'''
- name: Give every user in a text file E3, Teams Phone and a Domestic Calling Plan
  m365.licensing.teams_license:
    users: "{{ lookup('ansible.builtin.file', 'files/users.txt').splitlines() | map('trim') | reject('match', '^(#|$)') | list }}"
    licenses:
      - ENTERPRISEPACK
      - phone_system
      - calling_plan_domestic
    usage_location: US

- name: Audio Conferencing for the sales team
  m365.licensing.teams_license:
    users: "{{ sales_team }}"
    licenses: [audio_conferencing]

- name: Communications Credits for toll-free numbers and dial-out
  m365.licensing.teams_license:
    users: [alex.wilber@contoso.com]
    licenses: [communications_credits]

- name: Direct Routing users get Teams Phone only, never a Calling Plan
  m365.licensing.teams_license:
    users: "{{ direct_routing_users }}"
    licenses: [phone_system]
    pstn_connectivity: direct_routing

- name: Swap a Domestic Calling Plan for a Domestic and International one, in one call per user
  m365.licensing.teams_license:
    users: [diego.siciliani@contoso.com]
    licenses: [phone_system, calling_plan_international]
    state: exact

- name: Remove Audio Conferencing from leavers
  m365.licensing.teams_license:
    users: "{{ leavers }}"
    licenses: [audio_conferencing]
    state: absent

- name: E5 users hold exactly Communications Credits as Teams add-on; suites are left alone
  m365.licensing.teams_license:
    users: "{{ e5_users }}"
    licenses: [communications_credits]
    state: exact
    exact_scope: teams

- name: Preview a change without writing (run the play with --check --diff to see each user before and after)
  m365.licensing.teams_license:
    users: "{{ new_hires }}"
    licenses: [phone_system, calling_plan_domestic]
  check_mode: true
  register: preview

- name: Per-user overrides, E3 without Sway, and seats given to users in list order while they last
  m365.licensing.teams_license:
    licenses:
      - sku: ENTERPRISEPACK
        disabled_plans: [SWAY]
      - phone_system
    usage_location: GB
    seat_check: partial
    users:
      - adele.vance@contoso.com
      - user: lee.gu@contoso.com
        usage_location: DE
      - user: lidia.holloway@contoso.com
        pstn_connectivity: direct_routing
      - user: nestor.wilke@contoso.com
        licenses: [phone_system, calling_plan_domestic]

- name: Staff relocated to the UK office, Calling Plan holders included (their Calling Plan is bound to the old country)
  m365.licensing.teams_license:
    users: "{{ relocated_to_uk }}"
    licenses: [phone_system]
    usage_location: GB
    move_calling_plan_users: true

- name: After the group licenses them, drop the direct Teams Phone copies the group now covers
  m365.licensing.teams_license:
    users: "{{ moved_users }}"
    licenses: [phone_system]
    state: absent
    remove_direct_if_inherited: true

- name: A whole tenant in one task, listing only the users that changed or failed
  m365.licensing.teams_license:
    users: "{{ lookup('ansible.builtin.file', 'files/all_staff.txt').splitlines() }}"
    licenses: [ENTERPRISEPACK, phone_system]
    return_unchanged_users: false
  register: licensing

- name: Resource account for an auto attendant, waiting until Teams has provisioned it
  m365.licensing.teams_license:
    user: aa-reception@contoso.com
    licenses: [phone_resource_account]
    usage_location: US
    wait: true
    wait_timeout: 900
'''

RETURN = r'''
users:
  description:
    - One entry per distinct user, in input order, on every path (a task refused before reading the users lists them
      as V(not_attempted)).
    - With O(return_unchanged_users=false), users whose status is V(unchanged) and who have no warning are left out.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user as given in the task.
      type: str
      sample: adele.vance@contoso.com
    id:
      description: The user's object id, when the user exists.
      type: str
      sample: 87d349ed-44d7-43e1-9a83-5f2406dee5bd
    status:
      description:
        - V(changed), V(unchanged), V(failed) or V(not_attempted). In check mode, V(changed) means a change would be
          made, and a user who would fail is V(failed) with the same message as the real run.
        - V(not_attempted) means the task stopped before writing anything to this user (a task-level refusal such as a
          seat shortage, a missing permission, or a stop signal); C(error) says why.
        - A V(failed) user may still have had some writes accepted (a usage location set before Graph refused the
          licences, licences written before O(wait) ran out); C(usage_location_set), C(added), C(removed) and
          C(plans_changed) always show what Graph accepted.
      type: str
      sample: changed
    added:
      description: Part numbers of the licences added.
      type: list
      elements: str
      sample: [MCOEV, MCOPSTN1]
    removed:
      description: Part numbers of the licences removed.
      type: list
      elements: str
      sample: []
    plans_changed:
      description: Part numbers of held licences whose disabled plans were changed in place.
      type: list
      elements: str
      sample: []
    inherited:
      description:
        - Licences the user inherits from a group, never removed by this module, with the group's object id and
          display name (C(group_name) is null when the app may not read groups, for example without
          C(GroupMember.Read.All)).
      type: list
      elements: dict
      sample: [{sku: MCOEV, group: 2f4c1a7e-5a8b-4c47-9f3c-1f8a0b6c2d10, group_name: Teams Phone Users}]
    usage_location_set:
      description: The usage location set on the user (or, in check mode, that would be set), or null.
      type: str
      sample: US
    warnings:
      description: Things worth knowing that did not stop the user, for example an add-on that a suite already carries.
      type: list
      elements: str
      sample: []
    error:
      description: Why the user failed, naming the licence and Graph's error code and message; null otherwise.
      type: str
      sample: null
summary:
  description:
    - Counts of users by status; C(total) is the number of distinct users, on every path, refusals included.
    - C(failed_after_writes) counts failed users for whom Graph accepted some writes (also counted in C(failed)).
  returned: always
  type: dict
  sample: {total: 120, changed: 118, unchanged: 2, failed: 0, not_attempted: 0, failed_after_writes: 0}
seats:
  description: Per licence part number with a demand in this task, seats available before, needed, freed and after.
  returned: always
  type: dict
  sample: {MCOEV: {available_before: 40, needed: 12, freed: 0, available_after: 28}}
requests:
  description: Graph traffic of the task.
  returned: always
  type: dict
  sample: {requests: 9, reads: 121, writes: 118, batches: 13, retries: 0, throttled: 0, token_requests: 1}
'''

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._module import GraphModule
from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import (
    PLANNER_CAPABILITIES, TEAMS_PLAN_NAMES, InputError, LicenseResolver, check_distinct_users, guid_names, parse_user_requests,
    tenant_skus_for_planner, user_references, user_specs)
from ansible_collections.m365.licensing.plugins.module_utils.licensing._destructive import destructive_refusals
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import apply_plan, check_task_rules, plan_run
from ansible_collections.m365.licensing.plugins.module_utils.licensing._group_move import plan_direct_removals
from ansible_collections.m365.licensing.plugins.module_utils.phone._licence_guard import guard_number_releases
from ansible_collections.m365.licensing.plugins.module_utils.reports._license_report import LicenseReport
from ansible_collections.m365.licensing.plugins.module_utils.licensing._writes import apply_plans, wait_for_provisioning
from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import read_group_names
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import read_users
from ansible_collections.m365.licensing.plugins.module_utils.reports._progress import watch_progress

MAX_CONCURRENCY_LIMIT = 16
WAIT_TIMEOUT_LIMIT = 86400


def argument_spec():
    return dict(
        user=dict(type='str'),
        users=dict(type='list', elements='raw'),
        licenses=dict(type='list', elements='raw'),
        state=dict(type='str', choices=['present', 'absent', 'exact'], default='present'),
        exact_scope=dict(type='str', choices=['teams', 'all'], default='teams'),
        usage_location=dict(type='str'),
        move_calling_plan_users=dict(type='bool', default=False),
        allow_removing_all_licenses=dict(type='bool', default=False),
        allow_disabling_all_plans=dict(type='bool', default=False),
        pstn_connectivity=dict(type='str', choices=['calling_plan', 'direct_routing', 'operator_connect']),
        seat_check=dict(type='str', choices=['strict', 'partial'], default='strict'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        max_concurrency=dict(type='int', default=4),
        remove_direct_if_inherited=dict(type='bool', default=False),
        release_numbers=dict(type='bool', default=False),
        progress_file=dict(type='path'),
        return_unchanged_users=dict(type='bool', default=True),
    )


def read_tenant(module, report, client):
    try:
        return client.get_paged('/subscribedSkus')
    except GraphError as error:
        module.fail_graph(error, prefix="cannot read the tenant's subscribed SKUs (nothing was changed)", **report.result())


def option_errors(params):
    """Bounds of this module's own options, checked before anything is read or written."""
    errors = []
    if not 1 <= params['max_concurrency'] <= MAX_CONCURRENCY_LIMIT:
        errors.append('max_concurrency must be between 1 and %d, got %s' % (MAX_CONCURRENCY_LIMIT, params['max_concurrency']))
    if not 1 <= params['wait_timeout'] <= WAIT_TIMEOUT_LIMIT:
        errors.append('wait_timeout must be a number of seconds from 1 to %d, got %s' % (WAIT_TIMEOUT_LIMIT, params['wait_timeout']))
    if params['remove_direct_if_inherited'] and params['state'] != 'absent':
        errors.append('remove_direct_if_inherited needs state absent (it only removes direct copies), got state %s' % params['state'])
    return errors


def may_take_away(spec):
    """Whether the spec can remove a licence or disable a plan: the phone-number guard then reads the user again."""
    return spec.state != 'present' or any(licence.disabled_plans is not None for licence in spec.licenses)


def group_names_of(module, report, client, users):
    """{group id: displayName} of the groups the users inherit licences from, read once each."""
    group_ids = sorted(set(state['assignedByGroup'] for user in users if user
                           for state in user.get('licenseAssignmentStates') or [] if state.get('assignedByGroup')))
    if not group_ids:
        return {}
    try:
        return read_group_names(client, group_ids)
    except GraphError as error:
        # Names are a courtesy: a missing GroupMember.Read.All must not stop the licensing itself.
        report.add_warnings(['cannot read the names of %d groups (%s): inherited licences name their group by id; grant '
                             'GroupMember.Read.All to see the names' % (len(group_ids), error.code or error.status)])
        return {}


def plan_task(module, report, specs, tenant_skus, client):
    skus = tenant_skus_for_planner(tenant_skus)
    task_errors = check_task_rules(specs, skus, PLANNER_CAPABILITIES)
    if task_errors:
        report.fail_before_writes(task_errors)
    try:
        reads = read_users(client, [spec.user for spec in specs])
    except GraphError as error:
        module.fail_graph(error, prefix='cannot read the users (nothing was changed)', **report.result())
    try:
        check_distinct_users(specs, reads.current)
    except InputError as error:
        report.fail_before_writes([str(error)])
    group_names = group_names_of(module, report, client, [reads.current(spec.user) for spec in specs])
    if module.params['remove_direct_if_inherited']:
        run = plan_direct_removals([(spec, reads.current(spec.user)) for spec in specs], skus)
    else:
        # A 100,000-user task: each read is let go once planned (take), unless the phone-number guard below
        # needs it (a user whose licences or plans may go); diff views are kept only in diff mode.
        items = ((spec, reads.current(spec.user) if may_take_away(spec) else reads.take(spec.user)) for spec in specs)
        run = plan_run(items, skus, module.params['seat_check'], PLANNER_CAPABILITIES, group_names, diff=module._diff)
    for spec, plan in zip(specs, run.users):
        if reads.error(spec.user) is not None:
            plan.fail('user %s: cannot read the user: %s' % (spec.user, reads.error(spec.user)))
    # A licence change that would release a phone number is refused unless the task accepts it (graph-facts 12.3).
    if not module.params['release_numbers']:
        try:
            guard_number_releases(client, run.users, reads.current, tenant_skus, apply_plan, module.warn)
        except GraphError as error:
            module.fail_graph(error, prefix="cannot read the users' phone numbers (nothing was changed)", **report.result())
    return run, skus


def main():
    module = GraphModule(argument_spec=argument_spec(), mutually_exclusive=[('user', 'users')],
                         required_one_of=[('user', 'users')], supports_check_mode=True)
    params = module.params
    report = LicenseReport(module)
    report.expect_users(user_references(params))
    if option_errors(params):
        report.fail_before_writes(option_errors(params))
    try:
        requests = parse_user_requests(params)
    except InputError as error:
        report.fail_before_writes([str(error)])
    report.expect_users([request.user for request in requests])
    client = watch_progress(module, module.client(max_concurrency=params['max_concurrency']))
    resolver = LicenseResolver(read_tenant(module, report, client))
    try:
        specs = user_specs(requests, resolver, params['exact_scope'], params['move_calling_plan_users'])
    except InputError as error:
        report.fail_before_writes([str(error)])
    del requests  # the specs carry everything on: one object per user less through the reads (issue 13)
    report.add_warnings(resolver.warnings)
    run, skus = plan_task(module, report, specs, resolver.tenant_skus, client)
    report.set_plan(run)
    refusals = run.task_errors + destructive_refusals(specs, run, skus, params['allow_removing_all_licenses'],
                                                      params['allow_disabling_all_plans'])
    if refusals:
        report.fail_before_writes(refusals)
    if not module.check_mode:
        names = guid_names(resolver.tenant_skus)
        writes = apply_plans(client, run.users, names)
        report.writes_applied, report.stop_message = writes.applied, writes.stop_message
        if params['wait']:
            wait_for_provisioning(client, run.users, TEAMS_PLAN_NAMES, params['wait_timeout'], names)
    report.finish()


if __name__ == '__main__':
    main()
