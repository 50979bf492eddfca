# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: subscribedSkus in each subscription state (graph-facts §2.1, §2.2), from the
subscription-states fixture: capabilityStatus and prepaidUnits as Graph reports them, the
Communications Credits sentinel, and no new assignment from a subscription that cannot take one."""

from urllib.parse import quote

EMULATOR_ARGS = ('--tenant', 'subscription-states', '--throttle', 'off')
DOMAIN = 'lifecycle.onmicrosoft.com'


def skus_by_part_number(graph):
    response = graph.get('/v1.0/subscribedSkus')
    assert response.status_code == 200, response.text
    return dict((sku['skuPartNumber'], sku) for sku in response.json()['value'])


def assign(graph, upn, sku_id):
    return graph.post('/v1.0/users/%s/assignLicense' % quote('%s@%s' % (upn, DOMAIN)),
                      {'addLicenses': [{'skuId': sku_id, 'disabledPlans': []}], 'removeLicenses': []})


def test_each_state_reports_its_capability_status_and_units(graph):
    skus = skus_by_part_number(graph)
    observed = dict((part, (sku['capabilityStatus'], sku['prepaidUnits'], sku['consumedUnits'])) for part, sku in skus.items())
    assert observed == {
        'MCOEV': ('Enabled', {'enabled': 10, 'warning': 0, 'suspended': 0, 'lockedOut': 0}, 2),
        'MCOPSTNC': ('Enabled', {'enabled': 10000000, 'warning': 0, 'suspended': 0, 'lockedOut': 0}, 1),
        'MCOPSTN1': ('Warning', {'enabled': 0, 'warning': 5, 'suspended': 0, 'lockedOut': 0}, 2),
        'STANDARDPACK': ('Suspended', {'enabled': 0, 'warning': 0, 'suspended': 20, 'lockedOut': 0}, 2),
        'MCOMEETADV': ('LockedOut', {'enabled': 0, 'warning': 0, 'suspended': 0, 'lockedOut': 3}, 1),
        'ENTERPRISEPACK': ('Enabled', {'enabled': 25, 'warning': 5, 'suspended': 0, 'lockedOut': 0}, 3),
    }


def test_suspended_locked_out_and_expired_subscriptions_take_no_new_assignment(graph):
    skus = skus_by_part_number(graph)
    for part_number in ('STANDARDPACK', 'MCOMEETADV', 'MCOPSTN1'):
        response = assign(graph, 'DiegoS', skus[part_number]['skuId'])
        assert response.status_code == 400, (part_number, response.text)
        assert response.json()['error']['code'] == 'Request_BadRequest'
        assert 'does not have any available licenses' in response.json()['error']['message']
    after = skus_by_part_number(graph)
    assert dict((part, sku['consumedUnits']) for part, sku in after.items()) == \
        dict((part, sku['consumedUnits']) for part, sku in skus.items())


def test_the_communications_credits_sentinel_takes_assignments(graph):
    skus = skus_by_part_number(graph)
    response = assign(graph, 'DiegoS', skus['MCOPSTNC']['skuId'])
    assert response.status_code == 200, response.text
    assert skus_by_part_number(graph)['MCOPSTNC']['consumedUnits'] == 2
