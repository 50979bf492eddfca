# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What teams_license reports when a write's answer is lost, against a scripted Graph client.

The fault soak meets these cases at random; here each one is forced:

- a retried assignLicense that Graph refuses because the first, unanswered attempt had been
  applied (removing a licence that is already gone is a 400): reading the user back shows the
  change, so the user is changed, not failed;
- a 400 for a change that really was not made stays a failure, with Graph's words and advice;
- a 403 is not read back (nothing was written) and says which permission to grant;
- a batch that the client stops as a whole (it raises) still ends with every user reported:
  those whose change is there are changed, the others failed with advice to re-run.
"""

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import UserPlan
from ansible_collections.m365.licensing.plugins.module_utils.licensing._writes import apply_plans

PHONE = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd'
DOMESTIC = '0dab259f-bf13-4952-b7f8-7db8f131b28d'
INTERNATIONAL = 'd3b4fe1f-9992-4930-8acb-ca6ec609365e'
NOT_HELD = {'error': {'code': 'Request_BadRequest', 'message': 'User does not have a corresponding license.'}}
FORBIDDEN = {'error': {'code': 'Authorization_RequestDenied', 'message': 'Insufficient privileges to complete the operation.'}}


class ScriptedClient(object):
    """batch() answers writes with `write(request)` and the reads back with the users in `tenant`; or raises."""

    def __init__(self, write, tenant, raise_on_batch=None):
        self.write = write
        self.tenant = tenant
        self.raise_on_batch = raise_on_batch
        self.batches = []

    def batch(self, requests):
        if not requests:
            return []  # as GraphClient.batch: nothing sent
        self.batches.append(list(requests))
        if self.raise_on_batch is not None and len(self.batches) == self.raise_on_batch:
            raise AuthenticationError('Graph rejected a newly acquired token: Lifetime validation failed', status=401)
        answers = []
        for request in requests:
            if request['method'] == 'GET':
                user_id = request['url'].split('/')[2].split('?')[0]
                answers.append(BatchResponse(200, {}, self.tenant[user_id]))
            else:
                answers.append(self.write(request))
        return answers


def direct(*sku_ids):
    return {'licenseAssignmentStates': [{'skuId': sku_id, 'assignedByGroup': None, 'disabledPlans': [], 'state': 'Active'}
                                        for sku_id in sku_ids]}


def swap(number):
    """A Domestic to International Calling Plan swap for user <number>."""
    plan = UserPlan('user%d@contoso.com' % number, user_id='id-%d' % number)
    plan.add = [{'skuId': INTERNATIONAL, 'disabledPlans': []}]
    plan.remove = [DOMESTIC]
    plan.added, plan.removed = ['MCOPSTN2'], ['MCOPSTN1']
    return plan


def test_a_refused_retry_of_a_write_that_was_applied_counts_as_written():
    tenant = {'id-1': direct(PHONE, INTERNATIONAL), 'id-2': direct(PHONE, DOMESTIC)}
    plans = [swap(1), swap(2)]
    counter = apply_plans(ScriptedClient(lambda request: BatchResponse(400, {}, NOT_HELD), tenant), plans, sleep=lambda seconds: None)
    assert plans[0].status == 'changed' and plans[0].error is None  # user 1 holds the swap already
    assert plans[1].status == 'failed'  # user 2 does not: Graph's refusal stands
    assert 'assignLicense failed (adding MCOPSTN2; removing MCOPSTN1)' in plans[1].error
    assert 'User does not have a corresponding license' in plans[1].error
    assert counter.applied == 1


def test_a_403_is_not_read_back_and_names_the_permission():
    client = ScriptedClient(lambda request: BatchResponse(403, {}, FORBIDDEN), {'id-1': direct(PHONE, INTERNATIONAL)})
    plans = [swap(1)]
    apply_plans(client, plans, sleep=lambda seconds: None)
    assert len(client.batches) == 1  # no read back: Graph said no
    assert plans[0].status == 'failed'
    assert 'LicenseAssignment.ReadWrite.All: grant it' in plans[0].error


def test_a_batch_stopped_as_a_whole_still_reports_every_user():
    tenant = {'id-1': direct(PHONE, INTERNATIONAL), 'id-2': direct(PHONE, DOMESTIC)}
    client = ScriptedClient(lambda request: BatchResponse(200, {}, {}), tenant, raise_on_batch=1)
    plans = [swap(1), swap(2)]
    counter = apply_plans(client, plans, sleep=lambda seconds: None)
    assert [plan.status for plan in plans] == ['changed', 'failed']
    assert 'Graph rejected a newly acquired token' in plans[1].error and 're-run' in plans[1].error
    assert counter.applied == 1
