# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply teams_license plans to Graph, and optionally wait until Teams has provisioned them.

Order per run: every usage-location PATCH first (Graph refuses licences without a usage
location, graph-facts 1.4), then one assignLicense per user with adds and removes together,
so a swap is atomic. Both go through $batch with per-item retries in the Graph client.
A user whose write fails is marked failed with Graph's code and message and what to do; the
others go on. A write whose answer was lost (a timeout, a reset, a run stopped by an
authentication error) may still have been applied, and its retry may then be refused (removing
a licence the user no longer holds is a 400): before failing a user, assignLicense failures are
checked by reading the user back, and a user already holding what was asked counts as written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import HEALTHY_ASSIGNMENT_ERRORS
from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import user_path

# Practitioners see the first assignLicense after a usageLocation PATCH fail for a few seconds
# with the usage-location error until the change replicates; a retry after about 5 s works
# (graph-facts 1.4, COMMUNITY).
USAGE_LOCATION_LAG_WAIT = 5.0
USAGE_LOCATION_LAG_ATTEMPTS = 3
USAGE_LOCATION_ERROR_TEXT = 'usage location'

WAIT_POLL_INTERVAL = 5.0
GUID_IN_TEXT = re.compile(r'\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b')
# Graph's answers that say the write did not happen: no need to read the user back.
NOT_APPLIED_STATUSES = (401, 403, 404)
VERIFY_SELECT = 'id,assignedLicenses,licenseAssignmentStates'

# What to do about the Graph errors a licence write meets most (graph-facts 1.4).
PERMISSION_ADVICE = 'the app lacks the Graph application permission %s: grant it (with admin consent) and re-run'
WRITE_ADVICE = (
    ('does not have any available licenses', 'no seat is left: buy more seats or free some, then re-run'),
    ('depends on the service plan', 'add, in the same task, a licence that carries the required plan (Teams Phone needs a '
                                    'suite with Teams, such as Office 365 E3 or E5)'),
    ('mutually exclusive', 'keep only one of these licences (state exact swaps them in one call)'),
    ('invalid usage location', 'set usage_location for this user'),
    ('inherited from a group', 'change the group\'s licences or the user\'s membership instead'),
)


class WriteCounter(object):
    """How many write requests Graph accepted, to tell whether the run changed anything."""

    def __init__(self):
        self.applied = 0
        self.stop_message = None  # the task's one message when the client stopped the writes early


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


def write_advice(error, permission='LicenseAssignment.ReadWrite.All'):
    """What to do about a failed write, or '' when Graph's message says it all."""
    if error.status == 403:
        return PERMISSION_ADVICE % permission
    if error.status == 401:
        return 'Graph refused the access token: re-run, and check the credentials if it happens again'
    if error.status == 404:
        return 'the user no longer exists: remove it from users'
    text = (error.message or '').lower()
    for fragment, advice in WRITE_ADVICE:
        if fragment in text:
            return advice
    if error.status is None or error.status == 429 or error.status >= 500:
        return 'Graph did not confirm the change: re-run the task to finish it'
    return ''


def _with_advice(text, advice):
    return '%s; %s' % (text, advice) if advice else text


def send_batch(client, requests):
    """client.batch, except that a batch stopped as a whole fails each of its requests instead of raising.

    The Graph client stops a batch when no envelope can succeed (e.g. Graph refused a newly
    acquired token); by then some envelopes may have been applied, so every user must still be
    reported.
    """
    try:
        return client.batch(requests)
    except GraphError as error:
        return [BatchResponse(None, {}, None, envelope_error=error) for _request in requests]


def apply_plans(client, plans, guid_names=None, sleep=time.sleep):
    """Write every plan that has something to write; returns a WriteCounter.

    ``guid_names`` maps skuIds and servicePlanIds to names, for readable error messages.
    """
    counter = WriteCounter()
    runnable = [plan for plan in plans if plan.error is None and plan.changed]
    patched = _patch_usage_locations(client, [plan for plan in runnable if plan.usage_location is not None], counter)
    assignable = [plan for plan in runnable if plan.error is None and plan.assign_body() is not None]
    _assign_licenses(client, assignable, patched, counter, guid_names, sleep)
    counter.stop_message = stop_message(getattr(client, 'stop', None), plans)
    return counter


def stop_message(stop, plans):
    """One short message for a run the client stopped (a refusal no retry can fix, a signal), or None."""
    if stop is None:
        return None
    skipped = sum(1 for plan in plans if plan.status == 'not_attempted')
    if stop.writes is not None:
        refused = stop.refused or ''
        patch = refused.startswith('PATCH')
        user = next((plan.upn for plan in plans if plan.id and '/users/%s' % plan.id in refused), refused)
        return ('user %s: %s refused with %s: %s. No further write was sent: %d user(s) not attempted (see users)'
                % (user, 'setting the usage location' if patch else 'assignLicense', _short(stop.writes),
                   write_advice(stop.writes, 'User.ReadWrite.All' if patch else 'LicenseAssignment.ReadWrite.All'), skipped))
    if stop.everything is not None and skipped:
        return ('%s: the writes already sent finished and nothing more was sent; %d user(s) not attempted: re-run the task'
                ' to finish them (see users)' % (stop.everything, skipped))
    return None


def _short(error):
    text = 'HTTP %s %s' % (error.status, error.code or '') if error.status else str(error)
    return '%s (request-id %s)' % (text.strip(), error.request_id) if error.request_id else text.strip()


def _skip(plan, response, patched=()):
    """A user whose write the client never sent: not attempted, unless its usage location was already set."""
    reason = response.error().message
    if plan.id in patched:
        plan.fail('user %s: usage location set, but the licences were not sent: %s' % (plan.upn, reason))
    else:
        plan.mark_not_attempted('user %s: nothing was written: %s' % (plan.upn, reason))


def _patch_usage_locations(client, plans, counter):
    requests = [{'method': 'PATCH', 'url': user_path(plan.id), 'body': {'usageLocation': plan.usage_location},
                 'headers': {'Content-Type': 'application/json'}} for plan in plans]
    patched = set()
    for plan, response in zip(plans, send_batch(client, requests)):
        if response.ok:
            counter.applied += 1
            plan.usage_location_written = True
            patched.add(plan.id)
        elif response.not_attempted:
            _skip(plan, response)
        else:
            error = response.error()
            plan.fail(_with_advice('user %s: setting usage location %s failed, so no licence was changed: %s'
                                   % (plan.upn, plan.usage_location, error), write_advice(error, 'User.ReadWrite.All')))
    return patched


def _assign_licenses(client, plans, patched, counter, guid_names, sleep):
    pending = list(plans)
    failures = []
    for attempt in range(1, USAGE_LOCATION_LAG_ATTEMPTS + 1):
        bodies = [plan.assign_body() for plan in pending]
        requests = [{'method': 'POST', 'url': '%s/assignLicense' % user_path(plan.id), 'body': body,
                     'headers': {'Content-Type': 'application/json'}} for plan, body in zip(pending, bodies)]
        lagging = []
        for plan, response in zip(pending, send_batch(client, requests)):
            if response.ok:
                counter.applied += 1
                plan.licences_written = True
                continue
            if response.not_attempted:
                _skip(plan, response, patched)
                continue
            error = response.error()
            if _is_usage_location_lag(plan, patched, error) and attempt < USAGE_LOCATION_LAG_ATTEMPTS:
                lagging.append(plan)
                continue
            failures.append((plan, response))
        if not lagging:
            break
        sleep(USAGE_LOCATION_LAG_WAIT)
        pending = lagging
    _settle_failures(client, failures, counter, guid_names)


def _settle_failures(client, failures, counter, guid_names):
    """Fail each user whose assignLicense failed, unless reading it back shows the change was made.

    ``failures``: (plan, BatchResponse). An item answered 401/403/404 was not applied; any other
    failure, and any item of an envelope whose answer was lost, may have been.
    """
    to_verify = [plan for plan, response in failures
                 if response.envelope_error is not None or response.status not in NOT_APPLIED_STATUSES]
    requests = [{'method': 'GET', 'url': '%s?$select=%s' % (user_path(plan.id), VERIFY_SELECT)} for plan in to_verify]
    confirmed = set()
    for plan, answer in zip(to_verify, send_batch(client, requests) if requests else []):
        if answer.ok and holds_planned_licences(plan, answer.body):
            confirmed.add(id(plan))
    for plan, response in failures:
        if id(plan) in confirmed:
            # An earlier attempt, whose answer was lost, had made the change.
            counter.applied += 1
            plan.licences_written = True
            continue
        error = response.error()
        plan.fail(_with_advice('user %s: assignLicense failed (%s): %s'
                               % (plan.upn, describe_licence_change(plan), name_guids(str(error), guid_names)),
                               write_advice(error)))


def holds_planned_licences(plan, user):
    """Whether a Graph user already has the direct licences the plan's assignLicense asks for."""
    if not isinstance(user, dict) or 'licenseAssignmentStates' not in user:
        return False
    direct = dict((state.get('skuId'), frozenset(state.get('disabledPlans') or ()))
                  for state in user.get('licenseAssignmentStates') or [] if not state.get('assignedByGroup'))
    for entry in plan.add:
        if direct.get(entry['skuId']) != frozenset(entry['disabledPlans']):
            return False
    return not any(sku_id in direct for sku_id in plan.remove)


def _is_usage_location_lag(plan, patched, error):
    return plan.id in patched and error.status == 400 and USAGE_LOCATION_ERROR_TEXT in (error.message or '').lower()


def wait_for_provisioning(client, plans, teams_plan_names, timeout, guid_names=None, sleep=time.sleep, clock=time.monotonic):
    """Poll changed users until their new licences are Active and Teams plans report Success.

    A licence assignment in state Error fails that user with its error code; users still
    pending at the timeout fail with what they were waiting for, and keep what was written in the
    report. Polls every WAIT_POLL_INTERVAL seconds and once more at the deadline itself, so a
    provisioning that ends just before ``timeout`` is seen.
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
        remaining = deadline - clock()
        if remaining <= 0:
            for plan_id, plan in waiting.items():
                plan.fail('user %s: licences written but not provisioned within wait_timeout (%ss): %s'
                          % (plan.upn, timeout, name_guids(pending_reasons.get(plan_id) or 'no answer yet', guid_names)))
            return
        sleep(min(WAIT_POLL_INTERVAL, remaining))


def _provisioning_round(client, plans, teams_plan_names):
    """{user id: ('done' | 'pending' | 'error', reason)} for one poll."""
    requests = []
    for plan in plans:
        requests.append({'method': 'GET', 'url': '%s?$select=id,licenseAssignmentStates' % user_path(plan.id)})
        requests.append({'method': 'GET', 'url': '%s/licenseDetails' % user_path(plan.id)})
    responses = send_batch(client, requests)
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
