# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Group-based licensing through Graph: read the group and its members, write, wait, reprocess.

Everything goes through the run's one GraphClient. The group write is one
``POST /groups/{id}/assignLicense`` carrying every add and remove (graph-facts 1.5: 202, members
are processed asynchronously); member errors appear later on each member (graph-facts 11.3).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.m365.licensing.plugins.module_utils.directory._group_reads import (
    group_path, is_user, list_group_members, resolve_group)
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import read_users, user_path
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._writes import send_batch, write_advice

# licenseProcessingState and assignedLicenses come back only on $select (graph-facts 11.1).
GROUP_SELECT = 'id,displayName,securityEnabled,groupTypes,mailEnabled,assignedLicenses,licenseProcessingState'
PROCESSING_COMPLETE = 'ProcessingComplete'
PROCESSING_STATES = ('QueuedForProcessing', 'ProcessingInProgress', PROCESSING_COMPLETE)
# Polls start soon (small groups finish in seconds) and back off to spare the read quota (graph-facts 5.2).
WAIT_FIRST_POLL = 1.0
WAIT_MAX_POLL = 15.0


def read_group(client, reference):
    """The group an object id or display name names, with its licensing properties."""
    return resolve_group(client, reference, select=GROUP_SELECT)


def processing_state(group):
    """The group's licenseProcessingState as a string, whichever shape Graph used (graph-facts 11.1).

    The v1.0 page types it as a string; Graph's metadata and the SDKs as {"state": "..."}. Any
    other shape is refused rather than guessed, so a wait never ends on a misread value.
    """
    value = group.get('licenseProcessingState')
    if isinstance(value, dict):
        value = value.get('state')
    if value is None or isinstance(value, str):
        return value
    raise GraphError('Graph returned licenseProcessingState of an unknown shape: %r' % (value,))


def read_members(client, group_id):
    """The group's direct members that are users, with their licensing state (batched reads).

    Only direct members are licensed by the group (graph-facts 11.1: nested groups are not honoured).
    """
    references = [member['id'] for member in list_group_members(client, group_id, select='id') if is_user(member)]
    reads = read_users(client, references)
    unread = [reference for reference in references if reads.error(reference) is not None]
    if unread:
        raise reads.error(unread[0])
    return [reads.current(reference) for reference in references if reads.current(reference) is not None]


def assign_group_licences(client, group_id, body):
    """One assignLicense for the group: every add and remove together, so a swap is atomic."""
    return client.post('%s/assignLicense' % group_path(group_id), body)


def add_members(client, group_id, user_ids):
    """POST /groups/{id}/members/$ref per user, batched; returns {user id: error text or None}."""
    reference = '%s/v1.0/directoryObjects/%%s' % client.graph_url
    requests = [{'method': 'POST', 'url': '%s/members/$ref' % group_path(group_id),
                 'body': {'@odata.id': reference % user_id}, 'headers': {'Content-Type': 'application/json'}}
                for user_id in user_ids]
    outcome = {}
    for user_id, response in zip(user_ids, send_batch(client, requests) if requests else []):
        outcome[user_id] = None if response.ok else _error_text(response.error(), 'GroupMember.ReadWrite.All')
    return outcome


def reprocess_members(client, members):
    """POST /users/{id}/reprocessLicenseAssignment for each member, batched (graph-facts 3.4, 11.2).

    Returns [{'user_principal_name', 'id', 'status': 'reprocessed' | 'failed', 'error'}].
    """
    requests = [{'method': 'POST', 'url': '%s/reprocessLicenseAssignment' % user_path(member['id'])} for member in members]
    results = []
    for member, response in zip(members, send_batch(client, requests) if requests else []):
        error = None if response.ok else _error_text(response.error(), 'User.ReadWrite.All')
        results.append({'user_principal_name': member.get('userPrincipalName'), 'id': member.get('id'),
                        'status': 'reprocessed' if error is None else 'failed', 'error': error})
    return results


def _error_text(error, permission):
    advice = write_advice(error, permission=permission)
    return '%s; %s' % (error, advice) if advice else str(error)


def wait_for_group(client, group_id, is_settled, timeout, sleep=time.sleep, clock=time.monotonic):
    """Poll until Graph has processed the group and ``is_settled(group, members)`` holds, at most ``timeout`` s.

    Returns (group, members, settled). Processing is asynchronous (graph-facts 1.5, 11.1).
    """
    deadline = clock() + timeout
    interval = WAIT_FIRST_POLL
    while True:
        group = read_group(client, group_id)
        members = read_members(client, group_id) if processing_state(group) == PROCESSING_COMPLETE else None
        if members is not None and is_settled(group, members):
            return group, members, True
        if clock() + interval > deadline:
            return group, members if members is not None else read_members(client, group_id), False
        sleep(interval)
        interval = min(interval * 2, WAIT_MAX_POLL)
