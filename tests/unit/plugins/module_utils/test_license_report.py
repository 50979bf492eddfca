# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license's report of a large task: diff views only in diff mode, entries written one at a time."""

import json
import sys

import pytest
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _plan
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import DesiredLicense, TenantSku, UserSpec, plan_run
from ansible_collections.m365.licensing.plugins.module_utils.reports._license_report import LicenseReport

E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900'
PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
SKUS = {
    E3: TenantSku(E3, 'ENTERPRISEPACK', 'E3', 'suite', {'p1': 'TEAMS1'}, 'User', 'Enabled', 100, 110),
    PHONE: TenantSku(PHONE, 'MCOEV', 'Teams Phone', 'phone_system', {'p2': 'MCOEV'}, 'User', 'Enabled', 100, 110),
}


class FakeModule(object):
    """What LicenseReport uses of GraphModule; exit_json / fail_json end as AnsibleModule does: the no_log
    values redacted, one JSON text printed, SystemExit."""

    def __init__(self, diff, no_log_values=(), return_unchanged_users=True):
        self._diff = diff
        self.params = {'return_unchanged_users': return_unchanged_users}
        self.check_mode = False
        self.no_log_values = set(no_log_values)
        self.ends = 0

    def request_stats(self):
        return {'requests': 1}

    def warn(self, _warning):
        pass

    def exit_json(self, **result):
        self.ends += 1
        print('\n%s' % json.dumps(remove_values(result, self.no_log_values)))
        sys.exit(0)

    def fail_json(self, msg, **result):
        self.ends += 1
        print('\n%s' % json.dumps(remove_values(dict(result, failed=True, msg=msg), self.no_log_values)))
        sys.exit(1)


def user(upn, *sku_ids):
    return {'id': 'id-' + upn, 'userPrincipalName': upn, 'usageLocation': 'US',
            'licenseAssignmentStates': [{'skuId': sku_id, 'assignedByGroup': None, 'disabledPlans': [], 'state': 'Active',
                                         'error': None} for sku_id in sku_ids]}


def finish(capsys, diff, monkeypatch=None, users=None, no_log_values=(), return_unchanged_users=True):
    items = users or [
        (UserSpec('ana@contoso.com', licenses=(DesiredLicense(E3), DesiredLicense(PHONE))), user('ana@contoso.com', E3)),
        (UserSpec('bo@contoso.com', licenses=(DesiredLicense(E3),)), user('bo@contoso.com', E3))]
    run = plan_run(items, SKUS, diff=diff)
    module = FakeModule(diff, no_log_values, return_unchanged_users)
    report = LicenseReport(module)
    report.set_plan(run)
    if monkeypatch is not None:
        monkeypatch.setattr(_plan.UserPlan, 'before', property(lambda plan: pytest.fail('diff view read without diff mode')))
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        report.finish()
    printed = capsys.readouterr().out
    assert printed.startswith('\n') and printed.endswith('\n') and module.ends == 1
    return json.loads(printed), run, stop.value.code


def test_without_diff_mode_the_report_never_reads_a_diff_view_and_returns_no_diff(capsys, monkeypatch):
    printed, _run, code = finish(capsys, diff=False, monkeypatch=monkeypatch)
    assert 'diff' not in printed
    assert [entry['status'] for entry in printed['users']] == ['changed', 'unchanged'] and code == 0


def test_every_user_keeps_every_documented_key_with_entries_built_one_at_a_time(capsys, monkeypatch):
    built = []
    report_of = _plan.UserPlan.report
    monkeypatch.setattr(_plan.UserPlan, 'report', lambda plan, compact=False: built.append(plan.user) or report_of(plan, compact))
    printed, run, _code = finish(capsys, diff=True)
    assert printed['users'][1] == {'user': 'bo@contoso.com', 'id': 'id-bo@contoso.com', 'status': 'unchanged', 'added': [],
                                   'removed': [], 'plans_changed': [], 'inherited': [], 'usage_location_set': None,
                                   'warnings': [], 'error': None}
    assert printed['users'][0]['added'] == ['MCOEV']
    assert printed['diff'] == {'before': {'ana@contoso.com': {'licenses': ['ENTERPRISEPACK'], 'inherited_licenses': [],
                                                              'usage_location': 'US'}},
                               'after': {'ana@contoso.com': {'licenses': ['ENTERPRISEPACK', 'MCOEV'], 'inherited_licenses': [],
                                                             'usage_location': 'US'}}}
    assert printed['summary']['total'] == 2 and len(run.users) == 2
    assert built == ['ana@contoso.com', 'bo@contoso.com']  # once each, while written: no list of 100,000 entries


def test_failed_users_are_written_entry_by_entry_with_the_no_log_values_redacted(capsys):
    secret = 'contoso.com'  # stands for a no_log value that happens to appear in a user's entry
    missing = (UserSpec('gone@contoso.com', licenses=(DesiredLicense(E3),)), None)
    printed, _run, code = finish(capsys, diff=False, no_log_values=[secret],
                                 users=[missing, (UserSpec('bo@contoso.com', licenses=(DesiredLicense(E3),)), user('bo@contoso.com', E3))])
    assert code == 1 and printed['failed'] is True and printed['msg'].startswith('1 of 2 users failed')
    assert [entry['user'] for entry in printed['users']] == ['gone@********', 'bo@********']
    assert secret not in json.dumps(printed) and printed['summary']['failed'] == 1


@pytest.mark.parametrize('secret', ['b\u00f8', 'a"b', 'x\\y'])
def test_a_no_log_value_that_json_escapes_is_redacted_too(capsys, secret):
    """The entry's JSON text would not show such a value as it is: the entry is walked, as Ansible would."""
    upn = 'ana%s@contoso.com' % secret
    printed, _run, _code = finish(capsys, diff=False, no_log_values=[secret],
                                  users=[(UserSpec(upn, licenses=(DesiredLicense(E3),)), user(upn, E3))])
    assert printed['users'][0]['user'] == 'ana********@contoso.com'
    assert secret not in json.dumps(printed, ensure_ascii=False)


def test_without_unchanged_users_the_list_keeps_changed_failed_and_warned_users_and_the_summary_counts_all(capsys):
    missing = (UserSpec('gone@contoso.com', licenses=(DesiredLicense(E3),)), None)
    same = (UserSpec('bo@contoso.com', licenses=(DesiredLicense(E3),)), user('bo@contoso.com', E3))
    grows = (UserSpec('ana@contoso.com', licenses=(DesiredLicense(E3), DesiredLicense(PHONE))), user('ana@contoso.com', E3))
    # Teams Phone held beside E3 and asked again: unchanged, with nothing to say.
    held = (UserSpec('cy@contoso.com', licenses=(DesiredLicense(PHONE),)), user('cy@contoso.com', E3, PHONE))
    printed, run, code = finish(capsys, diff=False, users=[missing, same, grows, held], return_unchanged_users=False)
    assert [(entry['user'], entry['status']) for entry in printed['users']] == [
        ('gone@contoso.com', 'failed'), ('ana@contoso.com', 'changed')]
    assert printed['summary'] == dict(total=4, changed=1, unchanged=2, failed=1, not_attempted=0, failed_after_writes=0)
    assert code == 1 and len(run.users) == 4


def test_an_unchanged_user_with_a_warning_is_listed_even_without_unchanged_users(capsys):
    # Exactly E3 asked, Teams Phone inherited from a group: nothing to write, and a warning that it stays.
    current = user('bo@contoso.com', E3)
    current['licenseAssignmentStates'].append({'skuId': PHONE, 'assignedByGroup': 'group-1', 'disabledPlans': [],
                                               'state': 'Active', 'error': None})
    run = plan_run([(UserSpec('bo@contoso.com', state='exact', licenses=(DesiredLicense(E3),)), current)], SKUS, diff=False)
    assert run.users[0].status == 'unchanged' and run.users[0].warnings
    module = FakeModule(False, return_unchanged_users=False)
    report = LicenseReport(module)
    report.set_plan(run)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        report.finish()
    printed = json.loads(capsys.readouterr().out)
    assert [(entry['user'], entry['status']) for entry in printed['users']] == [('bo@contoso.com', 'unchanged')]
    assert 'MCOEV stays' in printed['users'][0]['warnings'][0]


def test_a_runner_that_records_results_itself_gets_the_ordinary_end(capsys):
    class RecordingModule(FakeModule):
        def exit_json(self, **result):
            self.ends += 1
            self.recorded = result
            sys.exit(0)

    module = RecordingModule(False)
    report = LicenseReport(module)
    report.set_plan(plan_run([(UserSpec('bo@contoso.com', licenses=(DesiredLicense(E3),)), user('bo@contoso.com', E3))], SKUS,
                             diff=False))
    with pytest.raises(SystemExit):
        report.finish()
    assert module.ends == 2 and [entry['user'] for entry in module.recorded['users']] == ['bo@contoso.com']
