# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply teams_license plans to Graph, and optionally wait until Teams has provisioned them.

Order per run: every usage-location PATCH first (Graph refuses licences without a usage
location, graph-facts 1.4), then one assignLicense per user with adds and removes together,
so a swap is atomic. Both go through $batch with per-item retries in the Graph client.
A user whose write fails is marked failed with Graph's code and message; the others go on.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.m365.licensing.plugins.module_utils._user_reads import user_path

# Practitioners see the first assignLicense after a usageLocation PATCH fail for a few seconds
# with the usage-location error until the change replicates; a retry after about 5 s works
# (graph-facts 1.4, COMMUNITY).
USAGE_LOCATION_LAG_WAIT = 5.0
USAGE_LOCATION_LAG_ATTEMPTS = 3
USAGE_LOCATION_ERROR_TEXT = 'usage location'

WAIT_POLL_INTERVAL = 5.0
GUID_IN_TEXT = re.compile(r'\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b')
HEALTHY_ASSIGNMENT_ERRORS = (None, '', 'None')


class WriteCounter(object):
    """How many write requests Graph accepted, to tell whether the run changed anything."""

    def __init__(self):
        self.applied = 0


def name_guids(text, guid_names):
    """Graph cites licences and service plans by GUID; put the name the admin knows in front of each."""
    if not guid_names:
        return text

    def named(match):
        name = guid_names.get(match.group(0).lower())
        return '%s (%s)' % (name, match.group(0)) if name else match.group(0)
    return GUID_IN_TEXT.sub(named, text)


def describe_licence_change(plan):
    parts = []
    if plan.added:
        parts.append('adding %s' % ', '.join(plan.added))
    if plan.removed:
        parts.append('removing %s' % ', '.join(plan.removed))
    if plan.plans_changed:
        parts.append('changing plans of %s' % ', '.join(plan.plans_changed))
    return '; '.join(parts) or 'no licence change'


def apply_plans(client, plans, guid_names=None, sleep=time.sleep):
    """Write every plan that has something to write; returns a WriteCounter.

    ``guid_names`` maps skuIds and servicePlanIds to names, for readable error messages.
    """
    counter = WriteCounter()
    runnable = [plan for plan in plans if plan.error is None and plan.changed]
    patched = _patch_usage_locations(client, [plan for plan in runnable if plan.usage_location is not None], counter)
    assignable = [plan for plan in runnable if plan.error is None and plan.assign_body() is not None]
    _assign_licenses(client, assignable, patched, counter, guid_names, sleep)
    return counter


def _patch_usage_locations(client, plans, counter):
    requests = [{'method': 'PATCH', 'url': user_path(plan.id), 'body': {'usageLocation': plan.usage_location},
                 'headers': {'Content-Type': 'application/json'}} for plan in plans]
    patched = set()
    for plan, response in zip(plans, client.batch(requests)):
        if response.ok:
            counter.applied += 1
            patched.add(plan.id)
        else:
            plan.fail('user %s: setting usage location %s failed, so no licence was changed: %s'
                      % (plan.upn, plan.usage_location, response.error()))
    return patched


def _assign_licenses(client, plans, patched, counter, guid_names, sleep):
    pending = list(plans)
    for attempt in range(1, USAGE_LOCATION_LAG_ATTEMPTS + 1):
        bodies = [plan.assign_body() for plan in pending]
        requests = [{'method': 'POST', 'url': '%s/assignLicense' % user_path(plan.id), 'body': body,
                     'headers': {'Content-Type': 'application/json'}} for plan, body in zip(pending, bodies)]
        lagging = []
        for plan, response in zip(pending, client.batch(requests)):
            if response.ok:
                counter.applied += 1
                continue
            error = response.error()
            if _is_usage_location_lag(plan, patched, error) and attempt < USAGE_LOCATION_LAG_ATTEMPTS:
                lagging.append(plan)
                continue
            plan.fail('user %s: assignLicense failed (%s): %s'
                      % (plan.upn, describe_licence_change(plan), name_guids(str(error), guid_names)))
        if not lagging:
            return
        sleep(USAGE_LOCATION_LAG_WAIT)
        pending = lagging


def _is_usage_location_lag(plan, patched, error):
    return plan.id in patched and error.status == 400 and USAGE_LOCATION_ERROR_TEXT in (error.message or '').lower()


def wait_for_provisioning(client, plans, teams_plan_names, timeout, guid_names=None, sleep=time.sleep, clock=time.monotonic):
    """Poll changed users until their new licences are Active and Teams plans report Success.

    A licence assignment in state Error fails that user with its error code; users still
    pending at the timeout fail with what they were waiting for.
    """
    waiting = dict((plan.id, plan) for plan in plans if plan.error is None and plan.add)
    deadline = clock() + timeout
    pending_reasons = {}
    while waiting:
        for plan_id, (kind, reason) in _provisioning_round(client, list(waiting.values()), teams_plan_names).items():
            if kind == 'done':
                del waiting[plan_id]
            elif kind == 'error':
                plan = waiting.pop(plan_id)
                plan.fail('user %s: licences written, but provisioning failed: %s' % (plan.upn, name_guids(reason, guid_names)))
            else:
                pending_reasons[plan_id] = reason
        if not waiting:
            return
        if clock() + WAIT_POLL_INTERVAL > deadline:
            for plan_id, plan in waiting.items():
                plan.fail('user %s: licences written but not provisioned within wait_timeout (%ss): %s'
                          % (plan.upn, timeout, name_guids(pending_reasons.get(plan_id) or 'no answer yet', guid_names)))
            return
        sleep(WAIT_POLL_INTERVAL)


def _provisioning_round(client, plans, teams_plan_names):
    """{user id: ('done' | 'pending' | 'error', reason)} for one poll."""
    requests = []
    for plan in plans:
        requests.append({'method': 'GET', 'url': '%s?$select=id,licenseAssignmentStates' % user_path(plan.id)})
        requests.append({'method': 'GET', 'url': '%s/licenseDetails' % user_path(plan.id)})
    responses = client.batch(requests)
    outcome = {}
    for index, plan in enumerate(plans):
        states, details = responses[2 * index], responses[2 * index + 1]
        if not (states.ok and details.ok):
            outcome[plan.id] = ('pending', 'cannot read the user')
            continue
        outcome[plan.id] = _provisioning_state(plan, states.body, details.body, teams_plan_names)
    return outcome


def _provisioning_state(plan, user, details, teams_plan_names):
    added = set(entry['skuId'] for entry in plan.add)
    for state in user.get('licenseAssignmentStates') or []:
        if state.get('skuId') not in added or state.get('assignedByGroup'):
            continue
        if state.get('state') == 'Error' or state.get('error') not in HEALTHY_ASSIGNMENT_ERRORS:
            return 'error', 'licence %s is in state %s with error %s' % (state.get('skuId'), state.get('state'), state.get('error'))
        if state.get('state') != 'Active':
            return 'pending', 'licence %s is %s' % (state.get('skuId'), state.get('state'))
    for detail in details.get('value') or []:
        if detail.get('skuId') not in added:
            continue
        for service_plan in detail.get('servicePlans') or []:
            if service_plan.get('servicePlanName') in teams_plan_names and service_plan.get('provisioningStatus') not in ('Success', 'Disabled'):
                return 'pending', '%s is %s' % (service_plan.get('servicePlanName'), service_plan.get('provisioningStatus'))
    return 'done', None
