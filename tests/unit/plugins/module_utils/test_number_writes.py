# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NumberWriter against a fake client: single requests, operation polling, statusDetail, bounds, read-back."""

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphResponse
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import NumberPlan, NumberRequest
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_writes import NumberWriter

LOCATION = "https://graph.example/v1.0/admin/teams/telephoneNumberManagement/operations('op-1')"


class FakeClient(object):
    """statuses: the operation statuses answered poll after poll; holder: who the number reads back as held by."""

    def __init__(self, statuses, holder='id-adele', post_error=None, detail='User lacks appropriate licenses'):
        self.statuses = list(statuses)
        self.holder = holder
        self.post_error = post_error
        self.detail = detail
        self.posts = []
        self.polls = 0

    def request_full(self, method, path, body=None, **kwargs):
        if self.post_error:
            raise self.post_error
        self.posts.append((method, path, body))
        return GraphResponse(202, {'Location': LOCATION}, None)

    def get(self, path, params=None):
        if path == LOCATION:
            self.polls += 1
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            return {'status': status, 'numbers': [{'statusDetail': self.detail if status == 'failed' else None}]}
        return {'value': [{'telephoneNumber': '+14255550102', 'assignmentTargetId': self.holder}]}


def assign_plan():
    plan = NumberPlan(NumberRequest('adele@contoso.com', '+14255550102', 'callingPlan', None, None, 'present'), 'id-adele')
    plan.operations = [{'operation': 'assign', 'body': {'telephoneNumber': '+14255550102', 'assignmentTargetId': 'id-adele',
                                                        'numberType': 'callingPlan'}}]
    return plan


def writer(client, timeout=30):
    now = [0.0]
    return NumberWriter(client, timeout, 2, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0]), now


def test_an_operation_is_polled_until_it_succeeds_then_read_back():
    client = FakeClient(['notStarted', 'running', 'succeeded'])
    number_writer, _now = writer(client)
    plan = assign_plan()
    number_writer.apply([plan])
    assert plan.status == 'changed' and client.polls == 3 and number_writer.writes == 1
    assert client.posts[0][1].endswith('/numberAssignments/assignNumber')


def test_a_failed_operation_reports_its_status_detail():
    client = FakeClient(['running', 'failed'])
    number_writer, _now = writer(client)
    plan = assign_plan()
    number_writer.apply([plan])
    assert plan.status == 'failed' and 'User lacks appropriate licenses' in plan.error and number_writer.writes == 0


def test_the_wait_is_bounded_by_wait_timeout():
    client = FakeClient(['running'])
    number_writer, now = writer(client, timeout=10)
    plan = assign_plan()
    number_writer.apply([plan])
    assert plan.status == 'failed' and 'still running after wait_timeout (10s)' in plan.error
    assert now[0] <= 10.0 and client.polls < 10    # backoff, not a busy loop


def test_a_read_back_that_disagrees_fails_the_user():
    client = FakeClient(['succeeded'], holder='id-someone-else')
    number_writer, _now = writer(client)
    plan = assign_plan()
    number_writer.apply([plan])
    assert plan.status == 'failed' and 'reads back as held by id-someone-else' in plan.error


def test_a_permission_error_stops_the_users_not_started_yet():
    client = FakeClient(['succeeded'], post_error=GraphError('Insufficient privileges', status=403, code='Authorization_RequestDenied'))
    number_writer, _now = writer(client)
    number_writer.max_concurrency = 1
    plans = [assign_plan(), assign_plan()]
    number_writer.apply(plans)
    assert [plan.status for plan in plans] == ['failed', 'not_attempted']
    assert 'Insufficient privileges' in plans[1].error
