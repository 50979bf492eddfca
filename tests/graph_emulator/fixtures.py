# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant fixtures: YAML files in tenants/ (format in tenants/README.md) and generated large tenants.

Both become a "state document": plain JSON-able data that Tenant loads, and that
Tenant.save_state writes back, so a fixture, a generated tenant and a saved run share one loader.
"""

import datetime
import json
import os
import random
import uuid

import yaml

from .countries import is_country_code
from .licensing import ERRORS, STATES, is_guid
from .phone_numbers import phone_state_from_fixture
from .skus import CAPABILITY_STATUSES, catalogue

TENANTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tenants')
STATE_FORMAT = 1
DEFAULT_CREATED = '2024-01-15T09:00:00Z'
MCOPSTNC_UNITS = 10000000   # graph-facts §2.2: real tenants report Communications Credits with this sentinel

TENANT_KEYS = ('id', 'domain', 'display_name', 'country', 'created')
APP_KEYS = ('client_id', 'display_name', 'secrets', 'certificates', 'roles', 'managed_identity')
SKU_KEYS = ('part_number', 'sku_id', 'display_name', 'service_plans', 'enabled', 'warning', 'suspended', 'locked_out',
            'capability_status', 'applies_to', 'subscription_ids', 'expected_available')
USER_KEYS = ('upn', 'id', 'display_name', 'given_name', 'surname', 'job_title', 'department', 'office_location',
             'mobile_phone', 'business_phones', 'preferred_language', 'mail', 'account_enabled', 'city', 'country',
             'company_name', 'user_type', 'usage_location', 'licenses', 'groups')
GROUP_KEYS = ('name', 'id', 'description', 'members', 'member_groups', 'licenses', 'member_states', 'security_enabled',
              'group_types')
# fixture key -> Graph user property stored as given
USER_PROPERTY_KEYS = (('job_title', 'jobTitle'), ('department', 'department'), ('office_location', 'officeLocation'),
                      ('mobile_phone', 'mobilePhone'), ('city', 'city'), ('country', 'country'),
                      ('company_name', 'companyName'))


class FixtureError(ValueError):
    """A tenant fixture that cannot be loaded; the message names the entry."""


def fixture_path(name_or_path):
    """A fixture name (a file in tenants/ without .yml) or a path to a .yml or saved .json state."""
    if os.path.sep in name_or_path or name_or_path.endswith(('.yml', '.yaml', '.json')):
        path = name_or_path
    else:
        path = os.path.join(TENANTS_DIR, name_or_path + '.yml')
    if not os.path.isfile(path):
        raise FixtureError('tenant fixture %s not found (known names: %s)' % (name_or_path, ', '.join(fixture_names())))
    return path


def fixture_names():
    return sorted(name[:-4] for name in os.listdir(TENANTS_DIR) if name.endswith('.yml'))


def read_fixture(name_or_path):
    """The fixture's data, with `apps_from` replaced by the apps of the fixture it names."""
    path = fixture_path(name_or_path)
    with open(path, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise FixtureError('%s: a fixture is a YAML mapping' % path)
    return with_inherited_apps(data)


def read_state_or_fixture(name_or_path):
    """A state document: a saved .json state as it is, a YAML fixture converted."""
    path = fixture_path(name_or_path)
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    return state_from_fixture(read_fixture(path))


def with_inherited_apps(data):
    source = data.get('apps_from')
    if not source:
        return data
    merged = dict(data)
    del merged['apps_from']
    own = list(data.get('apps') or [])
    own_ids = set(str(app.get('client_id')).lower() for app in own)
    inherited = [app for app in read_fixture(source).get('apps') or [] if str(app.get('client_id')).lower() not in own_ids]
    merged['apps'] = inherited + own
    return merged


def iso_datetime(value):
    """An ISO 8601 UTC string ('...Z') from a YAML date, datetime or string; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime('%Y-%m-%dT%H:%M:%SZ')
    if isinstance(value, datetime.date):
        return value.strftime('%Y-%m-%dT00:00:00Z')
    text = str(value).strip()
    if len(text) == 10:
        return text + 'T00:00:00Z'
    return text


def stable_id(tenant_id, *parts):
    """A GUID that depends only on the tenant and the given names, so fixtures reload identically."""
    return str(uuid.uuid5(uuid.UUID(tenant_id), '/'.join(str(part).lower() for part in parts)))


def app_state(data):
    """A normalised app registration; secrets may be plain strings or {value, expires}."""
    _check_keys(data, APP_KEYS, 'app %s' % data.get('client_id'))
    secrets = []
    for secret in data.get('secrets') or []:
        if isinstance(secret, dict):
            secrets.append({'value': str(secret['value']), 'expires': iso_datetime(secret.get('expires'))})
        else:
            secrets.append({'value': str(secret), 'expires': None})
    managed_identity = data.get('managed_identity')
    if managed_identity not in (None, 'system', 'user'):
        raise FixtureError('app %s: managed_identity must be system, user or absent' % data.get('client_id'))
    return {'client_id': str(data['client_id']).lower(), 'display_name': data.get('display_name', ''),
            'secrets': secrets, 'certificates': list(data.get('certificates') or []),
            'roles': sorted(data.get('roles') or []), 'managed_identity': managed_identity}


def state_from_fixture(data):
    """Convert fixture data (the YAML format of tenants/README.md) into a state document."""
    data = with_inherited_apps(data)
    tenant = _tenant_state(data.get('tenant') or {})
    skus = [_sku_state(entry, tenant['id']) for entry in data.get('skus') or []]
    sku_refs = _SkuReferences(skus)
    users = [_user_state(entry, tenant, sku_refs) for entry in data.get('users') or []]
    groups = _groups_state(data.get('groups') or [], data.get('users') or [], users, tenant, sku_refs)
    return {
        'format': STATE_FORMAT,
        'tenant': tenant,
        'apps': [app_state(app) for app in data.get('apps') or []],
        'skus': skus,
        'users': users,
        'groups': groups,
        'rules': _rules_state(data.get('rules')),
        'phone_numbers': _phone_state(data.get('phone_numbers'), users, tenant),
        'process_groups': True,
    }


def _phone_state(entry, users, tenant):
    try:
        return phone_state_from_fixture(entry, users, tenant['domain'])
    except ValueError as error:
        raise FixtureError(str(error))


def _check_keys(entry, allowed, where):
    if not isinstance(entry, dict):
        raise FixtureError('%s: expected a mapping, got %r' % (where, entry))
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise FixtureError('%s: unknown key(s) %s (allowed: %s)' % (where, ', '.join(unknown), ', '.join(allowed)))


def _tenant_state(entry):
    _check_keys(entry, TENANT_KEYS, 'tenant')
    if not is_guid(entry.get('id')) or not entry.get('domain'):
        raise FixtureError('tenant: id (a GUID) and domain are required')
    country = entry.get('country', 'US')
    if not is_country_code(country):
        raise FixtureError('tenant: country %r is not an ISO 3166-1 alpha-2 code' % country)
    tenant_id = entry['id'].lower()
    return {'id': tenant_id, 'domain': entry['domain'], 'display_name': entry.get('display_name', entry['domain']),
            'country': country, 'created': iso_datetime(entry.get('created')) or DEFAULT_CREATED,
            'account_id': stable_id(tenant_id, 'account')}


def _sku_state(entry, tenant_id):
    where = 'sku %s' % entry.get('part_number') if isinstance(entry, dict) else 'sku'
    _check_keys(entry, SKU_KEYS, where)
    if not entry.get('part_number'):
        raise FixtureError('%s: part_number is required' % where)
    definition = _sku_definition(entry, where)
    applies_to = entry.get('applies_to', 'User')
    status = entry.get('capability_status')
    if applies_to not in ('User', 'Company') or status not in (None,) + CAPABILITY_STATUSES:
        raise FixtureError('%s: applies_to is User or Company; capability_status one of %s' % (where, ', '.join(CAPABILITY_STATUSES)))
    state = {
        'sku_id': definition['sku_id'], 'part_number': entry['part_number'], 'display_name': definition['display_name'],
        'service_plans': [dict(plan, applies_to=plan.get('applies_to') or applies_to) for plan in definition['service_plans']],
        'enabled': int(entry.get('enabled', 0)), 'warning': int(entry.get('warning', 0)),
        'suspended': int(entry.get('suspended', 0)), 'locked_out': int(entry.get('locked_out', 0)),
        'capability_status': status, 'applies_to': applies_to,
        'subscription_ids': list(entry.get('subscription_ids') or [stable_id(tenant_id, 'subscription', entry['part_number'])]),
    }
    if 'expected_available' in entry:
        state['expected_available'] = int(entry['expected_available'])
    return state


def _sku_definition(entry, where):
    """skuId, display name and plans: from the fixture when it gives plans, else from Microsoft's table."""
    if entry.get('service_plans'):
        if not is_guid(entry.get('sku_id')):
            raise FixtureError('%s: a SKU with its own service_plans needs sku_id' % where)
        plans = []
        for plan in entry['service_plans']:
            if not isinstance(plan, dict) or not is_guid(plan.get('id')) or not plan.get('name'):
                raise FixtureError('%s: each service plan needs name and id (a GUID)' % where)
            plans.append({'id': plan['id'].lower(), 'name': plan['name'], 'applies_to': plan.get('applies_to')})
        return {'sku_id': entry['sku_id'].lower(), 'display_name': entry.get('display_name', entry['part_number']),
                'service_plans': plans}
    try:
        product = catalogue().find(entry['part_number'], entry.get('sku_id'))
    except ValueError as error:
        raise FixtureError('%s: %s' % (where, error))
    return {'sku_id': product.sku_id, 'display_name': entry.get('display_name', product.display_name),
            'service_plans': [{'id': plan_id, 'name': name, 'applies_to': None} for plan_id, name in product.service_plans]}


class _SkuReferences(object):
    """Resolve a fixture's licence references (part number or skuId) and plan names to GUIDs."""

    def __init__(self, skus):
        self.by_id = dict((sku['sku_id'], sku) for sku in skus)
        self.by_part = {}
        for sku in skus:
            self.by_part.setdefault(sku['part_number'].upper(), []).append(sku)

    def sku(self, reference, where):
        reference = str(reference)
        if is_guid(reference) and reference.lower() in self.by_id:
            return self.by_id[reference.lower()]
        matches = self.by_part.get(reference.upper(), [])
        if len(matches) != 1:
            problem = 'is not a SKU of this tenant' if not matches else 'names several SKUs: use the sku_id'
            raise FixtureError('%s: licence %s %s' % (where, reference, problem))
        return matches[0]

    def licence(self, reference, where):
        """(skuId, disabled plan ids) from `PART` or `{sku: PART, disabled_plans: [NAME or GUID]}`."""
        if isinstance(reference, dict):
            _check_keys(reference, ('sku', 'disabled_plans'), where)
            sku = self.sku(reference.get('sku'), where)
            return sku['sku_id'], [self._plan_id(sku, plan, where) for plan in reference.get('disabled_plans') or []]
        return self.sku(reference, where)['sku_id'], []

    @staticmethod
    def _plan_id(sku, plan, where):
        for known in sku['service_plans']:
            if str(plan).lower() in (known['id'], known['name'].lower()):
                return known['id']
        raise FixtureError('%s: %s is not a service plan of %s' % (where, plan, sku['part_number']))


def _full_upn(upn, domain):
    upn = str(upn)
    return upn if '@' in upn else '%s@%s' % (upn, domain)


def _user_state(entry, tenant, sku_refs):
    where = 'user %s' % (entry.get('upn') if isinstance(entry, dict) else entry)
    _check_keys(entry, USER_KEYS, where)
    if not entry.get('upn'):
        raise FixtureError('%s: upn is required' % where)
    upn = _full_upn(entry['upn'], tenant['domain'])
    if 'id' in entry and not is_guid(entry['id']):
        raise FixtureError('%s: id must be a GUID' % where)
    usage_location = entry.get('usage_location')
    if usage_location is not None and not is_country_code(usage_location):
        raise FixtureError('%s: usage_location %r is not an ISO 3166-1 alpha-2 code' % (where, usage_location))
    direct = []
    for reference in entry.get('licenses') or []:
        sku_id, disabled = sku_refs.licence(reference, where)
        direct.append({'sku_id': sku_id, 'disabled_plans': disabled, 'last_updated': tenant['created']})
    return {
        'id': str(entry.get('id') or stable_id(tenant['id'], 'user', upn)).lower(),
        'upn': upn,
        'properties': _user_properties(entry, upn, tenant),
        'usage_location': usage_location,
        'direct': direct,
        'group_states': [],
    }


def user_properties(upn, display_name, created, given_name=None, surname=None):
    """The stored Graph properties of a user; fixture users override some of them."""
    words = display_name.split()
    return {
        'accountEnabled': True, 'businessPhones': [], 'city': None, 'companyName': None, 'country': None,
        'createdDateTime': created, 'department': None, 'displayName': display_name,
        'givenName': given_name if given_name is not None else (words[0] if len(words) > 1 else None),
        'jobTitle': None, 'mail': upn, 'mailNickname': upn.split('@')[0], 'mobilePhone': None, 'officeLocation': None,
        'preferredLanguage': 'en-US',
        'surname': surname if surname is not None else (' '.join(words[1:]) if len(words) > 1 else None),
        'userType': 'Member',
    }


def _user_properties(entry, upn, tenant):
    properties = user_properties(upn, entry.get('display_name') or upn.split('@')[0], tenant['created'],
                                 entry.get('given_name'), entry.get('surname'))
    for key, name in USER_PROPERTY_KEYS:
        if key in entry:
            properties[name] = entry[key]
    properties['businessPhones'] = list(entry.get('business_phones') or [])
    properties['preferredLanguage'] = entry.get('preferred_language', 'en-US')
    properties['mail'] = entry.get('mail', upn)
    properties['accountEnabled'] = bool(entry.get('account_enabled', True))
    properties['userType'] = entry.get('user_type', 'Member')
    return properties


def _groups_state(entries, user_entries, users, tenant, sku_refs):
    ids_by_upn = dict((user['upn'].lower(), user['id']) for user in users)
    users_by_id = dict((user['id'], user) for user in users)
    groups = [_group_state(entry, tenant, sku_refs) for entry in entries]
    by_name = dict((group['display_name'].lower(), group) for group in groups)
    by_name.update((group['id'], group) for group in groups)
    for entry, group in zip(entries, groups):
        for upn in entry.get('members') or []:
            _add_member(group, _user_id(ids_by_upn, upn, tenant, 'group %s' % group['display_name']))
    for entry, group in zip(entries, groups):
        for name in entry.get('member_groups') or []:
            nested = by_name.get(str(name).lower())
            if nested is None or nested is group:
                raise FixtureError('group %s: member group %s is not defined under groups' % (group['display_name'], name))
            group['member_groups'].append(nested['id'])
    for user_entry, user in zip(user_entries, users):
        for name in user_entry.get('groups') or []:
            group = by_name.get(str(name).lower())
            if group is None:
                raise FixtureError('user %s: group %s is not defined under groups' % (user['upn'], name))
            _add_member(group, user['id'])
    for entry, group in zip(entries, groups):
        for forced in entry.get('member_states') or []:
            _force_member_state(forced, group, ids_by_upn, users_by_id, tenant, sku_refs)
    return groups


def _group_state(entry, tenant, sku_refs):
    where = 'group %s' % (entry.get('name') if isinstance(entry, dict) else entry)
    _check_keys(entry, GROUP_KEYS, where)
    if not entry.get('name'):
        raise FixtureError('%s: name is required' % where)
    if 'id' in entry and not is_guid(entry['id']):
        raise FixtureError('%s: id must be a GUID' % where)
    licenses = []
    for reference in entry.get('licenses') or []:
        sku_id, disabled = sku_refs.licence(reference, where)
        licenses.append({'sku_id': sku_id, 'disabled_plans': disabled})
    return {'id': str(entry.get('id') or stable_id(tenant['id'], 'group', entry['name'])).lower(),
            'display_name': entry['name'], 'description': entry.get('description'),
            'created': tenant['created'], 'members': [], 'member_groups': [], 'licenses': licenses, 'pending_in': None,
            'security_enabled': bool(entry.get('security_enabled', True)), 'group_types': list(entry.get('group_types') or [])}


def _add_member(group, user_id):
    if user_id not in group['members']:
        group['members'].append(user_id)


def _user_id(ids_by_upn, upn, tenant, where):
    user_id = ids_by_upn.get(_full_upn(upn, tenant['domain']).lower())
    if user_id is None:
        raise FixtureError('%s: member %s is not defined under users' % (where, upn))
    return user_id


def _force_member_state(forced, group, ids_by_upn, users_by_id, tenant, sku_refs):
    """A group licence state given in the fixture (e.g. an old CountViolation) instead of computed."""
    where = 'group %s member_states' % group['display_name']
    _check_keys(forced, ('user', 'sku', 'state', 'error'), where)
    user_id = _user_id(ids_by_upn, forced.get('user'), tenant, where)
    if user_id not in group['members']:
        raise FixtureError('%s: %s is not a member' % (where, forced.get('user')))
    sku_id = sku_refs.sku(forced.get('sku'), where)['sku_id']
    licence = next((item for item in group['licenses'] if item['sku_id'] == sku_id), None)
    state, error = forced.get('state', 'Error'), forced.get('error')
    if licence is None or state not in STATES or error not in (None,) + ERRORS:
        raise FixtureError('%s: the group must assign the SKU; state one of %s; error one of %s'
                           % (where, ', '.join(STATES), ', '.join(ERRORS)))
    users_by_id[user_id]['group_states'].append({
        'group_id': group['id'], 'sku_id': sku_id, 'disabled_plans': list(licence['disabled_plans']),
        'state': state, 'error': error, 'last_updated': tenant['created']})


def _rules_state(rules):
    rules = rules or {}
    _check_keys(rules, ('mutually_exclusive', 'dependencies'), 'rules')
    exclusive = rules.get('mutually_exclusive') or []
    dependencies = rules.get('dependencies') or []
    if not all(isinstance(names, list) and len(names) > 1 for names in exclusive):
        raise FixtureError('rules.mutually_exclusive: each entry is a list of two or more plan names')
    for rule in dependencies:
        _check_keys(rule, ('plan', 'requires_any'), 'rules.dependencies')
        if not rule.get('plan') or not rule.get('requires_any'):
            raise FixtureError('rules.dependencies: each entry needs plan and requires_any')
    return {'mutually_exclusive': [list(names) for names in exclusive],
            'dependencies': [{'plan': rule['plan'], 'requires_any': list(rule['requires_any'])} for rule in dependencies]}


# --- generated large tenants -------------------------------------------------------------------

# Always present in a generated tenant, so benchmarks find the Teams SKUs; seats are sized from the user count.
GENERATED_CORE_SKUS = ('ENTERPRISEPACK', 'SPE_E5', 'ENTERPRISEPREMIUM', 'MCOEV', 'MCOPSTN1', 'MCOPSTN2', 'MCOMEETADV',
                       'MCOPSTNC', 'PHONESYSTEM_VIRTUALUSER', 'MCOTEAMS_ESSENTIALS', 'STANDARDPACK', 'SPE_E3')
GENERATED_GROUP = 'Generated Teams Phone Users'


def generated_state(users=10000, skus=50, seed=0, identity=None):
    """A large tenant with contoso's identity (or `identity`: tenant keys to override), apps and rules (layout in tenants/README.md)."""
    base = read_fixture('contoso')
    tenant = _tenant_state(dict(base['tenant'], **(identity or {})))
    products = _generated_products(skus, seed)
    sku_states = [_generated_sku(product, tenant['id'], users) for product in products]
    ids = dict((sku['part_number'], sku['sku_id']) for sku in sku_states)
    user_states = [_generated_user(number, tenant, ids) for number in range(1, users + 1)]
    group = {'id': stable_id(tenant['id'], 'group', GENERATED_GROUP), 'display_name': GENERATED_GROUP,
             'description': 'Every 50th generated user; assigns Teams Phone Standard',
             'created': tenant['created'], 'members': [user['id'] for user in user_states[::50]],
             'licenses': [{'sku_id': ids['MCOEV'], 'disabled_plans': []}] if 'MCOEV' in ids else [],
             'pending_in': None}
    return {'format': STATE_FORMAT, 'tenant': tenant, 'apps': [app_state(app) for app in base.get('apps') or []],
            'skus': sku_states, 'users': user_states, 'groups': [group], 'rules': _rules_state(base.get('rules')),
            'process_groups': True}


def _generated_products(count, seed):
    table = catalogue()
    core = [table.find(part) for part in GENERATED_CORE_SKUS][:count]
    core_ids = set(product.sku_id for product in core)
    others = sorted(sku_id for sku_id, product in table.by_id.items()
                    if sku_id not in core_ids and len(table.ids_by_part_number[product.part_number.upper()]) == 1)
    extra = random.Random(seed).sample(others, max(0, min(count - len(core), len(others))))
    return core + [table.by_id[sku_id] for sku_id in extra]


def _generated_sku(product, tenant_id, users):
    if product.part_number == 'MCOPSTNC':
        enabled = MCOPSTNC_UNITS
    elif product.part_number in GENERATED_CORE_SKUS:
        enabled = users + 100
    else:
        enabled = 25
    return {'sku_id': product.sku_id, 'part_number': product.part_number, 'display_name': product.display_name,
            'service_plans': [{'id': plan_id, 'name': name, 'applies_to': 'User'} for plan_id, name in product.service_plans],
            'enabled': enabled, 'warning': 0, 'suspended': 0, 'locked_out': 0, 'capability_status': None,
            'applies_to': 'User', 'subscription_ids': [stable_id(tenant_id, 'subscription', product.part_number)]}


def _generated_user(number, tenant, ids):
    """userNNNNN: every 20th has no usage location and no licence, every 10th (9 mod 10) SPE_E5,
    8 mod 10 E3 + MCOEV + MCOPSTN1, everyone else E3 only."""
    upn = 'user%05d@%s' % (number, tenant['domain'])
    if number % 20 == 0:
        parts, usage_location = (), None
    elif number % 10 == 9:
        parts, usage_location = ('SPE_E5',), 'US'
    elif number % 10 == 8:
        parts, usage_location = ('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'), 'US'
    else:
        parts, usage_location = ('ENTERPRISEPACK',), 'US'
    return {
        'id': stable_id(tenant['id'], 'user', upn), 'upn': upn,
        'properties': user_properties(upn, 'User %05d' % number, tenant['created'], 'User', '%05d' % number),
        'usage_location': usage_location,
        'direct': [{'sku_id': ids[part], 'disabled_plans': [], 'last_updated': tenant['created']} for part in parts if part in ids],
        'group_states': [],
    }
