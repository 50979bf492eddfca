# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads of Teams phone numbers and Teams user configurations (graph-facts 12.1, 12.2).

Reads may travel in $batch (only number writes must not, 12.2). Numbers are found with
``$filter`` on ``telephoneNumber`` (``+`` encoded as ``%2B``) or ``assignmentTargetId``; the
free pool for ``auto`` with the documented filter on ``assignmentStatus`` and ``capabilities``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import quote

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError

NUMBERS_PATH = '/admin/teams/telephoneNumberManagement/numberAssignments'
USER_CONFIGURATIONS_PATH = '/admin/teams/userConfigurations'
PAGE_SIZE = 1000    # the documented maximum $top (graph-facts 12.2)


class PermissionMissing(GraphError):
    """Graph answered 403: the app lacks the Teams permission named in the message."""


def _filter_url(expression):
    return '%s?$filter=%s' % (NUMBERS_PATH.lstrip('/'), quote(expression, safe="()/:'"))


def _quoted(value):
    return "'%s'" % str(value).replace("'", "''")


def _checked_list(body, what):
    values = body.get('value') if isinstance(body, dict) else None
    if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
        raise GraphError('unexpected answer from Graph for %s: no value list' % what)
    return values


def _raise_for(response, permission, what):
    error = response.error()
    if error.status == 403:
        raise PermissionMissing('cannot read %s: the app lacks %s (graph-facts 12.1): %s' % (what, permission, error.message),
                                status=403, code=error.code, request_id=error.request_id)
    raise error


def _batched_filters(client, expressions, what):
    """{expression: [numberAssignments]} for many $filter expressions, through $batch."""
    requests = [{'method': 'GET', 'url': _filter_url(expression)} for expression in expressions]
    found = {}
    for expression, response in zip(expressions, client.batch(requests)):
        if not response.ok:
            _raise_for(response, 'TeamsTelephoneNumber.Read.All', what)
        found[expression] = _checked_list(response.body, what)
    return found


def read_numbers(client, telephone_numbers):
    """{telephoneNumber: numberAssignment or None (not in the tenant)}."""
    wanted = sorted(set(telephone_numbers))
    expressions = ['telephoneNumber eq %s' % _quoted(number) for number in wanted]
    found = _batched_filters(client, expressions, 'phone numbers')
    result = {}
    for number, expression in zip(wanted, expressions):
        matches = [item for item in found[expression] if item.get('telephoneNumber') == number]
        result[number] = matches[0] if matches else None
    return result


def read_user_numbers(client, user_ids):
    """{user id: [numberAssignments held]}."""
    wanted = sorted(set(user_id for user_id in user_ids if user_id))
    expressions = ['assignmentTargetId eq %s' % _quoted(user_id) for user_id in wanted]
    found = _batched_filters(client, expressions, "users' phone numbers")
    return dict((user_id, [item for item in found[expression] if item.get('assignmentTargetId') == user_id])
                for user_id, expression in zip(wanted, expressions))


def read_free_numbers(client, number_type, country, capability):
    """Unassigned numbers of a type and country with a capability (the documented filter, 12.2)."""
    expression = ("assignmentStatus eq 'unassigned' and capabilities/any(c:c eq %s) and numberType eq %s and isoCountryCode eq %s"
                  % (_quoted(capability), _quoted(number_type), _quoted(country)))
    try:
        values = client.get_paged(NUMBERS_PATH, params={'$filter': expression, '$top': str(PAGE_SIZE)})
    except GraphError as error:
        if error.status == 403:
            raise PermissionMissing('cannot list free phone numbers: the app lacks TeamsTelephoneNumber.Read.All: %s'
                                    % error.message, status=403, code=error.code, request_id=error.request_id)
        raise
    return [item for item in values if isinstance(item, dict) and not item.get('assignmentTargetId')]


def read_number(client, telephone_number):
    """One number read back after a write (single request), or None."""
    body = client.get(NUMBERS_PATH, params={'$filter': 'telephoneNumber eq %s' % _quoted(telephone_number)})
    matches = [item for item in _checked_list(body, 'phone number %s' % telephone_number)
               if item.get('telephoneNumber') == telephone_number]
    return matches[0] if matches else None


def read_user_configurations(client, user_ids):
    """{user id: teamsUserConfiguration or None (Teams does not know the user yet)}."""
    wanted = sorted(set(user_id for user_id in user_ids if user_id))
    requests = [{'method': 'GET', 'url': '%s/%s' % (USER_CONFIGURATIONS_PATH.lstrip('/'), quote(user_id))} for user_id in wanted]
    result = {}
    for user_id, response in zip(wanted, client.batch(requests)):
        if response.status == 404:
            result[user_id] = None
        elif not response.ok:
            _raise_for(response, 'TeamsUserConfiguration.Read.All', "Teams user configurations")
        elif not isinstance(response.body, dict):
            raise GraphError('unexpected answer from Graph for the Teams configuration of %s' % user_id)
        else:
            result[user_id] = response.body
    return result


def voice_summary(configuration):
    """The report's view of a teamsUserConfiguration (snake_case, no @odata keys)."""
    if configuration is None:
        return None
    return {
        'account_type': configuration.get('accountType'),
        'is_enterprise_voice_enabled': configuration.get('isEnterpriseVoiceEnabled'),
        'feature_types': list(configuration.get('featureTypes') or []),
        'telephone_numbers': [{'number': item.get('telephoneNumber'), 'category': item.get('assignmentCategory')}
                              for item in configuration.get('telephoneNumbers') or [] if isinstance(item, dict)],
    }
