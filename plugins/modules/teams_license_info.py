#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: teams_license_info
short_description: Report who holds which Teams licence, from where, and what is wrong
version_added: 2.0.0
description:
  - Reads users' licences from Microsoft Graph and reports, per user and licence, whether it is assigned directly or
    inherited from groups (named), its state and error, its disabled service plans and whether its Teams plans are
    provisioned; with a summary per licence.
  - Whom to report is any combination of O(users), O(group), O(licenses), O(errors_only) and O(account_enabled); by
    default the whole tenant. Licence holders and enabled or disabled accounts are filtered by Graph, not by reading
    everyone.
  - Optionally writes a report file (O(report_path)), CSV, JSON or a self-contained HTML page with a seats chart,
    holders per licence, users in error with what to do, and disabled accounts holding licences. Writing the report
    does not change the tenant, so the task reports C(changed=false), in check mode too.
  - Needs the Graph application permissions C(User.Read.All) to list users with their licences and account state, and
    C(GroupMember.Read.All) to name the groups licences come from and to read O(group); C(Directory.Read.All) covers
    both.
author:
  - m365.licensing contributors (@m365-licensing)
options:
  users:
    description:
      - Report these users, by user principal name or object id. A user that does not exist fails the task.
    type: list
    elements: str
  group:
    description:
      - Report the members of this group, through nested groups (transitive members), by object id or exact display
        name. A name that matches no group or several groups fails the task and lists the candidates.
    type: str
  licenses:
    description:
      - Report the users holding any of these licences, in every form M(m365.licensing.teams_license) accepts
        (alias such as V(phone_system), C(skuPartNumber), product name or skuId).
      - Graph finds them with C($filter=assignedLicenses/any(x:x/skuId eq ...)).
    type: list
    elements: str
  errors_only:
    description:
      - Report only users with a licence assignment in an error state.
    type: bool
    default: false
  account_enabled:
    description:
      - Report only enabled (V(true)) or disabled (V(false)) accounts. V(false) finds disabled accounts that still
        hold licences. Not set, both.
    type: bool
  teams_only:
    description:
      - List only Teams-related licences of each user (Teams Phone, Calling Plans, Audio Conferencing, Communications
        Credits, Teams add-ons and the suites that carry Teams plans).
    type: bool
    default: false
  report_path:
    description:
      - Write a report of the reported users to this file. It is replaced only once complete.
    type: path
  report_format:
    description:
      - Format of O(report_path). V(csv) has one row per user and licence, V(json) the users, summary and seats,
        V(html) one page to open in a browser, which needs no network.
      - Not set, taken from the extension of O(report_path) (C(.csv), C(.json), C(.html) or C(.htm)).
    type: str
    choices: [csv, json, html]
  return_users:
    description:
      - Return RV(users) in the result. Set V(false) for tenant-wide reports written to O(report_path), so that the
        result of a large tenant stays small; RV(summary) is returned anyway.
    type: bool
    default: true
extends_documentation_fragment:
  - m365.licensing.graph
  - m365.licensing.attributes
  - m365.licensing.attributes.CHECK_MODE_READ_ONLY
'''

EXAMPLES = r'''
- name: Who holds Teams Phone, directly or through which group?
  m365.licensing.teams_license_info:
    licenses: [phone_system]
    teams_only: true
  register: phone_holders

- name: Whose licence is in an error state, and why?
  m365.licensing.teams_license_info:
    errors_only: true
  register: in_error

- name: Disabled accounts still holding licences, as a spreadsheet
  m365.licensing.teams_license_info:
    account_enabled: false
    report_path: /srv/reports/disabled-with-licences.csv

- name: Did the Teams Phone rollout land for the voice team, and is Teams provisioned?
  m365.licensing.teams_license_info:
    group: Voice Staff
    teams_only: true
  register: voice_team

- name: The tenant-wide HTML report, without returning every user
  m365.licensing.teams_license_info:
    tenant_id: "{{ m365_tenant_id }}"
    client_id: "{{ m365_client_id }}"
    client_secret: "{{ m365_client_secret }}"
    report_path: /srv/reports/teams-licences.html
    return_users: false
'''

RETURN = r'''
users:
  description: The reported users, in directory order. Omitted when O(return_users=false).
  returned: when O(return_users=true)
  type: list
  elements: dict
  contains:
    id:
      description: The user's object id.
      type: str
      sample: 5f9d1c3e-0000-4000-8000-000000000001
    user_principal_name:
      description: The user's UPN.
      type: str
      sample: AdeleV@contoso.onmicrosoft.com
    display_name:
      description: The user's display name.
      type: str
      sample: Adele Vance
    account_enabled:
      description: Whether the account can sign in.
      type: bool
      sample: true
    usage_location:
      description: Two-letter country code, or null.
      type: str
      sample: US
    licenses:
      description: The user's licences (only Teams-related ones with O(teams_only)), including assignments in error.
      type: list
      elements: dict
      contains:
        sku_id:
          description: The licence's skuId.
          type: str
          sample: e43b5b99-8dfb-405f-9987-dc307f34bcbd
        sku_part_number:
          description: The licence's part number.
          type: str
          sample: MCOEV
        product_name:
          description: Microsoft's product name.
          type: str
          sample: Microsoft Teams Phone Standard
        aliases:
          description: The Teams aliases M(m365.licensing.teams_license) accepts for it.
          type: list
          elements: str
          sample: [phone_system, teams_phone]
        assigned_directly:
          description: Whether the licence is assigned to the user directly (it may be inherited as well).
          type: bool
          sample: false
        groups:
          description: The groups the licence is inherited from, each with C(id) and C(display_name).
          type: list
          elements: dict
          sample: [{id: 7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f, display_name: Teams Phone Users}]
        state:
          description: The worst state of its assignments, C(Active), C(ActiveWithError), C(Disabled) or C(Error).
          type: str
          sample: Active
        error:
          description:
            - C(CountViolation), C(MutuallyExclusiveViolation), C(DependencyViolation),
              C(ProhibitedInUsageLocationViolation), C(UniquenessViolation), C(Other), or null.
          type: str
          sample: null
        disabled_plans:
          description: Names of the licence's service plans turned off for this user.
          type: list
          elements: str
          sample: [SWAY]
        teams_plans:
          description:
            - The licence's Teams-related service plans with C(service_plan_id), C(service_plan_name) and
              C(provisioning_status) (C(Success), C(PendingProvisioning), C(Disabled), ...; null when the licence is
              not held because its assignment failed).
          type: list
          elements: dict
          sample: [{service_plan_id: 4828c8ec-dc2e-4779-b502-87ac9ce28ab7, service_plan_name: MCOEV, provisioning_status: Success}]
summary:
  description: Counts over the reported users.
  returned: always
  type: dict
  contains:
    users_reported:
      description: Users reported.
      type: int
      sample: 50
    users_licensed:
      description: Reported users holding at least one licence.
      type: int
      sample: 46
    users_with_errors:
      description: Reported users with a licence assignment in error.
      type: int
      sample: 1
    disabled_with_licenses:
      description: Reported users whose account is disabled but who hold a licence.
      type: int
      sample: 1
    licenses:
      description: Per licence, by part number, C(sku_id), C(sku_part_number), C(product_name), C(holders), C(direct),
        C(inherited) and C(in_error) (users counted once per path).
      type: list
      elements: dict
      sample: [{sku_id: e43b5b99-8dfb-405f-9987-dc307f34bcbd, sku_part_number: MCOEV, product_name: Microsoft Teams Phone Standard,
                holders: 12, direct: 7, inherited: 6, in_error: 1}]
seats:
  description: The tenant's Teams-related licences with C(sku_id), C(sku_part_number), C(product_name), C(enabled),
    C(consumed) and C(available) seats.
  returned: always
  type: list
  elements: dict
  sample: [{sku_id: e43b5b99-8dfb-405f-9987-dc307f34bcbd, sku_part_number: MCOEV, product_name: Microsoft Teams Phone Standard,
            enabled: 25, consumed: 12, available: 13}]
report:
  description: The report file written, with C(path), C(format) and C(users) (users written to it).
  returned: when O(report_path) is set
  type: dict
  sample: {path: /srv/reports/teams-licences.html, format: html, users: 50}
requests:
  description: Graph requests sent (C(requests), C(reads), C(batches), C(retries), C(throttled), ...).
  returned: always
  type: dict
'''

import datetime
import os

from ansible_collections.m365.licensing.plugins.module_utils.directory._user_selection import UserSelection, iter_selected_users
from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import read_group_names
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._module import GraphModule
from ansible_collections.m365.licensing.plugins.module_utils.licensing import _holdings as holdings
from ansible_collections.m365.licensing.plugins.module_utils.licensing._input import InputError, LicenseResolver
from ansible_collections.m365.licensing.plugins.module_utils.reports._holdings_files import REPORT_FORMATS, ReportError, open_report
from ansible_collections.m365.licensing.plugins.module_utils.reports._holdings_summary import HoldingsSummary, teams_seats


def report_format_of(module):
    """The report format asked for or implied by the file extension; refused before any request."""
    path, chosen = module.params['report_path'], module.params['report_format']
    if not path or chosen:
        return chosen
    extension = path.rsplit('.', 1)[-1].lower() if '.' in path else ''
    extension = 'html' if extension == 'htm' else extension
    if extension not in REPORT_FORMATS:
        module.fail_json(msg='cannot tell the report format of %s from its extension: set report_format to one of %s'
                         % (path, ', '.join(REPORT_FORMATS)))
    return extension


def selection_of(module, tenant_skus):
    """The task's filters, with every licence reference resolved against the tenant like teams_license does."""
    resolver = LicenseResolver(tenant_skus)
    try:
        sku_ids = [resolver.sku(reference)['skuId'] for reference in module.params['licenses'] or []]
    except InputError as error:
        module.fail_json(msg='licenses: %s' % error)
    for warning in resolver.warnings:
        module.warn(warning)
    return UserSelection(users=module.params['users'], group=module.params['group'], sku_ids=sku_ids,
                         errors_only=module.params['errors_only'], account_enabled=module.params['account_enabled'])


def report_users(client, selection, sku_index, teams_only, sinks):
    """Stream the selected users page by page: name their groups (batched), describe them, pass them on."""
    group_names = {}
    for page in iter_selected_users(client, selection, holdings.HOLDINGS_USER_SELECT):
        unknown = set(group_id for user in page for group_id in holdings.group_ids(user)) - set(group_names)
        group_names.update(read_group_names(client, sorted(unknown)))
        for user in page:
            described = holdings.describe_user(user, holdings.describe_licenses(user, sku_index, group_names, teams_only))
            for sink in sinks:
                sink(described)


def generated_at():
    """The report's time stamp; SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it, e.g. for screenshots."""
    epoch = os.environ.get('SOURCE_DATE_EPOCH')
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch and epoch.isdigit()
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.strftime('%Y-%m-%d %H:%M UTC')


def write_report(module, report, summary, seats):
    try:
        report.finish(summary, seats, generated_at())
    except OSError as error:
        report.discard()
        module.fail_json(msg='cannot write the report %s: %s' % (module.params['report_path'], error), requests=module.request_stats())


def fail_reading_or_writing(module, error):
    if isinstance(error, GraphError):
        extra = dict(candidates=error.candidates) if getattr(error, 'candidates', None) else {}
        module.fail_graph(error, prefix='cannot report the users\' licences', **extra)
    message = str(error) if isinstance(error, ReportError) else 'cannot write the report %s: %s' % (module.params['report_path'], error)
    module.fail_json(msg=message, requests=module.request_stats())


def main():
    module = GraphModule(
        argument_spec=dict(
            users=dict(type='list', elements='str'),
            group=dict(type='str'),
            licenses=dict(type='list', elements='str'),
            errors_only=dict(type='bool', default=False),
            account_enabled=dict(type='bool'),
            teams_only=dict(type='bool', default=False),
            report_path=dict(type='path'),
            report_format=dict(type='str', choices=list(REPORT_FORMATS)),
            return_users=dict(type='bool', default=True),
        ),
        required_by=dict(report_format='report_path'),
        supports_check_mode=True,
    )
    report_format = report_format_of(module)
    client = module.client()
    try:
        tenant_skus = client.get_paged('/subscribedSkus')
    except GraphError as error:
        module.fail_graph(error, prefix='cannot read the tenant\'s subscribed SKUs')
    selection = selection_of(module, tenant_skus)
    sku_index = holdings.SkuIndex(tenant_skus)
    summary, users, report = HoldingsSummary(), [], None
    sinks = [summary.add] + ([users.append] if module.params['return_users'] else [])
    try:
        if module.params['report_path']:
            report = open_report(module.params['report_path'], report_format)
            sinks.append(report.add)
        report_users(client, selection, sku_index, module.params['teams_only'], sinks)
    except (GraphError, ReportError, OSError) as error:
        if report is not None:
            report.discard()
        fail_reading_or_writing(module, error)
    result = dict(changed=False, summary=summary.result(), seats=teams_seats(sku_index))
    if report is not None:
        write_report(module, report, result['summary'], result['seats'])
        result['report'] = dict(path=module.params['report_path'], format=report_format, users=summary.users_reported)
    if module.params['return_users']:
        result['users'] = users
    module.exit_json(requests=module.request_stats(), **result)


if __name__ == '__main__':
    main()
