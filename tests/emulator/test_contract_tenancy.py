# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: many tenants in one emulator (graph-facts §11.6) and the three write scopes of §5.2.

Raw HTTP only. Tenant 3 has not consented to the multi-tenant app. Windows are 100x longer
(--time-scale 100), so a spent bucket stays spent while a test looks at it.
"""

import time

import pytest
import requests

from graph_emulator.launcher import Emulator, EmulatorError
from graph_emulator.tenancy import MSP_APP, domain_for, local_app_for, tenant_id_for

EMULATOR_ARGS = ('--tenants', '3', '--unconsented', '3', '--tenant-users', '5', '--time-scale', '100')
MSP_ID, MSP_SECRET = MSP_APP['client_id'], MSP_APP['secrets'][0]['value']


class Estate:
    """Tokens per (tenant, app) and Graph calls with them."""

    def __init__(self, info):
        self.info = info
        self.session = requests.Session()
        self.session.trust_env = False

    def token_response(self, tenant_key, client_id, secret):
        return self.session.post('%s/%s/oauth2/v2.0/token' % (self.info['authority_url'], tenant_key), verify=self.info['ca_path'],
                                 data={'grant_type': 'client_credentials', 'client_id': client_id, 'client_secret': secret,
                                       'scope': self.info['graph_url'] + '/.default'}, timeout=30)

    def token(self, number, app='msp'):
        client_id, secret = (MSP_ID, MSP_SECRET) if app == 'msp' else local_app_for(number)
        response = self.token_response(tenant_id_for(number), client_id, secret)
        assert response.status_code == 200, response.text
        return response.json()['access_token']

    def call(self, method, path, token, body=None):
        return self.session.request(method, self.info['graph_url'] + '/v1.0' + path, json=body, verify=self.info['ca_path'],
                                    headers={'Authorization': 'Bearer ' + token}, timeout=30)

    def write(self, token, number, user=1):
        return self.call('PATCH', '/users/user%05d@%s' % (user, domain_for(number)), token, {'usageLocation': 'US'})


@pytest.fixture
def estate(fresh_emulator):
    session = Estate(fresh_emulator.info)
    yield session
    session.session.close()


def test_each_tenant_has_its_own_directory_seats_and_apps(estate, fresh_emulator):
    listing = fresh_emulator._call('GET', 'tenants')['tenants']
    assert [entry['tenant_id'] for entry in listing] == [tenant_id_for(number) for number in (1, 2, 3)]
    assert [entry['tenant_id'] for entry in fresh_emulator.info['tenants']] == [tenant_id_for(number) for number in (1, 2, 3)]
    assert MSP_ID in listing[0]['apps'] and MSP_ID in listing[1]['apps'] and MSP_ID not in listing[2]['apps']
    upns = {number: [user['userPrincipalName'] for user in estate.call('GET', '/users?$select=userPrincipalName', estate.token(number)).json()['value']]
            for number in (1, 2)}
    assert all(upn.endswith('@' + domain_for(1)) for upn in upns[1]) and len(upns[1]) == 5
    assert all(upn.endswith('@' + domain_for(2)) for upn in upns[2]) and len(upns[2]) == 5
    seats = {number: {sku['skuPartNumber']: sku['prepaidUnits']['enabled'] for sku in
                      estate.call('GET', '/subscribedSkus', estate.token(number)).json()['value']} for number in (1, 2)}
    assert seats[1]['MCOEV'] != seats[2]['MCOEV']


def test_a_token_sees_only_its_own_tenant(estate, fresh_emulator):
    token_a = estate.token(1)
    user_b = estate.call('GET', '/users/user00001@%s?$select=id' % domain_for(2), estate.token(2)).json()['id']
    for path in ('/users/%s' % user_b, '/users/user00001@%s' % domain_for(2)):
        answer = estate.call('GET', path, token_a)
        assert answer.status_code == 404, path
        assert answer.json()['error']['code'] == 'Request_ResourceNotFound'
    written = estate.call('PATCH', '/users/%s' % user_b, token_a, {'usageLocation': 'GB'})
    assert written.status_code == 404
    state_b = fresh_emulator._call('GET', 'state?tenant=%s' % tenant_id_for(2))
    assert next(user for user in state_b['users'] if user['id'] == user_b)['usageLocation'] != 'GB'


def test_the_multi_tenant_app_without_consent_gets_no_token(estate):
    refused = estate.token_response(tenant_id_for(3), MSP_ID, MSP_SECRET)
    assert refused.status_code == 401
    body = refused.json()
    assert body['error'] == 'invalid_client' and body['error_codes'] == [7000229]
    assert body['error_description'].startswith('AADSTS7000229: The client application %s is missing service principal in the tenant %s.'
                                                % (MSP_ID, tenant_id_for(3)))
    # An app registered in one tenant only is unknown in the others (AADSTS700016, graph-facts §7.3).
    client_id, secret = local_app_for(1)
    stranger = estate.token_response(domain_for(2), client_id, secret)
    assert stranger.status_code == 400 and stranger.json()['error_codes'] == [700016]
    assert estate.token_response(domain_for(3), *local_app_for(3)).status_code == 200


def throttled_scope(answer):
    assert answer.status_code == 429, answer.text
    assert float(answer.headers['Retry-After']) > 0
    assert answer.headers['x-ms-throttle-information'] == 'WriteLimitExceeded'
    return answer.headers['x-ms-throttle-scope']


def test_app_in_one_tenant_scope(estate, fresh_emulator):
    fresh_emulator.configure(write_quotas={'Tenant_Application': 3})
    token_1, token_2 = estate.token(1), estate.token(2)
    assert [estate.write(token_1, 1).status_code for _attempt in range(3)] == [204] * 3
    assert throttled_scope(estate.write(token_1, 1)) == 'Tenant_Application/Write/%s/%s' % (MSP_ID, tenant_id_for(1))
    assert estate.write(token_2, 2).status_code == 204          # the same app in another tenant has its own budget
    assert estate.write(estate.token(1, 'local'), 1).status_code == 204   # another app in the same tenant too


def test_tenant_across_apps_scope(estate, fresh_emulator):
    fresh_emulator.configure(write_quotas={'Tenant': 4})
    msp_1, local_1 = estate.token(1), estate.token(1, 'local')
    assert [estate.write(msp_1, 1).status_code for _attempt in range(3)] == [204] * 3
    assert estate.write(local_1, 1).status_code == 204
    assert throttled_scope(estate.write(local_1, 1)) == 'Tenant/Write/%s/%s' % (local_app_for(1)[0], tenant_id_for(1))
    assert estate.write(estate.token(2), 2).status_code == 204   # other tenants keep their budget


def test_app_across_tenants_scope(estate, fresh_emulator):
    fresh_emulator.configure(write_quotas={'Application': 4})
    msp_1, msp_2 = estate.token(1), estate.token(2)
    assert [estate.write(msp_1, 1).status_code for _attempt in range(2)] == [204] * 2
    assert [estate.write(msp_2, 2).status_code for _attempt in range(2)] == [204] * 2
    assert throttled_scope(estate.write(msp_2, 2)) == 'Application/Write/%s/%s' % (MSP_ID, tenant_id_for(2))
    assert throttled_scope(estate.write(msp_1, 1)) == 'Application/Write/%s/%s' % (MSP_ID, tenant_id_for(1))
    assert estate.write(estate.token(2, 'local'), 2).status_code == 204   # another app is not charged


def test_throttle_waits_out_with_retry_after(estate, fresh_emulator):
    fresh_emulator.configure(write_quotas={'Application': 2}, time_scale=0.01)
    token = estate.token(1)
    answers = [estate.write(token, 1) for _attempt in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [204, 204]
    if answers[2].status_code == 429:
        # 1 write of a 2-per-300 s bucket at time scale 0.01 refills in 1.5 s, less what trickled in.
        wait = float(answers[2].headers['Retry-After'])
        assert 0 < wait <= 1.5
        time.sleep(wait)
        assert estate.write(token, 1).status_code == 204


def test_reset_restores_every_tenant(estate, fresh_emulator):
    for number in (1, 2):
        assert estate.call('PATCH', '/users/user00002@%s' % domain_for(number), estate.token(number), {'usageLocation': 'GB'}).status_code == 204
    fresh_emulator.reset()
    for number in (1, 2):
        state = fresh_emulator._call('GET', 'state?tenant=%s' % domain_for(number))
        assert next(user for user in state['users'] if user['userPrincipalName'].startswith('user00002'))['usageLocation'] == 'US'


def test_a_tenants_file_serves_the_fixtures_it_lists(tmp_path):
    listing = tmp_path / 'estate.yml'
    listing.write_text('tenants:\n  - fixture: contoso\n  - fixture: tight-seats\n    consent: false\n')
    with Emulator(args=('--tenants-file', str(listing))) as running:
        estate = Estate(running.info)
        assert [entry['domain'] for entry in running.info['tenants']] == ['contoso.onmicrosoft.com', 'tightseats.onmicrosoft.com']
        assert estate.token_response('contoso.onmicrosoft.com', MSP_ID, MSP_SECRET).status_code == 200
        assert estate.token_response('tightseats.onmicrosoft.com', MSP_ID, MSP_SECRET).json()['error_codes'] == [7000229]
        estate.session.close()


def test_state_files_are_refused_with_many_tenants(tmp_path):
    with pytest.raises(EmulatorError, match='state-file is for one tenant'):
        Emulator(args=('--tenants', '2', '--state-file', str(tmp_path / 'state.json'))).start()
