# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphClient.request_full: the status and headers of a success (a 202's Location, graph-facts 12.1), same retries."""

import json

from requests.structures import CaseInsensitiveDict

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient

LOCATION = "https://graph.microsoft.com/v1.0/admin/teams/telephoneNumberManagement/operations('op-1')"


class Response(object):
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        self.text = json.dumps(body) if body is not None else ''


class Session(object):
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs.get('json')))
        return self.answers.pop(0)

    def close(self):
        pass


def client(session):
    return GraphClient(access_token='token-value', session=session, sleep=lambda seconds: None)


def test_request_full_returns_status_headers_and_body():
    session = Session([Response(202, None, {'Location': LOCATION})])
    answer = client(session).request_full('POST', '/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber',
                                          body={'telephoneNumber': '+14255550102'})
    assert (answer.status, answer.header('location'), answer.body) == (202, LOCATION, None)
    assert session.calls[0][2] == {'telephoneNumber': '+14255550102'}


def test_request_full_retries_like_request():
    session = Session([Response(503, {'error': {'code': 'serviceNotAvailable', 'message': 'busy'}}, {'Retry-After': '0'}),
                       Response(202, None, {'Location': LOCATION})])
    graph = client(session)
    assert graph.request_full('POST', '/x', body={}).header('Location') == LOCATION
    assert graph.stats['retries'] == 1 and len(session.calls) == 2


def test_request_is_unchanged_and_returns_the_body_only():
    session = Session([Response(200, {'value': []})])
    assert client(session).request('GET', '/x') == {'value': []}
