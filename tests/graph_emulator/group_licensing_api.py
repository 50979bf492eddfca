# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP side of group-based licensing (a mixin of GraphApi); the semantics are in group_licensing.py.

- `POST /groups/{id}/members/$ref` -> 204 (graph-facts §1.5: members inherit the group's licences).
- `DELETE /groups/{id}/members/{id}/$ref` -> 204.
- `GET /groups/{id}/membersWithLicenseErrors` -> paged directory objects (graph-facts §11.1).
"""

from urllib.parse import quote

# Writing members needs a GroupMember or Group write role (Graph's add-member page; not in graph-facts).
ROLES_WRITE_MEMBERS = frozenset(('GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'))
MEMBERS_PAGE_SIZE = 100


class GroupLicensingApi(object):
    """Route handlers; GraphApi provides _ok, _context, _page_size, _page_offset and the fingerprint."""

    def _add_group_member(self, call, ids):
        self.tenant.add_group_member(ids[0], self._body_object(call))
        return self._ok(None, status=204)

    def _remove_group_member(self, call, ids):
        self.tenant.remove_group_member(ids[0], ids[1])
        return self._ok(None, status=204)

    def _members_with_license_errors(self, call, ids):
        select = call.query.get('$select')
        page_size = self._page_size(call.query.get('$top')) if call.query.get('$top') else MEMBERS_PAGE_SIZE
        offset = self._page_offset(call.query)
        members = self.tenant.members_with_license_errors(ids[0], select=select, skip=offset, top=page_size + 1)
        body = {'@odata.context': self._context('directoryObjects')}
        if len(members) > page_size:
            body['@odata.nextLink'] = self._group_next_link(ids[0], call.query, offset + page_size)
        body['value'] = members[:page_size]
        return self._ok(body)

    def _group_next_link(self, group_id, query, offset):
        link = self._next_link(query, offset)
        return link.replace('/v1.0/users?', '/v1.0/groups/%s/membersWithLicenseErrors?' % quote(group_id), 1)
