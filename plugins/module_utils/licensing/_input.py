# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license input: from the task's `user`/`users`/`licenses` options to the planner's UserSpecs.

Everything here happens before any write, and every problem raises InputError with a message
that names the user and the licence concerned, so a bad list never leaves the tenant half-done.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.m365.licensing.plugins.module_utils.licensing import _sku_catalog as catalog
from ansible_collections.m365.licensing.plugins.module_utils.licensing._plan import Capabilities, DesiredLicense, UserSpec, tenant_sku_from_graph
from ansible_collections.m365.licensing.plugins.module_utils.licensing._usage_location import UsageLocationError, normalize_usage_location

STATES = ('present', 'absent', 'exact')
PSTN_CONNECTIVITY = ('calling_plan', 'direct_routing', 'operator_connect')
USER_ITEM_KEYS = frozenset(('user', 'licenses', 'state', 'usage_location', 'pstn_connectivity'))
LICENSE_ITEM_KEYS = frozenset(('sku', 'disabled_plans', 'enabled_plans'))

GUID_PATTERN = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.IGNORECASE)
# A user principal name is local@domain with no white space; Entra allows these characters in the local part.
UPN_PATTERN = re.compile(r"^[A-Za-z0-9.'_!#^~&+$%=-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

# The catalogue's service-plan sets, as the planner's Teams rules need them.
PLANNER_CAPABILITIES = Capabilities(
    phone_system=catalog.PHONE_SYSTEM_PLANS,
    calling_plan=catalog.CALLING_PLAN_PLANS,
    audio_conferencing=catalog.AUDIO_CONFERENCING_PLANS,
    communications_credits=catalog.COMMUNICATIONS_CREDITS_PLANS,
)
TEAMS_PLAN_NAMES = frozenset().union(*PLANNER_CAPABILITIES)

LicenseRequest = namedtuple('LicenseRequest', 'sku disabled_plans enabled_plans')
UserRequest = namedtuple('UserRequest', 'user licenses state usage_location pstn_connectivity')


class InputError(ValueError):
    """Task input that cannot be applied; raised before any write."""


def parse_license_requests(items, where):
    """The `licenses` list as LicenseRequests. `where` names the list in messages."""
    requests = []
    for item in items or []:
        if isinstance(item, dict):
            requests.append(_license_request_from_dict(item, where))
        elif isinstance(item, str) and item.strip():
            requests.append(LicenseRequest(item.strip(), None, None))
        else:
            raise InputError('%s: each licence is a name, part number or skuId, or a dict with sku; got %r' % (where, item))
    return tuple(requests)


def _license_request_from_dict(item, where):
    unknown = sorted(set(item) - LICENSE_ITEM_KEYS)
    if unknown:
        raise InputError('%s: unknown key(s) %s in licence %r; allowed: %s' % (where, ', '.join(unknown), item, ', '.join(sorted(LICENSE_ITEM_KEYS))))
    sku = item.get('sku')
    if not isinstance(sku, str) or not sku.strip():
        raise InputError('%s: licence %r has no sku' % (where, item))
    disabled, enabled = item.get('disabled_plans'), item.get('enabled_plans')
    if disabled is not None and enabled is not None:
        raise InputError('%s: licence %s gives both disabled_plans and enabled_plans; give one of them' % (where, sku))
    for name, plans in (('disabled_plans', disabled), ('enabled_plans', enabled)):
        if plans is not None and not (isinstance(plans, list) and all(isinstance(plan, str) for plan in plans)):
            raise InputError('%s: %s of licence %s must be a list of plan names or GUIDs' % (where, name, sku))
    return LicenseRequest(sku.strip(), _plan_tuple(disabled), _plan_tuple(enabled))


def _plan_tuple(plans):
    return None if plans is None else tuple(plan.strip() for plan in plans)


def check_user_reference(reference):
    """A user is named by UPN or object id; anything else can only be a typo."""
    if not (GUID_PATTERN.match(reference) or UPN_PATTERN.match(reference)):
        raise InputError("user '%s' is neither a user principal name (name@domain) nor an object id (GUID): correct it in users"
                         % reference)


def user_references(params):
    """Every distinct user reference the task names, read leniently (to report users of a refused task)."""
    items = [params.get('user')] if params.get('user') is not None else list(params.get('users') or [])
    references, seen = [], set()
    for item in items:
        reference = item.get('user') if isinstance(item, dict) else item
        # A set, not a scan of the list so far: 100,000 users must not cost 5 billion comparisons.
        if isinstance(reference, str) and reference.strip() and reference.strip().lower() not in seen:
            seen.add(reference.strip().lower())
            references.append(reference.strip())
    return references


def parse_user_requests(params):
    """The task's users as UserRequests in input order, duplicates merged, conflicts refused.

    A licence list left out (the task's ``licenses`` or a user's) is not an empty list: a user's
    ``licenses: null`` takes the task's value, and ``state: exact`` without any list is refused,
    because "exact" over an omitted list would remove licences nobody asked to remove.
    """
    task_licenses = params.get('licenses')
    defaults = dict(
        licenses=None if task_licenses is None else parse_license_requests(task_licenses, 'licenses'),
        state=params.get('state') or 'present',
        usage_location=params.get('usage_location'),
        pstn_connectivity=params.get('pstn_connectivity'),
    )
    items = [params['user']] if params.get('user') is not None else list(params.get('users') or [])
    if not items:
        raise InputError('users is empty: give at least one user principal name or object id')
    requests = [_user_request(item, defaults) for item in items]
    return merge_duplicates(requests)


def _user_request(item, defaults):
    if isinstance(item, str):
        overrides = dict(user=item)
    elif isinstance(item, dict):
        overrides = dict(item)
        unknown = sorted(set(overrides) - USER_ITEM_KEYS)
        if unknown:
            raise InputError('users: unknown key(s) %s in %r; allowed: %s' % (', '.join(unknown), item, ', '.join(sorted(USER_ITEM_KEYS))))
    else:
        raise InputError('users: each item is a UPN, an object id, or a dict with user; got %r' % (item,))
    reference = overrides.get('user')
    if not isinstance(reference, str) or not reference.strip():
        raise InputError('users: item %r has no user' % (item,))
    reference = reference.strip()
    check_user_reference(reference)
    values = dict(defaults)
    # null means "the task's value", for licenses as for every other per-user key.
    if overrides.get('licenses') is not None:
        values['licenses'] = parse_license_requests(overrides['licenses'], 'licenses of user %s' % reference)
    for key in ('state', 'usage_location', 'pstn_connectivity'):
        if overrides.get(key) is not None:
            values[key] = overrides[key]
    _check_choice(values['state'], STATES, 'state', reference)
    if values['licenses'] is None:
        if values['state'] == 'exact':
            raise InputError('state exact needs licenses (user %s): list the licences the users must hold within '
                             'exact_scope; licenses: [] means none of them, and removes every one the users hold '
                             'directly' % reference)
        values['licenses'] = ()
    if values['pstn_connectivity'] is not None:
        _check_choice(values['pstn_connectivity'], PSTN_CONNECTIVITY, 'pstn_connectivity', reference)
    try:
        values['usage_location'] = normalize_usage_location(values['usage_location'], reference)
    except UsageLocationError as error:
        raise InputError(str(error))
    return UserRequest(user=reference, **values)


def _check_choice(value, choices, name, reference):
    if value not in choices:
        raise InputError('%s %r for user %s is not one of %s' % (name, value, reference, ', '.join(choices)))


def merge_duplicates(requests):
    """One request per user (case-insensitive); the same user twice must ask for the same thing."""
    merged, conflicts = {}, []
    for request in requests:
        key = request.user.lower()
        first = merged.setdefault(key, request)
        if first is not request and first._replace(user=key) != request._replace(user=key):
            conflicts.append(request.user)
    if conflicts:
        raise InputError('users listed more than once with different settings: %s; list each user once or give them the same '
                         'licences, state, usage_location and pstn_connectivity' % ', '.join(sorted(set(conflicts), key=str.lower)))
    return list(merged.values())


class LicenseResolver(object):
    """Resolves licence and plan references against the tenant's subscribed SKUs, once each."""

    def __init__(self, tenant_skus):
        self.tenant_skus = tenant_skus
        self.warnings = []
        self._resolved = {}
        self._catalog_resolver = catalog.SkuResolver(tenant_skus)

    def sku(self, reference):
        key = reference.strip().lower()
        if key not in self._resolved:
            try:
                resolved = self._catalog_resolver.resolve(reference)
            except catalog.SkuResolutionError as error:
                raise InputError(str(error))
            self.warnings.extend(resolved.warnings)
            self._resolved[key] = resolved.sku
        return self._resolved[key]

    def desired_license(self, request):
        """A LicenseRequest as the planner's DesiredLicense (skuId and disabled plan ids)."""
        sku = self.sku(request.sku)
        if request.disabled_plans is not None:
            disabled = frozenset(self._plan_id(plan, sku) for plan in request.disabled_plans)
        elif request.enabled_plans is not None:
            enabled = set(self._plan_id(plan, sku) for plan in request.enabled_plans)
            disabled = frozenset(plan['servicePlanId'] for plan in sku.get('servicePlans') or [] if plan['servicePlanId'] not in enabled)
        else:
            disabled = None
        return DesiredLicense(sku_id=sku['skuId'], disabled_plans=disabled)

    @staticmethod
    def _plan_id(reference, sku):
        try:
            return catalog.resolve_service_plan(reference, sku)
        except catalog.SkuResolutionError as error:
            raise InputError(str(error))


def user_specs(requests, resolver, exact_scope, move_calling_plan_users=False):
    """The planner's UserSpecs, with every licence resolved against the tenant.

    Users who take the task's licence list share one resolved tuple (the planner never changes
    it): 100,000 users then hold one, not 100,000 copies.
    """
    resolved = {}  # id(a request's licence list) -> its DesiredLicenses; the requests keep every list alive

    def desired(licenses):
        if id(licenses) not in resolved:
            resolved[id(licenses)] = tuple(resolver.desired_license(license) for license in licenses)
        return resolved[id(licenses)]

    return [UserSpec(user=request.user, state=request.state, licenses=desired(request.licenses),
                     usage_location=request.usage_location, pstn_connectivity=request.pstn_connectivity,
                     exact_scope=exact_scope, move_calling_plan_users=move_calling_plan_users)
            for request in requests]


def tenant_skus_for_planner(tenant_skus):
    """{skuId: TenantSku} with the catalogue's Teams category of each subscribed SKU."""
    return dict((sku['skuId'], tenant_sku_from_graph(sku, catalog.teams_category(sku))) for sku in tenant_skus)


def guid_names(tenant_skus):
    """{skuId or servicePlanId (lower case): part number or plan name}, to name what Graph cites by GUID."""
    names = {}
    for sku in tenant_skus:
        for plan in sku.get('servicePlans') or []:
            names[plan['servicePlanId'].lower()] = plan.get('servicePlanName')
        names[sku['skuId'].lower()] = sku.get('skuPartNumber')
    return names


def check_distinct_users(specs, current_of):
    """Two references (a UPN and an object id, say) that turn out to be one user would count seats twice."""
    seen, clashes = {}, []
    for spec in specs:
        current = current_of(spec.user)
        if not current:
            continue
        first = seen.setdefault(current['id'], spec.user)
        if first != spec.user:
            clashes.append('%s and %s (object id %s)' % (first, spec.user, current['id']))
    if clashes:
        raise InputError('these references name the same user: %s; list each user once' % '; '.join(clashes))
