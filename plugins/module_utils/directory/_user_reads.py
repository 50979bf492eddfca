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
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import quote

from ansible_collections.m365.licensing.plugins.module_utils.graph._batch import header
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BATCH_LIMIT, page_values
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._shapes import user_problem

USER_SELECT = 'id,userPrincipalName,usageLocation,assignedLicenses,licenseAssignmentStates'
LISTING_PAGE_SIZE = 999
# From this many users on, a listing of the whole tenant is tried first.
LISTING_THRESHOLD = 400


class UserReadResult(object):
    """Per reference (lower case): the Graph user, None when it does not exist, or the GraphError."""

    def __init__(self):
        self.users = {}
        self.errors = {}
        self.listing_pages = 0

    def current(self, reference):
        return self.users.get(reference.lower())

    def error(self, reference):
        return self.errors.get(reference.lower())


def user_path(reference):
    # UPNs of guests hold '#' (…#EXT#@…), which must be percent-encoded in a URL path.
    return '/users/%s' % quote(reference, safe="@.'_-")


def read_users(client, references):
    """Read every referenced user; see the module docstring for how."""
    result = UserReadResult()
    wanted = dict((reference.lower(), reference) for reference in references)
    if len(wanted) >= LISTING_THRESHOLD:
        _read_by_listing(client, wanted, result)
    missing = [reference for key, reference in wanted.items() if key not in result.users]
    if missing:
        _read_by_batch(client, missing, result)
    return result


def _read_by_listing(client, wanted, result):
    page_budget = -(-len(wanted) // BATCH_LIMIT)
    url, params = '/users', {'$select': USER_SELECT, '$top': str(LISTING_PAGE_SIZE)}
    while url and result.listing_pages < page_budget:
        page = client.get(url, params=params)
        result.listing_pages += 1
        # A page without its list is an error, never "nobody matched" (issue 15, class 5).
        for user in page_values(page, '/users'):
            for key in (user.get('id', '').lower(), (user.get('userPrincipalName') or '').lower()):
                if key in wanted:
                    result.users[key] = user
        url, params = page.get('@odata.nextLink'), None
    if not url:
        # The whole tenant was listed: whoever was not met does not exist.
        for key in wanted:
            result.users.setdefault(key, None)


def _read_by_batch(client, references, result):
    requests = [{'method': 'GET', 'url': '%s?$select=%s' % (user_path(reference), USER_SELECT)} for reference in references]
    for reference, response in zip(references, client.batch(requests)):
        key = reference.lower()
        problem = user_problem(response.body) if response.ok else None
        if problem:
            result.errors[key] = GraphError('malformed answer to GET /users/%s: a user without %s' % (reference, problem),
                                            status=response.status, code='MalformedResponse',
                                            request_id=header(response.headers, 'request-id'))
        elif response.ok:
            result.users[key] = response.body
        elif response.status == 404:
            result.users[key] = None
        else:
            result.errors[key] = response.error()
