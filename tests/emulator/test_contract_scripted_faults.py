# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: the fault_script knob hands exactly the named faults to exactly the named requests.

Malformed 200 bodies, exact Retry-After values (0, a day), token-endpoint 5xx and HTML pages:
what the client's hardening (issue 15) is tested against, through raw HTTP only.
"""

import json

import pytest

from graph_emulator.launcher import EmulatorError

SKUS = '/v1.0/subscribedSkus'
ADELE = '/v1.0/users/AdeleV@contoso.onmicrosoft.com'


def script(emulator, *entries):
    emulator.configure(fault_script=list(entries))


@pytest.mark.parametrize('form, check', [
    ('empty', lambda text: text == ''),
    ('truncated', lambda text: text.startswith('{') and not _is_json(text)),
    ('html', lambda text: text.startswith('<!DOCTYPE html>')),
    ('string', lambda text: json.loads(text) == 'ok'),
    ('null', lambda text: json.loads(text) is None),
])
def test_a_malformed_answer_replaces_the_body_of_a_200_count_times_only(graph, fresh_emulator, form, check):
    token = graph.token()
    script(fresh_emulator, {'match': 'GET /v1.0/subscribedSkus', 'kind': 'malformed:%s' % form, 'count': 2})
    answers = [graph.get(SKUS, token=token) for _number in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert check(answers[0].text) and check(answers[1].text)
    assert isinstance(answers[2].json()['value'], list)
    assert answers[0].headers['request-id']
    assert fresh_emulator.stats()['faults'] == 2


def _is_json(text):
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_a_malformed_write_answer_is_applied_all_the_same(graph, fresh_emulator):
    token = graph.token()
    script(fresh_emulator, {'match': 'PATCH /v1.0/users/', 'kind': 'malformed:html'})
    answer = graph.patch(ADELE, {'usageLocation': 'GB'}, token=token)
    assert answer.status_code == 204 or answer.text.startswith('<!DOCTYPE html>')
    assert graph.get(ADELE + '?$select=usageLocation', token=token).json()['usageLocation'] == 'GB'


@pytest.mark.parametrize('retry_after, header', [(0, '0'), (86400, '86400'), (2.5, '2.5')])
def test_a_scripted_429_carries_exactly_the_retry_after_given(graph, fresh_emulator, retry_after, header):
    token = graph.token()
    script(fresh_emulator, {'match': 'subscribedSkus', 'kind': '429', 'retry_after': retry_after})
    answer = graph.get(SKUS, token=token)
    assert answer.status_code == 429 and answer.headers['Retry-After'] == header
    assert answer.json()['error']['code'] == 'TooManyRequests'
    assert graph.get(SKUS, token=token).status_code == 200


def test_batch_items_get_their_scripted_faults_and_the_others_do_not(graph, fresh_emulator):
    token = graph.token()
    script(fresh_emulator, {'match': 'GET /v1.0/users/AdeleV', 'kind': 'malformed:null'},
           {'match': 'GET /v1.0/users/AlexW', 'kind': '429', 'retry_after': 0},
           {'match': 'GET /v1.0/users/DiegoS', 'kind': 'html_503'})
    items = [{'id': str(number), 'method': 'GET', 'url': '/users/%s@contoso.onmicrosoft.com' % name}
             for number, name in enumerate(['AdeleV', 'AlexW', 'DiegoS', 'GradyA'])]
    answer = graph.batch(items, token=token)
    assert answer.status_code == 200
    by_id = dict((item['id'], item) for item in answer.json()['responses'])
    assert by_id['0']['status'] == 200 and by_id['0']['body'] is None
    assert by_id['1']['status'] == 429 and by_id['1']['headers']['Retry-After'] == '0'
    assert by_id['2']['status'] == 503 and by_id['2']['body'].startswith('<!DOCTYPE html>')
    assert by_id['3']['status'] == 200 and by_id['3']['body']['userPrincipalName'] == 'GradyA@contoso.onmicrosoft.com'


def test_a_malformed_batch_envelope_still_ran_its_items(graph, fresh_emulator):
    token = graph.token()
    script(fresh_emulator, {'match': 'POST /v1.0/$batch', 'kind': 'malformed:truncated'})
    items = [{'id': '1', 'method': 'PATCH', 'url': '/users/AdeleV@contoso.onmicrosoft.com', 'body': {'usageLocation': 'FR'},
              'headers': {'Content-Type': 'application/json'}}]
    answer = graph.batch(items, token=token)
    assert answer.status_code == 200 and not _is_json(answer.text)
    assert fresh_emulator.stats()['writes_applied'] == 1
    assert graph.get(ADELE + '?$select=usageLocation', token=token).json()['usageLocation'] == 'FR'


@pytest.mark.parametrize('kind, status, check', [
    ('503', 503, lambda answer: answer.json()['error_codes'] == [90033]),
    ('html_503', 503, lambda answer: answer.text.startswith('<!DOCTYPE html>')),
    ('429', 429, lambda answer: answer.headers['Retry-After'] == '0'),
    ('malformed:html', 200, lambda answer: answer.text.startswith('<!DOCTYPE html>')),
])
def test_the_token_endpoint_gets_its_scripted_faults_then_answers_again(graph, fresh_emulator, creds, kind, status, check):
    script(fresh_emulator, {'match': '/oauth2/v2.0/token', 'kind': kind, 'retry_after': 0})
    form = {'grant_type': 'client_credentials', 'client_id': creds.read_write, 'client_secret': creds.read_write_secret,
            'scope': graph.scope}
    faulty = graph.token_response(form)
    assert faulty.status_code == status and check(faulty)
    assert graph.token_response(form).json()['access_token']


@pytest.mark.parametrize('value, words', [
    ({'match': 'x', 'kind': 'explode'}, 'unknown fault_script kind'),
    ({'match': 'x', 'kind': '429', 'count': 0}, 'count is at least 1'),
    ({'match': 'x', 'kind': '429', 'retry_after': -1}, 'must not be negative'),
    ({'match': 'x', 'kind': '429', 'when': 1}, 'each fault_script entry'),
])
def test_a_bad_script_is_refused_whole(fresh_emulator, value, words):
    with pytest.raises(EmulatorError) as caught:
        fresh_emulator.configure(fault_script=[value])
    assert '-> 400' in str(caught.value) and words in str(caught.value)
    assert fresh_emulator.stats()['faults'] == 0
