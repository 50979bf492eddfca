# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planner of teams_license: (tenant SKUs, current users, desired state) -> plan.

No I/O and no Ansible imports: the module reads Graph, resolves licence references
through the SKU catalogue into skuIds, calls these functions, then writes and reports.
GUIDs are compared exactly as Graph returns them (lowercase).

Inputs
------
``TenantSku(sku_id, part_number, product_name, category, plans, applies_to,
capability_status, available, enabled_units=None)``
    One subscribedSku. ``category`` comes from the catalogue and is one of
    ``CATEGORIES``; ``plans`` is ``{servicePlanId: servicePlanName}``; ``available`` is
    prepaidUnits.enabled - consumedUnits, never negative (MCOPSTNC's 10,000,000 sentinel
    is simply a large number); ``enabled_units`` is prepaidUnits.enabled (None: unknown).
    ``tenant_sku_from_graph(subscribed_sku, category)`` builds one from the Graph dict.
``DesiredLicense(sku_id, disabled_plans=None)``
    ``disabled_plans`` is a frozenset of servicePlanIds (``enabled_plans`` already turned
    into the complement by the module), or None: the task does not manage plans (a held
    SKU keeps its disabled plans, a new one is added with none disabled).
``UserSpec(user, state='present', licenses=(), usage_location=None,
pstn_connectivity=None, exact_scope='teams')``
    ``user`` is the reference as given; ``licenses`` a tuple of DesiredLicense.
current user
    The Graph dict (``id``, ``userPrincipalName``, ``usageLocation``, ``assignedLicenses``,
    ``licenseAssignmentStates``) or None when the user was not found. A
    licenseAssignmentState with ``assignedByGroup`` null is direct, otherwise inherited
    from that group; its ``error`` is healthy when null or the string "None".
``Capabilities(phone_system, calling_plan, audio_conferencing, communications_credits)``
    Sets of service-plan NAMES; ``DEFAULT_CAPABILITIES`` when the caller passes None.

Functions
---------
``check_task_rules(specs, skus, capabilities=None)`` -> list of str
    Task-level errors. The module stops before any write when the list is not empty.
``plan_user(spec, current, skus, capabilities=None, group_names=None, diff=True)`` -> UserPlan
``plan_run(items, skus, seat_check='strict', capabilities=None, group_names=None, diff=True)`` -> RunPlan
    ``items``: ``(UserSpec, current)`` in input order, one per distinct user; any iterable, read once.
``apply_plan(current, plan)`` -> the Graph user dict predicted after the writes.
``skus`` is always ``{skuId: TenantSku}``.

Outputs
-------
``UserPlan``: ``user`` (reference as given), ``id``, ``upn``; ``add`` (``[{'skuId',
'disabledPlans'}]``: new SKUs and in-place plan changes), ``remove`` (``[skuId]``),
``usage_location`` (value to PATCH or None), ``seats_needed`` (skuIds newly added);
for the report ``added`` / ``removed`` / ``plans_changed`` (sorted part numbers),
``inherited`` (``[{'sku': part number, 'group': group id, 'group_name': name or None}]``), ``warnings``, ``error``;
for diff mode ``before`` / ``after`` (``{'licenses': ['PART', 'PART (disabled: PLAN_A, PLAN_B)'],
'inherited_licenses': [...], 'usage_location': ...}``, built on each access, None when the user was not found
or when planned with ``diff=False``; lists that stay empty are one shared read-only empty list once planned).
``changed``, ``status`` ('changed' / 'unchanged' / 'failed' / 'not_attempted'), ``assign_body()``
(None when no licence changes), ``fail(message)`` (drops every write Graph has not accepted: what
the writers marked ``usage_location_written`` / ``licences_written`` stays in the report),
``mark_not_attempted(reason)`` (the task stopped before writing to this user),
``report()`` (one entry of the module's ``users`` return value; ``usage_location_set`` is the
value PATCHed or None).
``RunPlan``: ``users`` (UserPlans in input order), ``seats`` (``{part number:
{'available_before', 'needed', 'freed', 'available_after'}}``), ``shortages`` (messages, both
modes), ``task_errors`` (the shortages in strict mode: stop before any write), ``changed``,
``summary`` (``{'total', 'changed', 'unchanged', 'failed', 'not_attempted', 'failed_after_writes'}``).

Task-level versus user-level
----------------------------
Task-level (``check_task_rules``): what is wrong with a spec whatever the user holds:
an invalid state / exact_scope / pstn_connectivity / usage_location (not two letters A-Z);
a skuId that the tenant does not have; one SKU listed twice with different plans; and for
``present`` / ``exact``: a Company SKU, a Suspended / LockedOut / Deleted SKU or one with no
enabled units, a disabled plan that is not a plan of that SKU, two SKUs that carry a Calling
Plan, a Calling Plan (any SKU but a suite) for direct_routing / operator_connect users, and,
with ``exact_scope: teams``, a listed SKU outside that scope (use ``exact_scope: all``).
These rules look at the licence set as it would be assigned to a user holding none of it.
In ``strict`` mode a seat shortage is task-level too (``RunPlan.task_errors``).

User-level (``UserPlan.error``; that user gets no write at all): not found; no usage
location when a new licence is needed and none is given; a ``usage_location`` that would move a
user holding a Calling Plan to another country (unless ``move_calling_plan_users``); ``absent``
on a licence held only through a group; a Teams rule that the after-state breaks because of what
the user holds (e.g. a second Calling Plan next to a held one; a Calling Plan once Phone System
is removed); a service-plan dependency or exclusion Graph would refuse (``_plan_rules``: e.g.
Teams Phone without a suite that carries Teams); in ``partial`` mode, no seat left. Advice never
tells to add a licence the task already lists: it says why that licence is not in force. A rule that was already broken before the run and that
the plan neither creates nor widens is a warning, so that a legacy state never blocks an
unrelated change; a no-op user is therefore never failed by the Teams rules.
``absent`` on a licence held directly and through a group removes the direct copy and warns
that the user keeps it; the next run finds it only inherited and fails that user until the
group changes (the user does still hold the licence).

Teams rules (on the after-state: direct and healthy inherited licences, disabled plans
applied, detected by service plan, graph-facts 8.3): at most one SKU carrying a Calling
Plan; a Calling Plan needs an enabled Phone System plan from any SKU (E5 counts); no
Calling Plan with direct_routing / operator_connect (a suite that carries one only warns,
suggesting to disable that plan); an add-on the task asks for whose capability another SKU
already provides is a warning; Communications Credits are assignable to anyone.

Seats
-----
One seat per user per SKU newly added; in-place plan changes and SKUs held through a
group need none. Seats freed by removals in the same run are never counted as available:
the writes run concurrently, so an add may reach Graph before the removal that would free
its seat. ``RunPlan.seats`` lists each SKU with a demand or a removal.

Writes (by the module): usage-location PATCHes first, then one assignLicense per user with
``UserPlan.assign_body()``; both arrays are always present (graph-facts 1.1), and adds and
removes travel together so that a swap (MCOPSTN1 -> MCOPSTN2, E3 -> E5) is atomic.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import re
from collections import namedtuple

from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan_rules import (
    carriers_of, describe, enabled_plans, new_violations)

CATEGORIES = frozenset((
    'phone_system', 'calling_plan', 'audio_conferencing', 'communications_credits',
    'resource_account', 'teams_voice_bundle', 'teams_addon', 'suite', 'other',
))
# exact_scope 'teams': every Teams product, never the E1/E3/E5 suites nor anything else.
TEAMS_SCOPE = frozenset((
    'phone_system', 'calling_plan', 'audio_conferencing', 'communications_credits',
    'resource_account', 'teams_voice_bundle', 'teams_addon',
))
STATES = ('present', 'absent', 'exact')
EXACT_SCOPES = ('teams', 'all')
PSTN_CONNECTIVITY = (None, 'calling_plan', 'direct_routing', 'operator_connect')
# Microsoft: users on on-premises PSTN (Direct Routing, and Operator Connect likewise)
# need only Teams Phone and must NOT be assigned a Calling Plan.
NO_CALLING_PLAN_CONNECTIVITY = ('direct_routing', 'operator_connect')
UNASSIGNABLE_STATUSES = ('Suspended', 'LockedOut', 'Deleted')
# A Calling Plan that comes inside one of these was bought for something else: for a
# Direct Routing user it is a warning (disable the plan), not an error.
BUNDLE_CATEGORIES = ('suite', 'other')
USAGE_LOCATION_PATTERN = re.compile(r'^[A-Z]{2}$')
HEALTHY_ASSIGNMENT_ERRORS = (None, '', 'None')

TenantSku = namedtuple('TenantSku', (
    'sku_id', 'part_number', 'product_name', 'category', 'plans', 'applies_to',
    'capability_status', 'available', 'enabled_units'), defaults=(None,))
DesiredLicense = namedtuple('DesiredLicense', ('sku_id', 'disabled_plans'), defaults=(None,))
UserSpec = namedtuple('UserSpec', (
    'user', 'state', 'licenses', 'usage_location', 'pstn_connectivity', 'exact_scope', 'move_calling_plan_users'),
    defaults=('present', (), None, None, 'teams', False))
Capabilities = namedtuple('Capabilities', (
    'phone_system', 'calling_plan', 'audio_conferencing', 'communications_credits'))

DEFAULT_CAPABILITIES = Capabilities(
    # MCOEV_VIRTUALUSER is the Phone System of resource accounts (auto attendants, call queues).
    phone_system=frozenset(('MCOEV', 'MCOEV_GOV', 'MCOEVSMB', 'MCOEV_VIRTUALUSER', 'MCOEV_VIRTUALUSER_GOV')),
    calling_plan=frozenset((
        'MCOPSTN1', 'MCOPSTN2', 'MCOPSTN5', 'MCOPSTN6', 'MCOPSTN8', 'PSTN5_US', 'MCOPSTNEAU',
        'MCOPSTN_PAYG_1', 'MCOPSTN1_GOV')),
    audio_conferencing=frozenset(('MCOMEETADV', 'MCOMEETADV_GOV', 'MCOMEETACPEA', 'MCOMEETBASIC', 'MCOMEETADV_AR_GCCHIGH')),
    communications_credits=frozenset(('MCOPSTNC',)),
)
# Add-on categories whose capability a suite may already carry (warning, not error).
ADDON_CAPABILITY = {'phone_system': 'phone_system', 'audio_conferencing': 'audio_conferencing'}
CAPABILITY_LABELS = {'phone_system': 'Phone System', 'audio_conferencing': 'Audio Conferencing'}


def tenant_sku_from_graph(subscribed_sku, category):
    """Build a TenantSku from a Graph subscribedSku dict and the catalogue's category."""
    prepaid = subscribed_sku.get('prepaidUnits') or {}
    enabled = prepaid.get('enabled') or 0
    return TenantSku(
        sku_id=subscribed_sku['skuId'],
        part_number=subscribed_sku.get('skuPartNumber') or subscribed_sku['skuId'],
        product_name=subscribed_sku.get('productName') or subscribed_sku.get('skuPartNumber') or '',
        category=category,
        plans=dict((plan['servicePlanId'], plan.get('servicePlanName') or plan['servicePlanId'])
                   for plan in subscribed_sku.get('servicePlans') or []),
        applies_to=subscribed_sku.get('appliesTo') or 'User',
        capability_status=subscribed_sku.get('capabilityStatus') or 'Enabled',
        available=max(enabled - (subscribed_sku.get('consumedUnits') or 0), 0),
        enabled_units=enabled,
    )


# ---------------------------------------------------------------- small helpers

def _part_number(sku_id, skus):
    sku = skus.get(sku_id)
    return sku.part_number if sku else sku_id


def _category(sku_id, skus):
    # A SKU the tenant does not list is unknown to us: never inside the 'teams' scope.
    sku = skus.get(sku_id)
    return sku.category if sku else 'other'


def _plan_name(sku, plan_id):
    return sku.plans.get(plan_id, plan_id) if sku else plan_id


def _plural(count, singular, plural):
    return '%d %s' % (count, singular if count == 1 else plural)


def _desired_by_sku(licenses):
    """SKU -> disabled plans (frozenset or None), first mention wins; input order kept."""
    desired = {}
    for wanted in licenses:
        disabled = None if wanted.disabled_plans is None else frozenset(wanted.disabled_plans)
        desired.setdefault(wanted.sku_id, disabled)
    return desired


class _Memo(object):
    """Answers computed once per distinct input of a run: every user of a 100,000-user task holds the same
    few SKUs, so matching plan names user by user would cost seconds. A key holds the id() of an object
    that the entry keeps, and the entry is used only while that is the very same object."""

    LIMIT = 4096  # distinct inputs before the memo starts again: a long-lived process (tests) stays small

    def __init__(self):
        self._entries = {}

    def get(self, key, kept, compute):
        entry = self._entries.get(key)
        if entry is None or entry[0] is not kept:
            if len(self._entries) >= self.LIMIT:
                self._entries.clear()
            entry = self._entries[key] = (kept, compute())
        return entry[1]


_CARRIERS = _Memo()
_CAPABILITY_SETS = _Memo()


def _carrying_plans(sku, names):
    """((plan id, name), ...) of sku's plans whose name is in ``names`` (an upper-case set), sorted by name."""
    return _CARRIERS.get((id(sku.plans), names), sku.plans, lambda: tuple(sorted(
        ((plan_id, name) for plan_id, name in sku.plans.items() if (name or '').upper() in names), key=lambda pair: pair[1])))


def _capability_plans(sku, disabled, names):
    """Names of the enabled plans of sku that provide a capability (names: plan-name set)."""
    if sku is None:
        return []
    return [name for plan_id, name in _carrying_plans(sku, names) if plan_id not in (disabled or ())]


def _upper_set(names):
    return frozenset(name.upper() for name in names)


def _capability_sets(capabilities):
    capabilities = capabilities or DEFAULT_CAPABILITIES
    return _CAPABILITY_SETS.get(id(capabilities), capabilities,
                                lambda: Capabilities(*(_upper_set(names) for names in capabilities)))


# ---------------------------------------------------------------- task-level rules

def _spec_shape_errors(spec):
    errors = []
    if spec.state not in STATES:
        errors.append('state %r is not one of %s' % (spec.state, ', '.join(STATES)))
    if spec.exact_scope not in EXACT_SCOPES:
        errors.append('exact_scope %r is not one of %s' % (spec.exact_scope, ', '.join(EXACT_SCOPES)))
    if spec.pstn_connectivity not in PSTN_CONNECTIVITY:
        errors.append('pstn_connectivity %r is not one of calling_plan, direct_routing, operator_connect'
                      % (spec.pstn_connectivity,))
    if spec.usage_location is not None and not USAGE_LOCATION_PATTERN.match(str(spec.usage_location)):
        errors.append('usage_location %r is not an ISO 3166 alpha-2 code such as US or GB' % (spec.usage_location,))
    return errors


def _duplicate_errors(licenses, skus):
    seen, errors = {}, []
    for wanted in licenses:
        disabled = None if wanted.disabled_plans is None else frozenset(wanted.disabled_plans)
        if wanted.sku_id in seen and seen[wanted.sku_id] != disabled:
            errors.append('%s is listed twice with different plans: list it once' % _part_number(wanted.sku_id, skus))
        seen.setdefault(wanted.sku_id, disabled)
    return errors


def _assignable_errors(sku, disabled):
    """Why this SKU cannot be assigned as asked, whoever the user is."""
    errors = []
    if sku.applies_to == 'Company':
        errors.append('%s applies to the company and cannot be assigned to a user: remove it from licenses' % sku.part_number)
    if sku.capability_status in UNASSIGNABLE_STATUSES:
        errors.append('%s is %s in the tenant and cannot be assigned: renew the subscription or remove it from licenses'
                      % (sku.part_number, sku.capability_status))
    elif sku.enabled_units == 0:
        errors.append('%s has no enabled units in the tenant: renew the subscription or remove it from licenses' % sku.part_number)
    for plan_id in sorted(disabled or ()):
        if plan_id not in sku.plans:
            errors.append('%s is not a service plan of %s (its plans: %s): fix disabled_plans/enabled_plans'
                          % (plan_id, sku.part_number, ', '.join(sorted(sku.plans.values())) or 'none'))
    return errors


def _calling_plan_set_errors(spec, desired, skus, caps):
    """Calling-plan rules that the licence set breaks on its own (evaluated as a new assignment)."""
    carriers = []
    errors = []
    for sku_id, disabled in desired.items():
        sku = skus[sku_id]
        plans = _capability_plans(sku, disabled, caps.calling_plan)
        if not plans:
            continue
        carriers.append(sku.part_number)
        if spec.pstn_connectivity in NO_CALLING_PLAN_CONNECTIVITY and sku.category not in BUNDLE_CATEGORIES:
            errors.append('%s carries a Calling Plan (%s) but pstn_connectivity is %s: %s users need only Teams Phone; '
                          'remove it from licenses or disable that plan' % (sku.part_number, ', '.join(plans),
                                                                            spec.pstn_connectivity, spec.pstn_connectivity))
    if len(carriers) > 1:
        errors.insert(0, 'licenses hold %d Calling Plans (%s) but a user can have only one: keep one'
                      % (len(carriers), ', '.join(sorted(carriers))))
    return errors


def _licence_set_errors(spec, skus, caps):
    errors = _duplicate_errors(spec.licenses, skus)
    unknown = [wanted.sku_id for wanted in spec.licenses if wanted.sku_id not in skus]
    for sku_id in unknown:
        errors.append('licence %s is not subscribed in the tenant' % sku_id)
    if unknown or spec.state == 'absent':
        return errors
    desired = _desired_by_sku(spec.licenses)
    for sku_id, disabled in desired.items():
        errors.extend(_assignable_errors(skus[sku_id], disabled))
        if spec.state == 'exact' and spec.exact_scope == 'teams' and skus[sku_id].category not in TEAMS_SCOPE:
            errors.append('%s is not a Teams licence (category %s) and exact_scope is teams: use exact_scope all '
                          'or assign it in a separate task with state present' % (skus[sku_id].part_number, skus[sku_id].category))
    errors.extend(_calling_plan_set_errors(spec, desired, skus, caps))
    return errors


def _spec_key(spec):
    # Thousands of users usually share a handful of licence sets: check each set once.
    licenses = tuple((wanted.sku_id, None if wanted.disabled_plans is None else frozenset(wanted.disabled_plans))
                     for wanted in spec.licenses)
    return (spec.state, licenses, spec.usage_location, spec.pstn_connectivity, spec.exact_scope)


def _name_users(users):
    shown = ', '.join(users[:5])
    return shown if len(users) <= 5 else '%s and %d more' % (shown, len(users) - 5)


def check_task_rules(specs, skus, capabilities=None):
    """Errors of the task itself (see the module docstring); each names the users concerned."""
    caps = _capability_sets(capabilities)
    users_by_error = {}
    checked = {}
    for spec in specs:
        key = _spec_key(spec)
        if key not in checked:
            checked[key] = _spec_shape_errors(spec) + _licence_set_errors(spec, skus, caps)
        for error in checked[key]:
            users_by_error.setdefault(error, []).append(str(spec.user))
    return ['%s (users: %s)' % (error, _name_users(users)) for error, users in users_by_error.items()]


# ---------------------------------------------------------------- the current user

def _is_direct(state):
    return not state.get('assignedByGroup')


def _holdings(current):
    """(direct {skuId: frozenset disabled}, inherited {skuId: [(group, frozenset disabled, healthy)]})."""
    direct, inherited = {}, {}
    states = current.get('licenseAssignmentStates')
    if not states:
        # Without assignment states Graph cannot tell direct from inherited: treat as direct.
        states = [dict(lic, assignedByGroup=None) for lic in current.get('assignedLicenses') or []]
    for state in states:
        disabled = frozenset(state.get('disabledPlans') or ())
        if _is_direct(state):
            direct[state['skuId']] = disabled
        else:
            healthy = state.get('error') in HEALTHY_ASSIGNMENT_ERRORS and state.get('state') != 'Error'
            inherited.setdefault(state['skuId'], []).append((state['assignedByGroup'], disabled, healthy))
    return direct, inherited


def _effective(direct, inherited):
    """[(skuId, disabled, via_group)] of every licence that is in force."""
    held = [(sku_id, disabled, None) for sku_id, disabled in direct.items()]
    for sku_id, paths in inherited.items():
        held.extend((sku_id, disabled, group) for group, disabled, healthy in paths if healthy)
    return held


def _licence_label(sku_id, disabled, skus):
    sku = skus.get(sku_id)
    label = _part_number(sku_id, skus)
    if disabled:
        label += ' (disabled: %s)' % ', '.join(sorted(_plan_name(sku, plan_id) for plan_id in disabled))
    return label


def _diff_view(direct, inherited, usage_location, skus):
    return {
        'licenses': sorted(_licence_label(sku_id, disabled, skus) for sku_id, disabled in direct.items()),
        'inherited_licenses': sorted(set(_licence_label(sku_id, disabled, skus)
                                         for sku_id, paths in inherited.items() for _group, disabled, _healthy in paths)),
        'usage_location': usage_location or None,
    }


# ---------------------------------------------------------------- Teams rules on a state

def _rule_findings(held, pstn, skus, caps):
    """{(rule, frozenset of skuIds involved): (message, always_warning)} for every Teams rule broken."""
    findings = {}
    calling = {}
    phone_system = False
    for sku_id, disabled, _group in held:
        sku = skus.get(sku_id)
        plans = _capability_plans(sku, disabled, caps.calling_plan)
        if plans:
            calling.setdefault(sku_id, plans)
        phone_system = phone_system or bool(_capability_plans(sku, disabled, caps.phone_system))
    carriers = sorted(_part_number(sku_id, skus) for sku_id in calling)
    if len(calling) > 1:
        findings[('two_calling_plans', frozenset(calling))] = (
            'would hold %d Calling Plans (%s) but a user can have only one: keep one (state exact swaps them in one call)'
            % (len(calling), ', '.join(carriers)), False)
    if calling and not phone_system and pstn not in NO_CALLING_PLAN_CONNECTIVITY:
        findings[('calling_plan_without_phone_system', frozenset(calling))] = (
            'would hold a Calling Plan (%s) without Teams Phone (Phone System): add Phone System (e.g. MCOEV) '
            'or a suite that carries it' % ', '.join(carriers), False)
    if pstn in NO_CALLING_PLAN_CONNECTIVITY:
        for sku_id, plans in calling.items():
            bundled = _category(sku_id, skus) in BUNDLE_CATEGORIES
            findings[('calling_plan_with_' + pstn, frozenset((sku_id,)))] = (
                'would hold a Calling Plan (%s in %s) but pstn_connectivity is %s: %s'
                % (', '.join(plans), _part_number(sku_id, skus), pstn,
                   'disable that plan (disabled_plans)' if bundled else 'remove it (state absent or exact)'), bundled)
    return findings


def _redundant_addon_warnings(desired, held, skus, caps):
    """Warn when an add-on the task asks for adds a capability another held SKU already has."""
    warnings = []
    for sku_id in desired:
        capability = ADDON_CAPABILITY.get(_category(sku_id, skus))
        if capability is None:
            continue
        names = getattr(caps, capability)
        providers = sorted(set(_part_number(other, skus) for other, disabled, _group in held
                               if other != sku_id and _capability_plans(skus.get(other), disabled, names)))
        if providers and any(other == sku_id for other, _disabled, _group in held):
            warnings.append('%s is redundant: %s already provide%s %s' % (
                _part_number(sku_id, skus), ', '.join(providers), '' if len(providers) > 1 else 's',
                CAPABILITY_LABELS[capability]))
    return warnings


# ---------------------------------------------------------------- the plan of one user

class _SettledEmpty(list):
    """The one empty list that every settled plan shares: equal to [], refuses to grow."""

    __slots__ = ()

    def _refuse(self, *_args, **_kwargs):
        raise TypeError('a settled plan is read-only: plan before settle()')

    append = extend = insert = __setitem__ = __iadd__ = __imul__ = _refuse


SETTLED_EMPTY = _SettledEmpty()


class UserPlan:
    """What one user needs; see the module docstring. Lists are ready for the report.

    A task may plan 100,000 users, so a plan is kept small: slots instead of a __dict__, and once
    planned (settle) every empty list becomes one shared, read-only empty list. The diff views are built only
    when asked for (diff mode), from what the planner already holds, never stored per user.
    """

    __slots__ = ('user', 'id', 'upn', 'group_names', 'add', 'remove', 'usage_location', 'seats_needed', 'added',
                 'removed', 'plans_changed', 'inherited', 'warnings', 'error', 'not_attempted', 'usage_location_written',
                 'licences_written', '_diff_source')
    _LISTS = ('add', 'remove', 'seats_needed', 'added', 'removed', 'plans_changed', 'inherited', 'warnings')

    def __init__(self, user, user_id=None, upn=None, group_names=None):
        self.user = user
        self.id = user_id
        self.upn = upn or user
        self.group_names = group_names or {}
        self.add = []              # [{'skuId', 'disabledPlans'}]: new SKUs and in-place plan changes
        self.remove = []           # [skuId]
        self.usage_location = None  # value to PATCH, or None
        self.seats_needed = []     # skuIds newly added: one seat each
        self.added = []
        self.removed = []
        self.plans_changed = []
        self.inherited = []        # [{'sku': part number, 'group': group id}]
        self.warnings = []
        self.error = None
        self.not_attempted = False
        # What Graph accepted for this user (real runs): a later failure keeps these in the report.
        self.usage_location_written = False
        self.licences_written = False
        # Diff mode only: (skus, direct before, inherited, usage location before, direct after), else None.
        self._diff_source = None

    def settle(self):
        """Planning is over: every empty list becomes SETTLED_EMPTY, shared (nothing appends to a settled plan)."""
        for name in self._LISTS:
            if not getattr(self, name):
                setattr(self, name, SETTLED_EMPTY)

    def keep_diff_views(self, skus, direct, inherited, usage_location, after_direct):
        """Keep what the diff views need (diff mode only): the holdings before and after, by reference."""
        self._diff_source = (skus, direct, inherited, usage_location, after_direct)

    @property
    def before(self):
        """Diff view of the user before the run (diff mode), or None."""
        if self._diff_source is None:
            return None
        skus, direct, inherited, location, _after_direct = self._diff_source
        return _diff_view(direct, inherited, location, skus)

    @property
    def after(self):
        """Diff view of the user after the run: what is planned, or once failed, what Graph accepted."""
        if self._diff_source is None:
            return None
        skus, _direct, inherited, location, after_direct = self._diff_source
        return _diff_view(after_direct, inherited, self.usage_location or location, skus)

    @property
    def changed(self):
        return bool(self.add or self.remove or self.usage_location is not None)

    @property
    def written(self):
        """True when Graph accepted at least one write for this user."""
        return self.usage_location_written or self.licences_written

    @property
    def status(self):
        if self.not_attempted:
            return 'not_attempted'
        if self.error is not None:
            return 'failed'
        return 'changed' if self.changed else 'unchanged'

    def assign_body(self):
        """The assignLicense body, or None when no licence changes."""
        if not (self.add or self.remove):
            return None
        # Graph answers 400 when either member is missing, even if empty (graph-facts 1.1).
        return {'addLicenses': [dict(entry, disabledPlans=list(entry['disabledPlans'])) for entry in self.add],
                'removeLicenses': list(self.remove)}

    def fail(self, error):
        """Mark the user failed and drop every write planned for them that Graph has not accepted.

        What was already written stays in the report: a usage location PATCHed before a refused
        assignLicense, licences written before a provisioning wait ran out.
        """
        self.error = error
        if not self.usage_location_written:
            self.usage_location = None
        if not self.licences_written:
            self.add, self.remove, self.seats_needed = SETTLED_EMPTY, SETTLED_EMPTY, SETTLED_EMPTY
            self.added, self.removed, self.plans_changed = SETTLED_EMPTY, SETTLED_EMPTY, SETTLED_EMPTY
            if self._diff_source is not None:
                # Diff mode shows what Graph accepted: the usage location alone, or nothing.
                skus, direct, inherited, location, _after_direct = self._diff_source
                self._diff_source = (skus, direct, inherited, location, direct)

    def mark_not_attempted(self, reason):
        """The task stopped before writing to this user (a task-level refusal or a fatal stop)."""
        self.fail(reason)
        self.not_attempted = not self.written

    def report(self, compact=False):
        """The per-user entry of the module's ``users`` return value.

        ``compact``: an empty list is the shared empty tuple (the same JSON, ``[]``), for a result of
        100,000 entries that Ansible copies once more before it writes it out.
        """
        def listed(values):
            return () if compact and not values else list(values)

        return {'user': self.user, 'id': self.id, 'status': self.status, 'added': listed(self.added),
                'removed': listed(self.removed), 'plans_changed': listed(self.plans_changed),
                'inherited': [dict(entry) for entry in self.inherited] if self.inherited or not compact else (),
                'usage_location_set': self.usage_location, 'warnings': listed(self.warnings), 'error': self.error}


def group_label(group_id, group_names):
    """'Teams Phone Users (7d3e...)' when the group's name is known, else its id."""
    name = (group_names or {}).get(group_id)
    return '%s (%s)' % (name, group_id) if name else group_id


def _groups(plan, inherited, sku_id):
    return ', '.join(group_label(group, plan.group_names) for group, _disabled, _healthy in inherited[sku_id])


def _report_inherited(plan, sku_id, inherited, skus):
    for group, _disabled, _healthy in inherited.get(sku_id, ()):
        entry = {'sku': _part_number(sku_id, skus), 'group': group, 'group_name': (plan.group_names or {}).get(group)}
        if entry not in plan.inherited:
            plan.inherited.append(entry)


def _ensure_present(plan, desired, direct, inherited, skus):
    """present semantics for every desired SKU; returns the direct holdings after the writes."""
    after = dict(direct)
    for sku_id, disabled in desired.items():
        part = _part_number(sku_id, skus)
        if sku_id in direct:
            _report_inherited(plan, sku_id, inherited, skus)
            if disabled is not None and disabled != direct[sku_id]:
                # In place: an add entry for a held SKU replaces its disabledPlans, no remove.
                plan.add.append({'skuId': sku_id, 'disabledPlans': sorted(disabled)})
                plan.plans_changed.append(part)
                after[sku_id] = disabled
        elif sku_id in inherited:
            _report_inherited(plan, sku_id, inherited, skus)
            if disabled is not None and any(group_disabled != disabled for _g, group_disabled, _h in inherited[sku_id]):
                plan.warnings.append('%s is inherited from group %s: its disabled plans are set on the group; change them there'
                                     % (part, _groups(plan, inherited, sku_id)))
        else:
            plan.add.append({'skuId': sku_id, 'disabledPlans': sorted(disabled or ())})
            plan.seats_needed.append(sku_id)
            plan.added.append(part)
            after[sku_id] = disabled or frozenset()
    return after


def _remove_direct(plan, sku_ids, after, inherited, skus):
    for sku_id in sku_ids:
        plan.remove.append(sku_id)
        plan.removed.append(_part_number(sku_id, skus))
        after.pop(sku_id, None)
        if sku_id in inherited:
            _report_inherited(plan, sku_id, inherited, skus)
            plan.warnings.append('%s is also inherited from group %s: the user keeps it until the group changes'
                                 % (_part_number(sku_id, skus), _groups(plan, inherited, sku_id)))


def _ensure_absent(plan, desired, direct, inherited, skus):
    after = dict(direct)
    # A licence the user inherits stays whatever is done to a direct copy (which takes no seat of
    # its own), so absent cannot be met here. Failing whether or not a direct copy exists keeps
    # re-runs consistent: removing the direct copy first would only make the next run fail instead.
    held_through_group = [sku_id for sku_id in desired if sku_id in inherited]
    if held_through_group:
        return after, '; '.join(
            '%s of user %s is inherited from group %s: remove the user from the group or change the group\'s licences'
            % (_part_number(sku_id, skus), plan.upn, _groups(plan, inherited, sku_id)) for sku_id in held_through_group)
    _remove_direct(plan, [sku_id for sku_id in desired if sku_id in direct], after, inherited, skus)
    return after, None


def _ensure_exact(plan, spec, desired, direct, inherited, skus):
    def in_scope(sku_id):
        return spec.exact_scope == 'all' or _category(sku_id, skus) in TEAMS_SCOPE

    after = _ensure_present(plan, desired, direct, inherited, skus)
    extra = sorted((sku_id for sku_id in direct if sku_id not in desired and in_scope(sku_id)),
                   key=lambda sku_id: _part_number(sku_id, skus))
    _remove_direct(plan, extra, after, inherited, skus)
    for sku_id in sorted(inherited, key=lambda sku_id: _part_number(sku_id, skus)):
        if sku_id not in desired and in_scope(sku_id):
            _report_inherited(plan, sku_id, inherited, skus)
            if sku_id not in direct:
                plan.warnings.append('%s stays: it is inherited from group %s; change the group to remove it'
                                     % (_part_number(sku_id, skus), _groups(plan, inherited, sku_id)))
    return after


def _usage_location_error(plan, spec, current, held, skus, caps):
    """Plan the usage-location PATCH; return the error when a new licence cannot be assigned."""
    current_location = current.get('usageLocation') or None
    if spec.usage_location and spec.usage_location != current_location:
        plan.usage_location = spec.usage_location
    if plan.seats_needed and not (plan.usage_location or current_location):
        return 'user %s has no usage location: set usage_location (Graph refuses licences without it)' % plan.upn
    return _country_move_error(plan, spec, current_location, held, skus, caps)


def _country_move_error(plan, spec, current_location, held, skus, caps):
    """A Calling Plan (and the user's phone numbers) belong to one country: never move such a user silently."""
    if plan.usage_location is None or current_location is None:
        return None
    # Never silent: a country change is worth a line even where it is allowed.
    plan.warnings.append('usage location changes from %s to %s' % (current_location, plan.usage_location))
    if spec.move_calling_plan_users:
        return None
    calling = sorted(set(_part_number(sku_id, skus) for sku_id, disabled, _group in held
                         if _capability_plans(skus.get(sku_id), disabled, caps.calling_plan)))
    if not calling:
        return None
    return ('user %s holds a Calling Plan (%s) for %s and usage_location %s would move the user to another country; '
            'a Calling Plan and its phone numbers are bound to their country: check the user, or set '
            'move_calling_plan_users: true to move such users anyway' % (plan.upn, ', '.join(calling), current_location,
                                                                         plan.usage_location))


# ---------------------------------------------------------------- Graph's service-plan rules (_plan_rules)

def _held_for_rules(direct, inherited):
    """{skuId: disabled} in force, one entry per SKU, as Graph counts them for its plan rules.

    A direct copy's disabled plans win; healthy group copies disable only what all of them
    disable; a group copy in error holds nothing.
    """
    held = dict(direct)
    for sku_id, paths in inherited.items():
        disabled_sets = [disabled for _group, disabled, healthy in paths if healthy]
        if sku_id not in held and disabled_sets:
            held[sku_id] = frozenset.intersection(*disabled_sets)
    return held


def _group_errors(current):
    """{(skuId, group id): 'state, error'} of the user's group copies that are in error."""
    errors = {}
    for state in current.get('licenseAssignmentStates') or []:
        if not _is_direct(state) and (state.get('state') == 'Error' or state.get('error') not in HEALTHY_ASSIGNMENT_ERRORS):
            errors[(state['skuId'], state['assignedByGroup'])] = '%s (%s)' % (state.get('state'), state.get('error'))
    return errors


def _asked_but_not_in_force(plan, names, desired, after_direct, inherited, skus, current):
    """Why licences the task asks for do not provide any of the plans ``names`` (so advice never says 'add X'
    when the task already lists X); None when the task lists no licence that carries one."""
    wanted = _upper_set(names)
    reasons = []
    for sku_id in desired:
        sku = skus.get(sku_id)
        carrying = sorted(plan_id for plan_id, _name in _carrying_plans(sku, wanted)) if sku else []
        if not carrying:
            continue
        part = _part_number(sku_id, skus)
        if sku_id in after_direct:
            disabled = after_direct[sku_id]
            if all(plan_id in disabled for plan_id in carrying):
                reasons.append('%s is in licenses but its %s plan is disabled: enable it (disabled_plans / enabled_plans)'
                               % (part, ', '.join(_plan_name(sku, plan_id) for plan_id in carrying)))
        elif sku_id in inherited and not any(healthy for _g, _d, healthy in inherited[sku_id]):
            errors = _group_errors(current)
            groups = ', '.join('%s in state %s' % (group_label(group, plan.group_names), errors.get((sku_id, group), 'Error'))
                               for group, _d, _h in inherited[sku_id])
            reasons.append('%s is in licenses, but the user holds it only through group %s, so it is not in force: '
                           'fix that group assignment (free or buy seats, then reprocess the user) or take the user out '
                           'of the group, then re-run' % (part, groups))
    return '; '.join(reasons) or None


def _plan_rule_error(plan, desired, direct, after_direct, inherited, skus, current):
    """The refusal Graph would give for the user's new licence set (dependencies, exclusions), or None."""
    if not (plan.add or plan.remove):
        return None     # no licence change: Graph is not asked anything
    sku_plans = dict((sku_id, sku.plans) for sku_id, sku in skus.items())
    before = enabled_plans(_held_for_rules(direct, inherited), sku_plans)
    after = enabled_plans(_held_for_rules(after_direct, inherited), sku_plans)
    messages = []
    for violation in new_violations(before, after):
        reason = None
        if violation.kind == 'dependency':
            reason = _asked_but_not_in_force(plan, violation.others, desired, after_direct, inherited, skus, current)
        if reason:
            text = 'service plan %s needs one of %s: %s' % (violation.plan, ', '.join(violation.others), reason)
        else:
            parts = dict((sku_id, sku.part_number) for sku_id, sku in skus.items())
            text = describe(violation, carriers_of(violation.others, sku_plans, parts))
        messages.append('user %s: %s (Graph would refuse the change)' % (plan.upn, text))
    return '; '.join(messages) or None


def _already_broken(finding, before):
    """True when the rule was already broken before the run by the same SKUs or more."""
    rule, sku_ids = finding
    return any(rule == old_rule and sku_ids <= old_sku_ids for old_rule, old_sku_ids in before)


def _rule_error(plan, spec, before_held, after_held, desired, skus, caps, not_in_force=None):
    """Record warnings; return the error for a rule the plan newly breaks, else None.

    ``not_in_force``: why the Phone System the task asks for is not in force, if it is not.
    """
    before = _rule_findings(before_held, spec.pstn_connectivity, skus, caps)
    after = _rule_findings(after_held, spec.pstn_connectivity, skus, caps)
    errors = []
    for key in sorted(after, key=str):
        message, always_warning = after[key]
        if key[0] == 'calling_plan_without_phone_system' and not_in_force:
            # The task lists Phone System already: say why it is not in force instead of "add it".
            message = message.split(': add Phone System')[0] + ': ' + not_in_force
        if always_warning or _already_broken(key, before):
            plan.warnings.append('user %s %s' % (plan.upn, message))
        else:
            errors.append('user %s %s' % (plan.upn, message))
    if spec.state != 'absent':
        plan.warnings.extend(_redundant_addon_warnings(desired, after_held, skus, caps))
    return '; '.join(errors) or None


def plan_user(spec, current, skus, capabilities=None, group_names=None, diff=True):
    """The UserPlan of one user (current: the Graph user dict, or None when not found).

    ``group_names``: {group id: displayName}, to name the groups of inherited licences.
    ``diff``: keep what the diff views need (diff mode); without it ``before`` / ``after`` are None.
    """
    if current is None:
        plan = UserPlan(spec.user)
        plan.fail('user %s not found: check the user principal name or object id' % spec.user)
        plan.settle()
        return plan
    caps = _capability_sets(capabilities)
    plan = UserPlan(spec.user, current.get('id'), current.get('userPrincipalName'), group_names)
    direct, inherited = _holdings(current)
    desired = _desired_by_sku(spec.licenses)
    error = None
    if spec.state == 'absent':
        after_direct, error = _ensure_absent(plan, desired, direct, inherited, skus)
    elif spec.state == 'exact':
        after_direct = _ensure_exact(plan, spec, desired, direct, inherited, skus)
    else:
        after_direct = _ensure_present(plan, desired, direct, inherited, skus)
    error = error or _usage_location_error(plan, spec, current, _effective(direct, inherited), skus, caps)
    if diff:
        plan.keep_diff_views(skus, direct, inherited, current.get('usageLocation'), after_direct)
    phone_not_in_force = _asked_but_not_in_force(plan, caps.phone_system, desired, after_direct, inherited, skus, current)
    error = error or _rule_error(plan, spec, _effective(direct, inherited), _effective(after_direct, inherited),
                                 desired, skus, caps, phone_not_in_force)
    error = error or _plan_rule_error(plan, desired, direct, after_direct, inherited, skus, current)
    plan.added.sort()
    plan.removed.sort()
    plan.plans_changed.sort()
    if error:
        plan.fail(error)
    plan.settle()
    return plan


# ---------------------------------------------------------------- the whole run

class RunPlan:
    """Plans of every user in input order, seats, shortages."""

    def __init__(self, users, seats, shortages, seat_check):
        self.users = users
        self.seats = seats          # {part number: {'available_before', 'needed', 'freed', 'available_after'}}
        self.shortages = shortages  # a message per SKU whose demand exceeds its seats (both modes)
        self.seat_check = seat_check

    @property
    def task_errors(self):
        """What stops the run before any write: shortages in strict mode."""
        return list(self.shortages) if self.seat_check == 'strict' else []

    @property
    def changed(self):
        return any(plan.changed for plan in self.users)

    @property
    def summary(self):
        statuses = [plan.status for plan in self.users]
        return {'total': len(statuses), 'changed': statuses.count('changed'),
                'unchanged': statuses.count('unchanged'), 'failed': statuses.count('failed'),
                'not_attempted': statuses.count('not_attempted'),
                # Failed users for whom Graph accepted some writes: their entries show what was written.
                'failed_after_writes': sum(1 for plan in self.users if plan.error is not None and plan.written)}


def _count(plans, attribute):
    counts = {}
    for plan in plans:
        for sku_id in getattr(plan, attribute):
            counts[sku_id] = counts.get(sku_id, 0) + 1
    return counts


def _shortage_message(sku, needed):
    missing = needed - sku.available
    return '%s: %s but %s: buy %d more or remove users from the list' % (
        sku.part_number, _plural(needed, 'user needs it', 'users need it'),
        _plural(sku.available, 'seat is available', 'seats are available'), missing)


def _grant_seats_in_order(plans, skus):
    """partial mode: license users in input order while seats last; fail the rest."""
    remaining = dict((sku_id, sku.available) for sku_id, sku in skus.items())
    for plan in plans:
        exhausted = sorted(_part_number(sku_id, skus) for sku_id in plan.seats_needed if remaining.get(sku_id, 0) < 1)
        if exhausted:
            plan.fail('user %s: no seat left for %s (seat_check partial: the seats went to users earlier in the list): '
                      'buy more seats and re-run' % (plan.upn, ', '.join(exhausted)))
            continue
        for sku_id in plan.seats_needed:
            remaining[sku_id] -= 1


def _seat_releases(plan, current):
    """(plan, skuIds) of the plan's removals that really release a seat (a SKU also held through a group keeps its
    seat), or None; counted once seats are granted, since a user failed by then removes nothing."""
    if not plan.remove:
        return None
    inherited = _holdings(current)[1] if current else {}
    return plan, [sku_id for sku_id in plan.remove if sku_id not in inherited]


def _freed_seats(releases):
    freed = {}
    for plan, sku_ids in releases:
        if plan.remove:
            for sku_id in sku_ids:
                freed[sku_id] = freed.get(sku_id, 0) + 1
    return freed


def plan_run(items, skus, seat_check='strict', capabilities=None, group_names=None, diff=True):
    """Plan every (UserSpec, current) item; check seats against the whole run's demand.

    ``diff``: False unless the task runs in diff mode, so that no per-user diff view is kept.
    """
    # items may be a generator: each user read is used once here and can be let go as soon as it is planned.
    plans, releases = [], []
    for spec, current in items:
        plans.append(plan_user(spec, current, skus, capabilities, group_names, diff))
        release = _seat_releases(plans[-1], current)
        if release is not None:
            releases.append(release)
    demand = _count(plans, 'seats_needed')
    shortages = [_shortage_message(skus[sku_id], needed) for sku_id, needed in sorted(demand.items())
                 if sku_id in skus and needed > skus[sku_id].available]
    if seat_check == 'partial':
        _grant_seats_in_order(plans, skus)
    stopped = seat_check == 'strict' and bool(shortages)
    needed = _count(plans, 'seats_needed') if not stopped else demand
    freed = _freed_seats(releases)
    seats = {}
    # A SKU the tenant no longer lists (removed from a user by exact_scope all) has no seats to report.
    for sku_id in sorted((set(needed) | set(freed)) & set(skus)):
        before = skus[sku_id].available
        entry = {'available_before': before, 'needed': needed.get(sku_id, 0), 'freed': freed.get(sku_id, 0)}
        # available_after is what the tenant will have once this run is done: nothing changes when it stops.
        entry['available_after'] = before if stopped else before - entry['needed'] + entry['freed']
        seats[skus[sku_id].part_number] = entry
    return RunPlan(plans, seats, shortages, seat_check)


# ---------------------------------------------------------------- prediction

def apply_plan(current, plan):
    """The Graph user predicted after the plan's writes (check mode, tests)."""
    if current is None or plan.error is not None:
        return copy.deepcopy(current)
    user = copy.deepcopy(current)
    if plan.usage_location is not None:
        user['usageLocation'] = plan.usage_location
    states = user.get('licenseAssignmentStates')
    if not states:
        states = [dict(lic, assignedByGroup=None, state='Active', error=None) for lic in user.get('assignedLicenses') or []]
    states = [state for state in states if not (_is_direct(state) and state['skuId'] in plan.remove)]
    for entry in plan.add:
        direct = [state for state in states if _is_direct(state) and state['skuId'] == entry['skuId']]
        if direct:
            direct[0]['disabledPlans'] = list(entry['disabledPlans'])
        else:
            states.append({'skuId': entry['skuId'], 'assignedByGroup': None, 'disabledPlans': list(entry['disabledPlans']),
                           'state': 'Active', 'error': None})
    user['licenseAssignmentStates'] = states
    user['assignedLicenses'] = _merged_assigned_licenses(states)
    return user


def _merged_assigned_licenses(states):
    # assignedLicenses has one entry per SKU; a plan is enabled when any path enables it.
    merged = {}
    for state in states:
        disabled = set(state.get('disabledPlans') or ())
        merged[state['skuId']] = merged[state['skuId']] & disabled if state['skuId'] in merged else disabled
    return [{'skuId': sku_id, 'disabledPlans': sorted(disabled)} for sku_id, disabled in merged.items()]
