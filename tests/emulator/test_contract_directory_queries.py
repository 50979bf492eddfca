# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract (graph-facts §11.4, §3.1): the user $filter clauses reports use, $count and the advanced-query
rule, group look-up by displayName, and a group's direct and transitive members with paging."""

from urllib.parse import quote

EMULATOR_ARGS = ('--tenant', 'contoso', '--throttle', 'off')
EVENTUAL = {'ConsistencyLevel': 'eventual'}
TEAMS_PHONE_USERS = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'
VOICE_STAFF = '9b8a7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d'
UNSUPPORTED_USER_FILTER = "Unsupported or invalid query filter clause specified for property '%s' of resource 'User'."


def users(graph, query, headers=None):
    response = graph.get('/v1.0/users?%s' % query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def names(body):
    return sorted(user['userPrincipalName'].split('@')[0] for user in body['value'])


def assert_unsupported(response, prop):
    assert response.status_code == 400, response.text
    error = response.json()['error']
    assert error['code'] == 'Request_UnsupportedQuery'
    assert error['message'] == UNSUPPORTED_USER_FILTER % prop


# --- users: $filter (§11.4, §3.1) --------------------------------------------------------------------

def test_holders_of_a_licence_are_filtered_on_the_server(graph):
    mcopstn2 = graph.sku_id('MCOPSTN2')
    body = users(graph, '$filter=assignedLicenses/any(x:x/skuId eq %s)&$select=id,userPrincipalName' % mcopstn2)
    assert names(body) == ['LenaO', 'SofiaM']


def test_account_enabled_eq_is_a_default_query(graph):
    body = users(graph, '$filter=accountEnabled eq false&$select=userPrincipalName,accountEnabled')
    assert names(body) == ['OlgaI']
    assert all(user['accountEnabled'] is False for user in body['value'])


def test_filters_join_with_and(graph):
    e1 = graph.sku_id('STANDARDPACK')
    body = users(graph, '$filter=assignedLicenses/any(x:x/skuId eq %s) and accountEnabled eq true&$select=userPrincipalName' % e1)
    assert names(body) == ['PeterL']


def test_ne_is_an_advanced_query_refused_without_consistency_level_and_count(graph):
    response = graph.get('/v1.0/users?$filter=accountEnabled ne true')
    assert_unsupported(response, 'accountEnabled')
    body = users(graph, '$filter=accountEnabled ne true&$count=true&$select=userPrincipalName', headers=EVENTUAL)
    assert names(body) == ['OlgaI'] and body['@odata.count'] == 1


def test_count_of_assigned_licences_is_an_advanced_query(graph):
    response = graph.get('/v1.0/users?$filter=assignedLicenses/$count eq 0', headers=EVENTUAL)
    assert_unsupported(response, 'assignedLicenses')
    body = users(graph, '$filter=assignedLicenses/$count eq 0&$count=true&$select=userPrincipalName', headers=EVENTUAL)
    assert 'TomasN' in names(body) and 'AdeleV' not in names(body)


def test_count_needs_consistency_level_eventual(graph):
    response = graph.get('/v1.0/users?$count=true&$top=1')
    assert response.status_code == 400
    assert response.json()['error']['code'] == 'Request_BadRequest'
    body = users(graph, '$count=true&$top=1', headers=EVENTUAL)
    assert body['@odata.count'] == 50 and len(body['value']) == 1


def test_a_filter_graph_does_not_support_is_a_400(graph):
    assert_unsupported(graph.get('/v1.0/users?$filter=startsWith(displayName,%27A%27)'), 'startsWith')
    assert_unsupported(graph.get('/v1.0/users?$filter=accountEnabled eq false or usageLocation eq null'), 'accountEnabled')


# --- groups: look-up by displayName (§11.4) --------------------------------------------------------------

def test_a_group_is_found_by_display_name(graph):
    response = graph.get("/v1.0/groups?$filter=displayName eq 'teams phone users'&$select=id,displayName")
    assert response.status_code == 200, response.text
    assert response.json()['value'] == [{'id': TEAMS_PHONE_USERS, 'displayName': 'Teams Phone Users'}]
    assert graph.get("/v1.0/groups?$filter=displayName eq 'Nobody''s group'").json()['value'] == []


def test_groups_refuse_a_filter_they_do_not_support(graph):
    response = graph.get("/v1.0/groups?$filter=mail eq 'x@contoso.com'")
    assert response.status_code == 400
    assert response.json()['error']['code'] == 'Request_UnsupportedQuery'


# --- group members and transitive members with paging (§11.4, §11.1) --------------------------------------

def member_pages(graph, path):
    pages, url = [], path
    while url:
        response = graph.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = pages[-1].get('@odata.nextLink')
    return pages


def test_direct_members_list_users_and_nested_groups_with_their_type(graph):
    body = graph.get('/v1.0/groups/%s/members?$select=id,displayName,userPrincipalName' % VOICE_STAFF).json()
    types = sorted((member['@odata.type'], member.get('displayName')) for member in body['value'])
    assert types == [('#microsoft.graph.group', 'Teams Phone Users'), ('#microsoft.graph.user', 'Lena Ortiz')]


def test_transitive_members_reach_through_nested_groups_and_page(graph):
    pages = member_pages(graph, '/v1.0/groups/%s/transitiveMembers?$select=id,userPrincipalName&$top=2' % VOICE_STAFF)
    members = [member for page in pages for member in page['value']]
    direct = graph.get('/v1.0/groups/%s/members?$select=id' % TEAMS_PHONE_USERS).json()['value']
    assert len(pages) == -(-len(members) // 2) and len(pages) > 1
    assert all(len(page['value']) <= 2 for page in pages)
    assert pages[0]['@odata.nextLink'].startswith(graph.info['graph_url'] + '/v1.0/groups/%s/transitiveMembers?' % VOICE_STAFF)
    user_ids = set(member['id'] for member in members if member['@odata.type'] == '#microsoft.graph.user')
    assert user_ids >= set(member['id'] for member in direct)
    assert len(members) == len(direct) + 2  # the nested group itself and LenaO


def test_member_count_needs_consistency_level_eventual(graph):
    path = '/v1.0/groups/%s/transitiveMembers?$count=true&$top=1' % VOICE_STAFF
    assert graph.get(path).status_code == 400
    body = graph.get(path, headers=EVENTUAL).json()
    assert body['@odata.count'] > 1 and len(body['value']) == 1


def test_members_of_an_unknown_group_are_404(graph):
    response = graph.get('/v1.0/groups/%s/members' % quote('00000000-0000-4000-8000-000000000000'))
    assert response.status_code == 404
    assert response.json()['error']['code'] == 'Request_ResourceNotFound'


def test_a_group_without_licences_licenses_nobody_through_nesting(graph):
    body = graph.get('/v1.0/groups/%s?$select=assignedLicenses' % VOICE_STAFF).json()
    assert body['assignedLicenses'] == []
    lena = graph.get('/v1.0/users/LenaO@contoso.onmicrosoft.com?$select=licenseAssignmentStates').json()
    assert all(state['assignedByGroup'] is None for state in lena['licenseAssignmentStates'])
