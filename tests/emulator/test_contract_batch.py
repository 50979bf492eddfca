# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: POST /v1.0/$batch as graph-facts §4 describes it."""

from urllib.parse import quote

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off', '--seed', '11')


def user_url(upn, suffix='', leading_slash=True):
    return '%susers/%s%s' % ('/' if leading_slash else '', quote(upn + '@contoso.onmicrosoft.com'), suffix)


def get_item(item_id, upn, **extra):
    item = {'id': item_id, 'method': 'GET', 'url': user_url(upn, '?$select=id,usageLocation')}
    item.update(extra)
    return item


def responses_by_id(response):
    assert response.status_code == 200, response.text
    return {item['id']: item for item in response.json()['responses']}


def assert_batch_refused(response, fragment):
    assert response.status_code == 400, response.text
    error = response.json()['error']
    assert error['code'] == 'BadRequest' and fragment in error['message']


def test_items_carry_their_own_status_headers_and_body(graph, fresh_emulator):
    mcoev = graph.sku_id('MCOEV')
    items = [
        get_item('read', 'AdeleV'),
        {'id': 'write', 'method': 'POST', 'url': user_url('AlexW', '/assignLicense', leading_slash=False),
         'headers': {'Content-Type': 'application/json'}, 'body': {'addLicenses': [{'skuId': mcoev, 'disabledPlans': []}], 'removeLicenses': []}},
        {'id': 'missing', 'method': 'GET', 'url': user_url('nobody')},
        {'id': 'patch', 'method': 'PATCH', 'url': user_url('TomasN'), 'headers': {'Content-Type': 'application/json'},
         'body': {'usageLocation': 'US'}},
    ]
    responses = responses_by_id(graph.batch(items))
    assert {key: value['status'] for key, value in responses.items()} == {'read': 200, 'write': 200, 'missing': 404, 'patch': 204}
    assert responses['read']['body']['usageLocation'] == 'US'
    assert responses['read']['headers']['x-ms-resource-unit'] == '1'
    assert responses['read']['headers']['Content-Type'].startswith('application/json')
    assert responses['missing']['body']['error']['code'] == 'Request_ResourceNotFound'
    assert 'body' not in responses['patch']
    stats = fresh_emulator.stats()
    assert stats['batch_items'] == 4 and stats['requests']['POST /v1.0/$batch'] == 1
    assert stats['requests']['GET /v1.0/users/{id}'] == 2
    assert (stats['writes'], stats['writes_applied']) == (2, 2)


def test_more_than_20_requests_is_400_for_the_whole_batch(graph, fresh_emulator):
    assert len(graph.batch([get_item(str(number), 'AdeleV') for number in range(20)]).json()['responses']) == 20
    assert_batch_refused(graph.batch([get_item(str(number), 'AdeleV') for number in range(21)]), 'limit of 20')


def test_duplicate_ids_differing_only_in_case_are_400(graph):
    assert_batch_refused(graph.batch([get_item('a', 'AdeleV'), get_item('A', 'AlexW')]), 'duplicate request id')


def test_an_item_with_a_body_needs_a_content_type_header(graph):
    item = {'id': '1', 'method': 'PATCH', 'url': user_url('TomasN'), 'body': {'usageLocation': 'US'}}
    assert_batch_refused(graph.batch([item]), 'does not contain Content-Type header')


def test_depends_on_runs_in_chain_order_and_a_failure_gives_424(graph):
    items = [
        {'id': '1', 'method': 'PATCH', 'url': user_url('TomasN'), 'headers': {'Content-Type': 'application/json'}, 'body': {'usageLocation': 'GB'}},
        get_item('2', 'TomasN', dependsOn=['1']),
        get_item('3', 'nobody'),
        get_item('4', 'AdeleV', dependsOn=['3']),
    ]
    responses = responses_by_id(graph.batch(items))
    assert responses['1']['status'] == 204
    assert responses['2']['status'] == 200 and responses['2']['body']['usageLocation'] == 'GB'
    assert responses['3']['status'] == 404
    assert responses['4']['status'] == 424
    assert responses['4']['body']['error']['code'] == 'FailedDependency'


def test_depends_on_an_unknown_id_is_400(graph):
    assert_batch_refused(graph.batch([get_item('1', 'AdeleV', dependsOn=['9'])]), 'depends on')


def test_relative_urls_with_or_without_slash_but_not_absolute_or_versioned(graph):
    items = [
        {'id': 'slash', 'method': 'GET', 'url': '/subscribedSkus?$select=skuId'},
        {'id': 'bare', 'method': 'GET', 'url': 'subscribedSkus?$select=skuId'},
        {'id': 'versioned', 'method': 'GET', 'url': '/v1.0/subscribedSkus'},
        {'id': 'absolute', 'method': 'GET', 'url': graph.info['graph_url'] + '/v1.0/subscribedSkus'},
    ]
    statuses = {key: value['status'] for key, value in responses_by_id(graph.batch(items)).items()}
    assert statuses == {'slash': 200, 'bare': 200, 'versioned': 400, 'absolute': 400}


def test_responses_come_back_shuffled_and_reproducibly_so_for_a_seed(graph, fresh_emulator):
    items = [get_item(str(number), 'AdeleV') for number in range(20)]
    first = [item['id'] for item in graph.batch(items).json()['responses']]
    assert sorted(first, key=int) == [str(number) for number in range(20)]
    assert first != [str(number) for number in range(20)]
    fresh_emulator.reset()
    assert [item['id'] for item in graph.batch(items).json()['responses']] == first


def test_every_item_is_checked_against_the_app_roles(graph, creds):
    reader = graph.token(creds.read_only, creds.read_only_secret)
    items = [get_item('read', 'AdeleV'),
             {'id': 'write', 'method': 'PATCH', 'url': user_url('TomasN'), 'headers': {'Content-Type': 'application/json'},
              'body': {'usageLocation': 'US'}}]
    responses = responses_by_id(graph.batch(items, token=reader))
    assert responses['read']['status'] == 200
    assert responses['write']['status'] == 403
    assert responses['write']['body']['error']['code'] == 'Authorization_RequestDenied'


def test_an_envelope_without_a_valid_token_is_401(graph):
    response = graph.batch([get_item('1', 'AdeleV')], token='expired-or-unknown')
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'InvalidAuthenticationToken'
