# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Graph resources the collection reads must look like, so that a malformed one is an error.

A well-formed JSON object can still lack what the modules rely on: a subscribedSku without a
skuId, a user whose assignedLicenses is a string. Read as they are, these become "no seats",
"no licence" or a Python traceback; checked here, they become a GraphError naming the resource
(graph-facts section 1: the properties of subscribedSku and user that v1.0 always returns).
Each function returns what is missing, or None.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def _is_text(value):
    return isinstance(value, str) and value != ''


def _list_of_objects(value):
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def subscribed_sku_problem(sku):
    if not _is_text(sku.get('skuId')):
        return 'a skuId'
    if not _list_of_objects(sku.get('servicePlans', [])):
        return 'a servicePlans list of objects'
    if not isinstance(sku.get('prepaidUnits', {}), dict):
        return 'a prepaidUnits object'
    consumed = sku.get('consumedUnits', 0)
    if isinstance(consumed, bool) or not isinstance(consumed, int):
        return 'a whole number of consumedUnits'
    return None


def user_problem(user):
    """For a user read with the licensing properties selected (id, assignedLicenses, licenseAssignmentStates)."""
    if not _is_text(user.get('id')):
        return 'an id'
    for name in ('assignedLicenses', 'licenseAssignmentStates'):
        if name in user and not _list_of_objects(user[name] or []):
            return 'an %s list of objects' % name
    if any(not _is_text(entry.get('skuId')) for entry in user.get('assignedLicenses') or []):
        return 'a skuId in every assignedLicenses entry'
    return None


# Collections read with get_paged, by path: the shape of each of their items.
COLLECTION_ITEMS = {
    '/subscribedSkus': ('subscribedSku', subscribed_sku_problem),
    '/users': ('user', user_problem),
}
