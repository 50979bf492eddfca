# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read groups: their names, one group by id or display name, and their members.

- ``read_group_names``: one GET per group inside $batch envelopes of 20, only id and displayName.
- ``resolve_group``: an object id is read directly; anything else is looked up with
  ``$filter=displayName eq '...'`` (graph-facts 11.4), and must match exactly one group.
- ``list_group_members`` / ``iter_group_members``: direct or transitive members, paged with $top=999
  (graph-facts 11.4: ``/groups/{id}/transitiveMembers`` lists members through nested groups).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from urllib.parse import quote

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError

GROUP_NAME_SELECT = 'id,displayName'
MEMBER_SELECT = 'id,displayName,userPrincipalName'
MEMBER_PAGE_SIZE = 999
USER_TYPE = '#microsoft.graph.user'
_OBJECT_ID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.IGNORECASE)


class GroupResolutionError(GraphError):
    """No group or several groups match a reference; ``candidates`` lists ``{id, display_name}`` found."""

    def __init__(self, message, reference, candidates=None, status=None, code=None, request_id=None):
        super(GroupResolutionError, self).__init__(message, status=status, code=code, request_id=request_id)
        self.reference = reference
        self.candidates = list(candidates or [])


def is_object_id(reference):
    return bool(_OBJECT_ID.match(reference or ''))


def group_path(group_id):
    return '/groups/%s' % quote(group_id, safe='-')


def odata_string(text):
    """A string literal for $filter: single quotes are doubled (OData ABNF)."""
    return "'%s'" % text.replace("'", "''")


def read_group_names(client, group_ids):
    """{group id: displayName} for every id, through $batch; a group that does not exist maps to None.

    Any other failure (a missing permission, an exhausted retry) raises its GraphError: a name
    that cannot be read is not the same as a group that does not exist.
    """
    ordered = list(dict.fromkeys(group_id for group_id in group_ids if group_id))
    requests = [{'method': 'GET', 'url': '%s?$select=%s' % (group_path(group_id), GROUP_NAME_SELECT)}
                for group_id in ordered]
    names = {}
    for group_id, response in zip(ordered, client.batch(requests) if requests else []):
        if response.ok:
            names[group_id] = (response.body or {}).get('displayName')
        elif response.status == 404:
            names[group_id] = None
        else:
            raise response.error()
    return names


def resolve_group(client, reference, select=GROUP_NAME_SELECT):
    """The one group an object id or an exact display name names, with the ``select``ed properties."""
    reference = (reference or '').strip()
    if not reference:
        raise GroupResolutionError('the group reference is empty: give a group object id or display name', reference)
    if is_object_id(reference):
        return _group_by_id(client, reference, select)
    return _group_by_name(client, reference, select)


def _group_by_id(client, group_id, select):
    try:
        return client.get(group_path(group_id), params={'$select': _with_identity(select)})
    except GraphError as exc:
        if exc.status != 404:
            raise
        raise GroupResolutionError('no group has the object id %s' % group_id, group_id, status=404, code=exc.code,
                                   request_id=exc.request_id) from None


def _group_by_name(client, name, select):
    params = {'$filter': 'displayName eq %s' % odata_string(name), '$select': _with_identity(select),
              '$top': str(MEMBER_PAGE_SIZE)}
    matches = client.get_paged('/groups', params=params)
    if len(matches) == 1:
        return matches[0]
    candidates = [{'id': group.get('id'), 'display_name': group.get('displayName')} for group in matches]
    if not matches:
        raise GroupResolutionError('no group has the display name %r: give its exact display name or its object id'
                                   % name, name)
    raise GroupResolutionError('%d groups have the display name %r: give the object id of one of them (%s)' % (
        len(matches), name, ', '.join(candidate['id'] or '?' for candidate in candidates)), name, candidates)


def _with_identity(select):
    fields = [field.strip() for field in (select or '').split(',') if field.strip()]
    for required in ('displayName', 'id'):
        if required not in fields:
            fields.insert(0, required)
    return ','.join(fields)


def iter_group_members(client, group_id, transitive=False, select=MEMBER_SELECT):
    """Yield the group's members page by page (directory objects as Graph gives them, with @odata.type)."""
    relation = 'transitiveMembers' if transitive else 'members'
    url = '%s/%s' % (group_path(group_id), relation)
    params = {'$select': select, '$top': str(MEMBER_PAGE_SIZE)}
    seen_links = set()
    while url:
        page = client.get(url, params=params) or {}
        yield from page.get('value') or []
        url, params = page.get('@odata.nextLink'), None
        if url in seen_links:
            raise GraphError('Graph returned the same @odata.nextLink twice: %s' % url)
        seen_links.add(url)


def list_group_members(client, group_id, transitive=False, select=MEMBER_SELECT):
    """Every member of the group (transitive: through nested groups), paged with $top=999."""
    return list(iter_group_members(client, group_id, transitive=transitive, select=select))


def is_user(member):
    """Members lists mix users, groups, devices and service principals; a user has this @odata.type."""
    return member.get('@odata.type', USER_TYPE) == USER_TYPE
