# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seat facts of a subscribedSku: sentinel, subscription states, the one-line summary."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.m365.licensing.plugins.module_utils.licensing._seats import seat_state


def sku(status, consumed, **units):
    prepaid = dict(enabled=0, warning=0, suspended=0, lockedOut=0)
    prepaid.update(units)
    return dict(capabilityStatus=status, consumedUnits=consumed, prepaidUnits=prepaid)


@pytest.mark.parametrize('subscribed, assignable, summary', [
    (sku('Enabled', 2, enabled=10), True, '8 of 10 seats left, 2 assigned'),
    (sku('Enabled', 10, enabled=10), False, '0 of 10 seats left, 10 assigned'),
    (sku('Enabled', 1, enabled=10000000), True, 'unlimited (Graph reports 10,000,000 units, its no-limit sentinel), 1 assigned'),
    (sku('Enabled', 3, enabled=25, warning=5), True, '22 of 25 seats left, 3 assigned, 5 in the grace period'),
    (sku('Warning', 2, warning=5), False,
     'WARNING: expired, in its grace period; renew it or its seats will be suspended (2 assigned, 5 in the grace period)'),
    (sku('Suspended', 2, suspended=20), False,
     'SUSPENDED: no seat can be assigned; reactivate the subscription or remove it from users (2 assigned, 20 suspended)'),
    (sku('LockedOut', 1, lockedOut=3), False,
     'LOCKED OUT: the subscription was cancelled; no seat can be assigned (1 assigned, 3 locked out)'),
    (sku('Deleted', 0), False, 'DELETED: the subscription no longer exists; no seat can be assigned (0 assigned)'),
])
def test_summary_names_the_state_and_the_counts(subscribed, assignable, summary):
    state = seat_state(subscribed)
    assert state['assignable'] is assignable
    assert state['seats_summary'] == summary


def test_missing_units_and_status_read_as_enabled_with_no_seats():
    state = seat_state({'skuId': 'x'})
    assert (state['capability_status'], state['enabled'], state['consumed'], state['available']) == ('Enabled', 0, 0, 0)
    assert state['unlimited'] is False and state['assignable'] is False


def test_more_assigned_than_enabled_leaves_none_not_a_negative_count():
    assert seat_state(sku('Enabled', 12, enabled=10))['available'] == 0
