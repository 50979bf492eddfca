# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulated tenant: apps, subscribed SKUs, users, groups and the Graph licensing semantics on them.

No HTTP here. Methods return Graph v1.0 JSON shapes (camelCase dicts) and raise GraphApiError;
the server turns both into responses. Every public method holds `lock`, so concurrent
requests see one consistent tenant and seat counts stay exact.

Derived, never stored: consumedUnits (users holding the SKU, direct or through a group, one
seat per user), assignedLicenses, assignedPlans. `_holders` and `User.held` are an index
recomputed from a user's assignments in one place (`_refresh_holdings`) after every change.
"""

import base64
import datetime
import json
import os
import threading
import time
import uuid

from .countries import is_country_code
from .group_licensing import GroupLicensing
from .fixtures import (STATE_FORMAT, FixtureError, app_state, generated_state, read_state_or_fixture,
                       state_from_fixture)
from .phone_numbers import PhoneNumbers
from .licensing import (MSG_COMPANY_SKU, MSG_DEPENDENCY, MSG_INHERITED, MSG_MUTUALLY_EXCLUSIVE, MSG_NO_SEATS,
                        MSG_NOT_HELD, MSG_PLAN_NOT_IN_SKU, MSG_UNKNOWN_SKU, MSG_USAGE_LOCATION, DirectAssignment,
                        GraphApiError, GroupLicenceState, LicensingRules, bad_request, effective_licences,
                        not_found, parse_assign_body)
from .locking import synchronized
from .skus import SubscribedSku, catalogue, plan_service

__all__ = ('App', 'GraphApiError', 'Tenant', 'FixtureError')

# Without $select Graph returns this set, in this order (graph-facts §3.1, user resource page).
USER_DEFAULT_PROPERTIES = ('businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone',
                           'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id')
# "Returned only on $select" (graph-facts §3.1).
USER_LICENSING_PROPERTIES = ('assignedLicenses', 'assignedPlans', 'licenseAssignmentStates', 'provisionedPlans',
                             'usageLocation')
USER_OTHER_PROPERTIES = ('accountEnabled', 'city', 'companyName', 'country', 'createdDateTime', 'department',
                         'mailNickname', 'userType')
USER_PROPERTIES = USER_DEFAULT_PROPERTIES + USER_LICENSING_PROPERTIES + USER_OTHER_PROPERTIES
USER_READ_ONLY = frozenset(('id', 'assignedLicenses', 'assignedPlans', 'licenseAssignmentStates', 'provisionedPlans',
                            'createdDateTime'))
USER_WRITABLE = frozenset(USER_PROPERTIES) - USER_READ_ONLY
SKU_PROPERTIES = ('accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits',
                  'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds')
LICENSE_DETAILS_PROPERTIES = ('id', 'skuId', 'skuPartNumber', 'servicePlans')
GROUP_DEFAULT_PROPERTIES = ('id', 'createdDateTime', 'description', 'displayName', 'groupTypes', 'mail', 'mailEnabled',
                            'mailNickname', 'securityEnabled')
GROUP_PROPERTIES = GROUP_DEFAULT_PROPERTIES + ('assignedLicenses', 'licenseProcessingState')

# UNVERIFIED wordings for $select, $filter and PATCH mistakes (Graph's directory texts as commonly seen).
MSG_UNKNOWN_SELECT = "Could not find a property named '%s' on type '%s'."
MSG_UNSUPPORTED_FILTER = "Unsupported or invalid query filter clause specified for property '%s' of resource 'User'."
MSG_INVALID_VALUE = "Invalid value specified for property '%s' of resource 'User'."
MSG_READ_ONLY = "Property '%s' is read-only and cannot be set."
MSG_UNKNOWN_PROPERTY = "Property '%s' does not exist as a declared property or extension property."
MSG_UPN_TAKEN = 'Another object with the same value for property userPrincipalName already exists.'
# UNVERIFIED: the user-side text with "Group", for removing a licence the group does not assign.
MSG_GROUP_NOT_HELD = 'Group does not have a corresponding license.'

# $filter forms: directory_queries.USER_CLAUSES (graph-facts §3.1, §11.4).

# Properties computed from the licensing state -> Tenant method; the rest are stored as given.
USER_COMPUTED_PROPERTIES = {
    'id': '_user_id', 'userPrincipalName': '_user_principal_name', 'usageLocation': '_usage_location',
    'assignedLicenses': '_assigned_licenses', 'assignedPlans': '_assigned_plans',
    'licenseAssignmentStates': '_license_assignment_states', 'provisionedPlans': '_provisioned_plans',
}
SNAPSHOT_USER_PROPERTIES = ('id', 'userPrincipalName', 'displayName', 'usageLocation', 'assignedLicenses',
                            'licenseAssignmentStates', 'assignedPlans')

PROVISIONED = 'Success'
# Documented servicePlanInfo.provisioningStatus value (graph-facts §2.1) used while the
# provisioning_delay_s knob says a newly enabled plan is still being set up.
PENDING = 'PendingProvisioning'


def utc_now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_select(select, known, type_name):
    """Canonical property names asked for by $select (case-insensitive), or None for the default set."""
    if select is None:
        return None
    items = select.split(',') if isinstance(select, str) else list(select)
    by_lower = dict((name.lower(), name) for name in known)
    names = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        name = by_lower.get(item.lower())
        if name is None:
            raise bad_request(MSG_UNKNOWN_SELECT % (item, type_name))
        if name not in names:
            names.append(name)
    return names or None


def project(full, names):
    return dict((name, full[name]) for name in names)


class App(object):
    """An app registration (or managed identity) that can get tokens for this tenant."""

    def __init__(self, client_id, display_name='', secrets=(), certificates=(), roles=(), managed_identity=None):
        self.client_id = str(client_id).lower()
        self.display_name = display_name
        self.secrets = [dict(secret) for secret in secrets]
        self.certificates = list(certificates)
        self.roles = set(roles)
        self.managed_identity = managed_identity

    @classmethod
    def from_data(cls, data):
        """From the fixture shape ({client_id, display_name, secrets, certificates, roles, managed_identity})."""
        if isinstance(data, App):
            return data
        return cls(**app_state(data))

    def has_any_role(self, *roles):
        return bool(self.roles.intersection(roles))

    def to_state(self):
        return {'client_id': self.client_id, 'display_name': self.display_name, 'secrets': [dict(s) for s in self.secrets],
                'certificates': list(self.certificates), 'roles': sorted(self.roles),
                'managed_identity': self.managed_identity}

    def __repr__(self):
        return 'App(%s, %r)' % (self.client_id, self.display_name)


class User(object):
    """A directory user: stored properties, direct assignments and per-group licence states."""

    def __init__(self, user_id, upn, properties, usage_location):
        self.id = user_id
        self.upn = upn
        self.properties = properties
        self.usage_location = usage_location
        # The value assignLicense still sees during usage_location_lag_s after a PATCH (graph-facts §1.4).
        self.usage_location_previous = None
        self.usage_location_changed_at = None
        self.direct = {}            # skuId -> DirectAssignment
        self.group_states = {}      # (groupId, skuId) -> GroupLicenceState
        self.held = {}              # derived: skuId -> disabledPlans of every licence held
        self.plan_times = {}        # derived: servicePlanId -> (clock when enabled or None if at load, ISO time)

    @classmethod
    def from_state(cls, data, now):
        user = cls(data['id'].lower(), data['upn'], dict(data['properties']), data.get('usage_location'))
        change = data.get('usage_location_change')
        if change:
            user.usage_location_previous = change.get('previous')
            user.usage_location_changed_at = now - change['age']
        for item in data.get('direct') or []:
            user.direct[item['sku_id'].lower()] = DirectAssignment(item.get('disabled_plans') or (), item.get('last_updated'))
        for item in data.get('group_states') or []:
            state = GroupLicenceState.from_state(item)
            user.group_states[(state.group_id, state.sku_id)] = state
        for plan_id, (age, assigned) in (data.get('plans') or {}).items():
            user.plan_times[plan_id] = (None if age is None else now - age, assigned)
        return user

    def to_state(self, now, created):
        change = None
        if self.usage_location_changed_at is not None:
            change = {'previous': self.usage_location_previous, 'age': now - self.usage_location_changed_at}
        return {
            'id': self.id, 'upn': self.upn, 'properties': dict(self.properties), 'usage_location': self.usage_location,
            'usage_location_change': change,
            'direct': [{'sku_id': sku_id, 'disabled_plans': list(item.disabled_plans), 'last_updated': item.last_updated}
                       for sku_id, item in self.direct.items()],
            'group_states': [state.to_state() for state in self.group_states.values()],
            # Plans enabled since load are left out: reloading stamps them the same way.
            'plans': dict((plan_id, [None if at is None else now - at, assigned])
                          for plan_id, (at, assigned) in self.plan_times.items() if at is not None or assigned != created),
        }


class Group(object):
    """A security group with group-based licences; members inherit them after the propagation delay."""

    def __init__(self, group_id, display_name, description=None, created=None, security_enabled=True, group_types=()):
        self.id = group_id
        self.display_name = display_name
        self.description = description
        self.created = created
        self.security_enabled = security_enabled
        self.group_types = list(group_types)
        self.members = []           # user ids, in processing order
        self.member_groups = []     # nested group ids: listed by transitiveMembers, never licensed (§11.1)
        self.licenses = {}          # skuId -> disabledPlans, in assignment order
        self.pending_at = None      # clock time at which members are (re)processed
        self.member_due = {}        # user id -> clock time at which a membership change reaches the user

    @classmethod
    def from_state(cls, data, now):
        group = cls(data['id'].lower(), data['display_name'], data.get('description'), data.get('created'),
                    data.get('security_enabled', True), data.get('group_types') or ())
        group.members = [member.lower() for member in data.get('members') or []]
        group.member_groups = [member.lower() for member in data.get('member_groups') or []]
        for item in data.get('licenses') or []:
            group.licenses[item['sku_id'].lower()] = tuple(item.get('disabled_plans') or ())
        if data.get('pending_in') is not None:
            group.pending_at = now + data['pending_in']
        group.member_due = dict((user_id.lower(), now + due_in) for user_id, due_in in (data.get('member_due_in') or {}).items())
        return group

    def to_state(self, now):
        return {'id': self.id, 'display_name': self.display_name, 'description': self.description,
                'created': self.created, 'members': list(self.members), 'member_groups': list(self.member_groups),
                'security_enabled': self.security_enabled, 'group_types': list(self.group_types),
                'member_due_in': dict((user_id, max(0.0, due - now)) for user_id, due in self.member_due.items()),
                'licenses': [{'sku_id': sku_id, 'disabled_plans': list(disabled)} for sku_id, disabled in self.licenses.items()],
                'pending_in': None if self.pending_at is None else max(0.0, self.pending_at - now)}


class Tenant(GroupLicensing):
    """The tenant state and the Graph licensing operations on it; the server and tests call it."""

    def __init__(self, state, clock=None):
        self.lock = threading.RLock()
        self.clock = clock or time.monotonic
        # Knobs the server sets (graph-facts §1.4 replication lag; §1.5 asynchronous group processing).
        self.usage_location_lag_s = 0.0
        self.provisioning_delay_s = 0.0
        self.group_propagation_delay_s = 0.5
        # graph-facts Addenda: live payloads show the string "None" for a healthy assignment; the
        # resource page says null. Set to None for null.
        self.healthy_error_value = 'None'
        # Teams numbers (phone_numbers.py, graph-facts §12.3): how long Teams takes to see a new licence.
        self.teams_processing_delay_s = 0.0
        self._initial_state = state
        self._runtime_apps = {}
        self._loading = False
        self._load_state(state)

    # --- construction ----------------------------------------------------------------------------

    @classmethod
    def load(cls, name_or_path, clock=None):
        """A fixture by name (tenants/<name>.yml) or path; a .json path is a state saved by save_state."""
        return cls(read_state_or_fixture(name_or_path), clock=clock)

    @classmethod
    def from_dict(cls, data, clock=None):
        """A tenant from fixture data (the YAML format, already parsed)."""
        return cls(state_from_fixture(data), clock=clock)

    @classmethod
    def generate(cls, users=10000, skus=50, seed=0, clock=None):
        """A large tenant with contoso's identity, apps and rules (layout in tenants/README.md)."""
        return cls(generated_state(users, skus, seed), clock=clock)

    def _load_state(self, state):
        if state.get('format') != STATE_FORMAT:
            raise FixtureError('unknown tenant state format %r' % state.get('format'))
        tenant = state['tenant']
        self.tenant_id = tenant['id']
        self.domain = tenant['domain']
        self.display_name = tenant['display_name']
        self.country = tenant['country']
        self.created = tenant.get('created')
        self.account_id = tenant['account_id']
        self.apps = {}
        for data in list(state.get('apps') or []) + list(self._runtime_apps.values()):
            app = App.from_data(data)
            self.apps[app.client_id] = app
        self._skus = dict((item['sku_id'], SubscribedSku.from_state(item)) for item in state['skus'])
        self.rules = LicensingRules.from_data(state.get('rules'))
        self._reset_group_licensing()
        self.phone_numbers = None
        self._users = {}
        self._ids_by_upn = {}
        self._holders = dict((sku_id, set()) for sku_id in self._skus)
        now = self.clock()
        self._loading = True
        try:
            for data in state['users']:
                self._add_user(User.from_state(data, now))
            self._groups = dict((group.id, group) for group in (Group.from_state(data, now) for data in state['groups']))
            if state.get('process_groups'):
                self._process_all_groups_at_load()
        finally:
            self._loading = False
        self.phone_numbers = PhoneNumbers(self, state.get('phone_numbers'))
        self._check_expected_available(state['skus'])

    def _add_user(self, user):
        if user.id in self._users or user.upn.lower() in self._ids_by_upn:
            raise FixtureError('user %s is defined twice' % user.upn)
        self._users[user.id] = user
        self._ids_by_upn[user.upn.lower()] = user.id
        self._refresh_holdings(user)

    def _process_all_groups_at_load(self):
        for group in self._groups.values():
            for member_id in group.members:
                self._reconcile_member(group, self._users[member_id], keep_existing=True)

    def _check_expected_available(self, sku_states):
        """Fixtures state their spare seats; fail at load when the file's own comment went stale."""
        for item in sku_states:
            if 'expected_available' in item:
                sku = self._skus[item['sku_id']]
                available = sku.seats_available(self._consumed(sku.sku_id))
                if available != item['expected_available']:
                    raise FixtureError('sku %s: expected_available is %d but enabled %d - consumed %d = %d'
                                       % (sku.part_number, item['expected_available'], sku.enabled,
                                          self._consumed(sku.sku_id), available))

    # --- apps ------------------------------------------------------------------------------------

    @synchronized
    def find_app(self, client_id):
        return self.apps.get(str(client_id).lower())

    @synchronized
    def managed_identity_app(self, client_id=None):
        """The system-assigned identity, or the user-assigned identity with this client id."""
        if client_id is None:
            return next((app for app in self.apps.values() if app.managed_identity == 'system'), None)
        app = self.apps.get(str(client_id).lower())
        return app if app is not None and app.managed_identity == 'user' else None

    @synchronized
    def register_app(self, data):
        """Add or replace an app; it survives reset() (tests register generated certificates)."""
        app = App.from_data(data)
        self._runtime_apps[app.client_id] = app
        self.apps[app.client_id] = app
        return app

    # --- state management ------------------------------------------------------------------------

    @synchronized
    def reset(self, apps=False):
        """Back to the initial directory. Apps added with register_app stay unless apps=True."""
        if apps:
            self._runtime_apps.clear()
        self._load_state(self._initial_state)

    @synchronized
    def user_count(self):
        return len(self._users)

    @synchronized
    def snapshot(self):
        """The whole tenant in Graph shape, for /_emulator/state and test assertions."""
        return {
            'tenant_id': self.tenant_id,
            'skus': [self._sku_view(sku) for sku in self._skus.values()],
            'users': [self._user_properties(user, SNAPSHOT_USER_PROPERTIES) for user in self._users.values()],
            'groups': [dict(project(self._group_full(group), ('id', 'displayName', 'assignedLicenses',
                                                              'licenseProcessingState')), members=list(group.members))
                       for group in self._groups.values()],
            'phone_numbers': [self.phone_numbers.number_view(item) for item in self.phone_numbers.numbers.values()],
        }

    @synchronized
    def save_state(self, path):
        """Write the current state as JSON (atomically), so a restarted emulator can continue the run."""
        temporary = '%s.tmp-%d' % (path, os.getpid())
        with open(temporary, 'w', encoding='utf-8') as handle:
            json.dump(self._to_state(), handle)
        os.replace(temporary, path)

    @synchronized
    def restore_state(self, path):
        """Replace the current state with one written by save_state; unchanged if the file is bad."""
        with open(path, encoding='utf-8') as handle:
            state = json.load(handle)
        backup = self._to_state()
        restored = False
        try:
            self._load_state(state)
            restored = True
        except (KeyError, TypeError, AttributeError) as error:
            raise FixtureError('%s is not a saved tenant state (bad or missing %s)' % (path, error))
        finally:
            if not restored:
                self._load_state(backup)

    def _to_state(self):
        now = self.clock()
        return {
            'format': STATE_FORMAT,
            'tenant': {'id': self.tenant_id, 'domain': self.domain, 'display_name': self.display_name,
                       'country': self.country, 'created': self.created, 'account_id': self.account_id},
            'apps': [app.to_state() for app in self.apps.values() if app.client_id not in self._runtime_apps],
            'skus': [sku.to_state() for sku in self._skus.values()],
            'users': [user.to_state(now, self.created) for user in self._users.values()],
            'groups': [group.to_state(now) for group in self._groups.values()],
            'rules': self.rules.to_data(),
            'phone_numbers': self.phone_numbers.to_state(),
            'process_groups': False,
        }

    # --- subscribedSkus --------------------------------------------------------------------------

    @synchronized
    def list_subscribed_skus(self, select=None):
        names = parse_select(select, SKU_PROPERTIES, 'microsoft.graph.subscribedSku')
        return [self._sku_view(sku, names) for sku in self._skus.values()]

    @synchronized
    def get_subscribed_sku(self, sku_key, select=None):
        """GET /subscribedSkus/{tenantId}_{skuId}; 404 for any other key."""
        names = parse_select(select, SKU_PROPERTIES, 'microsoft.graph.subscribedSku')
        tenant_part, _sep, sku_id = str(sku_key).lower().partition('_')
        sku = self._skus.get(sku_id) if tenant_part == self.tenant_id else None
        if sku is None:
            raise not_found(sku_key)
        return self._sku_view(sku, names)

    def _sku_view(self, sku, names=None):
        full = sku.to_graph(self.tenant_id, self.account_id, self.display_name, self._consumed(sku.sku_id))
        # UNVERIFIED: id is kept under $select, as for directory objects.
        return full if names is None else project(full, ['id'] + [name for name in names if name != 'id'])

    def _consumed(self, sku_id):
        return len(self._holders.get(sku_id, ()))

    # --- users: read -----------------------------------------------------------------------------

    @synchronized
    def get_user(self, id_or_upn, select=None):
        names = parse_select(select, USER_PROPERTIES, 'Microsoft.DirectoryServices.User')
        return self._user_view(self._require_user(id_or_upn), names)

    @synchronized
    def list_users(self, select=None, filter=None, skip=0, top=None, advanced=False):  # pylint: disable=redefined-builtin
        """Users matching $filter (directory_queries.USER_CLAUSES), in directory order.

        skip/top slice the result for the server's paging; advanced: the request is an advanced
        query (ConsistencyLevel: eventual and $count=true, graph-facts §11.4).
        """
        names = parse_select(select, USER_PROPERTIES, 'Microsoft.DirectoryServices.User')
        matches = self._user_filter(filter, advanced)
        users = [user for user in self._users.values() if matches(user)]
        end = None if top is None else skip + top
        return [self._user_view(user, names) for user in users[skip:end]]

    def _user_filter(self, expression, advanced=False):
        from .directory_queries import user_filter  # pylint: disable=import-outside-toplevel  # it imports this module
        return user_filter(self, expression, advanced)

    @synchronized
    def license_details(self, id_or_upn, select=None):
        """GET /users/{id}/licenseDetails: every held licence, direct or inherited (graph-facts §3.3)."""
        names = parse_select(select, LICENSE_DETAILS_PROPERTIES, 'microsoft.graph.licenseDetails')
        user = self._require_user(id_or_upn)
        details = [self._license_detail(user, sku_id, disabled) for sku_id, disabled in user.held.items()]
        return details if names is None else [project(item, names) for item in details]

    def _license_detail(self, user, sku_id, disabled):
        sku = self._skus[sku_id]
        plans = [{'servicePlanId': plan.plan_id, 'servicePlanName': plan.name,
                  'provisioningStatus': 'Disabled' if plan.plan_id in disabled else self._provisioning_status(user, plan.plan_id),
                  'appliesTo': plan.applies_to} for plan in sku.service_plans]
        return {'id': _license_detail_id(user.id, sku_id), 'skuId': sku_id, 'skuPartNumber': sku.part_number,
                'servicePlans': plans}

    def _provisioning_status(self, user, plan_id):
        enabled_at = user.plan_times.get(plan_id, (None, None))[0]
        if enabled_at is not None and self.clock() - enabled_at < self.provisioning_delay_s:
            return PENDING
        return PROVISIONED

    def _require_user(self, id_or_upn):
        key = str(id_or_upn).lower()
        user = self._users.get(key) or self._users.get(self._ids_by_upn.get(key, ''))
        if user is None:
            raise not_found(id_or_upn)
        return user

    def _user_view(self, user, names=None):
        """Default properties without $select; the selected ones (plus id, always) with it (§3.1)."""
        if names is None:
            return self._user_properties(user, USER_DEFAULT_PROPERTIES)
        return self._user_properties(user, [name for name in names if name != 'id'] + ['id'])

    def _user_properties(self, user, names):
        return dict((name, self._user_property(user, name)) for name in names)

    def _user_property(self, user, name):
        computed = USER_COMPUTED_PROPERTIES.get(name)
        if computed is not None:
            return getattr(self, computed)(user)
        return user.properties.get(name)

    @staticmethod
    def _user_id(user):
        return user.id

    @staticmethod
    def _user_principal_name(user):
        return user.upn

    @staticmethod
    def _usage_location(user):
        return user.usage_location

    @staticmethod
    def _assigned_licenses(user):
        return [{'disabledPlans': list(disabled), 'skuId': sku_id} for sku_id, disabled in user.held.items()]

    def _license_assignment_states(self, user):
        """One entry per source: direct (assignedByGroup null) and each group (graph-facts §3.2)."""
        states = [{'assignedByGroup': None, 'disabledPlans': list(item.disabled_plans), 'error': self.healthy_error_value,
                   'lastUpdatedDateTime': item.last_updated, 'skuId': sku_id, 'state': 'Active'}
                  for sku_id, item in user.direct.items()]
        states.extend({'assignedByGroup': state.group_id, 'disabledPlans': list(state.disabled_plans),
                       'error': state.error or self.healthy_error_value, 'lastUpdatedDateTime': state.last_updated,
                       'skuId': state.sku_id, 'state': state.state}
                      for state in user.group_states.values())
        return states

    def _enabled_plan_entries(self, user):
        """(plan, sku) for every enabled plan the user holds, each plan once."""
        seen = set()
        for sku_id, disabled in user.held.items():
            sku = self._skus.get(sku_id)
            for plan in sku.service_plans if sku else ():
                if plan.plan_id not in disabled and plan.plan_id not in seen:
                    seen.add(plan.plan_id)
                    yield plan, sku

    def _assigned_plans(self, user):
        return [{'assignedDateTime': user.plan_times.get(plan.plan_id, (None, self.created))[1],
                 'capabilityStatus': sku.capability_status, 'service': plan_service(plan.name),
                 'servicePlanId': plan.plan_id} for plan, sku in self._enabled_plan_entries(user)]

    def _provisioned_plans(self, user):
        by_service = {}
        for plan, sku in self._enabled_plan_entries(user):
            service = plan_service(plan.name)
            status = self._provisioning_status(user, plan.plan_id)
            if by_service.get(service, {}).get('provisioningStatus') != PENDING:
                by_service[service] = {'capabilityStatus': sku.capability_status, 'provisioningStatus': status,
                                       'service': service}
        return list(by_service.values())

    # --- users: write ----------------------------------------------------------------------------

    @synchronized
    def update_user(self, id_or_upn, body):
        """PATCH /users/{id}: all properties checked before any is applied."""
        user = self._require_user(id_or_upn)
        if not isinstance(body, dict):
            raise bad_request('The request body must be a JSON object.')
        for name, value in body.items():
            self._check_user_property(user, name, value)
        for name, value in body.items():
            self._set_user_property(user, name, value)

    def _check_user_property(self, user, name, value):
        if name in USER_READ_ONLY:
            raise bad_request(MSG_READ_ONLY % name)
        if name not in USER_WRITABLE:
            raise bad_request(MSG_UNKNOWN_PROPERTY % name)
        if name == 'usageLocation':
            # Upper-case ISO 3166-1 alpha-2 only (graph-facts §3.1); lower case is refused (UNVERIFIED).
            valid = is_country_code(value)
        elif name == 'userPrincipalName':
            valid = isinstance(value, str) and '@' in value
            owner = self._ids_by_upn.get(str(value).lower())
            if valid and owner not in (None, user.id):
                raise bad_request(MSG_UPN_TAKEN)
        elif name == 'businessPhones':
            valid = isinstance(value, list) and all(isinstance(item, str) for item in value)
        elif name == 'accountEnabled':
            valid = isinstance(value, bool)
        else:
            valid = value is None or isinstance(value, str)
        if not valid:
            raise bad_request(MSG_INVALID_VALUE % name)

    def _set_user_property(self, user, name, value):
        if name == 'usageLocation':
            if value != user.usage_location:
                user.usage_location_previous = self._usage_location_for_licensing(user)
                user.usage_location_changed_at = self.clock()
                user.usage_location = value
        elif name == 'userPrincipalName':
            del self._ids_by_upn[user.upn.lower()]
            user.upn = value
            self._ids_by_upn[value.lower()] = user.id
        else:
            user.properties[name] = value

    def _usage_location_for_licensing(self, user):
        """What assignLicense sees: a recent PATCH is not visible yet (graph-facts §1.4 replication lag)."""
        changed_at = user.usage_location_changed_at
        if changed_at is not None and self.clock() - changed_at < self.usage_location_lag_s:
            return user.usage_location_previous
        return user.usage_location

    @synchronized
    def assign_license(self, id_or_upn, body):
        """POST /users/{id}/assignLicense, checked in the order of the graph-facts appendix; atomic."""
        user = self._require_user(id_or_upn)
        request = parse_assign_body(body)
        self._check_skus_exist(request)
        self._check_disabled_plans_belong(request)
        self._check_user_skus(request)
        self._check_subscriptions_usable(request, user)
        self._check_usage_location(request, user)
        self._check_seats(request, user)
        self._check_removals(request, user)
        direct = self._direct_after(request, user)
        self._check_plan_rules(user, effective_licences(direct, user.group_states))
        user.direct = direct
        self._refresh_holdings(user)
        return self._user_view(user)

    def _check_skus_exist(self, request):
        for sku_id in request.sku_ids():
            if sku_id not in self._skus:
                raise bad_request(MSG_UNKNOWN_SKU % sku_id)

    def _check_disabled_plans_belong(self, request):
        # UNVERIFIED: no recorded Graph text for a disabled plan that the SKU does not contain.
        for add in request.adds:
            plans = self._skus[add.sku_id].plans_by_id
            for plan_id in add.disabled_plans:
                if plan_id not in plans:
                    raise bad_request(MSG_PLAN_NOT_IN_SKU % (plan_id, add.sku_id))

    def _check_user_skus(self, request):
        # appliesTo=Company SKUs cannot go to a user (graph-facts §1.4, COMM-GD7539).
        for add in request.adds:
            if self._skus[add.sku_id].applies_to == 'Company':
                raise bad_request(MSG_COMPANY_SKU % add.sku_id)

    def _check_subscriptions_usable(self, request, user):
        """Suspended, locked-out or deleted subscriptions, or none of their units enabled, take no adds.

        graph-facts has no text for this case; the closest evidence is the no-seats message
        (§1.4, FS-NOSEATS): suspended units "can't be assigned" (§2.1), so Graph sees no available
        licence. Checked before the usage location, as the brief's order asks.
        """
        for add in request.adds:
            sku = self._skus[add.sku_id]
            if sku.is_blocked() or (sku.enabled <= 0 and add.sku_id not in user.held):
                raise bad_request(MSG_NO_SEATS % add.sku_id)

    def _check_usage_location(self, request, user):
        # Only adds need a usage location (graph-facts §3.1: "required for users who are assigned licenses").
        if request.adds and not is_country_code(self._usage_location_for_licensing(user)):
            raise bad_request(MSG_USAGE_LOCATION)

    def _check_seats(self, request, user):
        for add in request.adds:
            if add.sku_id in user.held:
                continue    # already held (directly or through a group): same seat, new disabledPlans
            sku = self._skus[add.sku_id]
            if sku.seats_available(self._consumed(add.sku_id)) <= 0:
                raise bad_request(MSG_NO_SEATS % add.sku_id)

    @staticmethod
    def _check_removals(request, user):
        for sku_id in request.removes:
            inherited = any(key[1] == sku_id for key in user.group_states)
            if sku_id not in user.direct and not inherited:
                raise bad_request(MSG_NOT_HELD)
        # A group copy cannot be removed on the user (graph-facts §1.4, §3.2); only the direct copy can.
        for sku_id in request.removes:
            if sku_id not in user.direct:
                raise bad_request(MSG_INHERITED)

    @staticmethod
    def _direct_after(request, user):
        direct = dict((sku_id, item) for sku_id, item in user.direct.items() if sku_id not in request.removes)
        now = utc_now_iso()
        for add in request.adds:
            current = direct.get(add.sku_id)
            if current is None or current.disabled_plans != add.disabled_plans:
                # An add for a held SKU replaces its disabledPlans (graph-facts §1.1).
                direct[add.sku_id] = DirectAssignment(add.disabled_plans, now)
        return direct

    def _check_plan_rules(self, user, held_after):
        before = self._enabled_plans(user.held)
        after = self._enabled_plans(held_after)
        conflict = self.rules.new_exclusion(before, after)
        if conflict:
            raise bad_request(MSG_MUTUALLY_EXCLUSIVE % conflict)
        gap = self.rules.new_dependency_gap(before, after)
        if gap:
            plan_id, required_names = gap
            raise bad_request(MSG_DEPENDENCY % (plan_id, ', '.join(self._plan_ids_for_names(required_names))))

    def _plan_ids_for_names(self, names):
        """Plan GUIDs for rule names: the tenant's own plans first, else Microsoft's table."""
        ids = []
        for name in names:
            found = [plan.plan_id for sku in self._skus.values() for plan in sku.service_plans if plan.name.upper() == name.upper()]
            for plan_id in found or catalogue().plan_ids(name) or (name,):
                if plan_id not in ids:
                    ids.append(plan_id)
        return ids

    def _enabled_plans(self, held):
        plans = {}
        for sku_id, disabled in held.items():
            sku = self._skus.get(sku_id)
            for plan in sku.service_plans if sku else ():
                if plan.plan_id not in disabled:
                    plans.setdefault(plan.plan_id, plan.name)
        return plans

    def _refresh_holdings(self, user):
        """Recompute what the user holds from their assignments and update the seat index."""
        held = effective_licences(user.direct, user.group_states)
        for sku_id in user.held:
            if sku_id not in held:
                self._holders[sku_id].discard(user.id)
        for sku_id in held:
            if sku_id not in user.held:
                self._holders.setdefault(sku_id, set()).add(user.id)
        user.held = held
        self._record_holdings(user)
        plans = self._enabled_plans(held)
        for plan_id in [plan_id for plan_id in user.plan_times if plan_id not in plans]:
            del user.plan_times[plan_id]
        if len(plans) != len(user.plan_times):
            # Plans present at load count as provisioned long ago; later ones start now.
            stamp = (None, self.created) if self._loading else (self.clock(), utc_now_iso())
            for plan_id in plans:
                user.plan_times.setdefault(plan_id, stamp)
        if self.phone_numbers is not None and not self._loading:
            self.phone_numbers.licences_changed(user)   # graph-facts §12.3: a lost prerequisite releases the number

    # --- reprocess and groups --------------------------------------------------------------------

    @synchronized
    def reprocess_license_assignment(self, id_or_upn):
        """POST /users/{id}/reprocessLicenseAssignment: re-evaluate the user's group licences (§3.4)."""
        user = self._require_user(id_or_upn)
        for group in self._groups.values():
            if user.id in group.members:
                self._reconcile_member(group, user)
        return self._user_view(user)

    @synchronized
    def get_group(self, group_id, select=None):
        names = parse_select(select, GROUP_PROPERTIES, 'Microsoft.DirectoryServices.Group')
        group = self._require_group(group_id)
        if names is None:
            return project(self._group_full(group), GROUP_DEFAULT_PROPERTIES)
        return project(self._group_full(group), ['id'] + [name for name in names if name != 'id'])

    @synchronized
    def group_assign_license(self, group_id, body):
        """POST /groups/{id}/assignLicense: checked like the user call (no usage location, no seats);
        members are processed group_propagation_delay_s later (graph-facts §1.5: 202, asynchronous)."""
        group = self._require_group(group_id)
        request = parse_assign_body(body)
        self._check_security_enabled(group)
        self._check_skus_exist(request)
        self._check_disabled_plans_belong(request)
        self._check_user_skus(request)
        for add in request.adds:
            if self._skus[add.sku_id].is_blocked():
                raise bad_request(MSG_NO_SEATS % add.sku_id)
        for sku_id in request.removes:
            if sku_id not in group.licenses:
                raise bad_request(MSG_GROUP_NOT_HELD)
        licenses = dict((sku_id, disabled) for sku_id, disabled in group.licenses.items() if sku_id not in request.removes)
        for add in request.adds:
            licenses[add.sku_id] = add.disabled_plans
        conflict = self.rules.new_exclusion({}, self._enabled_plans(licenses))
        if conflict:
            raise bad_request(MSG_MUTUALLY_EXCLUSIVE % conflict)
        group.licenses = licenses
        group.pending_at = self.clock() + self.group_propagation_delay_s
        return project(self._group_full(group), GROUP_DEFAULT_PROPERTIES)

    def _require_group(self, group_id):
        group = self._groups.get(str(group_id).lower())
        if group is None:
            raise not_found(group_id)
        return group

    def _group_full(self, group):
        return {
            'id': group.id, 'createdDateTime': group.created, 'description': group.description,
            'displayName': group.display_name, 'groupTypes': list(group.group_types), 'mail': None, 'mailEnabled': False,
            'mailNickname': ''.join(ch for ch in group.display_name if ch.isalnum()), 'securityEnabled': group.security_enabled,
            'assignedLicenses': [{'disabledPlans': list(disabled), 'skuId': sku_id}
                                 for sku_id, disabled in group.licenses.items()],
            'licenseProcessingState': self._processing_state(group),
        }

    def _process_due_groups(self):
        """Apply group licence changes whose propagation time has come (lazily, on any access)."""
        now = self.clock()
        for group in self._groups.values():
            if group.pending_at is not None and now >= group.pending_at:
                group.pending_at = None
                for member_id in group.members:
                    self._reconcile_member(group, self._users[member_id])
            self._process_due_member_changes(group, now)

    def _reconcile_member(self, group, user, keep_existing=False):
        """Bring one member's copies of the group's licences in line with the group, in licence order."""
        for key in [key for key in user.group_states if key[0] == group.id and key[1] not in group.licenses]:
            del user.group_states[key]
        now = self.created if self._loading else utc_now_iso()
        for sku_id, disabled in group.licenses.items():
            key = (group.id, sku_id)
            if keep_existing and key in user.group_states:
                continue
            state, error = self._evaluate_group_licence(group, user, sku_id, disabled)
            self._set_group_state(user, GroupLicenceState(group.id, sku_id, disabled, state, error, now))
        self._drop_unmet_group_dependencies(group, user, now)
        self._refresh_holdings(user)

    def _set_group_state(self, user, state):
        previous = user.group_states.get((state.group_id, state.sku_id))
        if state.same_outcome(previous):
            state.last_updated = previous.last_updated
        user.group_states[(state.group_id, state.sku_id)] = state
        self._refresh_holdings(user)

    def _evaluate_group_licence(self, group, user, sku_id, disabled):
        """(state, error) for one member and one group licence (graph-facts §3.2 error meanings)."""
        sku = self._skus.get(sku_id)
        if sku is None:
            return 'Error', 'Other'
        # Group licensing falls back to the tenant's country (graph-facts §1.5).
        if not is_country_code(user.usage_location or self.country):
            return 'Error', 'ProhibitedInUsageLocationViolation'
        if sku_id not in user.held and (sku.is_blocked() or sku.seats_available(self._consumed(sku_id)) <= 0):
            return 'Error', 'CountViolation'
        others = dict((key, state) for key, state in user.group_states.items() if key != (group.id, sku_id))
        plans_elsewhere = self._enabled_plans(effective_licences(user.direct, others))
        plans_here = self._enabled_plans({sku_id: disabled})
        if self.rules.new_exclusion(plans_elsewhere, dict(plans_elsewhere, **plans_here)):
            return 'Error', 'MutuallyExclusiveViolation'
        # Prerequisites may come with the same group (graph-facts §1.5); those are checked again
        # once every licence of the group has been evaluated.
        with_group = dict(plans_elsewhere, **self._enabled_plans(group.licenses))
        if any(plan_id in plans_here for plan_id in self.rules.missing_dependencies(with_group)):
            return 'Error', 'DependencyViolation'
        return 'Active', None

    def _drop_unmet_group_dependencies(self, group, user, now):
        """A group licence whose prerequisite (from the same group) failed becomes DependencyViolation."""
        changed = True
        while changed:
            changed = False
            gaps = self.rules.missing_dependencies(self._enabled_plans(user.held))
            for key, state in list(user.group_states.items()):
                if key[0] != group.id or not state.is_held():
                    continue
                if any(plan_id in gaps for plan_id in self._enabled_plans({state.sku_id: state.disabled_plans})):
                    self._set_group_state(user, GroupLicenceState(group.id, state.sku_id, state.disabled_plans,
                                                                  'Error', 'DependencyViolation', now))
                    changed = True
                    break


def _license_detail_id(user_id, sku_id):
    """An opaque id like Graph's (43 base64url characters: the user and SKU GUID bytes)."""
    raw = uuid.UUID(user_id).bytes + uuid.UUID(sku_id).bytes
    return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')
