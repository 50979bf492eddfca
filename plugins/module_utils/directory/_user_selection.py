# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which users a report covers: named users, a group's transitive members, holders of licences,
enabled or disabled accounts, users with licence errors, or the whole tenant; any combination.

The narrowest source the server can filter is read, page by page, and the other criteria are
checked on each user as it arrives, so nothing is read per user and no more than a page is held:
- named users: batched reads (directory/_user_reads.read_users);
- licences: ``$filter=assignedLicenses/any(x:x/skuId eq {id})`` per licence, with
  ``and accountEnabled eq ...`` when asked (default queries, graph-facts 11.4);
- a group: its transitive members' ids, then batched reads (small group) or one filtered
  listing of the tenant (large group);
- otherwise the tenant's listing, ``$filter=accountEnabled eq ...`` when asked.
There is no server-side filter on licence errors: errors_only is checked on each user.
The next page is fetched while the caller works on the current one (two pages in memory at most),
so Graph's round trip and the caller's work overlap.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import is_user, iter_group_members, resolve_group
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import (
    LISTING_PAGE_SIZE,
    LISTING_THRESHOLD,
    iter_user_pages,
    read_users,
)
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import HEALTHY_ASSIGNMENT_ERRORS

UserSelection = namedtuple('UserSelection', 'users group sku_ids errors_only account_enabled')
_END = object()


class UserSelectionError(GraphError):
    """A named user or group that does not exist; the message names them."""


def has_licence_error(user):
    return any(state.get('state') == 'Error' or state.get('error') not in HEALTHY_ASSIGNMENT_ERRORS
               for state in user.get('licenseAssignmentStates') or [])


def holds_any(user, sku_ids):
    return any((entry.get('skuId') or '').lower() in sku_ids for entry in user.get('assignedLicenses') or [])


def account_filter(account_enabled):
    if account_enabled is None:
        return None
    return 'accountEnabled eq %s' % ('true' if account_enabled else 'false')


def licence_filter(sku_id, account_enabled):
    clauses = ['assignedLicenses/any(x:x/skuId eq %s)' % sku_id, account_filter(account_enabled)]
    return ' and '.join(clause for clause in clauses if clause)


def iter_selected_users(client, selection, select):
    """Yield pages (lists) of Graph users that meet every criterion of ``selection``, each user once."""
    sku_ids = frozenset(sku_id.lower() for sku_id in selection.sku_ids or ())
    member_ids = _group_member_ids(client, selection.group) if selection.group else None

    def wanted(user):
        return ((selection.account_enabled is None or user.get('accountEnabled') == selection.account_enabled)
                and (not sku_ids or holds_any(user, sku_ids))
                and (member_ids is None or (user.get('id') or '').lower() in member_ids)
                and (not selection.errors_only or has_licence_error(user)))

    # Several licence listings, or a UPN and an object id of one user, can meet a user twice; one listing cannot.
    seen = set() if selection.users or len(sku_ids) > 1 else None
    for page in prefetched(_source_pages(client, selection, select, member_ids)):
        kept = []
        for user in page:
            if not wanted(user) or not _first_time(seen, user):
                continue
            kept.append(user)
        if kept:
            yield kept


def prefetched(pages):
    """Yield from ``pages``, reading the next one in a worker thread while the caller has the current one."""
    pages = iter(pages)
    with ThreadPoolExecutor(max_workers=1) as worker:
        upcoming = worker.submit(next, pages, _END)
        while True:
            page = upcoming.result()  # re-raises what reading the page raised
            if page is _END:
                return
            upcoming = worker.submit(next, pages, _END)
            yield page


def _first_time(seen, user):
    if seen is None:
        return True
    key = (user.get('id') or '').lower()
    if key in seen:
        return False
    seen.add(key)
    return True


def _source_pages(client, selection, select, member_ids):
    if selection.users:
        return _named_users(client, selection.users, select)
    if selection.sku_ids:
        return _licence_holders(client, selection.sku_ids, selection.account_enabled, select)
    if member_ids is not None and len(member_ids) < LISTING_THRESHOLD:
        return _named_users(client, sorted(member_ids), select)
    return iter_user_pages(client, select=select, user_filter=account_filter(selection.account_enabled))


def _licence_holders(client, sku_ids, account_enabled, select):
    for sku_id in sku_ids:
        yield from iter_user_pages(client, select=select, user_filter=licence_filter(sku_id, account_enabled))


def _named_users(client, references, select):
    result = read_users(client, references, select=select)
    errors = ['%s (%s)' % (reference, result.error(reference)) for reference in references if result.error(reference)]
    if errors:
        raise UserSelectionError('cannot read these users: %s' % '; '.join(errors))
    missing = [reference for reference in references if result.current(reference) is None]
    if missing:
        raise UserSelectionError('no user has these user principal names or object ids: %s; check the users option'
                                 % ', '.join(missing))
    users = [result.current(reference) for reference in references]
    for start in range(0, len(users), LISTING_PAGE_SIZE):
        yield users[start:start + LISTING_PAGE_SIZE]


def _group_member_ids(client, reference):
    group = resolve_group(client, reference)
    return frozenset((member.get('id') or '').lower()
                     for member in iter_group_members(client, group['id'], transitive=True, select='id')
                     if is_user(member))
