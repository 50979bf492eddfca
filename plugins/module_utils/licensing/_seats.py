# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a subscribedSku's seat counts mean, in words a licence administrator reads.

Graph reports seats as `prepaidUnits` (enabled, warning, suspended, lockedOut) and `consumedUnits`,
and the subscription's state as `capabilityStatus` (graph-facts 2.1). Printed as "left of enabled",
two cases mislead: Communications Credits report a sentinel of 10,000,000 units rather than seats
bought (graph-facts 2.2), and a lapsed subscription shows "0 of 0 seats left" while users still
hold it, which hides that it is suspended, in its grace period or cancelled.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Communications Credits (MCOPSTNC) report this many enabled units: a marker for "no seat limit",
# not a purchase (graph-facts 2.2, FS-MCOPSTNC). No tenant buys ten million seats of anything.
UNLIMITED_SEATS_SENTINEL = 10000000

# capabilityStatus values (graph-facts 2.1) and what each means for new assignments. Units move
# enabled -> warning (grace period after expiry: still usable) -> suspended (cannot be assigned,
# can be reactivated) -> lockedOut (cancelled).
STATUS_WORDS = {
    'Warning': 'WARNING: expired, in its grace period; renew it or its seats will be suspended',
    'Suspended': 'SUSPENDED: no seat can be assigned; reactivate the subscription or remove it from users',
    'LockedOut': 'LOCKED OUT: the subscription was cancelled; no seat can be assigned',
    'Deleted': 'DELETED: the subscription no longer exists; no seat can be assigned',
}
ASSIGNABLE_STATUSES = frozenset(('Enabled', 'Warning'))


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def seat_state(subscribed_sku):
    """Seat facts of one Graph subscribedSku: counts, whether it is unlimited or assignable, a summary.

    `available` is enabled minus consumed, never negative (graph-facts 2.1: derived, not documented).
    """
    prepaid = subscribed_sku.get('prepaidUnits') or {}
    enabled = _count(prepaid.get('enabled'))
    consumed = _count(subscribed_sku.get('consumedUnits'))
    state = dict(
        capability_status=subscribed_sku.get('capabilityStatus') or 'Enabled',
        enabled=enabled,
        consumed=consumed,
        available=max(enabled - consumed, 0),
        warning=_count(prepaid.get('warning')),
        suspended=_count(prepaid.get('suspended')),
        locked_out=_count(prepaid.get('lockedOut')),
        unlimited=enabled >= UNLIMITED_SEATS_SENTINEL,
    )
    state['assignable'] = state['capability_status'] in ASSIGNABLE_STATUSES and (state['unlimited'] or state['available'] > 0)
    state['seats_summary'] = seats_summary(state)
    return state


def seats_summary(state):
    """One line: what is left and assigned, the units in other states, and the subscription's state named."""
    counts = []
    if state['unlimited']:
        counts.append('unlimited (Graph reports {0:,} units, its no-limit sentinel)'.format(state['enabled']))
    elif state['enabled'] or state['capability_status'] == 'Enabled':
        counts.append('{0:,} of {1:,} seats left'.format(state['available'], state['enabled']))
    counts.append('{0:,} assigned'.format(state['consumed']))
    for key, words in (('warning', 'in the grace period'), ('suspended', 'suspended'), ('locked_out', 'locked out')):
        if state[key]:
            counts.append('{0:,} {1}'.format(state[key], words))
    line = ', '.join(counts)
    status = STATUS_WORDS.get(state['capability_status'])
    return '%s (%s)' % (status, line) if status else line
