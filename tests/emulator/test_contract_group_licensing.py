# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract tests of group-based licensing in the emulator, with raw HTTP (graph-facts §1.5, §3.2, §3.4, §11).

Tenant: tests/graph_emulator/tenants/group-licensing.yml; propagation delay 0.3 s.
"""

import time

import pytest

EMULATOR_ARGS = ('--tenant', 'group-licensing', '--group-propagation-delay', '0.3')
APP = '77777777-7777-4777-8777-777777777777'
SECRET = 'emulator-secret-0007'
PHONE_GROUP = '0a1b2c3d-0000-4000-8000-000000000001'
MOVERS_GROUP = '0a1b2c3d-0000-4000-8000-000000000002'
M365_GROUP = '0a1b2c3d-0000-4000-8000-000000000003'
DELAY = 0.3


@pytest.fixture
def api(graph):
    token = graph.token(APP, SECRET)

    class Api:
        def get(self, path):
            return graph.get(path, token=token)

        def post(self, path, body=None):
            return graph.post(path, body, token=token)

        def delete(self, path):
            return graph.request('DELETE', path, token=token)

        def sku_id(self, part):
            return graph.sku_id(part)

        def user(self, upn):
            select = 'id,userPrincipalName,assignedLicenses,licenseAssignmentStates'
            return graph.get('/v1.0/users/%s@grouplicensing.onmicrosoft.com?$select=%s' % (upn, select), token=token).json()

        def group_states(self, upn, group_id):
            return [state for state in self.user(upn)['licenseAssignmentStates'] if state['assignedByGroup'] == group_id]

        def seats(self, part):
            skus = graph.get('/v1.0/subscribedSkus', token=token).json()['value']
            sku = next(sku for sku in skus if sku['skuPartNumber'] == part)
            return sku['prepaidUnits']['enabled'] - sku['consumedUnits'], sku['consumedUnits']
    return Api()


def assign(sku_ids=(), remove=()):
    return {'addLicenses': [{'skuId': sku_id, 'disabledPlans': []} for sku_id in sku_ids], 'removeLicenses': list(remove)}


def processing(api, group_id):
    return api.get('/v1.0/groups/%s?$select=licenseProcessingState' % group_id).json()['licenseProcessingState']


def settle():
    time.sleep(DELAY + 0.15)


def test_group_write_is_asynchronous_and_processing_state_reaches_complete(api):
    # §1.5: 202 and members processed later; §11.1: QueuedForProcessing -> ProcessingComplete.
    response = api.post('/v1.0/groups/%s/assignLicense' % PHONE_GROUP, assign([api.sku_id('MCOEV')]))
    assert response.status_code == 202
    assert processing(api, PHONE_GROUP) == {'state': 'QueuedForProcessing'}
    assert api.group_states('phone01', PHONE_GROUP) == []
    settle()
    assert processing(api, PHONE_GROUP) == {'state': 'ProcessingComplete'}
    states = api.group_states('phone01', PHONE_GROUP)
    assert [(s['state'], s['error']) for s in states] == [('Active', 'None')]


def test_processing_state_as_a_string_on_request(api, fresh_emulator):
    # §11.1: the v1.0 page types it as a string, the SDKs as an object; the emulator serves both.
    import requests
    url = fresh_emulator.info['graph_url'] + '/_emulator/group-licensing'
    answer = requests.post(url, json={'processing_state_shape': 'string'}, verify=fresh_emulator.info['ca_path'], timeout=10)
    assert answer.status_code == 200
    try:
        assert processing(api, PHONE_GROUP) == 'ProcessingComplete'
    finally:
        requests.post(url, json={'processing_state_shape': 'object'}, verify=fresh_emulator.info['ca_path'], timeout=10)


def test_seat_shortage_leaves_members_in_count_violation_and_reprocess_clears_it(api, fresh_emulator):
    # §3.2 CountViolation: no seat left; §3.4 reprocess re-evaluates once the cause is gone.
    api.post('/v1.0/groups/%s/assignLicense' % PHONE_GROUP, assign([api.sku_id('MCOEV')]))
    settle()
    errors = [upn for upn in ('phone0%d' % n for n in range(1, 7))
              if any(s['error'] == 'CountViolation' for s in api.group_states(upn, PHONE_GROUP))]
    assert errors == ['phone05', 'phone06']
    assert api.seats('MCOEV')[0] == 0
    # membersWithLicenseErrors (§11.1), paged.
    page = api.get('/v1.0/groups/%s/membersWithLicenseErrors?$select=id,userPrincipalName&$top=1' % PHONE_GROUP).json()
    assert len(page['value']) == 1 and '@odata.nextLink' in page
    assert page['value'][0]['@odata.type'] == '#microsoft.graph.user'
    second = api.get(page['@odata.nextLink']).json()
    assert [m['userPrincipalName'].split('@')[0] for m in page['value'] + second['value']] == ['phone05', 'phone06']
    assert '@odata.nextLink' not in second
    # Reprocess while seats are still short: still in error.
    phone05 = api.user('phone05')['id']
    assert api.post('/v1.0/users/%s/reprocessLicenseAssignment' % phone05).status_code == 200
    assert api.group_states('phone05', PHONE_GROUP)[0]['error'] == 'CountViolation'
    fresh_emulator_post(fresh_emulator, 'seats', {'sku': 'MCOEV', 'enabled': 10})
    api.post('/v1.0/users/%s/reprocessLicenseAssignment' % phone05)
    assert [(s['state'], s['error']) for s in api.group_states('phone05', PHONE_GROUP)] == [('Active', 'None')]
    assert api.get('/v1.0/groups/%s/membersWithLicenseErrors' % PHONE_GROUP).json()['value'][0]['userPrincipalName'].startswith('phone06')


def fresh_emulator_post(emulator, name, body):
    import requests
    answer = requests.post('%s/_emulator/%s' % (emulator.info['graph_url'], name), json=body,
                           verify=emulator.info['ca_path'], timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_member_add_and_remove_change_licences_after_the_delay(api):
    user_id = api.user('staff01')['id']
    body = {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/%s' % user_id}
    assert api.post('/v1.0/groups/%s/members/$ref' % MOVERS_GROUP, body).status_code == 204
    assert api.post('/v1.0/groups/%s/members/$ref' % MOVERS_GROUP, body).status_code == 400   # already a member
    assert api.group_states('staff01', MOVERS_GROUP) == []          # not yet: propagation delay
    settle()
    assert [s['state'] for s in api.group_states('staff01', MOVERS_GROUP)] == ['Active']
    assert api.delete('/v1.0/groups/%s/members/%s/$ref' % (MOVERS_GROUP, user_id)).status_code == 204
    assert api.delete('/v1.0/groups/%s/members/%s/$ref' % (MOVERS_GROUP, user_id)).status_code == 404
    assert [s['state'] for s in api.group_states('staff01', MOVERS_GROUP)] == ['Active']    # still, until processed
    settle()
    assert api.group_states('staff01', MOVERS_GROUP) == []


def test_seat_counted_once_per_user_however_many_paths(api):
    # graph-facts Addenda: the same SKU directly and through a group is one seat.
    available, consumed = api.seats('MCOEV')
    user_id = api.user('movers01')['id']
    api.post('/v1.0/groups/%s/members/$ref' % MOVERS_GROUP, {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + user_id})
    settle()
    paths = [s['assignedByGroup'] for s in api.user('movers01')['licenseAssignmentStates'] if s['skuId'] == api.sku_id('MCOEV')]
    assert paths == [None, MOVERS_GROUP]
    assert api.seats('MCOEV') == (available, consumed)


def test_mutually_exclusive_and_dependency_violations_on_members(api):
    # §3.2: a second Calling Plan next to a held one; a Calling Plan without its prerequisite in the group (§1.5).
    user_id = api.user('intl01')['id']
    api.post('/v1.0/groups/%s/members/$ref' % PHONE_GROUP, {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + user_id})
    api.post('/v1.0/groups/%s/assignLicense' % PHONE_GROUP, assign([api.sku_id('MCOEV'), api.sku_id('MCOPSTN1')]))
    settle()
    errors = dict((s['skuId'], s['error']) for s in api.group_states('intl01', PHONE_GROUP))
    assert errors[api.sku_id('MCOPSTN1')] == 'MutuallyExclusiveViolation'
    staff = api.user('staff02')['id']
    api.post('/v1.0/groups/%s/members/$ref' % MOVERS_GROUP, {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + staff})
    api.post('/v1.0/groups/%s/assignLicense' % MOVERS_GROUP, assign([api.sku_id('MCOPSTN1')], remove=[api.sku_id('MCOEV')]))
    settle()
    assert [s['error'] for s in api.group_states('staff02', MOVERS_GROUP)] == ['DependencyViolation']


def test_usage_location_violation_when_neither_user_nor_tenant_has_one(api, graph):
    # §3.2 ProhibitedInUsageLocationViolation; the tenant country is the fallback (§1.5), so a member
    # with an invalid location is needed: the emulator refuses a PATCH to one, so the tenant model is used.
    from graph_emulator.tenant import Tenant
    tenant = Tenant.load('group-licensing')
    tenant.country = None
    tenant.group_propagation_delay_s = 0.0
    staff = tenant.get_user('staff01@grouplicensing.onmicrosoft.com', select='id')['id']
    tenant.add_group_member(MOVERS_GROUP, {'@odata.id': 'x/' + staff})
    tenant._users[staff].usage_location = None
    states = tenant.get_user(staff, select='licenseAssignmentStates')['licenseAssignmentStates']
    assert [s['error'] for s in states if s['assignedByGroup'] == MOVERS_GROUP] == ['ProhibitedInUsageLocationViolation']


def test_only_security_enabled_groups_take_licences(api):
    # §11.1: security groups, or Microsoft 365 groups with securityEnabled.
    group = api.get('/v1.0/groups/%s?$select=securityEnabled,groupTypes' % M365_GROUP).json()
    assert group['securityEnabled'] is False and group['groupTypes'] == ['Unified']
    response = api.post('/v1.0/groups/%s/assignLicense' % M365_GROUP, assign([api.sku_id('MCOEV')]))
    assert response.status_code == 400


def test_holdings_history_records_every_change(api, fresh_emulator):
    user_id = api.user('staff01')['id']
    api.post('/v1.0/groups/%s/members/$ref' % MOVERS_GROUP, {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + user_id})
    settle()
    api.user('staff01')
    import requests
    history = requests.get(fresh_emulator.info['graph_url'] + '/_emulator/holdings', verify=fresh_emulator.info['ca_path'],
                           timeout=10).json()['users']
    entries = history['staff01@grouplicensing.onmicrosoft.com']
    assert [entry['skus'] for entry in entries] == [['ENTERPRISEPACK'], ['ENTERPRISEPACK', 'MCOEV']]
    assert entries[1]['paths'] == {'ENTERPRISEPACK': ['direct'], 'MCOEV': ['group ' + MOVERS_GROUP]}
    assert entries[0]['at'] <= entries[1]['at']
