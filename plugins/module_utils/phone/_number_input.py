# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_phone_number options -> NumberRequests, checked before any request is sent."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import NUMBER_TYPES, NumberRequest

E164 = re.compile(r'^\+[1-9][0-9]{6,14}$')
CATEGORIES = ('primary', 'private', 'alternate')
ASSIGNMENT_KEYS = ('user', 'number', 'number_type', 'category', 'location_id', 'state')


class NumberInputError(ValueError):
    """Task input that cannot be applied; raised before any request."""


def normalise_number(value, where):
    """E.164 with the spaces, dashes, dots and brackets people type removed."""
    text = re.sub(r'[\s\-.()]', '', str(value))
    if not E164.match(text):
        raise NumberInputError('%s: number %r is not E.164 (a + and 7 to 15 digits, e.g. +14255550100), auto or all' % (where, value))
    return text


def parse_assignment(item, index, default_state):
    where = 'assignments[%d]' % index
    if not isinstance(item, dict):
        raise NumberInputError('%s: expected a dict with user, number and number_type, got %r' % (where, item))
    unknown = sorted(set(item) - set(ASSIGNMENT_KEYS))
    if unknown:
        raise NumberInputError('%s: unknown key(s) %s (allowed: %s)' % (where, ', '.join(unknown), ', '.join(ASSIGNMENT_KEYS)))
    user = str(item.get('user') or '').strip()
    if not user:
        raise NumberInputError('%s: user is required (a UPN or object id)' % where)
    where = '%s (user %s)' % (where, user)
    state = item.get('state') or default_state
    if state not in ('present', 'absent'):
        raise NumberInputError('%s: state must be present or absent, got %r' % (where, state))
    number_type = item.get('number_type')
    if number_type is not None and number_type not in NUMBER_TYPES:
        raise NumberInputError('%s: number_type must be one of %s, got %r' % (where, ', '.join(NUMBER_TYPES), number_type))
    category = item.get('category')
    if category is not None and category not in CATEGORIES:
        raise NumberInputError('%s: category must be one of %s, got %r' % (where, ', '.join(CATEGORIES), category))
    number = _number(item.get('number'), state, number_type, where)
    return NumberRequest(user, number, NUMBER_TYPES.get(number_type), category, item.get('location_id') or None, state)


def _number(value, state, number_type, where):
    if value is None or str(value).strip() == '':
        # No empty or defaulted input removes a number (destructive intent is explicit).
        raise NumberInputError('%s: number is required: E.164, auto (state present) or all (state absent)' % where)
    text = str(value).strip().lower()
    if state == 'present':
        if number_type is None:
            raise NumberInputError('%s: number_type is required with state present' % where)
        if text == 'all':
            raise NumberInputError('%s: number all is only for state absent' % where)
        return 'auto' if text == 'auto' else normalise_number(value, where)
    if text == 'auto':
        raise NumberInputError('%s: number auto is only for state present' % where)
    return 'all' if text == 'all' else normalise_number(value, where)


def parse_assignments(items, default_state):
    """NumberRequests in input order; the same number for two users or twice for one is an error."""
    if not items:
        raise NumberInputError('assignments is empty: name at least one user and number')
    requests = [parse_assignment(item, index, default_state) for index, item in enumerate(items)]
    seen = {}
    for request in requests:
        if request.number in ('auto', 'all'):
            continue
        key = request.number
        if key in seen:
            raise NumberInputError('number %s appears twice in assignments (users %s and %s): one number, one entry'
                                   % (key, seen[key], request.user))
        seen[key] = request.user
    return requests
