# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directory queries used by reports: user $filter clauses, group look-up by name, group members.

graph-facts §11.4 and §3.1:
- ``assignedLicenses/any(x:x/skuId eq {guid})`` and ``accountEnabled eq true|false`` are default
  queries; clauses may be joined with ``and``.
- ``ne`` and ``assignedLicenses/$count eq|ne 0`` are advanced queries: they need the header
  ``ConsistencyLevel: eventual`` and ``$count=true``; without them Graph answers 400.
- ``$count=true`` itself needs ``ConsistencyLevel: eventual`` (checked by GraphApi._wants_count).
- ``GET /groups?$filter=displayName eq '...'`` finds a group by name; ``/groups/{id}/members`` lists
  direct members and ``/groups/{id}/transitiveMembers`` members through nested groups, both paged,
  each member carrying its ``@odata.type``.
Nested groups do not pass on group-based licences (§11.1); the tenant's licensing ignores them.
"""

import re

from .tenant import GROUP_PROPERTIES, MSG_UNSUPPORTED_FILTER, USER_PROPERTIES, GraphApiError, parse_select, project

GUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
AND = re.compile(r'\s+and\s+', re.IGNORECASE)
# (pattern, advanced-only, predicate factory(tenant, match) -> predicate(user))
USER_CLAUSES = (
    (re.compile(r"^usageLocation\s+eq\s+'([^']*)'$", re.IGNORECASE), False,
     lambda tenant, match: lambda user: (user.usage_location or '').upper() == match.group(1).upper()),
    (re.compile(r'^usageLocation\s+eq\s+null$', re.IGNORECASE), False,
     lambda tenant, match: lambda user: user.usage_location is None),
    (re.compile(r'^assignedLicenses/any\(\s*(\w+)\s*:\s*\1/skuId\s+eq\s+(%s)\s*\)$' % GUID, re.IGNORECASE), False,
     lambda tenant, match: _holder_of(tenant, match.group(2).lower())),
    (re.compile(r'^accountEnabled\s+eq\s+(true|false)$', re.IGNORECASE), False,
     lambda tenant, match: _enabled_is(match.group(1).lower() == 'true')),
    (re.compile(r'^accountEnabled\s+ne\s+(true|false)$', re.IGNORECASE), True,
     lambda tenant, match: _enabled_is(match.group(1).lower() != 'true')),
    (re.compile(r'^assignedLicenses/\$count\s+(eq|ne)\s+0$', re.IGNORECASE), True,
     lambda tenant, match: (lambda user: bool(user.held) == (match.group(1).lower() == 'ne'))),
)
GROUP_NAME_EQ = re.compile(r"^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
FILTER_PROPERTY = re.compile(r'^\s*\(?\s*([A-Za-z]+)')
MSG_UNSUPPORTED_GROUP_FILTER = "Unsupported or invalid query filter clause specified for property '%s' of resource 'Group'."
USER_TYPE = '#microsoft.graph.user'
GROUP_TYPE = '#microsoft.graph.group'


def _holder_of(tenant, sku_id):
    return lambda user: user.id in tenant._holders.get(sku_id, ())  # pylint: disable=protected-access


def _enabled_is(wanted):
    return lambda user: bool(user.properties.get('accountEnabled', True)) == wanted


def user_filter(tenant, expression, advanced=False):
    """A predicate over tenant users for a $filter expression, or GraphApiError 400 (§11.4)."""
    if expression is None or not str(expression).strip():
        return lambda user: True
    predicates = [_clause(tenant, clause.strip(), advanced) for clause in AND.split(str(expression).strip())]
    return lambda user: all(predicate(user) for predicate in predicates)


def _clause(tenant, clause, advanced):
    for pattern, advanced_only, factory in USER_CLAUSES:
        match = pattern.match(clause)
        if match and (advanced or not advanced_only):
            return factory(tenant, match)
    prop = FILTER_PROPERTY.match(clause)
    raise GraphApiError(400, 'Request_UnsupportedQuery', MSG_UNSUPPORTED_FILTER % (prop.group(1) if prop else clause))


def groups_matching(tenant, expression):
    """Groups for GET /groups: all, or those whose displayName equals the $filter's literal."""
    groups = list(tenant._groups.values())  # pylint: disable=protected-access
    if expression is None or not expression.strip():
        return groups
    match = GROUP_NAME_EQ.match(expression)
    if not match:
        prop = FILTER_PROPERTY.match(expression)
        raise GraphApiError(400, 'Request_UnsupportedQuery', MSG_UNSUPPORTED_GROUP_FILTER % (prop.group(1) if prop else expression))
    # displayName eq is case-insensitive in the directory; OData doubles a quote inside a literal.
    wanted = match.group(1).replace("''", "'").lower()
    return [group for group in groups if group.display_name.lower() == wanted]


def group_view(tenant, group, names):
    full = tenant._group_full(group)  # pylint: disable=protected-access
    if names is None:
        return project(full, [name for name in GROUP_PROPERTIES if name not in ('assignedLicenses', 'licenseProcessingState')])
    return project(full, ['id'] + [name for name in names if name != 'id'])


def group_members(tenant, group, transitive):
    """(kind, object) pairs: direct members, or every member reached through nested groups, each once."""
    seen_groups, seen_users, members = {group.id}, set(), []
    pending = [group]
    while pending:
        current = pending.pop(0)
        for user_id in current.members:
            if user_id not in seen_users:
                seen_users.add(user_id)
                members.append(('user', tenant._users[user_id]))  # pylint: disable=protected-access
        for nested_id in getattr(current, 'member_groups', ()):
            nested = tenant._groups.get(nested_id)  # pylint: disable=protected-access
            if nested is not None and nested.id not in seen_groups:
                seen_groups.add(nested.id)
                members.append(('group', nested))
                if transitive:
                    pending.append(nested)
    return members


def member_view(tenant, kind, member, names):
    """A directoryObject in a members list: its @odata.type and the selected properties it has."""
    if kind == 'user':
        view = tenant._user_view(member, [name for name in names if name in USER_PROPERTIES] if names else None)  # pylint: disable=protected-access
        return dict({'@odata.type': USER_TYPE}, **view)
    view = group_view(tenant, member, [name for name in names if name in GROUP_PROPERTIES] if names else None)
    return dict({'@odata.type': GROUP_TYPE}, **view)


class DirectoryQueries:
    """GraphApi handlers for GET /groups and a group's members (mixed into GraphApi)."""

    def _list_groups(self, call, ids):
        select = parse_select(call.query.get('$select'), GROUP_PROPERTIES, 'Microsoft.DirectoryServices.Group')
        with self.tenant.lock:
            groups = groups_matching(self.tenant, call.query.get('$filter'))
            views = [group_view(self.tenant, group, select) for group in groups]
        return self._paged_listing(call, 'groups', views, 'groups' + self._select_suffix(select))

    def _list_members(self, call, ids):
        return self._members(call, ids[0], transitive=False)

    def _list_transitive_members(self, call, ids):
        return self._members(call, ids[0], transitive=True)

    def _members(self, call, group_id, transitive):
        requested = call.query.get('$select')
        names = [name.strip() for name in requested.split(',') if name.strip()] if requested else None
        with self.tenant.lock:
            group = self.tenant._require_group(group_id)  # pylint: disable=protected-access
            views = [member_view(self.tenant, kind, member, names) for kind, member in group_members(self.tenant, group, transitive)]
        relation = 'transitiveMembers' if transitive else 'members'
        return self._paged_listing(call, 'groups/%s/%s' % (group.id, relation), views, 'directoryObjects')

    def _paged_listing(self, call, path, views, context):
        page_size = self._page_size(call.query.get('$top'))
        with_count = self._wants_count(call)
        offset = self._page_offset(call.query)
        body = {'@odata.context': self._context(context)}
        if with_count:
            body['@odata.count'] = len(views)
        if len(views) > offset + page_size:
            body['@odata.nextLink'] = self._next_link(call.query, offset + page_size, path)
        body['value'] = views[offset:offset + page_size]
        return self._ok(body)

    @staticmethod
    def _select_suffix(select):
        return '(%s)' % ','.join(select) if select else ''
