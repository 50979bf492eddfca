# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Group reads against a fake Graph client: the requests sent and what the caller gets back."""

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.tests.unit.plugins.module_utils.fake_graph_client import FakeClient
from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import (
    GroupResolutionError,
    is_user,
    iter_group_members,
    list_group_members,
    read_group_names,
    resolve_group,
)

GROUP_ID = '5a1c2b3d-0000-4000-8000-00000000000a'
OTHER_ID = '5a1c2b3d-0000-4000-8000-00000000000b'
NOT_FOUND = {'error': {'code': 'Request_ResourceNotFound', 'message': 'Resource does not exist.'}}
FORBIDDEN = {'error': {'code': 'Authorization_RequestDenied', 'message': 'Insufficient privileges'}}


def test_group_names_are_read_in_one_batch_with_only_id_and_name_selected():
    def answer(request):
        if OTHER_ID in request['url']:
            return BatchResponse(404, {}, NOT_FOUND)
        return BatchResponse(200, {}, {'id': GROUP_ID, 'displayName': 'Teams Phone users'})

    client = FakeClient(answer)
    names = read_group_names(client, [GROUP_ID, OTHER_ID, GROUP_ID])
    assert names == {GROUP_ID: 'Teams Phone users', OTHER_ID: None}
    assert len(client.batches) == 1
    assert [request['url'] for request in client.batches[0]] == [
        '/groups/%s?$select=id,displayName' % GROUP_ID, '/groups/%s?$select=id,displayName' % OTHER_ID]


def test_no_group_ids_send_no_request():
    client = FakeClient()
    assert read_group_names(client, []) == {}
    assert client.batches == []


def test_a_group_name_that_cannot_be_read_raises_instead_of_looking_missing():
    client = FakeClient(lambda request: BatchResponse(403, {}, FORBIDDEN))
    with pytest.raises(GraphError) as caught:
        read_group_names(client, [GROUP_ID])
    assert caught.value.code == 'Authorization_RequestDenied'


def test_an_object_id_is_read_directly():
    client = FakeClient(pages=[{'id': GROUP_ID, 'displayName': 'Voice'}])
    group = resolve_group(client, GROUP_ID, select='assignedLicenses')
    assert group['displayName'] == 'Voice'
    assert client.gets == [('/groups/%s' % GROUP_ID, {'$select': 'id,displayName,assignedLicenses'})]


def test_an_unknown_object_id_says_so():
    client = FakeClient(pages=[GraphError('Resource does not exist.', status=404, code='Request_ResourceNotFound')])
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group(client, GROUP_ID)
    assert 'no group has the object id %s' % GROUP_ID in str(caught.value)


def test_a_display_name_is_filtered_on_the_server_with_quotes_escaped():
    client = FakeClient(pages=[{'value': [{'id': GROUP_ID, 'displayName': "Sales' voice"}]}])
    group = resolve_group(client, "Sales' voice")
    assert group['id'] == GROUP_ID
    url, params = client.gets[0]
    assert url == '/groups'
    assert params['$filter'] == "displayName eq 'Sales'' voice'"
    assert params['$select'] == 'id,displayName'


def test_a_display_name_matching_no_group_is_an_error_naming_it():
    client = FakeClient(pages=[{'value': []}])
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group(client, 'Nobody')
    assert "'Nobody'" in str(caught.value) and caught.value.candidates == []


def test_a_display_name_matching_several_groups_lists_the_candidates():
    client = FakeClient(pages=[{'value': [{'id': GROUP_ID, 'displayName': 'Voice'}, {'id': OTHER_ID, 'displayName': 'Voice'}]}])
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group(client, 'Voice')
    assert GROUP_ID in str(caught.value) and OTHER_ID in str(caught.value)
    assert caught.value.candidates == [{'id': GROUP_ID, 'display_name': 'Voice'}, {'id': OTHER_ID, 'display_name': 'Voice'}]


def test_an_empty_reference_is_refused_before_any_request():
    client = FakeClient()
    with pytest.raises(GroupResolutionError):
        resolve_group(client, '  ')
    assert client.gets == []


def test_members_are_paged_with_top_999_and_follow_next_links():
    pages = [
        {'value': [{'@odata.type': '#microsoft.graph.user', 'id': 'u1'}], '@odata.nextLink': 'https://graph/next'},
        {'value': [{'@odata.type': '#microsoft.graph.group', 'id': 'g1'}, {'@odata.type': '#microsoft.graph.user', 'id': 'u2'}]},
    ]
    client = FakeClient(pages=pages)
    members = list_group_members(client, GROUP_ID)
    assert [member['id'] for member in members] == ['u1', 'g1', 'u2']
    assert [member['id'] for member in members if is_user(member)] == ['u1', 'u2']
    assert client.gets[0] == ('/groups/%s/members' % GROUP_ID, {'$select': 'id,displayName,userPrincipalName', '$top': '999'})
    assert client.gets[1] == ('https://graph/next', None)


def test_transitive_members_use_the_transitive_relation_and_the_given_select():
    client = FakeClient(pages=[{'value': []}])
    list_group_members(client, GROUP_ID, transitive=True, select='id')
    assert client.gets == [('/groups/%s/transitiveMembers' % GROUP_ID, {'$select': 'id', '$top': '999'})]


def test_member_iteration_reads_one_page_at_a_time():
    client = FakeClient(pages=[{'value': [{'id': 'u1'}], '@odata.nextLink': 'https://graph/next'}, {'value': [{'id': 'u2'}]}])
    members = iter_group_members(client, GROUP_ID)
    assert next(members)['id'] == 'u1'
    assert len(client.gets) == 1


def test_a_repeated_next_link_stops_the_listing():
    page = {'value': [], '@odata.nextLink': 'https://graph/same'}
    client = FakeClient(pages=[dict(page), dict(page), dict(page)])
    with pytest.raises(GraphError):
        list_group_members(client, GROUP_ID)
