# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: Graph v1.0 answers with the statuses, error codes, messages and JSON shapes of
graph-facts §1-§3 (subscribedSkus, users with $select and paging, assignLicense and each error,
licenseDetails, reprocess, group assignLicense), with Graph's headers on every response."""

import re
from urllib.parse import quote

import pytest

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off')
GUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false'
SKU_FIELDS = {'accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans',
              'skuId', 'skuPartNumber', 'subscriptionIds'}
TEAMS_PHONE_USERS = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'
NOT_SUBSCRIBED = 'c42b9cae-ea4f-4ab7-9717-81576235ccac'  # DEVELOPERPACK_E5: a real SKU contoso does not have


def user_path(upn, suffix=''):
    return '/v1.0/users/%s%s' % (quote(upn + '@contoso.onmicrosoft.com'), suffix)


def assign_body(add=(), remove=()):
    return {'addLicenses': [{'skuId': sku_id, 'disabledPlans': []} for sku_id in add], 'removeLicenses': list(remove)}


def assert_graph_error(response, status, code, message):
    assert response.status_code == status, response.text
    error = response.json()['error']
    assert (error['code'], error['message']) == (code, message)
    inner = error['innerError']
    assert inner['request-id'] == response.headers['request-id']
    assert inner['client-request-id'] == response.headers['client-request-id']
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$', inner['date'])


def consumed(graph, part_number):
    skus = graph.get('/v1.0/subscribedSkus').json()['value']
    return next(sku['consumedUnits'] for sku in skus if sku['skuPartNumber'] == part_number)


# --- subscribedSkus (§2) ---------------------------------------------------------------------------

def test_subscribed_skus_list_has_the_documented_shape_and_graph_headers(graph):
    response = graph.get('/v1.0/subscribedSkus', headers={'client-request-id': '0f1e2d3c-4b5a-4968-8776-655443322110'})
    assert response.status_code == 200
    assert response.headers['Content-Type'].startswith(ODATA_JSON)
    assert response.headers['client-request-id'] == '0f1e2d3c-4b5a-4968-8776-655443322110'
    assert GUID.match(response.headers['request-id'])
    assert response.headers['x-ms-resource-unit'] == '3'
    assert 'x-ms-ags-diagnostic' in response.headers and 'Date' in response.headers
    body = response.json()
    assert body['@odata.context'] == graph.info['graph_url'] + '/v1.0/$metadata#subscribedSkus'
    tenant_id = graph.info['tenant_id']
    for sku in body['value']:
        assert set(sku) == SKU_FIELDS
        assert sku['id'] == '%s_%s' % (tenant_id, sku['skuId'])
        assert set(sku['prepaidUnits']) == {'enabled', 'suspended', 'warning', 'lockedOut'}
        assert sku['appliesTo'] in ('User', 'Company')
        for plan in sku['servicePlans']:
            assert set(plan) == {'servicePlanId', 'servicePlanName', 'provisioningStatus', 'appliesTo'}
    credits = next(sku for sku in body['value'] if sku['skuPartNumber'] == 'MCOPSTNC')
    assert credits['prepaidUnits']['enabled'] == 10000000


def test_subscribed_skus_select_returns_only_the_selected_fields_and_costs_one_unit_less(graph):
    response = graph.get('/v1.0/subscribedSkus?$select=skuId,skuPartNumber,consumedUnits')
    assert response.headers['x-ms-resource-unit'] == '2'
    body = response.json()
    assert body['@odata.context'].endswith('$metadata#subscribedSkus(skuId,skuPartNumber,consumedUnits)')
    assert all(set(sku) <= {'id', 'skuId', 'skuPartNumber', 'consumedUnits'} and 'prepaidUnits' not in sku for sku in body['value'])


def test_subscribed_skus_reject_filter(graph):
    assert_graph_error(graph.get("/v1.0/subscribedSkus?$filter=skuPartNumber eq 'MCOEV'"), 400, 'Request_UnsupportedQuery', 'Unsupported Query.')


def test_subscribed_sku_by_tenant_and_sku_id(graph):
    sku_id = graph.sku_id('MCOEV')
    response = graph.get('/v1.0/subscribedSkus/%s_%s' % (graph.info['tenant_id'], sku_id))
    assert response.status_code == 200
    assert response.json()['@odata.context'].endswith('$metadata#subscribedSkus/$entity')
    assert response.json()['skuPartNumber'] == 'MCOEV'
    assert graph.get('/v1.0/subscribedSkus/%s_%s' % (graph.info['tenant_id'], NOT_SUBSCRIBED)).status_code == 404


# --- users: $select rules and paging (§3.1) -------------------------------------------------------

def test_licensing_properties_only_on_select_and_upn_may_be_url_encoded(graph):
    plain = graph.get(user_path('AdeleV'))
    assert plain.status_code == 200
    assert plain.json()['@odata.context'].endswith('$metadata#users/$entity')
    assert not {'assignedLicenses', 'usageLocation', 'licenseAssignmentStates', 'assignedPlans'} & set(plain.json())
    selected = graph.get(user_path('AdeleV', '?$select=id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates'))
    body = selected.json()
    assert body['@odata.context'].endswith('$metadata#users(id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates)/$entity')
    assert body['usageLocation'] == 'US'
    assert [item['skuId'] for item in body['assignedLicenses']] == [graph.sku_id('ENTERPRISEPACK')]
    assert 'displayName' not in body
    by_id = graph.get('/v1.0/users/%s?$select=userPrincipalName' % body['id'])
    assert by_id.json()['userPrincipalName'] == 'AdeleV@contoso.onmicrosoft.com'


def test_unknown_user_is_404_request_resource_not_found(graph):
    assert_graph_error(graph.get(user_path('nobody')), 404, 'Request_ResourceNotFound',
                       "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.")


def test_paging_visits_every_user_once_through_next_links(graph, fresh_emulator):
    expected = {user['id'] for user in fresh_emulator.state()['users']}
    seen, pages = [], 0
    url = '/v1.0/users?$select=id,usageLocation&$top=7'
    while url:
        body = graph.get(url).json()
        assert len(body['value']) <= 7
        seen += [user['id'] for user in body['value']]
        url = body.get('@odata.nextLink')
        assert url is None or ('$skiptoken=' in url and url.startswith(graph.info['graph_url'] + '/v1.0/users?'))
        pages += 1
    assert sorted(seen) == sorted(expected)
    assert pages == -(-len(expected) // 7)


def test_default_page_is_100_and_top_above_999_is_refused(graph):
    assert len(graph.get('/v1.0/users?$select=id').json()['value']) == min(100, len(graph.get('/v1.0/users?$top=999&$select=id').json()['value']))
    assert_graph_error(graph.get('/v1.0/users?$top=1000'), 400, 'Request_UnsupportedQuery',
                       "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.")


def test_a_tampered_skiptoken_is_refused(graph):
    next_link = graph.get('/v1.0/users?$top=5').json()['@odata.nextLink']
    tampered = next_link.replace('$top=5', '$top=6')
    assert graph.get(tampered).status_code == 400


def test_filter_on_usage_location_and_assigned_sku(graph, fresh_emulator):
    users = fresh_emulator.state()['users']
    gb = graph.get("/v1.0/users?$filter=usageLocation eq 'GB'&$select=userPrincipalName,usageLocation").json()['value']
    assert sorted(user['userPrincipalName'] for user in gb) == sorted(user['userPrincipalName'] for user in users if user['usageLocation'] == 'GB')
    mcoev = graph.sku_id('MCOEV')
    holders = graph.get('/v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq %s)&$select=id&$top=999' % mcoev).json()['value']
    assert len(holders) == consumed(graph, 'MCOEV')


# --- assignLicense (§1) ----------------------------------------------------------------------------

def test_assign_license_success_returns_the_user_and_takes_a_seat(graph, fresh_emulator):
    mcoev = graph.sku_id('MCOEV')
    before = consumed(graph, 'MCOEV')
    response = graph.post(user_path('AdeleV', '/assignLicense'), assign_body(add=[mcoev]))
    assert response.status_code == 200
    assert response.json()['@odata.context'].endswith('$metadata#users/$entity')
    assert response.json()['userPrincipalName'] == 'AdeleV@contoso.onmicrosoft.com'
    assert response.headers['x-ms-resource-unit'] == '1'
    assert consumed(graph, 'MCOEV') == before + 1
    licences = graph.get(user_path('AdeleV', '?$select=assignedLicenses')).json()['assignedLicenses']
    assert mcoev in [item['skuId'] for item in licences]
    stats = fresh_emulator.stats()
    assert (stats['writes'], stats['writes_applied']) == (1, 1)
    assert stats['requests']['POST /v1.0/users/{id}/assignLicense'] == 1


@pytest.mark.parametrize('missing', ['addLicenses', 'removeLicenses'])
def test_assign_license_needs_both_members(graph, missing):
    body = assign_body()
    del body[missing]
    assert_graph_error(graph.post(user_path('AdeleV', '/assignLicense'), body), 400, 'Request_BadRequest',
                       "One or more parameters of the operation 'assignLicense' are missing from the request payload. "
                       "The missing parameters are: %s." % missing)


def test_assign_license_error_cases(graph, fresh_emulator):
    """Each row of the graph-facts §1.4 table, with the user and SKU that provoke it in contoso."""
    sku = graph.sku_id
    cases = [
        ('AdeleV', assign_body(add=['not-a-guid']), 400, 'Cannot convert a primitive value to the expected type \'Edm.Guid\'. '
                                                         'See the inner exception for more details'),
        ('AdeleV', assign_body(add=[NOT_SUBSCRIBED]), 400, 'License %s does not correspond to a valid company License.' % NOT_SUBSCRIBED),
        ('TomasN', assign_body(add=[sku('ENTERPRISEPACK')]), 400, 'License assignment cannot be done for user with invalid usage location.'),
        ('BrianJ', assign_body(add=[sku('MCOPSTN2')]), 400, None),   # mutually exclusive Calling Plans
        ('AdeleV', assign_body(add=[sku('MCOPSTN1')]), 400, None),   # Calling Plan without Phone System
        ('DebraB', assign_body(remove=[sku('MCOEV')]), 400,
         'User license is inherited from a group membership and it cannot be removed directly from the user.'),
        ('AdeleV', assign_body(add=[sku('SHAREPOINTSTORAGE')]), 400, 'License %s cannot be assigned to a user.' % sku('SHAREPOINTSTORAGE')),
        ('AdeleV', assign_body(remove=[sku('MCOEV')]), 400, 'User does not have a corresponding license.'),
        ('AdeleV', assign_body(add=[sku('STANDARDPACK')]), 400, 'Subscription with SKU %s does not have any available licenses.' % sku('STANDARDPACK')),
    ]
    for upn, body, status, message in cases:
        response = graph.post(user_path(upn, '/assignLicense'), body)
        assert response.status_code == status, (upn, body, response.text)
        assert response.json()['error']['code'] in ('Request_BadRequest', 'BadRequest'), response.text
        if message:
            assert response.json()['error']['message'] == message
    exclusive = graph.post(user_path('BrianJ', '/assignLicense'), assign_body(add=[sku('MCOPSTN2')])).json()['error']['message']
    assert re.match(r'^License assignment failed because service plans [0-9a-f-]{36}, [0-9a-f-]{36} are mutually exclusive\.$', exclusive)
    dependency = graph.post(user_path('AdeleV', '/assignLicense'), assign_body(add=[sku('MCOPSTN1')])).json()['error']['message']
    assert dependency.startswith('License assignment failed because service plan 4ed3ff63-69d7-4fb7-b984-5aec7f605ca8 depends on the service plan(s) ')
    assert_graph_error(graph.post(user_path('nobody', '/assignLicense'), assign_body()), 404, 'Request_ResourceNotFound',
                       "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.")
    assert fresh_emulator.stats()['writes_applied'] == 0


def test_no_seats_left_after_the_last_one_is_taken(graph):
    e5 = graph.sku_id('ENTERPRISEPREMIUM')
    for upn in ('AdeleV', 'AlexW'):
        assert graph.post(user_path(upn, '/assignLicense'), assign_body(add=[e5])).status_code == 200
    assert_graph_error(graph.post(user_path('DiegoS', '/assignLicense'), assign_body(add=[e5])), 400, 'Request_BadRequest',
                       'Subscription with SKU %s does not have any available licenses.' % e5)


def test_patch_usage_location_is_204_and_unlocks_assignment(graph):
    response = graph.patch(user_path('TomasN'), {'usageLocation': 'DE'})
    assert response.status_code == 204 and response.content == b''
    assert graph.get(user_path('TomasN', '?$select=usageLocation')).json()['usageLocation'] == 'DE'
    assert graph.post(user_path('TomasN', '/assignLicense'), assign_body(add=[graph.sku_id('ENTERPRISEPACK')])).status_code == 200
    assert graph.patch(user_path('TomasN'), {'usageLocation': 'Germany'}).status_code == 400


def test_invalid_json_body_is_400(graph):
    response = graph.request('POST', user_path('AdeleV', '/assignLicense'), data='{not json', headers={'Content-Type': 'application/json'})
    assert_graph_error(response, 400, 'BadRequest',
                       'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.')


# --- licenseDetails, reprocess, groups (§1.5, §3.3, §3.4) -----------------------------------------

def test_license_details_lists_direct_and_inherited_licences(graph):
    body = graph.get(user_path('DebraB', '/licenseDetails')).json()
    assert body['@odata.context'].endswith("/licenseDetails")
    parts = sorted(detail['skuPartNumber'] for detail in body['value'])
    assert parts == ['ENTERPRISEPACK', 'MCOEV']
    for detail in body['value']:
        assert set(detail) == {'id', 'skuId', 'skuPartNumber', 'servicePlans'}
    assert graph.get(user_path('DebraB', '/licenseDetails')).headers['x-ms-resource-unit'] == '2'
    selected = graph.get(user_path('DebraB', '/licenseDetails?$select=skuPartNumber')).json()['value']
    assert all(set(detail) == {'skuPartNumber'} for detail in selected)


def test_reprocess_license_assignment_is_200_with_the_user(graph):
    response = graph.post(user_path('CameronW', '/reprocessLicenseAssignment'))
    assert response.status_code == 200
    assert response.json()['userPrincipalName'] == 'CameronW@contoso.onmicrosoft.com'


def test_group_assign_license_is_202_with_location_and_the_group(graph):
    response = graph.post('/v1.0/groups/%s/assignLicense' % TEAMS_PHONE_USERS, assign_body(add=[graph.sku_id('MCOMEETADV')]))
    assert response.status_code == 202
    assert response.json()['id'] == TEAMS_PHONE_USERS
    assert response.headers['Location'] == '%s/v2/%s/directoryObjects/%s/Microsoft.DirectoryServices.Group' % (
        graph.info['graph_url'], graph.info['tenant_id'], TEAMS_PHONE_USERS)


def test_group_read_needs_a_group_role(graph, creds):
    # App 4444 has LicenseAssignment.ReadWrite.All only, which does not read groups.
    token = graph.token(creds.licence_writer, creds.licence_writer_secret)
    assert graph.get('/v1.0/groups/%s' % TEAMS_PHONE_USERS, token=token).status_code == 403


# --- routing -----------------------------------------------------------------------------------------

def test_unknown_segments_and_versions(graph):
    assert_graph_error(graph.get('/v1.0/subscribedSku'), 400, 'BadRequest', "Resource not found for the segment 'subscribedSku'.")
    assert_graph_error(graph.get(user_path('AdeleV', '/licences')), 400, 'BadRequest', "Resource not found for the segment 'licences'.")
    assert_graph_error(graph.get('/beta2/users'), 400, 'BadRequest', 'Invalid version: beta2')
    assert_graph_error(graph.get('/v1.0/me/licenseDetails'), 400, 'BadRequest', '/me request is only valid with delegated authentication flow.')
    assert_graph_error(graph.request('DELETE', user_path('AdeleV')), 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request uri.')
    assert graph.get('/v1.0/SUBSCRIBEDSKUS').status_code == 200
