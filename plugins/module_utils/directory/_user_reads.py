# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the licensing state of the users a task names, in as few Graph requests as possible.

Two ways, chosen by count:
- one GET per user inside $batch envelopes of 20 (ceil(n / 20) requests);
- a paged listing of all users with $top=999, worth it when the task names many users: in a
  tenant that is not much larger than the list it costs far fewer requests. The listing stops
  once it has cost as many pages as the batches would have, and the users it has not met yet
  are then read by batch, so it never costs more than twice the batch way.
Licensing properties come back only when selected (graph-facts 3.1).

A task of 100,000 users keeps every user it read until it has planned them, so each user is
kept compact (see compact_user): only what the planner and the writes read, and the licence
entries that thousands of users hold alike (the same skuId, state and disabled plans) are one
shared, read-only object instead of a decoded copy per user.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys
from urllib.parse import quote

from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import header
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BATCH_LIMIT, iter_pages, page_values
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._shapes import user_problem

USER_SELECT = 'id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates'
LISTING_PAGE_SIZE = 999
# From this many users on, a listing of the whole tenant is tried first.
LISTING_THRESHOLD = 400


# The members of a licenseAssignmentState and of an assignedLicense that the planner and the
# writes read (licensing/_plan.py, _writes.py); lastUpdatedDateTime is dropped.
STATE_KEYS = ('skuId', 'assignedByGroup', 'disabledPlans', 'state', 'error')
LICENCE_KEYS = ('skuId', 'disabledPlans')


class SharedEntries(object):
    """One read-only dict per distinct licence entry, one tuple per distinct list of them, for all users of a read.

    Shared objects must never be changed in place: the planner copies a user before it predicts
    the user after the writes (copy.deepcopy in apply_plan).
    """

    def __init__(self):
        self._entries = {}
        self._lists = {}

    def entries(self, raw, keys):
        if not raw:
            return ()
        shared = []
        for entry in raw:
            if not isinstance(entry, dict):
                return raw  # not Graph's shape: keep it as it came, the planner reports it
            key = tuple((name, _frozen(entry[name])) for name in keys if name in entry)
            try:
                found = self._entries.get(key)
            except TypeError:
                return raw  # a member that is not a string, null or list of strings: keep the entry as it came
            if found is None:
                found = self._entries[key] = dict(key)
            shared.append(found)
        shared = tuple(shared)
        return self._lists.setdefault(tuple(id(entry) for entry in shared), shared)


def _frozen(value):
    """Lists (disabledPlans) become tuples: hashable, and safe to share."""
    return tuple(value) if isinstance(value, list) else value


def compact_user(user, shared):
    """The user with every property the caller selected, its licence entries shared; OData annotations dropped.

    Users read with the default select keep just what the planner uses; a caller that selects more
    (teams_license_info's provisionedPlans, accountEnabled, ...) gets those properties too.
    """
    if not isinstance(user, dict):
        return user
    compact = dict((name, value) for name, value in user.items() if not name.startswith('@odata.'))
    if isinstance(compact.get('usageLocation'), str):
        # A handful of countries for 100,000 users: one string each, not one per user.
        compact['usageLocation'] = sys.intern(compact['usageLocation'])
    if 'assignedLicenses' in user:
        compact['assignedLicenses'] = shared.entries(user['assignedLicenses'], LICENCE_KEYS)
    if 'licenseAssignmentStates' in user:
        compact['licenseAssignmentStates'] = shared.entries(user['licenseAssignmentStates'], STATE_KEYS)
    return compact


class UserReadResult(object):
    """Per reference (lower case): the Graph user, None when it does not exist, or the GraphError."""

    def __init__(self):
        self.users = {}
        self.errors = {}
        self.listing_pages = 0
        self.shared = SharedEntries()

    def keep(self, key, user):
        self.users[key] = compact_user(user, self.shared)

    def current(self, reference):
        return self.users.get(reference.lower())

    def take(self, reference):
        """current(reference), let go of here: the planner uses each read once (a 100,000-user task)."""
        return self.users.pop(reference.lower(), None)

    def error(self, reference):
        return self.errors.get(reference.lower())


def user_path(reference):
    # UPNs of guests hold '#' (…#EXT#@…), which must be percent-encoded in a URL path.
    return '/users/%s' % quote(reference, safe="@.'_-")


def read_users(client, references, select=USER_SELECT):
    """Read every referenced user; see the module docstring for how. ``select``: the properties read."""
    result = UserReadResult()
    wanted = dict((_lower(reference), reference) for reference in references)
    if len(wanted) >= LISTING_THRESHOLD:
        _read_by_listing(client, wanted, result, select)
    missing = [reference for key, reference in wanted.items() if key not in result.users]
    if missing:
        _read_by_batch(client, missing, result, select)
    return result


def iter_user_pages(client, select=USER_SELECT, user_filter=None):
    """Yield the users of GET /users page by page ($top=999), optionally $filter-ed on the server.

    At most two pages are held at a time (iter_pages), so a caller that streams pages keeps memory flat at tenant scale.
    """
    params = {'$select': select, '$top': str(LISTING_PAGE_SIZE)}
    if user_filter:
        params['$filter'] = user_filter
    for page in iter_pages(client, '/users', params):
        yield (page or {}).get('value') or []


def _lower(value):
    """value in lower case; value itself when it is already (the key then shares the string the user keeps)."""
    lowered = value.lower()
    return value if lowered == value else lowered


def _read_by_listing(client, wanted, result, select=USER_SELECT):
    page_budget = -(-len(wanted) // BATCH_LIMIT)
    url = None
    for page in iter_pages(client, '/users', {'$select': select, '$top': str(LISTING_PAGE_SIZE)}, page_budget):
        result.listing_pages += 1
        # A page without its list is an error, never "nobody matched" (issue 15, class 5).
        for user in page_values(page, '/users'):
            for key in (_lower(user.get('id', '')), _lower(user.get('userPrincipalName') or '')):
                if key in wanted:
                    result.keep(key, user)
        url = page.get('@odata.nextLink')
    if not url:
        # The whole tenant was listed: whoever was not met does not exist.
        for key in wanted:
            result.users.setdefault(key, None)


def _read_by_batch(client, references, result, select=USER_SELECT):
    requests = [{'method': 'GET', 'url': '%s?$select=%s' % (user_path(reference), select)} for reference in references]
    for reference, response in zip(references, client.batch(requests)):
        key = reference.lower()
        problem = user_problem(response.body) if response.ok else None
        if problem:
            result.errors[key] = GraphError('malformed answer to GET /users/%s: a user without %s' % (reference, problem),
                                            status=response.status, code='MalformedResponse',
                                            request_id=header(response.headers, 'request-id'))
        elif response.ok:
            result.keep(key, response.body)
        elif response.status == 404:
            result.users[key] = None
        else:
            result.errors[key] = response.error()
