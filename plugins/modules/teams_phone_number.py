#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: teams_phone_number
short_description: Assign and unassign Microsoft Teams phone numbers, from the tenant's inventory
version_added: 2.0.0
description:
  - Declares which Teams phone numbers users and resource accounts hold - Calling Plan, Direct Routing and Operator
    Connect numbers - through the Microsoft Graph number management API.
  - Reads the users, their licences and numbers, the numbers asked for and Teams' view of each user once, predicts
    every refusal of the Teams rules for the whole list, then writes only what differs, one request at a time per user
    (never C($batch)), polls each operation until it ends and reads the number back.
  - A number held by another account is never taken silently; O(move_numbers=true) moves it (unassign, then assign).
  - Needs the Graph application permissions C(TeamsTelephoneNumber.ReadWrite.All) and C(User.Read.All) (or
    C(LicenseAssignment.Read.All)); C(TeamsUserConfiguration.Read.All) adds Teams readiness checks, O(wait_for_teams)
    and each user's voice state in the result.
author:
  - m365.licensing contributors (@m365-licensing)
options:
  assignments:
    description:
      - The numbers, one entry per user and number.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: The user or resource account, by user principal name or object id.
        type: str
        required: true
      number:
        description:
          - The number in E.164 form (V(+14255550100); spaces and dashes are removed).
          - V(auto) (state V(present)) picks the lowest free number of O(assignments[].number_type) in the user's usage
            location country with the capability the account needs (C(userAssignment), or C(voiceApplicationAssignment)
            for a resource account), never the same number for two users. A user who already holds a number of that
            type and category keeps it.
          - V(all) (state V(absent)) unassigns every number the user holds (of O(assignments[].number_type) when given).
        type: str
        required: true
      number_type:
        description: The kind of number. Required with state V(present).
        type: str
        choices: [calling_plan, direct_routing, operator_connect]
      category:
        description: The assignment category; Teams uses V(primary) when none is given.
        type: str
        choices: [primary, private, alternate]
      location_id:
        description:
          - Emergency location id. US and Canada Calling Plan numbers need one unless the number already has one.
          - For a number the user already holds, a different value updates the number's location in place.
        type: str
      state:
        description: Overrides O(state) for this entry.
        type: str
        choices: [present, absent]
  state:
    description:
      - V(present) assigns the numbers; V(absent) unassigns them from the named users (a number the user does not hold
        is no change).
    type: str
    choices: [present, absent]
    default: present
  move_numbers:
    description:
      - Allow taking a number that another account holds (unassign it there, then assign it). Without it, that user fails
        and nothing is written for them.
    type: bool
    default: false
  wait_for_teams:
    description:
      - Seconds to wait, before planning, until Teams shows the licences the numbers need in each user's
        C(userConfigurations.featureTypes) (Teams can lag a new licence by hours). Users still not ready then fail;
        nothing is written for them. V(0) does not wait. Needs C(TeamsUserConfiguration.Read.All).
    type: int
    default: 0
  wait_timeout:
    description:
      - Seconds to wait for each number operation to end before the user is reported failed.
    type: int
    default: 120
  max_concurrency:
    description:
      - How many users are written at once (each user's operations run in order).
    type: int
    default: 4
extends_documentation_fragment:
  - m365.licensing.graph
  - m365.licensing.attributes
notes:
  - A second run with the same input sends no write request.
  - Refusals predicted before any write, the same in check mode and in the run - the number's country differs from the
    usage location, no Calling Plan for a Calling Plan number, no Teams Phone for a Direct Routing or Operator Connect
    number, Teams has not processed the licence yet, no emergency location for a US or Canada Calling Plan number, the
    number lacks the capability, the number is not in the tenant, or another account holds it.
  - Removing a Calling Plan or Teams Phone releases the numbers that depend on it; M(m365.licensing.teams_license)
    refuses such changes unless told otherwise. See the collection's C(docs/phone_numbers.md).
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode makes the same reads and the same plan, and sends no write request.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: full
    details:
      - Shows each changed user's numbers before and after.
seealso:
  - module: m365.licensing.teams_license
  - name: Assign, change, or remove a phone number for a user
    description: Microsoft's procedure this module automates.
    link: https://learn.microsoft.com/microsoftteams/assign-change-or-remove-a-phone-number-for-a-user
'''

EXAMPLES = r'''
- name: A Calling Plan number for a new hire, picked from the free numbers of their country
  m365.licensing.teams_phone_number:
    assignments:
      - user: adele.vance@contoso.com
        number: auto
        number_type: calling_plan
        location_id: 9b1d4c2e-0a7f-4e55-8c61-3f2a1b0c9d01

- name: Direct Routing numbers, named
  m365.licensing.teams_phone_number:
    assignments:
      - {user: megan.bowen@contoso.com, number: "+14255557001", number_type: direct_routing}
      - {user: nestor.wilke@contoso.com, number: "+1 425 555 7002", number_type: direct_routing}

- name: Wait up to 30 minutes for Teams to see the new licences, then assign
  m365.licensing.teams_phone_number:
    assignments: "{{ new_hires | map('combine', {'number': 'auto', 'number_type': 'calling_plan'}) | list }}"
    wait_for_teams: 1800

- name: Move a number from a leaver to their successor
  m365.licensing.teams_phone_number:
    assignments:
      - {user: lee.gu@contoso.com, number: "+14255550101", number_type: calling_plan}
    move_numbers: true

- name: Release every number of a leaver
  m365.licensing.teams_phone_number:
    assignments:
      - {user: raul.razo@contoso.com, number: all}
    state: absent
'''

RETURN = r'''
users:
  description: One entry per assignment, in input order.
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
    number:
      description: The number (the one picked for V(auto); null for V(all)).
      type: str
      sample: "+14255550102"
    number_type:
      description: V(calling_plan), V(direct_routing) or V(operator_connect).
      type: str
    category:
      description: The assignment category asked for.
      type: str
    state:
      description: V(present) or V(absent).
      type: str
    status:
      description: V(changed), V(unchanged), V(failed) or V(not_attempted). In check mode, V(changed) means a change would be made.
      type: str
      sample: changed
    operations:
      description: The writes, in order (V(unassign), V(assign), V(update)); empty when nothing changes.
      type: list
      elements: str
    released_from:
      description: The object id of the account a moved number was taken from, or null.
      type: str
    warnings:
      description: Things worth knowing that did not stop the user.
      type: list
      elements: str
    error:
      description: Why the user failed - the predicted rule, or the operation's C(statusDetail); null otherwise.
      type: str
    voice:
      description:
        - Teams' view of the user from C(userConfigurations), after the writes, when the app may read it.
      type: dict
      returned: when the app has TeamsUserConfiguration.Read.All
      sample: {account_type: user, is_enterprise_voice_enabled: true, feature_types: [Teams, PhoneSystem, CallingPlan],
               telephone_numbers: [{number: "+14255550102", category: primary}]}
summary:
  description: Counts of assignments by status.
  returned: always
  type: dict
  sample: {total: 3, changed: 2, unchanged: 1, failed: 0, not_attempted: 0}
teams_wait:
  description: With O(wait_for_teams), seconds waited, polls made and users still not ready.
  returned: when wait_for_teams is set
  type: dict
  sample: {seconds: 12.5, polls: 4, not_ready: []}
requests:
  description: Graph traffic of the task.
  returned: always
  type: dict
  sample: {requests: 12, reads: 14, writes: 4, batches: 3, retries: 0, throttled: 0, token_requests: 1}
'''

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._module import GraphModule
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_facts import TEAMS_LICENSING, read_facts
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_input import NumberInputError, parse_assignments
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import plan_numbers
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_writes import NumberWriter
from ansible_collections.m365.licensing.plugins.module_utils.reports._number_report import NumberReport

MAX_CONCURRENCY_LIMIT = 16


def argument_spec():
    return dict(
        assignments=dict(type='list', elements='dict', required=True, options=dict(
            user=dict(type='str', required=True),
            number=dict(type='str', required=True),
            number_type=dict(type='str', choices=['calling_plan', 'direct_routing', 'operator_connect']),
            category=dict(type='str', choices=['primary', 'private', 'alternate']),
            location_id=dict(type='str'),
            state=dict(type='str', choices=['present', 'absent']),
        )),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        move_numbers=dict(type='bool', default=False),
        wait_for_teams=dict(type='int', default=0),
        wait_timeout=dict(type='int', default=120),
        max_concurrency=dict(type='int', default=4),
    )


def main():
    module = GraphModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    report = NumberReport(module)
    if not 1 <= params['max_concurrency'] <= MAX_CONCURRENCY_LIMIT:
        module.fail_json(msg='max_concurrency must be between 1 and %d' % MAX_CONCURRENCY_LIMIT)
    if params['wait_timeout'] < 1 or params['wait_for_teams'] < 0:
        module.fail_json(msg='wait_timeout must be at least 1 and wait_for_teams at least 0 (seconds)')
    try:
        requests = parse_assignments(params['assignments'], params['state'])
    except NumberInputError as error:
        report.fail_before_writes(str(error))
    client = module.client(max_concurrency=params['max_concurrency'])
    try:
        reader, facts, inventory, pools, configurations = read_facts(client, requests, params['wait_for_teams'], module.warn,
                                                                     report.extra)
    except GraphError as error:
        module.fail_graph(error, prefix='cannot read the users and numbers (nothing was changed)', **report.result())
    report.plans = plan_numbers(requests, facts, inventory, pools, TEAMS_LICENSING, params['move_numbers'])
    for plan in report.plans:
        if reader.user_errors.get(plan.user.lower()) is not None:
            plan.fail('user %s: cannot read the user: %s' % (plan.user, reader.user_errors[plan.user.lower()]))
    report.configurations = configurations
    if not module.check_mode:
        writer = NumberWriter(client, params['wait_timeout'], params['max_concurrency'])
        writer.apply(report.plans)
        report.writes = writer.writes
        if writer.writes and reader.configurations_readable:
            report.configurations = dict(configurations, **reader.configurations([plan.id for plan in report.plans if plan.changed]))
    report.finish()


if __name__ == '__main__':
    main()
