# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license's report of a large task: diff views only in diff mode, the plans released before the exit."""

import json

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _plan
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import DesiredLicense, TenantSku, UserSpec, plan_run
from ansible_collections.m365.licensing.plugins.module_utils.reports._license_report import LicenseReport

E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
SKUS = {
    E3: TenantSku(E3, 'ENTERPRISEPACK', 'E3', 'suite', {'p1': 'TEAMS1'}, 'User', 'Enabled', 100, 110),
    PHONE: TenantSku(PHONE, 'MCOEV', 'Teams Phone', 'phone_system', {'p2': 'MCOEV'}, 'User', 'Enabled', 100, 110),
}


class Exited(Exception):
    pass


class FakeModule(object):
    """What LicenseReport uses of GraphModule; exit_json keeps the result as the JSON text Ansible would print."""

    def __init__(self, diff):
        self._diff = diff
        self.check_mode = False
        self.printed = None

    def request_stats(self):
        return {'requests': 1}

    def warn(self, _warning):
        pass

    def exit_json(self, **result):
        self.printed = json.loads(json.dumps(result))
        raise Exited()


def user(upn, *sku_ids):
    return {'id': 'id-' + upn, 'userPrincipalName': upn, 'usageLocation': 'US',
            'licenseAssignmentStates': [{'skuId': sku_id, 'assignedByGroup': None, 'disabledPlans': [], 'state': 'Active',
                                         'error': None} for sku_id in sku_ids]}


def finish(diff, monkeypatch=None):
    items = [(UserSpec('ana@contoso.com', licenses=(DesiredLicense(E3), DesiredLicense(PHONE))), user('ana@contoso.com', E3)),
             (UserSpec('bo@contoso.com', licenses=(DesiredLicense(E3),)), user('bo@contoso.com', E3))]
    run = plan_run(items, SKUS, diff=diff)
    module = FakeModule(diff)
    report = LicenseReport(module)
    report.set_plan(run)
    if monkeypatch is not None:
        monkeypatch.setattr(_plan.UserPlan, 'before', property(lambda plan: pytest.fail('diff view read without diff mode')))
    with pytest.raises(Exited):
        report.finish()
    return module.printed, run


def test_without_diff_mode_the_report_never_reads_a_diff_view_and_returns_no_diff(monkeypatch):
    printed, _run = finish(diff=False, monkeypatch=monkeypatch)
    assert 'diff' not in printed
    assert [entry['status'] for entry in printed['users']] == ['changed', 'unchanged']


def test_every_user_keeps_every_documented_key_and_the_plans_are_released_before_the_exit():
    printed, run = finish(diff=True)
    assert printed['users'][1] == {'user': 'bo@contoso.com', 'id': 'id-bo@contoso.com', 'status': 'unchanged', 'added': [],
                                   'removed': [], 'plans_changed': [], 'inherited': [], 'usage_location_set': None,
                                   'warnings': [], 'error': None}
    assert printed['users'][0]['added'] == ['MCOEV']
    assert printed['diff'] == {'before': {'ana@contoso.com': {'licenses': ['ENTERPRISEPACK'], 'inherited_licenses': [],
                                                              'usage_location': 'US'}},
                               'after': {'ana@contoso.com': {'licenses': ['ENTERPRISEPACK', 'MCOEV'], 'inherited_licenses': [],
                                                             'usage_location': 'US'}}}
    assert printed['summary']['total'] == 2 and run.users == []
